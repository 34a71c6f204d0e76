/**
 * An independent, in-window check of one event's signature (events.md §3–§4), for the
 * Timeline's raw view. It shares only the content-string rules with the node
 * (main/core/protocol/content-strings.ts); the hashing (@noble/hashes) and the Ed25519
 * verification (tweetnacl) are other code than the node's (Node's crypto), so a bug in either
 * shows up as a disagreement between "the node says" and "checked in this window". Speed does
 * not matter here: one event, when the user opens it.
 */
import { sha256 } from '@noble/hashes/sha2.js'
import nacl from 'tweetnacl'
import { contentString, eventIdPreimage, eventSigningPreimage } from '../../../main/core/protocol/content-strings'
import { isService, MAX_EVENT_BYTES, PAYLOAD_KEY } from '../../../main/core/protocol/event-payloads'
import { parseJsonLossless } from '../../../main/core/protocol/jsonLossless'
import type { Service, SyncEvent } from '../../../main/core/protocol/types'

export type InWindowVerdict =
  /** The signature verifies with the key named in `keySource`. */
  | 'valid'
  /** A signature is there, and it does not verify (or cannot be read). */
  | 'invalid'
  /** No emitter/sig: nothing to check (observation and checkpoint events are unsigned by design). */
  | 'not-signed'
  /** Signed, but this window knows no key for the emitter. */
  | 'no-key'
  /** The JSON is not an event this check can read. */
  | 'unreadable'

export interface EventCheck {
  verdict: InWindowVerdict
  /** Plain-words detail for the verdict. */
  reason: string
  /** Recomputed from the payload ('' when unreadable). */
  content: string
  idPreimage: string
  /** The event's own id equals the one recomputed here (signatures cover the received id). */
  idMatches: boolean
  signingPreimage: string
  /** SHA-256 of the signing preimage, lower-case hex: the 32 bytes the signature covers. */
  digestHex: string
  keySource: 'payload' | 'neighbour list' | null
}

/** Public key (standard Base64) of a nara by name, from what this window knows. */
export type KeyLookup = (name: string) => string | null | undefined

/** Fields each service's content string reads, with the JSON type they must have. */
const CONTENT_FIELDS: Record<Service, { text: readonly string[]; num: readonly string[] }> = {
  social: { text: ['type', 'actor', 'target', 'reason', 'witness'], num: [] },
  ping: { text: ['observer', 'target'], num: ['rtt'] },
  observation: { text: ['observer', 'subject', 'type', 'online_state'], num: ['start_time', 'restart_num'] },
  'hey-there': { text: ['From', 'PublicKey', 'MeshIP'], num: [] },
  chau: { text: ['From', 'PublicKey'], num: [] },
  seen: { text: ['observer', 'subject', 'via'], num: [] },
  checkpoint: { text: ['subject', 'subject_id', 'previous_checkpoint_id'], num: ['version', 'as_of_time'] }
}
const CHECKPOINT_OBSERVATION_NUMS = ['start_time', 'restarts', 'total_uptime'] as const

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/
const HEX = '0123456789abcdef'
const UTF8 = new TextEncoder()

type Json = Record<string, unknown>

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v)
const isNum = (v: unknown): boolean => typeof v === 'number' || typeof v === 'bigint'

function hex(bytes: Uint8Array): string {
  let out = ''
  for (const b of bytes) out += HEX[b >> 4]! + HEX[b & 15]!
  return out
}

/** Strict standard Base64 (with padding), or null. */
export function decodeBase64(s: string): Uint8Array | null {
  if (s.length % 4 !== 0 || !BASE64.test(s)) return null
  const bin = atob(s)
  const out = new Uint8Array(bin.length)
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i)
  return out
}

/** True when every content field present has the type the reference would have accepted. */
function payloadReadable(svc: Service, p: Json): boolean {
  const f = CONTENT_FIELDS[svc]
  if (f.text.some((k) => p[k] !== undefined && typeof p[k] !== 'string')) return false
  if (f.num.some((k) => p[k] !== undefined && !isNum(p[k]))) return false
  if (svc === 'ping' && p['rtt'] === undefined) return false
  if (svc === 'checkpoint') {
    const o = p['observation']
    if (!isObject(o) || CHECKPOINT_OBSERVATION_NUMS.some((k) => o[k] !== undefined && !isNum(o[k]))) return false
  }
  return true
}

