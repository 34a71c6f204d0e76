/**
 * Zines (zines-and-mesh.md §5): `{"from","created_at","events","signature"}`, signed over
 * SHA-256("{from}:{created_at}:" + every event id concatenated). The signature covers the
 * ids only, so each event still carries (and needs) its own signature.
 */
import type { SyncEvent, Zine } from './types'
import { goArray, goInt, goObject, goQuote } from './gojson'
import { decodeEventValueAt, encodeEvent } from './events'
import { array, catchDecode, DecodeFailure, fieldName, fields, int, isPlainObject, object, parseOrValue, shape, str } from './codec-fields'
import { DEFAULT_MAX_JSON_DEPTH, exceedsBytes, JsonCursor, JsonSyntaxError } from './jsonLossless'
import { decodeBase64Strict, ed25519Verify, sha256, type Signer } from './crypto'
import { VALID, invalid, type Verdict } from './codec-verdict'
import { ok, type DecodeError, type Result } from '../result'
import { BoundedMemo } from '../boundedMemo'

export const MAX_ZINE_BYTES = 16 * 1024 * 1024

export function zineSigningPreimage(from: string, createdAt: number, ids: readonly string[]): string {
  return `${from}:${createdAt}:${ids.join('')}`
}

/**
 * The last zine each signer made. A node sends its window to 3–5 peers a round and in every
 * answer: while the window holds the same event objects in the same order, under the same
 * name and second, the zine is the same (Ed25519 signatures are deterministic), so the one
 * already signed — and encoded, see encodeZineBytes — is handed out again.
 */
let lastZineBySigner = new WeakMap<Signer, Zine>()

export function createZine(from: string, createdAt: number, events: SyncEvent[], signer: Signer): Zine {
  const last = lastZineBySigner.get(signer)
  if (last !== undefined && last.from === from && last.created_at === createdAt && sameObjects(last.events, events)) return last
  const digest = sha256(zineSigningPreimage(from, createdAt, events.map((e) => e.id)))
  const zine = { from, created_at: createdAt, events, signature: signer.signBase64(digest) }
  lastZineBySigner.set(signer, zine)
  return zine
}

