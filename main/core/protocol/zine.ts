/**
 * Zines (zines-and-mesh.md §5): `{"from","created_at","events","signature"}`, signed over
 * SHA-256("{from}:{created_at}:" + every event id concatenated). The signature covers the
 * ids only, so each event still carries (and needs) its own signature.
 */
import type { SyncEvent, Zine } from './types'
import { goArray, goInt, goObject, goQuote } from './gojson'
import { decodeEventValue, encodeEvent } from './events'
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
  ;(items ?? []).forEach((item, index) => {
    try {
      const e = decodeEventValue(item, `${path}[${index}]`)
      events.push(e)
      eventIds.push(e.id)
    } catch (e) {
      if (!(e instanceof DecodeFailure)) throw e
      const id = isPlainObject(item) && typeof item.id === 'string' ? item.id : ''
      eventIds.push(id)
      rejected.push({ index, error: { code: e.code, reason: e.reason } })
    }
  })
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
