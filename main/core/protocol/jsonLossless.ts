/**
 * JSON.parse semantics, except that integer literals outside ±(2^53−1) become bigint: SyncEvent
 * `ts` values are nanoseconds (≈1.8e18) and must survive parsing exactly (events.md §1).
 *
 * Hand-written because Node 20's JSON.parse gives no access to a number's source text; a
 * single-pass charCode scanner is within a small factor of JSON.parse on event-sized inputs
 * (see bench), far below the cost of the Ed25519 verification that follows it. (Measured
 * alternative: a pre-pass quoting long integers + native JSON.parse + a restore walk was no
 * faster on a 1.6 MB zine, 5.5 vs 4.8 ms, and slower on single events.)
 */
import { err, ok, type Result } from '../result'

export const DEFAULT_MAX_JSON_BYTES = 16 * 1024 * 1024
export const DEFAULT_MAX_JSON_DEPTH = 64

export interface ParseJsonOptions {
  /** Reject inputs larger than this many UTF-8 bytes (default 16 MiB). */
  maxBytes?: number
  /** Reject nesting deeper than this (default 64); protects the stack. */
  maxDepth?: number
  /**
   * Return a number written with a fraction or exponent whose value is whole (`1e30`, `2.0`)
   * as a `FloatLiteral`, so integer fields can refuse it as Go's decoder does instead of
   * mistaking it for an integer. Off by default (plain numbers).
   */
  markIntegralFloats?: boolean
}

/** A whole-valued number that was written as a float literal (see `markIntegralFloats`). */
export class FloatLiteral {
  constructor(readonly value: number) {}
  valueOf(): number {
    return this.value
  }
  toJSON(): number {
    return this.value
  }
}

/** What every JsonCursor step throws on text that is not JSON. */
export class JsonSyntaxError extends Error {}

const utf8 = new TextDecoder('utf-8') // invalid UTF-8 → U+FFFD, as Go's decoder does
const utf8Encoder = new TextEncoder()

/** The text a parse reads: bytes decoded as UTF-8, invalid sequences as U+FFFD (as Go's decoder). */
export function jsonText(input: string | Uint8Array): string {
  return typeof input === 'string' ? input : utf8.decode(input)
}

/** UTF-8 size of a string (Node's Buffer when present; the renderer shares this parser). */
export function utf8Length(text: string): number {
  return typeof Buffer !== 'undefined' ? Buffer.byteLength(text, 'utf8') : utf8Encoder.encode(text).length
}

/** Size check without encoding the whole string when the answer is obvious. */
export function exceedsBytes(text: string | Uint8Array, maxBytes: number): boolean {
  if (typeof text !== 'string') return text.byteLength > maxBytes
  if (text.length > maxBytes) return true
  if (text.length * 3 <= maxBytes) return false
  return utf8Length(text) > maxBytes
}

export function parseJsonLossless(input: string | Uint8Array, options: ParseJsonOptions = {}): Result<unknown> {
  return parseLossless(input, options.maxBytes ?? DEFAULT_MAX_JSON_BYTES, options.maxDepth ?? DEFAULT_MAX_JSON_DEPTH, options.markIntegralFloats ?? false)
}

/** `parseJsonLossless` with its options spelled out (for callers on a hot path). */
export function parseLossless(input: string | Uint8Array, maxBytes: number, maxDepth: number, markIntegralFloats: boolean): Result<unknown> {
  if (exceedsBytes(input, maxBytes)) return err('too_large', `JSON larger than ${maxBytes} bytes`)
  const text = jsonText(input)
  const parser = new JsonCursor(text, maxDepth, markIntegralFloats)
  try {
    parser.skipWs()
    const value = parser.value(0)
    parser.skipWs()
    if (parser.pos !== text.length) parser.fail('unexpected data after the JSON value')
    return ok(value)
  } catch (e) {
    if (e instanceof JsonSyntaxError) return err('malformed_json', e.message)
    if (e instanceof RangeError) return err('malformed_json', 'nesting too deep')
    throw e
  }
}

// Keys up to 12 UTF-16 units are always copied by slice() (V8 makes no sliced string that
// short), so a cached key never keeps an old input text alive.
const MAX_CACHED_KEY = 12
const KEY_CACHE_SIZE = 256
const keyCache: string[] = new Array<string>(KEY_CACHE_SIZE).fill('')

/**
 * The parser: a reading position over one JSON text. Its steps are public so that a reader
 * may build only part of a large document and validate the rest with skipValue, which
 * accepts exactly what value() accepts (the same grammar, depth limit and error cases).
 */
export class JsonCursor {
  pos = 0
  constructor(
    readonly text: string,
    readonly maxDepth: number,
    readonly markIntegralFloats = false
  ) {}

