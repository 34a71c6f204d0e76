/**
 * Differential test: our key-expression code against Zenoh's own Rust code (zenoh-keyexpr),
 * which @eclipse-zenoh/zenoh-ts ships compiled to WebAssembly. The package's glue expects a
 * bundler, so the module is instantiated here directly with a minimal hand-written glue; a Rust
 * panic poisons an instance, so the oracle re-instantiates after one.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { seededRandom, type Random } from '../main/core/clock'
import { canonize, includes, intersects, parseKeyExpr } from '../main/core/bus/keyexpr'
import { repoRoot } from './support/vectors'

type Outcome<T> = { kind: 'ok'; value: T } | { kind: 'error'; message: string } | { kind: 'panic' }

interface WasmExports {
  memory: WebAssembly.Memory
  new_key_expr(p: number, l: number): [number, number]
  autocanonize(p: number, l: number): [number, number, number, number]
  intersects(p1: number, l1: number, p2: number, l2: number): [number, number, number]
  includes(p1: number, l1: number, p2: number, l2: number): [number, number, number]
  __wbindgen_export_0: WebAssembly.Table
  __wbindgen_malloc(size: number, align: number): number
  __wbindgen_free(ptr: number, size: number, align: number): void
  __externref_table_dealloc(idx: number): void
  __wbindgen_start(): void
}

function findZenohWasm(): { module: WebAssembly.Module; path: string } {
  const pkgDir = join(repoRoot, 'node_modules', '@eclipse-zenoh', 'zenoh-ts')
  // key_expr.js (what the package's KeyExpr class uses) imports the "wrapper" build.
  const path = join(pkgDir, 'dist', 'key_expr', 'zenoh_keyexpr_wrapper_bg.wasm')
  return { module: new WebAssembly.Module(readFileSync(path)), path }
}

class ZenohOracle {
  private ex!: WasmExports
  private readonly enc = new TextEncoder()
  private readonly dec = new TextDecoder('utf-8', { fatal: true })
  panics = 0

  constructor(private readonly module: WebAssembly.Module) {
    this.instantiate()
  }

  private instantiate(): void {
    const imports = {
      './zenoh_keyexpr_wrapper_bg.js': {
        __wbindgen_string_new: (ptr: number, len: number) => this.read(ptr, len),
        __wbindgen_throw: (ptr: number, len: number) => {
          throw new Error(this.read(ptr, len))
        },
        __wbindgen_init_externref_table: () => {
          const table = this.ex.__wbindgen_export_0
          const offset = table.grow(4)
          table.set(0, undefined)
          table.set(offset + 0, undefined)
          table.set(offset + 1, null)
          table.set(offset + 2, true)
          table.set(offset + 3, false)
        }
      }
    }
    const instance = new WebAssembly.Instance(this.module, imports)
    this.ex = instance.exports as unknown as WasmExports
    this.ex.__wbindgen_start()
  }

  private read(ptr: number, len: number): string {
    return this.dec.decode(new Uint8Array(this.ex.memory.buffer, ptr >>> 0, len))
  }

  private pass(s: string): [number, number] {
    const bytes = this.enc.encode(s)
    const ptr = this.ex.__wbindgen_malloc(bytes.length, 1) >>> 0
    new Uint8Array(this.ex.memory.buffer).set(bytes, ptr)
    return [ptr, bytes.length]
  }

  private take(idx: number): unknown {
    const v: unknown = this.ex.__wbindgen_export_0.get(idx)
    this.ex.__externref_table_dealloc(idx)
    return v
  }

  private guard<T>(f: () => Outcome<T>): Outcome<T> {
    try {
      return f()
    } catch (e) {
      if (e instanceof WebAssembly.RuntimeError) {
        this.panics++
        this.instantiate()
        return { kind: 'panic' }
      }
      throw e
    }
  }

  valid(s: string): Outcome<true> {
    return this.guard(() => {
      const [p, l] = this.pass(s)
      const r = this.ex.new_key_expr(p, l)
      return r[1] ? { kind: 'error', message: String(this.take(r[0])) } : { kind: 'ok', value: true }
    })
  }

  autocanonize(s: string): Outcome<string> {
    return this.guard(() => {
      const [p, l] = this.pass(s)
      const r = this.ex.autocanonize(p, l)
      if (r[3]) return { kind: 'error', message: String(this.take(r[2])) }
      const out = this.read(r[0], r[1])
      this.ex.__wbindgen_free(r[0], r[1], 1)
      return { kind: 'ok', value: out }
    })
  }

  private relation(f: 'intersects' | 'includes', a: string, b: string): Outcome<boolean> {
    return this.guard(() => {
      const [p1, l1] = this.pass(a)
      const [p2, l2] = this.pass(b)
      const r = this.ex[f](p1, l1, p2, l2)
      return r[2] ? { kind: 'error', message: String(this.take(r[1])) } : { kind: 'ok', value: r[0] !== 0 }
    })
  }

  intersects(a: string, b: string): Outcome<boolean> {
    return this.relation('intersects', a, b)
  }

  includes(a: string, b: string): Outcome<boolean> {
    return this.relation('includes', a, b)
  }
}

/**
 * Random expressions biased towards the interesting cases: tiny alphabets (so chunks collide),
 * every wildcard form, verbatim chunks, non-canonical spellings and outright invalid pieces.
 */
