/**
 * The mesh's single doorway to the protocol codecs (engineer B's modules): everything that
 * turns mesh bodies and headers into bytes and back goes through here, adapted to the shapes
 * the mesh works with (buffers in, Results out).
 */
import { ed25519Verify, type Signer } from '../protocol/crypto'
import { decodeEvent, encodeEvent, isSigned, verifyEvent } from '../protocol/events'
import { goQuote } from '../protocol/gojson'
import { parseJsonLossless } from '../protocol/jsonLossless'
import { meshRequestMessage, meshResponseMessage, signMeshRequest, signMeshResponse } from '../protocol/meshAuth'
import { decodePingResponse, encodePingResponse } from '../protocol/ping'
import {
  decodeSyncRequest,
  decodeSyncResponse,
  encodeSyncRequest as encodeSyncRequestB,
  encodeSyncResponse,
  signSyncResponse,
  verifySyncResponse,
  type DecodedSyncResponse,
  type SyncRequest as WireSyncRequest
} from '../protocol/syncMessages'
import type { SyncEvent, Zine } from '../protocol/types'
import { createZine, decodeZine, encodeZineBytes, verifyZine, type DecodedZine } from '../protocol/zine'
import { err, ok, type Result } from '../result'

export { createZine, encodeEvent, isSigned, meshRequestMessage, verifyEvent, verifySyncResponse, verifyZine }
export type { DecodedSyncResponse, DecodedZine }

const utf8 = new TextDecoder('utf-8')

// ---- mesh auth (zines-and-mesh.md §3) -------------------------------------------------------

export function verifyMeshRequestSignature(message: string, signature: Uint8Array, publicKey: Uint8Array): boolean {
  return ed25519Verify(publicKey, message, signature)
}

export function signMeshRequestHeaders(name: string, signer: Signer, method: string, path: string, nowMs: number): Record<string, string> {
  return { ...signMeshRequest(name, signer, method, path, nowMs) }
}

export function signMeshResponseHeaders(name: string, signer: Signer, body: Uint8Array, nowMs: number): Record<string, string> {
  return { ...signMeshResponse(name, signer, body, nowMs) }
}

export function verifyMeshResponseSignature(name: string, timestampText: string, signature: Uint8Array, body: Uint8Array, publicKey: Uint8Array): boolean {
  if (!/^[+-]?\d{1,16}$/.test(timestampText)) return false
  return ed25519Verify(publicKey, meshResponseMessage(name, Number(timestampText), body), signature)
}

// ---- /ping (zines-and-mesh.md §4) ---------------------------------------------------------

export interface PingBody {
  from: string
  meshIP: string
  publicKey: string
  tNs: bigint
}

export function encodePingBody(p: PingBody): string {
  return encodePingResponse({ from: p.from, mesh_ip: p.meshIP, public_key: p.publicKey, t: p.tNs })
}

export function decodePingBody(body: Uint8Array): Result<PingBody> {
  const r = decodePingResponse(utf8.decode(body))
  if (!r.ok) return r
  return ok({ from: r.value.from, meshIP: r.value.mesh_ip, publicKey: r.value.public_key, tNs: r.value.t })
}

// ---- zines --------------------------------------------------------------------------------

export function decodeZineBody(body: Uint8Array): Result<DecodedZine> {
  return decodeZine(utf8.decode(body), { maxBytes: body.length + 1 })
}

/** Zine JSON + "\n" as json.Encoder writes it. */
export function encodeZineBody(z: Zine): Buffer {
  return encodeZineBytes(z, '\n')
}

// ---- /dm ----------------------------------------------------------------------------------

export function decodeEventBody(body: Uint8Array): Result<SyncEvent> {
  return decodeEvent(utf8.decode(body), { maxBytes: body.length + 1 })
}

/** `{"from","success"}` — a Go map, keys sorted. */
export function encodeDmResponse(from: string, success: boolean): string {
  return `{"from":${goQuote(from)},"success":${success}}\n`
}

export function decodeDmResponse(body: Uint8Array): Result<{ from: string; success: boolean }> {
  const parsed = parseJsonLossless(body, { maxBytes: 64 * 1024 })
  if (!parsed.ok) return parsed
  const o = parsed.value as Record<string, unknown> | null
  if (typeof o !== 'object' || o === null || typeof o.success !== 'boolean') return err('wrong_type', 'dm response shape')
  return ok({ from: typeof o.from === 'string' ? o.from : '', success: o.success })
}

// ---- /events/sync (zines-and-mesh.md §7) --------------------------------------------------

export type SyncMode = 'sample' | 'page' | 'recent' | 'legacy'

/** A sync request with the reference's defaults applied (mode resolved, lists never null). */
export interface SyncRequest {
  from: string
  services: string[]
  subjects: string[]
  mode: SyncMode
  sampleSize: number
  cursor: string
  pageSize: number
  limit: number
  sinceTime: bigint
  sliceIndex: number
  sliceTotal: number
  maxEvents: number
}

export function decodeSyncRequestBody(body: Uint8Array): Result<SyncRequest> {
  const r = decodeSyncRequest(utf8.decode(body), { maxBytes: body.length + 1 })
  if (!r.ok) return r
  const w = r.value
  const mode: SyncMode = w.mode === 'sample' || w.mode === 'page' || w.mode === 'recent' ? w.mode : 'legacy'
  return ok({
    from: w.from,
    services: w.services ?? [],
    subjects: w.subjects ?? [],
    mode,
    sampleSize: w.sample_size ?? 0,
    cursor: w.cursor ?? '',
    pageSize: w.page_size ?? 0,
    limit: w.limit ?? 0,
    sinceTime: w.since_time ?? 0n,
    sliceIndex: w.slice_index ?? 0,
    sliceTotal: w.slice_total ?? 0,
    maxEvents: w.max_events ?? 0
  })
}

export function encodeSyncRequest(r: Partial<SyncRequest> & { from: string }): string {
  const w: WireSyncRequest = {
    from: r.from,
    services: r.services?.length ? r.services : null,
    subjects: r.subjects?.length ? r.subjects : null
  }
  if (r.mode && r.mode !== 'legacy') w.mode = r.mode
  if (r.sampleSize) w.sample_size = r.sampleSize
  if (r.cursor) w.cursor = r.cursor
  if (r.pageSize) w.page_size = r.pageSize
  if (r.limit) w.limit = r.limit
  if (r.sinceTime) w.since_time = r.sinceTime
  if (r.sliceIndex) w.slice_index = r.sliceIndex
  if (r.sliceTotal) w.slice_total = r.sliceTotal
  if (r.maxEvents) w.max_events = r.maxEvents
  return encodeSyncRequestB(w)
}

/** Signed SyncResponse JSON + "\n"; `events: null` when nothing matched, as Go's nil slice. */
export function encodeSyncResponseBody(from: string, events: SyncEvent[], nextCursor: string, nowMs: number, signer: Signer): string {
  const signed = signSyncResponse(from, events.length ? events : null, Math.floor(nowMs / 1000), signer, nextCursor || undefined)
  return encodeSyncResponse(signed) + '\n'
}

export function decodeSyncResponseBody(body: Uint8Array): Result<DecodedSyncResponse> {
  return decodeSyncResponse(utf8.decode(body), { maxBytes: body.length + 1 })
}
