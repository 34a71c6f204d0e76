/**
 * Zines (zines-and-mesh.md §5): `{"from","created_at","events","signature"}`, signed over
 * SHA-256("{from}:{created_at}:" + every event id concatenated). The signature covers the
 * ids only, so each event still carries (and needs) its own signature.
 */
import type { SyncEvent, Zine } from './types'
import { goArray, goInt, goObject, goQuote } from './gojson'
import { decodeEventValueAt, encodeEvent } from './events'
import { array, catchDecode, DecodeFailure, fields, int, isPlainObject, object, parseOrValue, shape, str } from './codec-fields'
import { decodeBase64Strict, ed25519Verify, sha256, type Signer } from './crypto'
import { VALID, invalid, type Verdict } from './codec-verdict'
import type { DecodeError, Result } from '../result'

export const MAX_ZINE_BYTES = 16 * 1024 * 1024

export function zineSigningPreimage(from: string, createdAt: number, ids: readonly string[]): string {
  return `${from}:${createdAt}:${ids.join('')}`
}

export function createZine(from: string, createdAt: number, events: SyncEvent[], signer: Signer): Zine {
  const digest = sha256(zineSigningPreimage(from, createdAt, events.map((e) => e.id)))
  return { from, created_at: createdAt, events, signature: signer.signBase64(digest) }
}

/** `nilEvents` reproduces a Go nil slice (`"events":null`); our own zines always send `[]`. */
export function encodeZine(z: Zine, options: { nilEvents?: boolean } = {}): string {
  return goObject([
    ['from', goQuote(z.from)],
    ['created_at', goInt(z.created_at)],
    ['events', options.nilEvents && z.events.length === 0 ? 'null' : goArray(z.events, encodeEvent)],
    ['signature', goQuote(z.signature)]
  ])
}

/**
 * UTF-8 JSON of recently zined events, by object identity. A node sends the same 5-minute
 * window in every gossip round (to 3–5 peers) and as its answer to every incoming zine, so
 * each event would otherwise be encoded again and again. Sound because events are never
 * mutated once built (constructors, signEvent and the decoders all return new objects).
 * Bounded, oldest first out: ~20,000 × ~400 B at most.
 */
const encodedEvents = new Map<SyncEvent, Buffer>()
export const ENCODED_EVENT_CACHE_MAX = 20_000

function encodedEventBytes(e: SyncEvent): Buffer {
  let bytes = encodedEvents.get(e)
  if (bytes === undefined) {
    bytes = Buffer.from(encodeEvent(e), 'utf8')
    if (encodedEvents.size >= ENCODED_EVENT_CACHE_MAX) encodedEvents.delete(encodedEvents.keys().next().value as SyncEvent)
    encodedEvents.set(e, bytes)
  }
  return bytes
}

/** Forgets every cached event encoding (to measure the cold path). */
export function clearEncodedEventCache(): void {
  encodedEvents.clear()
}

const COMMA = Buffer.from(',')

/**
 * `encodeZine(z) + suffix` as UTF-8 bytes, identical byte for byte, assembled from cached
 * per-event bytes (one copy of the body instead of encoding, joining and transcoding it).
 */
export function encodeZineBytes(z: Zine, suffix = ''): Buffer {
  const parts: Buffer[] = [Buffer.from(`{"from":${goQuote(z.from)},"created_at":${goInt(z.created_at)},"events":[`, 'utf8')]
  for (let i = 0; i < z.events.length; i++) {
    if (i > 0) parts.push(COMMA)
    parts.push(encodedEventBytes(z.events[i] as SyncEvent))
  }
  parts.push(Buffer.from(`],"signature":${goQuote(z.signature)}}${suffix}`, 'utf8'))
  return Buffer.concat(parts)
}

/** An element of a bundle that could not be decoded as a SyncEvent (it still counts for the bundle signature). */
export interface RejectedEvent {
  index: number
  error: DecodeError
}

export interface DecodedZine extends Zine {
  /** Every element's received id in order, including rejected ones: what the signature covers. */
  eventIds: string[]
  rejected: RejectedEvent[]
}

/**
 * Decodes each element independently: one unknown-service or payload-less event is reported
 * in `rejected` rather than sinking the whole bundle (the reference's ledger drops those too).
 */
export function decodeEventList(items: unknown[] | null, path: string): { events: SyncEvent[]; eventIds: string[]; rejected: RejectedEvent[] } {
  const events: SyncEvent[] = []
  const eventIds: string[] = []
  const rejected: RejectedEvent[] = []
  if (items === null) return { events, eventIds, rejected }
  for (let index = 0; index < items.length; index++) {
    const item = items[index]
    try {
      const e = decodeEventValueAt(item, path, index)
      events.push(e)
      eventIds.push(e.id)
    } catch (e) {
      if (!(e instanceof DecodeFailure)) throw e
      const id = isPlainObject(item) && typeof item.id === 'string' ? item.id : ''
      eventIds.push(id)
      rejected.push({ index, error: { code: e.code, reason: e.reason } })
    }
  }
  return { events, eventIds, rejected }
}

const ZINE = shape(['from', 'created_at', 'events', 'signature'])

export function decodeZine(input: unknown, options: { maxBytes?: number } = {}): Result<DecodedZine> {
  return catchDecode(() => {
    const f = fields(object(parseOrValue(input, { maxBytes: options.maxBytes ?? MAX_ZINE_BYTES }), 'zine'), ZINE)
    const list = decodeEventList(array(f.events, 'events'), 'events')
    return {
      from: str(f.from, 'from'),
      created_at: int(f.created_at, 'created_at'),
      events: list.events,
      signature: str(f.signature, 'signature'),
      eventIds: list.eventIds,
      rejected: list.rejected
    }
  })
}

export function zineSignatureVerdict(z: Zine | DecodedZine, publicKey: Uint8Array | null | undefined): Verdict {
  if (!z.signature) return invalid('unsigned')
  if (!publicKey) return invalid('no public key')
  const sig = decodeBase64Strict(z.signature)
  if (!sig || sig.length !== 64) return invalid('bad signature encoding')
  const ids = 'eventIds' in z ? z.eventIds : z.events.map((e) => e.id)
  return ed25519Verify(publicKey, sha256(zineSigningPreimage(z.from, z.created_at, ids)), sig) ? VALID : invalid('bad signature')
}

export function verifyZine(z: Zine | DecodedZine, publicKey: Uint8Array): boolean {
  return zineSignatureVerdict(z, publicKey).valid
}
