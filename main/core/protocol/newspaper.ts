/**
 * Newspapers (newspaper.md): `{"From","Status","Signature"}` on nara/newspaper/{name}, the
 * signature being Ed25519 over the exact bytes of the Status value. Senders serialise Status
 * once and splice those bytes into the envelope; receivers verify over the raw bytes found
 * in the payload, never over a re-serialisation.
 */
import type { NaraStatus } from './types'
import { goQuote } from './gojson'
import { encodeStatus, decodeStatusValue } from './status'
import { catchDecode, fail, fieldName, fields, object, parseOrValue, shape, str, type JsonObject } from './codec-fields'
import { DEFAULT_MAX_JSON_DEPTH, exceedsBytes, JsonCursor, JsonSyntaxError, jsonText } from './jsonLossless'
import { ed25519Verify, isPublicKeyText, decodeBase64Strict, verifyWithPublicKeyBase64, type Signer } from './crypto'
import { VALID, invalid, type Verdict } from './codec-verdict'
import type { Result } from '../result'

export { encodeStatus } from './status'

/** Full howdy-sized statuses with big observation maps stay well below this. */
export const MAX_NEWSPAPER_BYTES = 1024 * 1024

export interface BuiltNewspaper {
  /** The MQTT payload. */
  payload: string
  /** The exact signed bytes, as they appear inside `payload`. */
  statusJson: string
  signature: string
}

export function encodeNewspaperEnvelope(from: string, statusJson: string, signature: string): string {
  return `{"From":${goQuote(from)},"Status":${statusJson},"Signature":${goQuote(signature)}}`
}

export function buildNewspaper(name: string, status: NaraStatus, signer: Signer): BuiltNewspaper {
  const statusJson = encodeStatus(status)
  const signature = signer.signBase64(statusJson)
  return { payload: encodeNewspaperEnvelope(name, statusJson, signature), statusJson, signature }
}

// ---------------------------------------------------------------------------------------
// Raw member extraction

const WS = (c: number | undefined): boolean => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09

/** Index just past the string starting at `p` (which holds the opening quote). */
function skipString(b: Uint8Array, p: number): number {
  for (let i = p + 1; i < b.length; i++) {
    const c = b[i]
    if (c === 0x5c) i++
    else if (c === 0x22) return i + 1
  }
  return fail('malformed_json', 'unterminated string')
}

/** Index just past the JSON value starting at `p` (structure only; full validation happens elsewhere). */
function skipValue(b: Uint8Array, p: number): number {
  const c = b[p]
  if (c === 0x22) return skipString(b, p)
  if (c === 0x7b || c === 0x5b) {
    let depth = 0
    for (let i = p; i < b.length; i++) {
      const d = b[i]
      if (d === 0x22) i = skipString(b, i) - 1
      else if (d === 0x7b || d === 0x5b) depth++
      else if (d === 0x7d || d === 0x5d) {
        depth--
        if (depth === 0) return i + 1
      }
    }
    return fail('malformed_json', 'unterminated value')
  }
  let i = p
  while (i < b.length && !WS(b[i]) && b[i] !== 0x2c && b[i] !== 0x7d && b[i] !== 0x5d) i++
  if (i === p) fail('malformed_json', 'missing value')
  return i
}

const foldKey = (k: string): string => k.toLowerCase().replace(/\u017f/g, 's')

/**
 * The raw bytes of a top-level member's value, as Go's json.RawMessage would hold them
 * (no surrounding whitespace). Keys match case-insensitively and the last match wins, as
 * in Go's decoder.
 */
export function extractRawMember(payload: string | Uint8Array, member: string): Result<Buffer> {
  const b = typeof payload === 'string' ? Buffer.from(payload, 'utf8') : Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength)
  const want = foldKey(member)
  return catchDecode(() => {
    let p = 0
    const ws = (): void => {
      while (WS(b[p])) p++
    }
    ws()
    if (b[p] !== 0x7b) fail('malformed_json', 'payload is not a JSON object')
    p++
    let found: Buffer | null = null
    ws()
    if (b[p] === 0x7d) p = b.length
    while (p < b.length) {
      ws()
      if (b[p] !== 0x22) fail('malformed_json', 'expected a member name')
      const keyEnd = skipString(b, p)
      const rawKey = b.subarray(p, keyEnd).toString('utf8')
      const key = rawKey.includes('\\') ? (JSON.parse(rawKey) as string) : rawKey.slice(1, -1)
      p = keyEnd
      ws()
      if (b[p] !== 0x3a) fail('malformed_json', "expected ':'")
      p++
      ws()
      const start = p
      p = skipValue(b, p)
      if (key === member || foldKey(key) === want) found = b.subarray(start, p)
      ws()
      if (b[p] === 0x2c) {
        p++
        continue
      }
      if (b[p] === 0x7d) break
      fail('malformed_json', "expected ',' or '}'")
    }
    if (!found) fail('missing_field', `no ${member} member`)
    return Buffer.from(found)
  })
}

// ---------------------------------------------------------------------------------------
// Receiving

export interface DecodedNewspaper {
  /** The envelope's From (Go receivers trust the topic instead). */
  from: string
  status: NaraStatus
  /** The exact bytes of the Status value in the payload: what the signature covers. */
  statusRaw: Buffer
  signature: string
}

const ENVELOPE = shape(['From', 'Status', 'Signature'])

/** The Status member as read: its value, and the exact bytes the signature covers (taken on demand). */
interface StatusMember {
  value: unknown
  raw: () => Buffer
}