  fail(what: string): never {
    throw new JsonSyntaxError(`${what} at offset ${this.pos}`)
  }

  skipWs(): void {
    const t = this.text
    let p = this.pos
    for (;;) {
      const c = t.charCodeAt(p)
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) p++
      else break
    }
    this.pos = p
  }

  value(depth: number): unknown {
    const c = this.text.charCodeAt(this.pos)
    switch (c) {
      case 0x7b: return this.object(depth + 1)
      case 0x5b: return this.array(depth + 1)
      case 0x22: return this.string()
      case 0x74: return this.literal('true', true)
      case 0x66: return this.literal('false', false)
      case 0x6e: return this.literal('null', null)
      default:
        if (c === 0x2d || (c >= 0x30 && c <= 0x39)) return this.number()
        return this.fail(Number.isNaN(c) ? 'unexpected end of JSON' : `unexpected character ${JSON.stringify(this.text[this.pos])}`)
    }
  }

  literal<T>(word: string, v: T): T {
    if (!this.text.startsWith(word, this.pos)) this.fail('invalid literal')
    this.pos += word.length
    return v
  }

  object(depth: number): Record<string, unknown> {
    const out: Record<string, unknown> = {}
    if (this.open(depth, 0x7d)) return out
    do {
      const key = this.memberKey()
      const v = this.value(depth)
      if (key === '__proto__') Object.defineProperty(out, key, { value: v, enumerable: true, writable: true, configurable: true })
      else out[key] = v
    } while (!this.next(0x7d))
    return out
  }

  array(depth: number): unknown[] {
    const out: unknown[] = []
    if (this.open(depth, 0x5d)) return out
    do out.push(this.value(depth))
    while (!this.next(0x5d))
    return out
  }

  // ---- the steps of an object or array, shared by the building and the validating readers.

  /** Past the opening bracket of an object or array at `depth`; true when it is empty (and closed). */
  open(depth: number, close: 0x7d | 0x5d): boolean {
    if (depth > this.maxDepth) this.fail('nesting too deep')
    this.pos++
    this.skipWs()
    if (this.text.charCodeAt(this.pos) !== close) return false
    this.pos++
    return true
  }

  /** A member's key, then past its ':' to the value. */
  memberKey(): string {
    if (this.text.charCodeAt(this.pos) !== 0x22) this.fail('expected a string key')
    const key = this.key()
    this.colon()
    return key
  }

  /** Past a member's key (not needed) and its ':' to the value. */
  skipMemberKey(): void {
    if (this.text.charCodeAt(this.pos) !== 0x22) this.fail('expected a string key')
    this.skipString()
    this.colon()
  }

  private colon(): void {
    this.skipWs()
    if (this.text.charCodeAt(this.pos) !== 0x3a) this.fail("expected ':'")
    this.pos++
    this.skipWs()
  }

  /** After a member or element: true past the closing bracket, false past a ',' (to the next one). */
  next(close: 0x7d | 0x5d): boolean {
    this.skipWs()
    const c = this.text.charCodeAt(this.pos)
    if (c === 0x2c) {
      this.pos++
      this.skipWs()
      return false
    }
    if (c !== close) this.fail(close === 0x7d ? "expected ',' or '}'" : "expected ',' or ']'")
    this.pos++
    return true
  }

  /**
   * An object key. Short escape-free keys repeat in every object of a message ("id", "ts",
   * "svc", …): one shared copy of each is reused, which spares an allocation and lets V8 use
   * its already-internalized form for the property store.
   */
  key(): string {
    const t = this.text
    const start = this.pos + 1
    let p = start
    let c = t.charCodeAt(p)
    while (c !== 0x22 && c !== 0x5c && c >= 0x20) c = t.charCodeAt(++p)
    const len = p - start
    if (c !== 0x22 || len === 0 || len > MAX_CACHED_KEY) return this.string()
    const slot = (t.charCodeAt(start) * 31 + t.charCodeAt(p - 1) + len * 7) & (KEY_CACHE_SIZE - 1)
    const cached = keyCache[slot]!
    this.pos = p + 1
    if (cached.length === len && t.startsWith(cached, start)) return cached
    const key = t.slice(start, p)
    keyCache[slot] = key
    return key
  }

  string(): string {
    const t = this.text
    const start = ++this.pos
    let p = start
    // Fast path: no escapes, copy a slice.
    for (;;) {
      const c = t.charCodeAt(p)
      if (c === 0x22) {
        this.pos = p + 1
        return t.slice(start, p)
      }
      if (c === 0x5c) break
      if (c < 0x20 || Number.isNaN(c)) {
        this.pos = p
        this.fail(Number.isNaN(c) ? 'unterminated string' : 'control character in string')
      }
      p++
    }
    let out = t.slice(start, p)
    for (;;) {
      const c = t.charCodeAt(p)
      if (c === 0x22) {
        this.pos = p + 1
        return out
      }
      if (Number.isNaN(c) || c < 0x20) {
        this.pos = p
        this.fail(Number.isNaN(c) ? 'unterminated string' : 'control character in string')
      }
      if (c !== 0x5c) {
        const runStart = p
        while (p < t.length) {
          const d = t.charCodeAt(p)
          if (d === 0x22 || d === 0x5c || d < 0x20) break
          p++
        }
        out += t.slice(runStart, p)
        continue
      }
      const e = t.charCodeAt(p + 1)
      switch (e) {
        case 0x22: out += '"'; break
        case 0x5c: out += '\\'; break
        case 0x2f: out += '/'; break
        case 0x62: out += '\b'; break
        case 0x66: out += '\f'; break
        case 0x6e: out += '\n'; break
        case 0x72: out += '\r'; break
        case 0x74: out += '\t'; break
        case 0x75: {
          const hex = t.slice(p + 2, p + 6)
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) {
            this.pos = p
            this.fail('bad \\u escape')
          }
          out += String.fromCharCode(parseInt(hex, 16))
          p += 4
          break
        }
        default:
          this.pos = p
          this.fail('bad escape')
      }
      p += 2
    }
  }

  number(): number | bigint | FloatLiteral {
    const start = this.pos
    const intDigits = this.scanNumber()
    const literal = this.text.slice(start, this.pos)
    if (intDigits < 0) {
      const n = Number(literal)
      return this.markIntegralFloats && Number.isInteger(n) ? new FloatLiteral(n) : n
    }
    if (intDigits <= 15) return Number(literal)
    const big = BigInt(literal)
    return big >= -9007199254740991n && big <= 9007199254740991n ? Number(big) : big
  }

  /** Moves past a number literal; returns its count of integer digits, or −1 when it has a fraction or exponent. */
  scanNumber(): number {
    const t = this.text
    const start = this.pos
    let p = start
    if (t.charCodeAt(p) === 0x2d) p++
    const intStart = p
    let c = t.charCodeAt(p)
    if (c === 0x30) p++
    else if (c >= 0x31 && c <= 0x39) {
      do p++
      while ((c = t.charCodeAt(p)) >= 0x30 && c <= 0x39)
    } else {
      this.pos = p
      this.fail('bad number')
    }
    const intDigits = p - intStart
    let integral = true
    if (t.charCodeAt(p) === 0x2e) {
      integral = false
      p++
      if (!((c = t.charCodeAt(p)) >= 0x30 && c <= 0x39)) {
        this.pos = p
        this.fail('bad fraction')
      }
      while ((c = t.charCodeAt(p)) >= 0x30 && c <= 0x39) p++
    }
    c = t.charCodeAt(p)
    if (c === 0x65 || c === 0x45) {
      integral = false
      p++
      c = t.charCodeAt(p)
      if (c === 0x2b || c === 0x2d) p++
      if (!((c = t.charCodeAt(p)) >= 0x30 && c <= 0x39)) {
        this.pos = p
        this.fail('bad exponent')
      }
      while ((c = t.charCodeAt(p)) >= 0x30 && c <= 0x39) p++
    }
    this.pos = p
    return integral ? intDigits : -1
  }

  // ---- validation without building: the same grammar as above, for a value whose contents
  // are not needed (yet). Accepts exactly what value() accepts at the same depth.

  skipValue(depth: number): void {
    const c = this.text.charCodeAt(this.pos)
    switch (c) {
      case 0x7b: return this.skipObject(depth + 1)
      case 0x5b: return this.skipArray(depth + 1)
      case 0x22: return this.skipString()
      case 0x74: this.literal('true', true); return
      case 0x66: this.literal('false', false); return
      case 0x6e: this.literal('null', null); return
      default:
        if (c === 0x2d || (c >= 0x30 && c <= 0x39)) {
          this.scanNumber()
          return
        }
        this.value(depth) // fails with value()'s own message
    }
  }

  skipObject(depth: number): void {
    if (this.open(depth, 0x7d)) return
    do {
      this.skipMemberKey()
      this.skipValue(depth)
    } while (!this.next(0x7d))
  }

  skipArray(depth: number): void {
    if (this.open(depth, 0x5d)) return
    do this.skipValue(depth)
    while (!this.next(0x5d))
  }

  /** An escape-free string is only scanned; one with escapes goes through string(), which checks them. */
  skipString(): void {
    const t = this.text
    const end = t.length
    for (let p = this.pos + 1; p < end; p++) {
      const c = t.charCodeAt(p)
      if (c > 0x22 && c !== 0x5c) continue
      if (c === 0x22) {
        this.pos = p + 1
        return
      }
      if (c === 0x5c || c < 0x20) break
    }
    this.string()
  }
}
