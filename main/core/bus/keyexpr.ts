/**
 * Key expressions with Eclipse Zenoh's semantics (RFC-0910 data plane). Pure and browser-safe.
 *
 * A key expression is a '/'-separated list of non-empty chunks naming a set of keys:
 *   literal chunk     exactly that chunk
 *   `*`               any one chunk
 *   `**`              zero or more chunks
 *   `a$*b`            `$*` matches any run of characters inside one chunk
 *   `@name`           a verbatim chunk: matched only by the identical chunk, never by `*`, `**`, `$*`
 * Only canonical expressions are valid (`a/**` not `a/**` `/**`), so string equality is set
 * equality. `canonize` rewrites a non-canonical expression; `parseKeyExpr` is strict.
 *
 * Validity, `intersects` and `includes` agree with Zenoh's Rust code (zenoh-keyexpr, as shipped
 * compiled to WASM in @eclipse-zenoh/zenoh-ts): see test/keyexpr-differential.test.ts.
 */
import type { Result } from '../result'

export type KeyExprErrorCode =
  | 'empty'
  | 'too_long'
  | 'leading_slash'
  | 'trailing_slash'
  | 'empty_chunk'
  | 'lone_dollar_star'
  | 'double_star_after_double_star'
  | 'single_star_after_double_star'
  | 'stars_in_chunk'
  | 'dollar_after_dollar_star'
  | 'unbound_dollar'
  | 'sharp_or_question_mark'
  | 'not_a_string'

export interface KeyExprError {
  readonly code: KeyExprErrorCode
  readonly reason: string
  readonly input: string
  /** For inputs that are only non-canonical: the canonical spelling to use instead. */
  readonly canon?: string
}

/** Thrown by the throwing conveniences (`keyExpr`, `intersects`, data-plane calls). */
export class InvalidKeyExprError extends Error {
  readonly code: KeyExprErrorCode
  readonly reason: string
  readonly input: string
  readonly canon?: string

  constructor(e: KeyExprError) {
    super(`invalid key expression ${JSON.stringify(e.input)}: ${e.reason}${e.canon ? ` (canonical form: ${JSON.stringify(e.canon)})` : ''}`)
    this.name = 'InvalidKeyExprError'
    this.code = e.code
    this.reason = e.reason
    this.input = e.input
    if (e.canon !== undefined) this.canon = e.canon
  }
}

/** Untrusted input cap; Zenoh itself has none, but no key of ours comes near it. */
export const MAX_KEYEXPR_LENGTH = 4096

/** How a chunk takes part in matching (`Glob`: contains `$*`). */
const Kind = { Literal: 0, Verbatim: 1, Star: 2, DoubleStar: 3, Glob: 4 } as const
type Kind = (typeof Kind)[keyof typeof Kind]

/** A validated, canonical key expression, pre-split for matching. */
export interface KeyExpr {
  readonly text: string
  readonly chunks: readonly string[]
  /** Contains any wildcard (`*`, `**` or `$*`). */
  readonly wild: boolean
  /** @internal chunk kinds */
  readonly kinds: Uint8Array
}

type KResult<T> = Result<T, KeyExprError>

const fail = (code: KeyExprErrorCode, reason: string, input: string, canon?: string): KResult<never> => ({
  ok: false,
  error: canon === undefined ? { code, reason, input } : { code, reason, input, canon }
})

const CANON_FORM_CODES: ReadonlySet<KeyExprErrorCode> = new Set([
  'lone_dollar_star',
  'double_star_after_double_star',
  'single_star_after_double_star',
  'dollar_after_dollar_star'
])

function checkChunk(chunk: string, index: number, last: number, prevDoubleStar: boolean): [KeyExprErrorCode, string] | null {
  if (chunk === '') {
    if (index === 0 && last > 0) return ['leading_slash', "a key expression may not start with '/'"]
    if (index === last && last > 0) return ['trailing_slash', "a key expression may not end with '/'"]
    return ['empty_chunk', "empty chunks ('//') are forbidden"]
  }
  if (chunk === '$*') return ['lone_dollar_star', "a chunk that is only '$*' must be written '*'"]
  if (prevDoubleStar && chunk === '**') return ['double_star_after_double_star', "'**/**' must be written '**'"]
  if (prevDoubleStar && chunk === '*') return ['single_star_after_double_star', "'**/*' must be written '*/**'"]
  if (chunk === '*' || chunk === '**') return null
  for (let i = 0; i < chunk.length; i++) {
    const c = chunk.charCodeAt(i)
    if (c === 0x2a /* * */ && chunk.charCodeAt(i - 1) !== 0x24) {
      return ['stars_in_chunk', "'*' and '**' must be whole chunks; inside a chunk only '$*' is allowed"]
    }
    if (c === 0x24 /* $ */) {
      if (chunk.charCodeAt(i + 1) !== 0x2a) return ['unbound_dollar', "'$' is only allowed as '$*'"]
      if (chunk.charCodeAt(i + 2) === 0x24) return ['dollar_after_dollar_star', "'$*$*' must be written '$*'"]
    }
    if (c === 0x23 || c === 0x3f) return ['sharp_or_question_mark', "'#' and '?' are forbidden characters"]
  }
  return null
}

