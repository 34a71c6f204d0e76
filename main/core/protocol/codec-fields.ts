/**
 * Typed field readers shared by every decoder in this folder. They follow Go's
 * encoding/json decoding rules: keys match struct fields exactly or case-insensitively
 * (last occurrence wins), unknown keys are ignored, `null` leaves a field at its zero value,
 * and a value of the wrong JSON type fails the whole message.
 *
 * Readers throw a DecodeFailure; each public decoder catches it at its boundary
 * (`catchDecode`) and returns a Result, so nothing escapes to callers.
 */
import { err, ok, type DecodeErrorCode, type Result } from '../result'
import { DEFAULT_MAX_JSON_BYTES, DEFAULT_MAX_JSON_DEPTH, FloatLiteral, parseLossless, type ParseJsonOptions } from './jsonLossless'

export class DecodeFailure extends Error {
  constructor(
    readonly code: DecodeErrorCode,
    readonly reason: string
  ) {
    super(reason)
  }
}

export function fail(code: DecodeErrorCode, reason: string): never {
  throw new DecodeFailure(code, reason)
}

export function catchDecode<T>(fn: () => T): Result<T> {
  try {
    return ok(fn())
  } catch (e) {
    if (e instanceof DecodeFailure) return err(e.code, e.reason)
    throw e
  }
}

/** Parse text (or bytes) losslessly, or pass an already-parsed value through. */
export function parseOrValue(input: unknown, options?: ParseJsonOptions): unknown {
  if (typeof input !== 'string' && !(input instanceof Uint8Array)) return input
  // Called once per decoded message or event: no options object is built per call (an object
  // spread here cost more than the rest of a small event's decode).
  const parsed = parseLossless(input, options?.maxBytes ?? DEFAULT_MAX_JSON_BYTES, options?.maxDepth ?? DEFAULT_MAX_JSON_DEPTH, true)
  if (!parsed.ok) throw new DecodeFailure(parsed.error.code, parsed.error.reason)
  return parsed.value
}

export type JsonObject = Record<string, unknown>

/** Go's case folding for field names (ASCII plus the two non-ASCII letters that fold onto s and k). */
function fold(key: string): string {
  return key.toLowerCase().replace(/\u017f/g, 's')
}

export interface Shape {
  readonly exact: ReadonlySet<string>
  readonly folded: ReadonlyMap<string, string>
}

export function shape(names: readonly string[]): Shape {
  return { exact: new Set(names), folded: new Map(names.map((n) => [fold(n), n])) }
}

/**
 * The object's members keyed by their canonical field names. Fast path: when every key is
 * already exact (what Go and we emit), the object itself is returned.
 */
export function fields(o: JsonObject, s: Shape): JsonObject {
  let allExact = true
  for (const k in o) {
    if (!s.exact.has(k)) {
      allExact = false
      break
    }
  }
  if (allExact) return o
  const out: JsonObject = {}
  for (const k of Object.keys(o)) {
    const name = fieldName(s, k)
    if (name !== undefined) out[name] = o[k]
  }
  return out
}

/** The field a member key is read as (exactly or case-folded), or undefined for an ignored key. */
export function fieldName(s: Shape, key: string): string | undefined {
  return s.exact.has(key) ? key : s.folded.get(fold(key))
}

export function typeName(v: unknown): string {
  if (v === null) return 'null'
  if (Array.isArray(v)) return 'array'
  if (typeof v === 'bigint') return 'number'
  return typeof v
}

function wrong(path: string, expected: string, v: unknown): never {
  return fail('wrong_type', `${path} must be ${expected}, got ${typeName(v)}`)
}

export function isPlainObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array)
}

/** A JSON object (required: null is rejected). */
export function object(v: unknown, path: string): JsonObject {
  if (!isPlainObject(v)) return wrong(path, 'an object', v)
  return v
}

/** A JSON object or null/absent (→ null). */
export function optObject(v: unknown, path: string): JsonObject | null {
  if (v === undefined || v === null) return null
  return object(v, path)
}

export function str(v: unknown, path: string): string {
  if (typeof v === 'string') return v
  if (v === undefined || v === null) return ''
  return wrong(path, 'a string', v)
}

/** For omitempty string fields: "" and absent both become undefined. */
export function optStr(v: unknown, path: string): string | undefined {
  const s = str(v, path)
  return s === '' ? undefined : s
}

export function bool(v: unknown, path: string): boolean {
  if (typeof v === 'boolean') return v
  if (v === undefined || v === null) return false
  return wrong(path, 'a boolean', v)
}

/**
 * A Go integer field. Values beyond ±2^53 are refused rather than rounded: re-emitting a
 * rounded value would silently change signed content.
 */
export function int(v: unknown, path: string, opts: { unsigned?: boolean } = {}): number {
  if (v === undefined || v === null) return 0
  if (v instanceof FloatLiteral) return fail('wrong_type', `${path} is a float literal, not an integer`)
  if (typeof v === 'number') {
    if (!Number.isSafeInteger(v)) return wrong(path, 'an integer', v)
    if (opts.unsigned && v < 0) return fail('wrong_type', `${path} must not be negative`)
    return v
  }
  if (typeof v === 'bigint') return fail('wrong_type', `${path} is out of the supported integer range`)
  return wrong(path, 'an integer', v)
}

export function optInt(v: unknown, path: string, opts?: { unsigned?: boolean }): number | undefined {
  const n = int(v, path, opts)
  return n === 0 ? undefined : n
}

const INT64_MIN = -(2n ** 63n)
const INT64_MAX = 2n ** 63n - 1n

/** A Go int64 kept exactly (nanosecond timestamps). */
export function int64(v: unknown, path: string): bigint {
  if (v === undefined || v === null) return 0n
  if (typeof v === 'bigint') {
    if (v < INT64_MIN || v > INT64_MAX) return fail('wrong_type', `${path} overflows int64`)
    return v
  }
  if (v instanceof FloatLiteral) return fail('wrong_type', `${path} is a float literal, not an integer`)
  // Plain numbers from the lossless parser are safe integers (larger ones arrive as bigint).
  if (typeof v === 'number' && Number.isSafeInteger(v)) return BigInt(v)
  return wrong(path, 'an integer', v)
}

export function float(v: unknown, path: string): number {
  if (typeof v === 'number') return v
  if (v instanceof FloatLiteral) return v.value
  if (typeof v === 'bigint') return Number(v)
  if (v === undefined || v === null) return 0
  return wrong(path, 'a number', v)
}

export function optFloat(v: unknown, path: string): number | undefined {
  const n = float(v, path)
  return n === 0 ? undefined : n
}

/** A Go slice: null/absent → null. */
export function array(v: unknown, path: string): unknown[] | null {
  if (v === undefined || v === null) return null
  if (!Array.isArray(v)) return wrong(path, 'an array', v)
  return v
}

export function strArray(v: unknown, path: string): string[] | null {
  const a = array(v, path)
  if (a === null) return null
  return a.map((x, i) => str(x, `${path}[${i}]`))
}

/** Map of string → T (Go map): null/absent → null. */
export function record<T>(v: unknown, path: string, item: (x: unknown, p: string) => T): Record<string, T> | null {
  const o = optObject(v, path)
  if (o === null) return null
  const out: Record<string, T> = {}
  for (const k of Object.keys(o)) {
    const value = item(o[k], `${path}.${k}`)
    if (k === '__proto__') Object.defineProperty(out, k, { value, enumerable: true, writable: true, configurable: true })
    else out[k] = value
  }
  return out
}
