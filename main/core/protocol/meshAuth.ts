/**
 * Mesh HTTP authentication (zines-and-mesh.md §3): X-Nara-Name / X-Nara-Timestamp (Unix ms) /
 * X-Nara-Signature. Requests sign `{name}{ts}{METHOD}{path}`, responses sign
 * `{name}{ts}{Base64(SHA-256(body))}`, Ed25519 directly over the UTF-8 string. The ±30 s
 * freshness window is checked separately from the signature so callers can tell them apart.
 */
import { decodeBase64Strict, ed25519Verify, sha256, type Signer } from './crypto'
import { VALID, invalid, type Verdict } from './codec-verdict'
import { err, ok, type Result } from '../result'

export const MESH_AUTH_MAX_AGE_MS = 30_000
export const HEADER_NAME = 'X-Nara-Name'
export const HEADER_TIMESTAMP = 'X-Nara-Timestamp'
export const HEADER_SIGNATURE = 'X-Nara-Signature'

export interface MeshAuthHeaders {
  'X-Nara-Name': string
  'X-Nara-Timestamp': string
  'X-Nara-Signature': string
}

/** Node's IncomingHttpHeaders (lower-case keys), a plain record, or a fetch Headers object. */
export type HeaderSource =
  | { get(name: string): string | null }
  | Record<string, string | string[] | undefined>

function header(h: HeaderSource, name: string): string | undefined {
  if (typeof (h as { get?: unknown }).get === 'function') return (h as { get(n: string): string | null }).get(name) ?? undefined
  const rec = h as Record<string, string | string[] | undefined>
  const wanted = name.toLowerCase()
  for (const k of Object.keys(rec)) {
    if (k.toLowerCase() === wanted) {
      const v = rec[k]
      return Array.isArray(v) ? v[0] : v
    }
  }
  return undefined
}

export interface MeshAuth {
  name: string
  timestampMs: number
  signature: string
}

/** Reads and type-checks the three headers (all required; timestamp a decimal integer). */
export function readMeshAuthHeaders(h: HeaderSource): Result<MeshAuth> {
  const name = header(h, HEADER_NAME)
  const ts = header(h, HEADER_TIMESTAMP)
  const signature = header(h, HEADER_SIGNATURE)
  if (!name || !ts || !signature) return err('missing_field', 'missing authentication headers')
  if (!/^[+-]?\d{1,16}$/.test(ts)) return err('wrong_type', 'invalid timestamp')
  return ok({ name, timestampMs: Number(ts), signature })
}

/** Only the path is signed: a query string, if present, is cut off. */
export function signedPath(pathOrUrl: string): string {
  const q = pathOrUrl.search(/[?#]/)
  return q === -1 ? pathOrUrl : pathOrUrl.slice(0, q)
}

export function meshRequestMessage(name: string, timestampMs: number, method: string, path: string): string {
  return `${name}${timestampMs}${method}${signedPath(path)}`
}

export function bodyHashBase64(body: string | Uint8Array): string {
  return sha256(body).toString('base64')
}

export function meshResponseMessage(name: string, timestampMs: number, body: string | Uint8Array): string {
  return `${name}${timestampMs}${bodyHashBase64(body)}`
}

export function signMeshRequest(name: string, signer: Signer, method: string, path: string, nowMs: number): MeshAuthHeaders {
  const ts = Math.trunc(nowMs)
  return {
    'X-Nara-Name': name,
    'X-Nara-Timestamp': String(ts),
    'X-Nara-Signature': signer.signBase64(meshRequestMessage(name, ts, method, path))
  }
}

export function signMeshResponse(name: string, signer: Signer, body: string | Uint8Array, nowMs: number): MeshAuthHeaders {
  const ts = Math.trunc(nowMs)
  return {
    'X-Nara-Name': name,
    'X-Nara-Timestamp': String(ts),
    'X-Nara-Signature': signer.signBase64(meshResponseMessage(name, ts, body))
  }
}

/** |now − ts| ≤ 30 s, as the reference's server requires. */
export function meshTimestampVerdict(timestampMs: number, nowMs: number, maxAgeMs = MESH_AUTH_MAX_AGE_MS): Verdict {
  const skew = nowMs - timestampMs
  if (skew > maxAgeMs) return invalid('timestamp too old')
  if (skew < -maxAgeMs) return invalid('timestamp in the future')
  return VALID
}

function signatureVerdict(signature: string, message: string, publicKey: Uint8Array | null | undefined): Verdict {
  if (!publicKey) return invalid('unknown sender')
  const sig = decodeBase64Strict(signature)
  if (!sig || sig.length !== 64) return invalid('bad signature encoding')
  return ed25519Verify(publicKey, message, sig) ? VALID : invalid('invalid signature')
}

/** Signature only (no freshness): the verdict the golden vectors record. */
export function meshRequestSignatureVerdict(auth: MeshAuth, method: string, path: string, publicKey: Uint8Array | null | undefined): Verdict {
  return signatureVerdict(auth.signature, meshRequestMessage(auth.name, auth.timestampMs, method, path), publicKey)
}

/** Full server-side check: headers present, fresh, then signed by the named nara's key. */
export function verifyMeshRequest(
  headers: HeaderSource,
  method: string,
  path: string,
  publicKey: Uint8Array | null | undefined,
  nowMs: number
): Verdict {
  const auth = readMeshAuthHeaders(headers)
  if (!auth.ok) return invalid(auth.error.reason)
  const fresh = meshTimestampVerdict(auth.value.timestampMs, nowMs)
  if (!fresh.valid) return fresh
  return meshRequestSignatureVerdict(auth.value, method, path, publicKey)
}

/** Response check (the reference applies no freshness window to responses). */
export function verifyMeshResponse(headers: HeaderSource, body: string | Uint8Array, publicKey: Uint8Array | null | undefined): Verdict {
  const auth = readMeshAuthHeaders(headers)
  if (!auth.ok) return invalid(auth.error.reason)
  return signatureVerdict(auth.value.signature, meshResponseMessage(auth.value.name, auth.value.timestampMs, body), publicKey)
}