/** The payload as the content-string rules expect it (a huge integer rtt is still a float64 in Go). */
function contentPayload(svc: Service, p: Json): Json {
  return svc === 'ping' ? { ...p, rtt: Number(p['rtt']) } : p
}

const unreadable = (reason: string): EventCheck => ({
  verdict: 'unreadable', reason, content: '', idPreimage: '', idMatches: false, signingPreimage: '', digestHex: '', keySource: null
})

/**
 * Recomputes content string, id preimage and signing digest of the event in `json`, and
 * verifies its signature with tweetnacl against the key the payload carries (hey-there,
 * chau) or, otherwise, the emitter's key from `keyOf`.
 */
export function checkEventInWindow(json: string, keyOf: KeyLookup): EventCheck {
  if (json.length > MAX_EVENT_BYTES) return unreadable('larger than any event')
  const parsed = parseJsonLossless(json, { maxBytes: MAX_EVENT_BYTES })
  if (!parsed.ok) return unreadable(parsed.error.reason)
  const e = parsed.value
  if (!isObject(e)) return unreadable('not a JSON object')
  const svc = e['svc']
  if (typeof svc !== 'string' || !isService(svc)) return unreadable('unknown service')
  const payload = e[PAYLOAD_KEY[svc]]
  if (!isObject(payload) || !payloadReadable(svc, payload)) return unreadable(`the ${svc} payload has fields of the wrong type`)
  const id = e['id']
  const ts = e['ts']
  if (typeof id !== 'string' || !(typeof ts === 'bigint' || (typeof ts === 'number' && Number.isInteger(ts)))) return unreadable('id or ts missing')
  const emitterRaw = e['emitter']
  const sigRaw = e['sig']
  if ((emitterRaw !== undefined && typeof emitterRaw !== 'string') || (sigRaw !== undefined && typeof sigRaw !== 'string')) {
    return unreadable('emitter or sig is not a string')
  }
  const emitter = emitterRaw ?? ''
  const sig = sigRaw ?? ''

  const content = contentString({ svc, [PAYLOAD_KEY[svc]]: contentPayload(svc, payload) } as unknown as SyncEvent)
  const tsText = String(ts)
  const idPreimage = eventIdPreimage(tsText, svc, content)
  const idMatches = hex(sha256(UTF8.encode(idPreimage)).subarray(0, 16)) === id
  const signingPreimage = eventSigningPreimage(id, tsText, svc, emitter, content)
  const digest = sha256(UTF8.encode(signingPreimage))
  const base = { content, idPreimage, idMatches, signingPreimage, digestHex: hex(digest) }

  if (!emitter || !sig) return { ...base, verdict: 'not-signed', reason: 'the event carries no signature', keySource: null }
  const carried = svc === 'hey-there' || svc === 'chau' ? payload['PublicKey'] : undefined
  const fromPayload = typeof carried === 'string' && carried !== ''
  const keyText = fromPayload ? carried : keyOf(emitter)
  const keySource = fromPayload ? 'payload' : 'neighbour list'
  if (!keyText) return { ...base, verdict: 'no-key', reason: `no public key known for ${emitter}`, keySource: null }
  const key = decodeBase64(keyText)
  if (!key || key.length !== nacl.sign.publicKeyLength) return { ...base, verdict: 'invalid', reason: 'the public key is malformed', keySource }
  const signature = decodeBase64(sig)
  if (!signature || signature.length !== nacl.sign.signatureLength) return { ...base, verdict: 'invalid', reason: 'the signature is not 64 Base64 bytes', keySource }
  const good = nacl.sign.detached.verify(digest, signature, key)
  return { ...base, verdict: good ? 'valid' : 'invalid', reason: good ? `signed by ${emitter}` : 'the signature does not match', keySource }
}
