/**
 * Byte-exact reproductions of the pieces of Go's encoding/json and fmt that the wire
 * protocol depends on (events.md §9). Every encoder in this folder builds its output from
 * these primitives so that "what Go would have written" lives in one place.
 *
 * The reference builds with Go 1.24, whose encoder writes \b and \f in short form.
 */

// Anything Go's encoder would not copy through verbatim: quote, backslash, C0 controls,
// the HTML-sensitive <>&, U+2028/U+2029 and UTF-16 surrogates (checked for pairing below).
const NEEDS_ESCAPE = /["\\\u0000-\u001f<>&\u2028\u2029\ud800-\udfff]/
const HEX = '0123456789abcdef'

/** Go encoding/json string literal (HTML-safe escaping; invalid UTF-16 → U+FFFD, as Go does for invalid UTF-8). */
export function goQuote(s: string): string {
  if (!NEEDS_ESCAPE.test(s)) return '"' + s + '"'
  let out = '"'
  let start = 0
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i)
    let rep: string | null = null
    if (c < 0x20) {
      switch (c) {
        case 0x08: rep = '\\b'; break
        case 0x0c: rep = '\\f'; break
        case 0x0a: rep = '\\n'; break
        case 0x0d: rep = '\\r'; break
        case 0x09: rep = '\\t'; break
        default: rep = '\\u00' + HEX[c >> 4] + HEX[c & 0xf]
      }
    } else if (c === 0x22) rep = '\\"'
    else if (c === 0x5c) rep = '\\\\'
    else if (c === 0x3c) rep = '\\u003c'
    else if (c === 0x3e) rep = '\\u003e'
    else if (c === 0x26) rep = '\\u0026'
    else if (c === 0x2028) rep = '\\u2028'
    else if (c === 0x2029) rep = '\\u2029'
    else if (c >= 0xd800 && c <= 0xdbff) {
      const next = i + 1 < s.length ? s.charCodeAt(i + 1) : 0
      if (next >= 0xdc00 && next <= 0xdfff) {
        i++ // a valid pair is copied through as raw UTF-8
        continue
      }
      rep = '\ufffd'
    } else if (c >= 0xdc00 && c <= 0xdfff) rep = '\ufffd'
    if (rep !== null) {
      out += s.slice(start, i) + rep
      start = i + 1
    }
  }
  return out + s.slice(start) + '"'
}

/**
 * Go float64 in JSON: shortest round-trip digits, exponent form below 1e-6 and from 1e21
 * (`1e-7`, `1e+21`). JavaScript's Number→string conversion uses the same thresholds and the
 * same exponent spelling, so only negative zero differs. Go refuses NaN/Inf, so do we.
 */
export function goFloat(n: number): string {
  if (!Number.isFinite(n)) throw new RangeError(`json: unsupported value: ${n}`)
  if (n === 0) return Object.is(n, -0) ? '-0' : '0'
  return String(n)
}

/** Go integer (int/int64/uint64) in JSON. Non-integral numbers are truncated as a Go conversion would. */
export function goInt(n: number | bigint): string {
  if (typeof n === 'bigint') return n.toString()
  if (!Number.isFinite(n)) throw new RangeError(`json: unsupported integer: ${n}`)
  const t = Math.trunc(n)
  return Number.isSafeInteger(t) ? String(t === 0 ? 0 : t) : BigInt(t).toString()
}

/**
 * Go `fmt.Sprintf("%.1f", n)`: rounds the exact binary value, ties to even. `toFixed` also
 * works on the exact value and differs only on exact ties, which for one decimal happen
 * exactly when 4·|n| is an odd integer (…​.25 / …​.75): those round toward the even digit.
 */
export function goFormatF1(n: number): string {
  if (Number.isNaN(n)) return 'NaN'
  if (n === Infinity) return '+Inf'
  if (n === -Infinity) return '-Inf'
  const negative = n < 0 || Object.is(n, -0)
  const a = Math.abs(n)
  let body: string
  if (a >= 1e21) {
    body = BigInt(a).toString() + '.0' // every double this large is an integer
  } else {
    const q = a * 4
    if (Number.isInteger(q) && q % 2 === 1) {
      // exact tie: x.25 → x.2, x.75 → x.8 (the even neighbour)
      const whole = Math.floor(a)
      const frac = a - whole // exactly 0.25 or 0.75
      body = frac === 0.25 ? `${whole}.2` : `${whole}.8`
    } else {
      body = a.toFixed(1)
    }
  }
  return negative ? '-' + body : body
}

/** Go sorts map keys by their UTF-8 bytes; UTF-16 order differs only for astral vs. U+E000–U+FFFF. */
export function compareGoKeys(a: string, b: string): number {
  if (a === b) return 0
  // eslint-disable-next-line no-control-regex
  if (/^[\x00-\x7f]*$/.test(a) && /^[\x00-\x7f]*$/.test(b)) return a < b ? -1 : 1
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'))
}

/**
 * A Go struct in declaration order. Each member is `[key, encodedValue]`; members whose
 * value is `undefined` are dropped (that is how callers express `omitempty`).
 */
export function goObject(members: ReadonlyArray<readonly [string, string | undefined]>): string {
  let out = '{'
  let first = true
  for (const [key, value] of members) {
    if (value === undefined) continue
    out += (first ? '' : ',') + quotedMemberName(key) + value
    first = false
  }
  return out + '}'
}

// Member names are the struct's field names, a small fixed set, so each is quoted once and
// its `"name":` prefix reused instead of running goQuote's scan on every encode.
const memberNames = new Map<string, string>()
const MEMBER_NAMES_MAX = 4096

function quotedMemberName(key: string): string {
  let q = memberNames.get(key)
  if (q === undefined) {
    q = goQuote(key) + ':'
    if (memberNames.size >= MEMBER_NAMES_MAX) memberNames.clear()
    memberNames.set(key, q)
  }
  return q
}

/** A Go map: keys sorted as Go sorts them; `null` for a nil map. */
export function goMap<V>(map: Record<string, V> | null | undefined, encodeValue: (v: V) => string): string {
  if (map == null) return 'null'
  const keys = Object.keys(map).sort(compareGoKeys)
  let out = '{'
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i] as string
    out += (i ? ',' : '') + goQuote(k) + ':' + encodeValue(map[k] as V)
  }
  return out + '}'
}

/** A Go slice: `null` for nil, `[]` for empty. */
export function goArray<V>(items: readonly V[] | null | undefined, encodeItem: (v: V) => string): string {
  if (items == null) return 'null'
  let out = '['
  for (let i = 0; i < items.length; i++) out += (i ? ',' : '') + encodeItem(items[i] as V)
  return out + ']'
}

// omitempty helpers: Go drops "", 0, false, nil and empty maps/slices.
export const omitStr = (v: string | undefined | null): string | undefined => (v ? goQuote(v) : undefined)
export const omitInt = (v: number | bigint | undefined | null): string | undefined =>
  v == null || v === 0 || v === 0n ? undefined : goInt(v)
export const omitFloat = (v: number | undefined | null): string | undefined =>
  v == null || v === 0 ? undefined : goFloat(v)
export const omitBool = (v: boolean | undefined | null): string | undefined => (v ? 'true' : undefined)
export const goBool = (v: boolean): string => (v ? 'true' : 'false')
