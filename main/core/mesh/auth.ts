/**
 * Server-side mesh request authentication (zines-and-mesh.md §3.1) with our two additions:
 * a replay cache, and unknown-sender key discovery allowed for any address the operator
 * declared as mesh (CIDR) instead of only "100.64.".
 */
import type { IncomingHttpHeaders } from 'node:http'
import { parseSignature } from '../protocol/crypto'
import { meshRequestMessage, verifyMeshRequestSignature } from './wire'
import { ReplayCache } from './replayCache'
import type { MeshRejection } from './stats'

/** MeshAuthMaxAge: ±30 s, in milliseconds. */
export const MESH_AUTH_TOLERANCE_MS = 30_000

export const HEADER_NAME = 'x-nara-name'
export const HEADER_TIMESTAMP = 'x-nara-timestamp'
export const HEADER_SIGNATURE = 'x-nara-signature'

export interface AuthedRequest {
  name: string
  timestampMs: number
  signature: string
}

export type AuthFailure = { code: MeshRejection; reason: string }
export type AuthResult = { ok: true; sender: AuthedRequest } | { ok: false; error: AuthFailure }

export interface AuthDeps {
  nowMs(): number
  publicKeyOf(name: string): Uint8Array | null
  /** Fetch the sender's key from its /ping when the peer address allows it; null when not possible. */
  discoverKey(name: string, remoteAddress: string): Promise<Uint8Array | null>
  /**
   * null: no replay check. Used for the read-only /events/sync, because Go's boot recovery
   * fires up to 10 identical sample requests at one peer at once, and within one millisecond
   * they carry the very same headers (Ed25519 is deterministic).
   */
  replay: ReplayCache | null
  toleranceMs?: number
}

function header(headers: IncomingHttpHeaders, name: string): string {
  const v = headers[name]
  return (Array.isArray(v) ? v[0] : v) ?? ''
}

const fail = (code: MeshRejection, reason: string): AuthResult => ({ ok: false, error: { code, reason } })

export async function authenticateRequest(
  headers: IncomingHttpHeaders,
  method: string,
  path: string,
  remoteAddress: string,
  deps: AuthDeps
): Promise<AuthResult> {
  const name = header(headers, HEADER_NAME)
  const tsText = header(headers, HEADER_TIMESTAMP)
  const sigText = header(headers, HEADER_SIGNATURE)
  if (name === '' || tsText === '' || sigText === '') return fail('auth_missing_headers', 'missing auth headers')
  // Go parses with strconv.ParseInt and re-formats with %d when building the message.
  if (!/^-?\d{1,16}$/.test(tsText)) return fail('auth_bad_timestamp', 'invalid timestamp')
  const timestampMs = Number(tsText)
  const now = deps.nowMs()
  const tolerance = deps.toleranceMs ?? MESH_AUTH_TOLERANCE_MS
  if (now - timestampMs > tolerance) return fail('auth_stale', 'timestamp too old')
  if (timestampMs - now > tolerance) return fail('auth_future', 'timestamp in the future')
  const signature = parseSignature(sigText)
  if (!signature) return fail('auth_bad_signature', 'malformed signature')

  let key = deps.publicKeyOf(name)
  if (!key) {
    key = await deps.discoverKey(name, remoteAddress)
    if (!key) return fail('auth_unknown_sender', `unknown sender ${name}`)
  }
  if (!verifyMeshRequestSignature(meshRequestMessage(name, timestampMs, method, path), signature, key)) {
    return fail('auth_bad_signature', 'invalid signature')
  }
  if (deps.replay && !deps.replay.checkAndRemember(name, timestampMs, signature, now)) return fail('auth_replay', 'replayed request')
  return { ok: true, sender: { name, timestampMs, signature: sigText } }
}