function generator(rnd: Random): () => string {
  const pick = <T>(xs: readonly T[]): T => xs[rnd.intn(xs.length)]!
  const literal = (): string => pick(['a', 'b', 'ab', 'ba', 'a', 'b', 'c', 'é', 'a-b', 'aa'])
  const glob = (): string =>
    pick([
      () => `${literal()}$*`,
      () => `$*${literal()}`,
      () => `${literal()}$*${literal()}`,
      () => `$*${literal()}$*`,
      () => `${literal()}$*${literal()}$*${literal()}`,
      () => `$*${literal()}$*${literal()}$*`
    ])()
  const verbatim = (): string => pick(['@a', '@b', '@a', `@${literal()}$*`, '@$*', '@ab'])
  const noncanonical = (): string =>
    rnd.intn(4) === 0
      ? pick([`${literal()}$*$*`, `${literal()}$*$*${literal()}`, `$*${literal()}$*$*$*`])
      : pick(['$*', '$*$*', `$*$*${literal()}`, '**/**', '**/*', '$*$*$*', `$*$*${literal()}$*`])
  const invalid = (): string => pick(['', '$', `${literal()}$`, '#', '?', '*a', 'a*', '***', '$**', '*$*', 'a$b', '$*$'])
  const chunk = (): string => {
    const x = rnd.float()
    if (x < 0.3) return literal()
    if (x < 0.45) return '*'
    if (x < 0.6) return '**'
    if (x < 0.75) return glob()
    if (x < 0.87) return verbatim()
    if (x < 0.96) return noncanonical()
    return invalid()
  }
  return () => {
    const n = 1 + rnd.intn(5)
    const chunks: string[] = []
    for (let i = 0; i < n; i++) chunks.push(chunk())
    return chunks.join('/')
  }
}

/**
 * Zenoh's canonizer (canon.rs) mishandles a `$*$*` run that does not start its chunk: it drops
 * characters after the run or panics with an out-of-bounds slice (e.g. `a$*$*b`). Strict
 * validation, intersects and includes are unaffected. Inputs in this class still get compared,
 * but a disagreement there is attributed to that bug (and our result must be valid by Zenoh).
 */
function hitsZenohMidChunkDollarBug(s: string): boolean {
  return s.split('/').some((c) => c.replace(/^(?:\$\*)+/, '').includes('$*$*'))
}

