/**
 * The mesh's single doorway to the protocol codecs (engineer B's modules): everything that
 * turns mesh bodies and headers into bytes and back goes through here, adapted to the shapes
 * the mesh works with (buffers in, Results out).
 */
import { isAscii } from 'node:buffer'
import { ed25519Verify, type Signer } from '../protocol/crypto'
import { decodeEvent, encodeEvent, isSigned, verifyEvent } from '../protocol/events'
import { meshRequestMessage, meshResponseMessage, signMeshRequest, signMeshResponse } from '../protocol/meshAuth'
import { decodePingResponse, encodePingResponse, type PingResponse } from '../protocol/ping'
import { decodeDmResponse, encodeDmResponse, type DmResponse } from '../protocol/dm'
import {
  decodeSyncRequest,
  decodeSyncResponse,
  encodeSyncRequest,
  encodeSyncResponse,
  signSyncResponse,
  verifySyncResponse,
  type DecodedSyncResponse,
  type SyncRequest
} from '../protocol/syncMessages'
import type { SyncEvent, Zine } from '../protocol/types'
import { createZine, decodeZine, decodeZineHead, encodeZineBytes, verifyZine, type DecodedZine, type ZineHead } from '../protocol/zine'
import type { Result } from '../result'

export {
  createZine, decodeDmResponse, encodeDmResponse, encodeEvent, encodePingResponse, encodeSyncRequest, isSigned, meshRequestMessage, verifyEvent,
  verifySyncResponse, verifyZine
}
export type { DecodedSyncResponse, DecodedZine, DmResponse, PingResponse, SyncRequest, ZineHead }

const utf8 = new TextDecoder('utf-8')

/**
 * A body's text as TextDecoder gives it (U+FFFD for invalid UTF-8, a leading BOM dropped). An
 * all-ASCII body — every zine whose names are ASCII — reads the same byte for character, and
 * copying it as such is several times quicker on a large zine.
 */
function bodyText(body: Uint8Array): string {
  const bytes = Buffer.isBuffer(body) ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength)
  return isAscii(bytes) ? bytes.toString('ascii') : utf8.decode(bytes)
}

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

export function decodePingBody(body: Uint8Array): Result<PingResponse> {
  return decodePingResponse(bodyText(body))
}

// ---- zines --------------------------------------------------------------------------------

export function decodeZineBody(body: Uint8Array): Result<DecodedZine> {
  return decodeZine(bodyText(body), { maxBytes: body.length + 1 })
}

/** decodeZineBody's verdict with the events decoded on demand (an incoming zine's reply need not wait for them). */
export function decodeZineHeadBody(body: Uint8Array): Result<ZineHead> {
  return decodeZineHead(bodyText(body), { maxBytes: body.length + 1 })
}

/** Zine JSON + "\n" as json.Encoder writes it. */
export function encodeZineBody(z: Zine): Buffer {
  return encodeZineBytes(z, '\n')
}

// ---- /dm ----------------------------------------------------------------------------------

export function decodeEventBody(body: Uint8Array): Result<SyncEvent> {
  return decodeEvent(bodyText(body), { maxBytes: body.length + 1 })
}

// ---- /events/sync (zines-and-mesh.md §7) --------------------------------------------------

export function decodeSyncRequestBody(body: Uint8Array): Result<SyncRequest> {
  return decodeSyncRequest(bodyText(body), { maxBytes: body.length + 1 })
}

/** Signed SyncResponse JSON + "\n"; `events: null` when nothing matched, as Go's nil slice. */
export function encodeSyncResponseBody(from: string, events: SyncEvent[], nextCursor: string, nowMs: number, signer: Signer): string {
  const signed = signSyncResponse(from, events.length ? events : null, Math.floor(nowMs / 1000), signer, nextCursor || undefined)
  return encodeSyncResponse(signed) + '\n'
}

export function decodeSyncResponseBody(body: Uint8Array): Result<DecodedSyncResponse> {
  return decodeSyncResponse(bodyText(body), { maxBytes: body.length + 1 })
}