function kindOf(chunk: string): Kind {
  if (chunk === '*') return Kind.Star
  if (chunk === '**') return Kind.DoubleStar
  if (chunk.charCodeAt(0) === 0x40 /* @ */) return Kind.Verbatim
  return chunk.includes('$*') ? Kind.Glob : Kind.Literal
}

/** Strict parse: the input must be a valid, canonical key expression. */
export function parseKeyExpr(input: unknown): KResult<KeyExpr> {
  const r = parseStrict(input)
  if (r.ok || !CANON_FORM_CODES.has(r.error.code)) return r
  const c = canonize(r.error.input)
  return c.ok ? fail(r.error.code, r.error.reason, r.error.input, c.value) : r
}

function parseStrict(input: unknown): KResult<KeyExpr> {
  if (typeof input !== 'string') return fail('not_a_string', 'a key expression must be a string', String(input))
  if (input === '') return fail('empty', 'a key expression may not be empty', input)
  if (input.length > MAX_KEYEXPR_LENGTH) {
    return fail('too_long', `longer than ${MAX_KEYEXPR_LENGTH} characters`, input.slice(0, 64) + '…')
  }
  const chunks = input.split('/')
  const last = chunks.length - 1
  const kinds = new Uint8Array(chunks.length)
  let prevDoubleStar = false
  for (let i = 0; i <= last; i++) {
    const chunk = chunks[i]!
    const problem = checkChunk(chunk, i, last, prevDoubleStar)
    if (problem) return fail(problem[0], problem[1], input)
    prevDoubleStar = chunk === '**'
    kinds[i] = kindOf(chunk)
  }
  return { ok: true, value: { text: input, chunks, kinds, wild: input.includes('*') } }
}

/** True when `input` is a valid key expression in canon form. */
export function isCanon(input: string): boolean {
  return parseKeyExpr(input).ok
}

/** Parses strictly or throws `InvalidKeyExprError`. */
export function keyExpr(input: string): KeyExpr {
  const r = parseKeyExpr(input)
  if (!r.ok) throw new InvalidKeyExprError(r.error)
  return r.value
}

const DOLLAR_STAR_RUN = /(?:\$\*){2,}/g

/**
 * Rewrites to canon form, then validates: runs of `$*` collapse to one, a chunk that is only
 * `$*` becomes `*`, runs of `**` collapse to one, and `*` chunks move in front of an adjacent
 * `**` (`**` `/*` becomes `*` `/**`). Fails when the rewritten text is still invalid.
 */
export function canonize(input: string): KResult<string> {
  if (typeof input !== 'string') return fail('not_a_string', 'a key expression must be a string', String(input))
  if (input.length > MAX_KEYEXPR_LENGTH) return parseStrict(input) as KResult<never>
  const out: string[] = []
  let pendingDoubleStar = false
  for (const raw of input.split('/')) {
    let chunk = raw.includes('$*$*') ? raw.replace(DOLLAR_STAR_RUN, '$*') : raw
    if (chunk === '$*') chunk = '*'
    if (chunk === '**') {
      pendingDoubleStar = true
    } else if (chunk === '*') {
      out.push('*')
    } else {
      if (pendingDoubleStar) out.push('**')
      pendingDoubleStar = false
      out.push(chunk)
    }
  }
  if (pendingDoubleStar) out.push('**')
  const text = out.join('/')
  const r = parseStrict(text)
  if (r.ok) return { ok: true, value: text }
  return fail(r.error.code, r.error.reason, input)
}

/** Accepts a KeyExpr or parses a string strictly (throwing on invalid input). */
function toKeyExpr(k: string | KeyExpr): KeyExpr {
  return typeof k === 'string' ? keyExpr(k) : k
}

