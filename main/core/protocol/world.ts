/**
 * World journeys (POST /world/relay, zines-and-mesh.md §9): every hop signs
 * SHA-256 of the Go JSON {"id","message","originator","previous_hops","current_nara"};
 * a hop's own timestamp and stamp are therefore not covered by its own signature.
 */
import { goArray, goInt, goObject, goQuote } from './gojson'
import { array, catchDecode, fields, int, object, optStr, parseOrValue, shape, str } from './codec-fields'
import { decodeBase64Strict, ed25519Verify, sha256, type Signer } from './crypto'
import { VALID, invalid, type Verdict } from './codec-verdict'
import type { Result } from '../result'

export const MAX_WORLD_MESSAGE_BYTES = 256 * 1024

export interface WorldHop {
  nara: string
  /** Unix seconds. */
  timestamp: number
  signature: string
  stamp: string
}

export interface WorldMessage {
  id: string
  message: string
  originator: string
  hops: WorldHop[]
}

/** Base64 of the first 16 bytes of SHA-256("{originator}:{message}:{unix ns}"). */
export function worldMessageId(originator: string, message: string, tsNs: bigint): string {
  return sha256(`${originator}:${message}:${tsNs}`).subarray(0, 16).toString('base64')
}

function encodeHop(h: WorldHop): string {
  return goObject([
    ['nara', goQuote(h.nara)],
    ['timestamp', goInt(h.timestamp)],
    ['signature', goQuote(h.signature)],
    ['stamp', goQuote(h.stamp)]
  ])
}

export function hopSigningJson(m: Pick<WorldMessage, 'id' | 'message' | 'originator'>, previousHops: readonly WorldHop[], currentNara: string): string {
  return goObject([
    ['id', goQuote(m.id)],
    ['message', goQuote(m.message)],
    ['originator', goQuote(m.originator)],
    ['previous_hops', goArray(previousHops, encodeHop)], // `[]` for the first hop, never null
    ['current_nara', goQuote(currentNara)]
  ])
}

/** Appends this nara's signed hop (returns a new message). */
export function addHop(m: WorldMessage, nara: string, signer: Signer, timestampSeconds: number, stamp: string): WorldMessage {
  const signature = signer.signBase64(sha256(hopSigningJson(m, m.hops, nara)))
  return { ...m, hops: [...m.hops, { nara, timestamp: timestampSeconds, signature, stamp }] }
}

export function encodeWorldMessage(m: WorldMessage): string {
  return goObject([
    ['id', goQuote(m.id)],
    ['message', goQuote(m.message)],
    ['originator', goQuote(m.originator)],
    ['hops', goArray(m.hops, encodeHop)]
  ])
}

const MESSAGE = shape(['id', 'message', 'originator', 'hops'])
const HOP = shape(['nara', 'timestamp', 'signature', 'stamp'])

export function decodeWorldMessage(input: unknown): Result<WorldMessage> {
  return catchDecode(() => {
    const f = fields(object(parseOrValue(input, { maxBytes: MAX_WORLD_MESSAGE_BYTES }), 'world message'), MESSAGE)
    return {
      id: str(f.id, 'id'),
      message: str(f.message, 'message'),
      originator: str(f.originator, 'originator'),
      hops: (array(f.hops, 'hops') ?? []).map((raw, i) => decodeHop(raw, i))
    }
  })
}

function decodeHop(raw: unknown, i: number): WorldHop {
  const h = fields(object(raw, `hops[${i}]`), HOP)
  return {
    nara: str(h.nara, `hops[${i}].nara`),
    timestamp: int(h.timestamp, `hops[${i}].timestamp`),
    signature: str(h.signature, `hops[${i}].signature`),
    stamp: str(h.stamp, `hops[${i}].stamp`)
  }
}

/** Every hop must verify with its nara's key (looked up by name). */
export function verifyWorldMessage(m: WorldMessage, keyForName: (name: string) => Uint8Array | null | undefined): Verdict {
  for (let i = 0; i < m.hops.length; i++) {
    const hop = m.hops[i] as WorldHop
    const key = keyForName(hop.nara)
    if (!key) return invalid(`hop ${i} (${hop.nara}): no public key`)
    const sig = decodeBase64Strict(hop.signature)
    if (!sig || sig.length !== 64) return invalid(`hop ${i} (${hop.nara}): bad signature encoding`)
    if (!ed25519Verify(key, sha256(hopSigningJson(m, m.hops.slice(0, i), hop.nara)), sig)) {
      return invalid(`hop ${i} (${hop.nara}): bad signature`)
    }
  }
  return VALID
}

/** The journey is complete when the last hop is back at the originator. */
export function isJourneyComplete(m: WorldMessage): boolean {
  return m.hops.length > 0 && m.hops[m.hops.length - 1]?.nara === m.originator
}

/** `nara/plaza/journey_complete` (plaza.md §3.6): published by the originator when its journey is back. */
export interface JourneyCompletion {
  journey_id: string
  originator: string
  reported_by: string
  /** omitempty */
  message?: string
  /** omitempty */
  hops?: WorldHop[]
}

export function encodeJourneyCompletion(c: JourneyCompletion): string {
  return goObject([
    ['journey_id', goQuote(c.journey_id)],
    ['originator', goQuote(c.originator)],
    ['reported_by', goQuote(c.reported_by)],
    ['message', c.message ? goQuote(c.message) : undefined],
    ['hops', c.hops && c.hops.length ? goArray(c.hops, encodeHop) : undefined]
  ])
}

const COMPLETION = shape(['journey_id', 'originator', 'reported_by', 'message', 'hops'])

export function decodeJourneyCompletion(input: unknown): Result<JourneyCompletion> {
  return catchDecode(() => {
    const f = fields(object(parseOrValue(input, { maxBytes: MAX_WORLD_MESSAGE_BYTES }), 'journey completion'), COMPLETION)
    const c: JourneyCompletion = {
      journey_id: str(f.journey_id, 'journey_id'),
      originator: str(f.originator, 'originator'),
      reported_by: str(f.reported_by, 'reported_by')
    }
    const message = optStr(f.message, 'message')
    if (message !== undefined) c.message = message
    const hops = array(f.hops, 'hops')
    if (hops) c.hops = hops.map((raw, i) => decodeHop(raw, i))
    return c
  })
}
