import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import { GoRand, seedFromDigest } from '../main/core/protocol/gorand'
import { sha256 } from '../main/core/protocol/crypto'
import { loadProtocolTestVectors, loadVectors, sharedDir } from './support/vectors'

interface GoRandCase {
  name: string
  seed: string
  seed_from_sha256_of?: string
  int63_first5: string[]
  intn100_first8: number[]
  intn_mixed: { ns: number[]; values: number[] }
}

/**
 * The protocol test-vectors file stores 64-bit results as bare JSON numbers, which JSON.parse
 * rounds; read that one list from the raw text so the comparison stays exact.
 */
function exactIntegerList(key: string): bigint[] {
  const text = readFileSync(resolve(sharedDir, 'protocol/data/test-vectors.json'), 'utf8')
  const m = new RegExp(`"${key}"\\s*:\\s*\\[([^\\]]*)\\]`).exec(text)
  if (!m) throw new Error(`${key} not found in test-vectors.json`)
  return m[1]!.split(',').map((s) => BigInt(s.trim()))
}

describe('Go math/rand port (go_rand.json)', () => {
  const cases = loadVectors<GoRandCase>('go_rand.json').cases

  it('has cases to check', () => {
    expect(cases.length).toBeGreaterThanOrEqual(5)
  })

  for (const c of cases) {
    describe(c.name, () => {
      it('reproduces the first five Int63 values', () => {
        const r = new GoRand(BigInt(c.seed))
        expect(c.int63_first5.map(() => r.int63().toString())).toEqual(c.int63_first5)
      })

      it('reproduces eight Intn(100) draws', () => {
        const r = new GoRand(BigInt(c.seed))
        expect(c.intn100_first8.map(() => r.intn(100))).toEqual(c.intn100_first8)
      })

      it('reproduces mixed Intn draws on one source', () => {
        const r = new GoRand(BigInt(c.seed))
        expect(c.intn_mixed.ns.map((n) => r.intn(n))).toEqual(c.intn_mixed.values)
      })

      if (c.seed_from_sha256_of !== undefined) {
        it('derives the seed from SHA-256 like the reference', () => {
          expect(seedFromDigest(sha256(c.seed_from_sha256_of!)).toString()).toBe(c.seed)
        })
      }
    })
  }
})

describe('Go math/rand port (protocol test-vectors mathrand)', () => {
  const mathrand = loadProtocolTestVectors().mathrand as Record<string, number[]>

  it('seed 1 Int63 sequence, exact to the last digit', () => {
    const expected = exactIntegerList('seed1_int63')
    expect(expected.length).toBe(mathrand.seed1_int63!.length)
    const r = new GoRand(1n)
    expect(expected.map(() => r.int63())).toEqual(expected)
  })

  it('seed 1 Intn(100) sequence', () => {
    const r = new GoRand(1n)
    expect(mathrand.seed1_intn100!.map(() => r.intn(100))).toEqual(mathrand.seed1_intn100)
  })

  it('negative seed Intn(59) sequence', () => {
    const r = new GoRand(-1234567890123456789n)
    expect(mathrand.seedNeg1234567890123456789_intn59!.map(() => r.intn(59))).toEqual(
      mathrand.seedNeg1234567890123456789_intn59
    )
  })
})

describe('GoRand behaviour', () => {
  it('Int63 is Uint64 with the top bit cleared, and Int31 its top 31 bits', () => {
    const a = new GoRand(42n)
    const b = new GoRand(42n)
    const c = new GoRand(42n)
    for (let i = 0; i < 1000; i++) {
      const u = a.uint64()
      expect(u >= 0n && u < 1n << 64n).toBe(true)
      const i63 = b.int63()
      expect(i63).toBe(u & ((1n << 63n) - 1n))
      expect(c.int31()).toBe(Number(i63 >> 32n))
    }
  })

  it('reduces the seed modulo 2^31-1 and replaces zero, as Go does', () => {
    const draw = (seed: bigint) => {
      const r = new GoRand(seed)
      return [r.int63(), r.int63()]
    }
    expect(draw(2147483647n + 5n)).toEqual(draw(5n))
    expect(draw(2147483647n)).toEqual(draw(0n))
    expect(draw(0n)).toEqual(draw(89482311n))
    expect(draw(-5n)).toEqual(draw(2147483647n - 5n))
    expect(draw(1n)).not.toEqual(draw(2n))
  })

  it('keeps Intn within range, including powers of two', () => {
    const r = new GoRand(7n)
    for (const n of [1, 2, 16, 59, 1000, 2 ** 30, 2147483647]) {
      for (let i = 0; i < 200; i++) {
        const v = r.intn(n)
        expect(Number.isInteger(v) && v >= 0 && v < n).toBe(true)
      }
    }
  })

  it('rejects n outside Go Int31n range like Go panics', () => {
    const r = new GoRand(1n)
    expect(() => r.intn(0)).toThrow(RangeError)
    expect(() => r.intn(-3)).toThrow(RangeError)
    expect(() => r.intn(1.5)).toThrow(RangeError)
    expect(() => r.intn(2 ** 31)).toThrow(RangeError)
  })

  it('seedFromDigest reads a signed big-endian int64 and refuses short input', () => {
    expect(seedFromDigest(Uint8Array.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 9]))).toBe(-1n)
    expect(seedFromDigest(Uint8Array.from([0x80, 0, 0, 0, 0, 0, 0, 0]))).toBe(-(2n ** 63n))
    expect(() => seedFromDigest(new Uint8Array(7))).toThrow(RangeError)
  })
})