// ---------------------------------------------------------------------------------------------
// Chunk-level relations. `$*` inside a chunk is a glob star; the `*` of a whole-chunk wildcard is
// handled by the chunk kind, so the glob routines only ever see `$*` as a two-character token.

type Step = (i: number, j: number, go: (i: number, j: number) => boolean) => boolean

/**
 * Runs a two-sequence walk from (0, 0), remembering each (i, j) verdict so every pair is
 * decided once: the star rules branch, and without the memo `**`-heavy inputs go exponential.
 */
function memoisedWalk(n: number, m: number, step: Step): boolean {
  const memo = new Uint8Array((n + 1) * (m + 1))
  const go = (i: number, j: number): boolean => {
    const slot = i * (m + 1) + j
    const seen = memo[slot]
    if (seen) return seen === 1
    const r = step(i, j, go)
    memo[slot] = r ? 1 : 2
    return r
  }
  return go(0, 0)
}

/** Some string matches both glob patterns (literal chunks are globs without stars). */
function globsIntersect(p: string, q: string): boolean {
  const n = p.length
  const m = q.length
  return memoisedWalk(n, m, (i, j, go) => {
    const pEnd = i === n
    const qEnd = j === m
    const pStar = !pEnd && p.charCodeAt(i) === 0x24
    const qStar = !qEnd && q.charCodeAt(j) === 0x24
    if (pStar && qStar) return go(i + 2, j) || go(i, j + 2)
    if (pStar) return go(i + 2, j) || (!qEnd && go(i, j + 1))
    if (qStar) return go(i, j + 2) || (!pEnd && go(i + 1, j))
    if (pEnd || qEnd) return pEnd && qEnd
    return p.charCodeAt(i) === q.charCodeAt(j) && go(i + 1, j + 1)
  })
}

/**
 * Every string matching glob `r` matches glob `l`: a star of `r` can only be covered by a star of
 * `l`, so `r`'s stars are opaque tokens that `l`'s literals never match.
 */
function globIncludes(l: string, r: string): boolean {
  const n = l.length
  const m = r.length
  return memoisedWalk(n, m, (i, j, go) => {
    if (i === n) return j === m
    if (l.charCodeAt(i) === 0x24) return go(i + 2, j) || (j < m && go(i, j + (r.charCodeAt(j) === 0x24 ? 2 : 1)))
    return j < m && r.charCodeAt(j) !== 0x24 && l.charCodeAt(i) === r.charCodeAt(j) && go(i + 1, j + 1)
  })
}

function chunkIntersects(a: string, ka: number, b: string, kb: number): boolean {
  if (a === b) return true
  if (ka === Kind.Verbatim || kb === Kind.Verbatim) return false
  if (ka === Kind.Star || kb === Kind.Star) return true
  if (ka === Kind.Glob || kb === Kind.Glob) return globsIntersect(a, b)
  return false
}

function chunkIncludes(l: string, kl: number, r: string, kr: number): boolean {
  if (l === r) return true
  if (kl === Kind.Verbatim || kr === Kind.Verbatim) return false
  if (kl === Kind.Star) return true
  if (kl === Kind.Glob) return globIncludes(l, kr === Kind.Star ? '$*' : r)
  return false
}

// ---------------------------------------------------------------------------------------------
// Expression-level relations, memoised over (chunk of a, chunk of b) so `**`-heavy inputs stay
// polynomial.

function exprsIntersect(a: KeyExpr, b: KeyExpr): boolean {
  const A = a.chunks
  const B = b.chunks
  const ka = a.kinds
  const kb = b.kinds
  const n = A.length
  const m = B.length
  return memoisedWalk(n, m, (i, j, go) => {
    if (i === n) return j === m || (j === m - 1 && kb[j] === Kind.DoubleStar)
    if (j === m) return i === n - 1 && ka[i] === Kind.DoubleStar
    if (ka[i] === Kind.DoubleStar) return go(i + 1, j) || (kb[j] !== Kind.Verbatim && go(i, j + 1))
    if (kb[j] === Kind.DoubleStar) return go(i, j + 1) || (ka[i] !== Kind.Verbatim && go(i + 1, j))
    return chunkIntersects(A[i]!, ka[i]!, B[j]!, kb[j]!) && go(i + 1, j + 1)
  })
}