/**
 * The envelope's members read in one pass, with where the (last) Status value's text starts
 * and ends, so its signed bytes come straight out of the payload instead of a second scan.
 * Null whenever the text is not a clean JSON object (the full path then gives the exact error).
 */
function readEnvelope(text: string): { members: JsonObject; statusAt: [number, number] | null } | null {
  const cur = new JsonCursor(text, DEFAULT_MAX_JSON_DEPTH, true)
  try {
    cur.skipWs()
    if (text.charCodeAt(cur.pos) !== 0x7b) return null
    const members: JsonObject = {}
    let statusAt: [number, number] | null = null
    if (!cur.open(1, 0x7d)) {
      do {
        const name = fieldName(ENVELOPE, cur.memberKey())
        const start = cur.pos
        const v = cur.value(1)
        if (name === undefined) continue
        members[name] = v
        if (name === 'Status') statusAt = [start, cur.pos]
      } while (!cur.next(0x7d))
    }
    cur.skipWs()
    return cur.pos === text.length ? { members, statusAt } : null
  } catch (e) {
    if (e instanceof JsonSyntaxError || e instanceof RangeError) return null
    throw e
  }
}

/** The signed Status bytes at text offsets [start, end): the payload's own bytes when it came as bytes. */
function statusBytes(payload: string | Uint8Array, text: string, [start, end]: [number, number]): Buffer {
  if (typeof payload === 'string') return Buffer.from(text.slice(start, end), 'utf8')
  const from = Buffer.byteLength(text.slice(0, start), 'utf8')
  return Buffer.from(payload.subarray(from, from + Buffer.byteLength(text.slice(start, end), 'utf8')))
}

export function decodeNewspaper(payload: string | Uint8Array, options: { maxBytes?: number } = {}): Result<DecodedNewspaper> {
  const maxBytes = options.maxBytes ?? MAX_NEWSPAPER_BYTES
  // Text offsets map onto payload bytes only when decoding changed no length: no BOM stripped
  // (the one change that shrinks) and so no invalid sequence replaced by a longer U+FFFD.
  const text = jsonText(payload)
  const mapsOntoBytes = typeof payload === 'string' || (payload[0] !== 0xef && Buffer.byteLength(text, 'utf8') === payload.length)
  const envelope = mapsOntoBytes && !exceedsBytes(payload, maxBytes) ? readEnvelope(text) : null
  if (!envelope) return decodeNewspaperSlowly(payload, maxBytes)
  const { members, statusAt } = envelope
  return catchDecode(() => newspaperOf(members, statusAt && { value: members.Status, raw: () => statusBytes(payload, text, statusAt) }))
}

/**
 * Bad or unusual input (not an object, syntax errors, a BOM, invalid UTF-8): the whole payload
 * parsed for its errors and From/Signature, the Status found apart as raw bytes (the last one, as
 * Go's decoder keeps) and read from those very bytes, so what is read is what was signed.
 */
function decodeNewspaperSlowly(payload: string | Uint8Array, maxBytes: number): Result<DecodedNewspaper> {
  return catchDecode(() => {
    const f = fields(object(parseOrValue(payload, { maxBytes }), 'newspaper'), ENVELOPE)
    if (f.Status === undefined) return newspaperOf(f, null)
    const raw = extractRawMember(payload, 'Status')
    if (!raw.ok) return fail(raw.error.code, raw.error.reason)
    return newspaperOf(f, { value: parseOrValue(raw.value, { maxBytes }), raw: () => raw.value })
  })
}

/** Both paths end here: one place decides what a newspaper without a Status is, and what it holds. */
function newspaperOf(f: JsonObject, status: StatusMember | null): DecodedNewspaper {
  if (!status || status.value === null) fail('missing_field', 'newspaper has no Status')
  return { from: str(f.From, 'From'), status: decodeStatusValue(status.value), signature: str(f.Signature, 'Signature'), statusRaw: status.raw() }
}

/**
 * Signature check over the raw Status bytes. Key: Status.PublicKey when present (a malformed
 * one fails, as the reference drops such newspapers), else the caller's known key.
 */
export function verifyNewspaper(n: DecodedNewspaper, knownPublicKey?: Uint8Array | null): Verdict {
  // The key in its wire form is the cache's own look-up key: no decoding for a known nara.
  const keyText = n.status.PublicKey
  if (keyText && !isPublicKeyText(keyText)) return invalid('bad public key')
  if (!n.signature) return invalid('unsigned')
  if (!keyText && !knownPublicKey) return invalid('no public key')
  const sig = signatureOf(n)
  if (!(sig instanceof Uint8Array)) return sig
  const valid = keyText ? verifyWithPublicKeyBase64(keyText, n.statusRaw, sig) : ed25519Verify(knownPublicKey!, n.statusRaw, sig)
  return valid ? VALID : invalid('bad signature')
}

/** The same check with the caller's key only, whatever Status.PublicKey claims (a claim the caller judges itself). */
export function verifyNewspaperWithKey(n: DecodedNewspaper, publicKey: Uint8Array): Verdict {
  const sig = signatureOf(n)
  if (!(sig instanceof Uint8Array)) return sig
  return ed25519Verify(publicKey, n.statusRaw, sig) ? VALID : invalid('bad signature')
}

function signatureOf(n: DecodedNewspaper): Uint8Array | Verdict {
  if (!n.signature) return invalid('unsigned')
  const sig = decodeBase64Strict(n.signature)
  return sig && sig.length === 64 ? sig : invalid('bad signature encoding')
}