describe('key expressions: differential test against Zenoh WASM', () => {
  const { module, path } = findZenohWasm()

  it('the oracle is really Zenoh (sanity on known answers)', () => {
    const z = new ZenohOracle(module)
    expect(path).toMatch(/zenoh_keyexpr_wrapper_bg\.wasm$/)
    expect(z.valid('a/**/b')).toEqual({ kind: 'ok', value: true })
    expect(z.valid('a/**/**').kind).toBe('error')
    expect(z.autocanonize('hello/**/*')).toEqual({ kind: 'ok', value: 'hello/*/**' })
    expect(z.intersects('@a/**', '@a/@b')).toEqual({ kind: 'ok', value: false })
    expect(z.includes('x/a$*e', 'x/a$*d$*e')).toEqual({ kind: 'ok', value: true })
    // The canonizer bug described above, pinned so a fixed Zenoh shows up here.
    expect(z.autocanonize('a$*$*b').kind).toBe('panic')
    expect(z.autocanonize('a$*$*bc$*d')).toMatchObject({ kind: 'error' })
    expect(canonize('a$*$*bc$*d')).toEqual({ ok: true, value: 'a$*bc$*d' })
    // and the oracle still works after a panic
    expect(z.valid('a$*b')).toEqual({ kind: 'ok', value: true })
  })

  it('differential: ≥ 100,000 random pairs agree with Zenoh on validity, canon form, intersects, includes', () => {
    const z = new ZenohOracle(module)
    const next = generator(seededRandom(0x0910))
    const PAIRS = 100_000
    const stats = {
      pairs: 0,
      validity: 0,
      canon: 0,
      canonBugClass: 0,
      canonBugClassDisagree: 0,
      relationPairs: 0,
      intersectsTrue: 0,
      includesTrue: 0,
      relations: 0
    }
    const mismatches: string[] = []
    const note = (m: string): void => {
      if (mismatches.length < 20) mismatches.push(m)
    }

    const canonOf = (s: string): string | null => {
      stats.validity++
      const zv = z.valid(s).kind === 'ok'
      const ours = parseKeyExpr(s).ok
      if (zv !== ours) note(`validity ${JSON.stringify(s)}: zenoh ${zv}, ours ${ours}`)
      const zc = z.autocanonize(s)
      const oc = canonize(s)
      const bugClass = hitsZenohMidChunkDollarBug(s)
      if (bugClass) stats.canonBugClass++
      else stats.canon++
      const zs = zc.kind === 'ok' ? zc.value : null
      const os = oc.ok ? oc.value : null
      if (zs !== os) {
        if (!bugClass) note(`canon ${JSON.stringify(s)}: zenoh ${zc.kind === 'ok' ? zc.value : zc.kind}, ours ${os}`)
        else {
          stats.canonBugClassDisagree++
          if (os !== null && z.valid(os).kind !== 'ok') note(`our canon ${os} of ${JSON.stringify(s)} is invalid for zenoh`)
        }
      }
      return bugClass ? os : zs === os ? os : null
    }

    for (let i = 0; i < PAIRS; i++) {
      stats.pairs++
      const a = canonOf(next())
      const b = canonOf(next())
      if (a === null || b === null) continue
      stats.relationPairs++
      const checks: [string, Outcome<boolean>, boolean][] = [
        ['intersects', z.intersects(a, b), intersects(a, b)],
        ['includes', z.includes(a, b), includes(a, b)],
        ['includes⁻¹', z.includes(b, a), includes(b, a)]
      ]
      for (const [name, zr, ours] of checks) {
        stats.relations++
        if (zr.kind !== 'ok' || zr.value !== ours) {
          note(`${name}(${a}, ${b}): zenoh ${zr.kind === 'ok' ? zr.value : zr.kind}, ours ${ours}`)
        }
      }
      if (checks[0]![2]) stats.intersectsTrue++
      if (checks[1]![2] || checks[2]![2]) stats.includesTrue++
    }

    console.log(`[differential] vs Zenoh WASM: ${JSON.stringify(stats)}; zenoh panics ${z.panics}`)
    expect(mismatches).toEqual([])
    expect(stats.pairs).toBeGreaterThanOrEqual(100_000)
    // The grammar must actually exercise the interesting branches.
    expect(stats.relationPairs).toBeGreaterThan(40_000)
    expect(stats.intersectsTrue).toBeGreaterThan(stats.relationPairs * 0.1)
    expect(stats.intersectsTrue).toBeLessThan(stats.relationPairs * 0.85)
    expect(stats.includesTrue).toBeGreaterThan(stats.relationPairs * 0.05)
  })
})