function sameObjects<T>(a: readonly T[], b: readonly T[]): boolean {
  if (a === b) return true
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
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
export const ENCODED_EVENT_CACHE_MAX = 20_000
const encodedEvents = new BoundedMemo<SyncEvent, Buffer>(ENCODED_EVENT_CACHE_MAX)

function encodedEventBytes(e: SyncEvent): Buffer {
  return encodedEvents.get(e, () => Buffer.from(encodeEvent(e), 'utf8'))
}

/** Forgets every zine made and every event and window encoded (to measure the cold path). */
export function clearEncodedEventCache(): void {
  encodedEvents.clear()
  latestBySender.clear()
  encodedZines = new WeakMap()
  lastZineBySigner = new WeakMap()
}

const COMMA = Buffer.from(',')

const EMPTY_EVENTS = ',"events":[]'

/**
 * `encodeZine(z)` split around its event list: encodeZine stays the one source of the zine's
 * bytes. A quoted string cannot hold a bare `"`, so the marker is found only where the member is.
 */
function zineFrame(z: Zine): { head: string; tail: string } {
  const empty = encodeZine({ ...z, events: [] })
  const at = empty.indexOf(EMPTY_EVENTS) + EMPTY_EVENTS.length - 1
  return { head: empty.slice(0, at), tail: empty.slice(at) }
}

/** A zine's encoding, and where its events' bytes lie in it (reusable for the same window). */
interface EncodedZine {
  suffix: string
  bytes: Buffer
  events: readonly SyncEvent[]
  eventBytes: Buffer
}

/** By zine object (zines are not mutated once made: createZine hands the same one out again). */
let encodedZines = new WeakMap<Zine, EncodedZine>()
/** The latest encoding per sender name, for a new zine (next second) over the same window. */
const latestBySender = new Map<string, EncodedZine>()
const LATEST_SENDERS_MAX = 8

/**
 * `encodeZine(z) + suffix` as UTF-8 bytes, identical byte for byte: the same zine again gives
 * the same buffer (callers only send, sign or compress it); the same window under a new head
 * copies the events' bytes once; otherwise they are assembled from cached per-event bytes
 * (one copy of the body instead of encoding, joining and transcoding it).
 */
export function encodeZineBytes(z: Zine, suffix = ''): Buffer {
  const known = encodedZines.get(z)
  if (known !== undefined && known.suffix === suffix) return known.bytes
  const frame = zineFrame(z)
  const head = Buffer.from(frame.head, 'utf8')
  const tail = Buffer.from(frame.tail + suffix, 'utf8')
  const latest = latestBySender.get(z.from)
  let bytes: Buffer
  if (latest !== undefined && sameObjects(latest.events, z.events)) bytes = Buffer.concat([head, latest.eventBytes, tail])
  else {
    const parts: Buffer[] = [head]
    for (let i = 0; i < z.events.length; i++) {
      if (i > 0) parts.push(COMMA)
      parts.push(encodedEventBytes(z.events[i] as SyncEvent))
    }
    parts.push(tail)
    bytes = Buffer.concat(parts)
  }
  const encoded = { suffix, bytes, events: z.events, eventBytes: bytes.subarray(head.length, bytes.length - tail.length) }
  encodedZines.set(z, encoded)
  latestBySender.delete(z.from)
  if (latestBySender.size >= LATEST_SENDERS_MAX) latestBySender.delete(latestBySender.keys().next().value as string)
  latestBySender.set(z.from, encoded)
  return bytes
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

/**
 * A received zine whose bundle signature can be checked before its events are decoded: a
 * receiver answers as soon as the signature holds, and decodes (then verifies and merges)
 * the events after its reply.
 */
export interface ZineHead {
  from: string
  created_at: number
  signature: string
  /** Every element's received id in order, including rejected ones: what the signature covers. */
  eventIds: string[]
  /** The decoded events and the refused elements (decoded on the first call). */
  events(): { events: SyncEvent[]; rejected: RejectedEvent[] }
}

/** A bug guard: the events handed on must be exactly the ones the checked signature covers. */
export class ZineIdMismatch extends Error {}

/**
 * The same verdict and fields as decodeZine, with the decode of the events deferred when the
 * zine has the plain shape every implementation sends (see outlineZine); anything else takes
 * the full decode at once, so every error is the one decodeZine reports.
 */
export function decodeZineHead(text: string, options: { maxBytes?: number } = {}): Result<ZineHead> {
  const outline = exceedsBytes(text, options.maxBytes ?? MAX_ZINE_BYTES) ? null : outlineZine(text)
  if (outline !== null) return ok(outline)
  const full = decodeZine(text, options)
  if (!full.ok) return full
  const z = full.value
  const lists = { events: z.events, rejected: z.rejected }
  return ok({ from: z.from, created_at: z.created_at, signature: z.signature, eventIds: z.eventIds, events: () => lists })
}

/**
 * One validating pass over a zine that builds only its head and each element's id: the whole
 * text is checked with the parser's own grammar (JsonCursor), so what passes here parses there.
 * Returns null — leaving the verdict to decodeZine — for anything but the plain shape: valid
 * JSON, an object whose zine fields appear under their exact names (events once), as a string
 * / a safe integer / null or an array of objects each carrying a non-empty string "id" and no
 * other key read as the id; a repeated member counts by its last value, as in the parser. For such an element decodeEventValueAt keeps that id whether or not it
 * decodes (an absent or empty id would be computed from the content instead).
 */
export function outlineZine(text: string): ZineHead | null {
  const c = new JsonCursor(text, DEFAULT_MAX_JSON_DEPTH, true)
  try {
    return readOutline(c)
  } catch (e) {
    if (e instanceof JsonSyntaxError || e instanceof RangeError) return null
    throw e
  }
}

function readOutline(c: JsonCursor): ZineHead | null {
  c.skipWs()
  // Not an object, or an empty one: decodeZine gives the verdict.
  if (c.text.charCodeAt(c.pos) !== 0x7b || c.open(1, 0x7d)) return null
  let from = ''
  let createdAt = 0
  let signature = ''
  let elements: ElementSpans | null = null
  do {
    const key = c.memberKey()
    if (key === 'events') {
      if (elements !== null) return null
      // Go sends an empty window as a nil slice: "events":null.
      elements = c.text.charCodeAt(c.pos) === 0x5b ? readElements(c) : c.value(1) === null ? { ids: [], starts: [] } : null
      if (elements === null) return null
    } else if (key === 'from' || key === 'signature') {
      const v = c.value(1)
      if (typeof v !== 'string') return null
      if (key === 'from') from = v
      else signature = v
    } else if (key === 'created_at') {
      const v = c.value(1)
      if (typeof v !== 'number' || !Number.isSafeInteger(v)) return null
      createdAt = v
    } else if (fieldName(ZINE, key) !== undefined) return null
    else c.skipValue(1)
  } while (!c.next(0x7d))
  c.skipWs()
  if (c.pos !== c.text.length) return null
  return outlinedHead(c, from, createdAt, signature, elements ?? { ids: [], starts: [] })
}

interface ElementSpans {
  ids: string[]
  /** Where each element's object starts in the text. */
  starts: number[]
}

/** The `events` array (depth 2) of objects (depth 3), validated; null when not of the plain shape. */
function readElements(c: JsonCursor): ElementSpans | null {
  const spans: ElementSpans = { ids: [], starts: [] }
  if (c.open(2, 0x5d)) return spans
  do {
    if (c.text.charCodeAt(c.pos) !== 0x7b) return null
    spans.starts.push(c.pos)
    const id = readElementId(c)
    if (id === null) return null
    spans.ids.push(id)
  } while (!c.next(0x5d))
  return spans
}

/** One element object: its last "id" member when that is a non-empty string, else null. */
function readElementId(c: JsonCursor): string | null {
  let id: unknown
  if (c.open(3, 0x7d)) return null
  do {
    const key = c.memberKey()
    if (key === 'id') id = c.value(3)
    else if (foldsToId(key)) return null
    else c.skipValue(3)
  } while (!c.next(0x7d))
  return typeof id === 'string' && id !== '' ? id : null
}

/** "ID", "Id", "iD": the only keys other than "id" that Go's case folding reads as the id. */
function foldsToId(key: string): boolean {
  return key.length === 2 && (key.charCodeAt(0) | 0x20) === 0x69 && (key.charCodeAt(1) | 0x20) === 0x64
}

function outlinedHead(c: JsonCursor, from: string, createdAt: number, signature: string, spans: ElementSpans): ZineHead {
  let lists: { events: SyncEvent[]; rejected: RejectedEvent[] } | null = null
  return {
    from,
    created_at: createdAt,
    signature,
    eventIds: spans.ids,
    events() {
      if (lists !== null) return lists
      const items = spans.starts.map((start) => {
        c.pos = start
        return c.value(2)
      })
      const list = decodeEventList(items, 'events')
      if (list.eventIds.length !== spans.ids.length || list.eventIds.some((id, i) => id !== spans.ids[i])) {
        throw new ZineIdMismatch('decoded event ids differ from the ids the zine signature was checked over')
      }
      lists = { events: list.events, rejected: list.rejected }
      return lists
    }
  }
}

export function zineSignatureVerdict(z: Zine | DecodedZine | ZineHead, publicKey: Uint8Array | null | undefined): Verdict {
  if (!z.signature) return invalid('unsigned')
  if (!publicKey) return invalid('no public key')
  const sig = decodeBase64Strict(z.signature)
  if (!sig || sig.length !== 64) return invalid('bad signature encoding')
  const ids = 'eventIds' in z ? z.eventIds : z.events.map((e) => e.id)
  return ed25519Verify(publicKey, sha256(zineSigningPreimage(z.from, z.created_at, ids)), sig) ? VALID : invalid('bad signature')
}

export function verifyZine(z: Zine | DecodedZine | ZineHead, publicKey: Uint8Array): boolean {
  return zineSignatureVerdict(z, publicKey).valid
}
