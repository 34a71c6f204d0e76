/**
 * POST /events/sync bodies (zines-and-mesh.md §7): SyncRequest and the signed SyncResponse
 * (signature over SHA-256("{from}:{ts}:" + event ids); next_cursor is not covered).
 */
import type { SyncEvent } from './types'
import { goArray, goObject, goQuote, omitInt, omitStr } from './gojson'
import { encodeEvent } from './events'
import { decodeEventList, type RejectedEvent } from './zine'
import { array, catchDecode, fields, int, int64, object, optInt, optStr, parseOrValue, shape, str, strArray } from './codec-fields'
import { decodeBase64Strict, ed25519Verify, sha256, type Signer } from './crypto'
import { VALID, invalid, type Verdict } from './codec-verdict'
import type { Result } from '../result'

export const MAX_SYNC_REQUEST_BYTES = 64 * 1024
export const MAX_SYNC_RESPONSE_BYTES = 32 * 1024 * 1024

export type SyncMode = 'sample' | 'page' | 'recent'

export interface SyncRequest {
  from: string
  /** null = Go nil slice (all services). */
  services: string[] | null
  subjects: string[] | null
  mode?: string
  sample_size?: number
  /** Decimal nanosecond timestamp (page mode). */
  cursor?: string
  page_size?: number
  limit?: number
  /** Nanoseconds (legacy mode). */
  since_time?: bigint
  slice_index?: number
  slice_total?: number
  max_events?: number
}

export function encodeSyncRequest(r: SyncRequest): string {
  return goObject([
    ['from', goQuote(r.from)],
    ['services', goArray(r.services, goQuote)],
    ['subjects', goArray(r.subjects, goQuote)],
    ['mode', omitStr(r.mode)],
    ['sample_size', omitInt(r.sample_size)],
    ['cursor', omitStr(r.cursor)],
    ['page_size', omitInt(r.page_size)],
    ['limit', omitInt(r.limit)],
    ['since_time', omitInt(r.since_time)],
    ['slice_index', omitInt(r.slice_index)],
    ['slice_total', omitInt(r.slice_total)],
    ['max_events', omitInt(r.max_events)]
  ])
}

const REQUEST = shape(['from', 'services', 'subjects', 'mode', 'sample_size', 'cursor', 'page_size', 'limit', 'since_time', 'slice_index', 'slice_total', 'max_events'])

export function decodeSyncRequest(input: unknown, options: { maxBytes?: number } = {}): Result<SyncRequest> {
  return catchDecode(() => {
    const f = fields(object(parseOrValue(input, { maxBytes: options.maxBytes ?? MAX_SYNC_REQUEST_BYTES }), 'sync request'), REQUEST)
    const r: SyncRequest = { from: str(f.from, 'from'), services: strArray(f.services, 'services'), subjects: strArray(f.subjects, 'subjects') }
    const set = <K extends keyof SyncRequest>(k: K, v: SyncRequest[K] | undefined): void => {
      if (v !== undefined) r[k] = v
    }
    set('mode', optStr(f.mode, 'mode'))
    set('sample_size', optInt(f.sample_size, 'sample_size'))
    set('cursor', optStr(f.cursor, 'cursor'))
    set('page_size', optInt(f.page_size, 'page_size'))
    set('limit', optInt(f.limit, 'limit'))
    const since = int64(f.since_time, 'since_time')
    if (since !== 0n) r.since_time = since
    set('slice_index', optInt(f.slice_index, 'slice_index'))
    set('slice_total', optInt(f.slice_total, 'slice_total'))
    set('max_events', optInt(f.max_events, 'max_events'))
    return r
  })
}

export interface SyncResponse {
  from: string
  /** null = Go nil slice ("events":null); treat as empty. */
  events: SyncEvent[] | null
  next_cursor?: string
  /** Unix seconds; 0/absent when unsigned. */
  ts?: number
  sig?: string
}

export function syncResponseSigningPreimage(from: string, ts: number, ids: readonly string[]): string {
  return `${from}:${ts}:${ids.join('')}`
}

export function signSyncResponse(
  from: string,
  events: SyncEvent[] | null,
  tsSeconds: number,
  signer: Signer,
  nextCursor?: string
): SyncResponse {
  const digest = sha256(syncResponseSigningPreimage(from, tsSeconds, (events ?? []).map((e) => e.id)))
  const r: SyncResponse = { from, events, ts: tsSeconds, sig: signer.signBase64(digest) }
  if (nextCursor) r.next_cursor = nextCursor
  return r
}

export function encodeSyncResponse(r: SyncResponse): string {
  return goObject([
    ['from', goQuote(r.from)],
    ['events', goArray(r.events, encodeEvent)],
    ['next_cursor', omitStr(r.next_cursor)],
    ['ts', omitInt(r.ts)],
    ['sig', omitStr(r.sig)]
  ])
}

export interface DecodedSyncResponse extends SyncResponse {
  eventIds: string[]
  rejected: RejectedEvent[]
}

const RESPONSE = shape(['from', 'events', 'next_cursor', 'ts', 'sig'])

export function decodeSyncResponse(input: unknown, options: { maxBytes?: number } = {}): Result<DecodedSyncResponse> {
  return catchDecode(() => {
    const f = fields(object(parseOrValue(input, { maxBytes: options.maxBytes ?? MAX_SYNC_RESPONSE_BYTES }), 'sync response'), RESPONSE)
    const items = array(f.events, 'events')
    const list = decodeEventList(items, 'events')
    const r: DecodedSyncResponse = {
      from: str(f.from, 'from'),
      events: items === null ? null : list.events,
      eventIds: list.eventIds,
      rejected: list.rejected
    }
    const cursor = optStr(f.next_cursor, 'next_cursor')
    if (cursor !== undefined) r.next_cursor = cursor
    const ts = int(f.ts, 'ts')
    if (ts !== 0) r.ts = ts
    const sig = optStr(f.sig, 'sig')
    if (sig !== undefined) r.sig = sig
    return r
  })
}

export function verifySyncResponse(r: SyncResponse | DecodedSyncResponse, publicKey: Uint8Array | null | undefined): Verdict {
  if (!r.sig) return invalid('unsigned')
  if (!publicKey) return invalid('no public key')
  const sig = decodeBase64Strict(r.sig)
  if (!sig || sig.length !== 64) return invalid('bad signature encoding')
  const ids = 'eventIds' in r ? r.eventIds : (r.events ?? []).map((e) => e.id)
  return ed25519Verify(publicKey, sha256(syncResponseSigningPreimage(r.from, r.ts ?? 0, ids)), sig) ? VALID : invalid('bad signature')
}