function exprIncludes(a: KeyExpr, b: KeyExpr): boolean {
  const A = a.chunks
  const B = b.chunks
  const ka = a.kinds
  const kb = b.kinds
  const n = A.length
  const m = B.length
  const noVerbatimFrom = (j: number): boolean => {
    for (let k = j; k < m; k++) if (kb[k] === Kind.Verbatim) return false
    return true
  }
  // go(i, j): the keys of b[j..] all belong to a[i..] (i < n always).
  return memoisedWalk(n, m, (i, j, go) => {
    if (ka[i] === Kind.DoubleStar) {
      // A trailing `**` covers any rest without verbatim chunks; otherwise it either stops here
      // or swallows b's next chunk (which must exist, be non-verbatim, and leave some rest).
      if (i === n - 1) return noVerbatimFrom(j)
      return go(i + 1, j) || (j < m - 1 && kb[j] !== Kind.Verbatim && go(i, j + 1))
    }
    if (j === m || kb[j] === Kind.DoubleStar || !chunkIncludes(A[i]!, ka[i]!, B[j]!, kb[j]!)) return false
    if (i === n - 1) return j === m - 1
    return go(i + 1, j + 1)
  })
}

/** Some key belongs to both `a` and `b` (symmetric). Throws `InvalidKeyExprError` on bad input. */
export function intersects(a: string | KeyExpr, b: string | KeyExpr): boolean {
  const x = toKeyExpr(a)
  const y = toKeyExpr(b)
  if (x.text === y.text) return true
  if (!x.wild && !y.wild) return false
  return exprsIntersect(x, y)
}

/** Every key of `b` belongs to `a`. Throws `InvalidKeyExprError` on bad input. */
export function includes(a: string | KeyExpr, b: string | KeyExpr): boolean {
  const x = toKeyExpr(a)
  const y = toKeyExpr(b)
  if (x.text === y.text) return true
  if (!x.wild) return false
  return exprIncludes(x, y)
}

// ---------------------------------------------------------------------------------------------
// MQTT topic filters ↔ key expressions: `+` ↔ `*`, a trailing `#` ↔ `**`.

export type MqttMappingErrorCode = 'invalid_filter' | 'not_expressible' | KeyExprErrorCode

export interface MqttMappingError {
  readonly code: MqttMappingErrorCode
  readonly reason: string
  readonly input: string
}

const mqttFail = (code: MqttMappingErrorCode, reason: string, input: string): Result<never, MqttMappingError> => ({
  ok: false,
  error: { code, reason, input }
})

/** Maps an MQTT topic or topic filter onto the key expression naming the same topics. */
export function mqttFilterToKeyExpr(filter: string): Result<string, MqttMappingError> {
  if (typeof filter !== 'string' || filter === '') return mqttFail('invalid_filter', 'an MQTT filter is a non-empty string', String(filter))
  const levels = filter.split('/')
  const out: string[] = []
  for (let i = 0; i < levels.length; i++) {
    const level = levels[i]!
    if (level === '#') {
      if (i !== levels.length - 1) return mqttFail('invalid_filter', "'#' must be the last level", filter)
      out.push('**')
    } else if (level === '+') out.push('*')
    else if (level.includes('#') || level.includes('+')) {
      return mqttFail('invalid_filter', "'+' and '#' must occupy a whole level", filter)
    } else out.push(level)
  }
  // `a/#` also matches the parent `a` in MQTT, exactly as `a/**` includes `a`.
  const c = canonize(out.join('/'))
  if (!c.ok) return mqttFail('not_expressible', `no key expression for this filter: ${c.error.reason}`, filter)
  return c
}

/** Maps a key expression onto an MQTT filter when MQTT can express it (no `$*`, `**` only last). */
export function keyExprToMqttFilter(ke: string): Result<string, MqttMappingError> {
  const p = parseKeyExpr(ke)
  if (!p.ok) return mqttFail(p.error.code, p.error.reason, String(ke))
  const { chunks, kinds } = p.value
  const out: string[] = []
  for (let i = 0; i < chunks.length; i++) {
    const chunk = chunks[i]!
    if (kinds[i] === Kind.DoubleStar) {
      if (i !== chunks.length - 1) return mqttFail('not_expressible', "MQTT has no '#' before the last level", ke)
      out.push('#')
    } else if (kinds[i] === Kind.Star) out.push('+')
    else if (kinds[i] === Kind.Glob) return mqttFail('not_expressible', "MQTT has no '$*' inside a level", ke)
    else if (chunk.includes('+')) return mqttFail('not_expressible', "'+' inside a level is not a valid MQTT filter", ke)
    else out.push(chunk)
  }
  return { ok: true, value: out.join('/') }
}
