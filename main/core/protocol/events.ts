/**
 * SyncEvents (events.md): signing, validity and constructors, and the one import for every
 * event name. Payload keys live in event-payloads.ts, content strings and IDs in
 * event-content.ts, the byte-exact JSON codec in event-codec.ts; all are re-exported here.
 * Pure functions; keys come in as bytes, lookups are injected.
 */
import type {
  CheckpointPayload, ObservationPayload, PingPayload, SeenPayload, Service, SocialPayload, SyncEvent, SyncEventOf
} from './types'
import { attestationSigningString, checkpointAttestationValues } from './checkpoint'
import { ed25519Verify, parsePublicKey, parseSignature, sha256, type Signer } from './crypto'
import { VALID, invalid, type Verdict } from './codec-verdict'
import { PAYLOAD_KEY, type PayloadOf } from './event-payloads'
import { computeEventId, contentString } from './event-content'
import { eventSigningPreimage } from './content-strings'

export type { Verdict } from './codec-verdict'
export { MAX_EVENT_BYTES, PAYLOAD_KEY, isService, payloadOf, type PayloadOf } from './event-payloads'
export {
  chauContent, checkpointContent, computeEventId, contentString, heyThereContent, observationContent, pingContent,
  seenContent, socialContent
} from './event-content'
export { decodeEvent, decodeEventValue, decodeEventValueAt, encodeEvent } from './event-codec'

// ---------------------------------------------------------------------------------------
// Signatures (events.md §4)

/** The 32 bytes an event signature covers: SHA-256("{id}:{ts}:{svc}:{emitter}:{content}"). */
export function eventSigningDigest(e: SyncEvent, emitter = e.emitter ?? ''): Buffer {
  return sha256(eventSigningPreimage(e.id, e.ts, e.svc, emitter, contentString(e)))
}

export function isSigned(e: SyncEvent): boolean {
  return !!e.emitter && !!e.sig
}

/** Sets emitter and sig (returns a new event; the id is kept). */
export function signEvent<E extends SyncEvent>(e: E, emitter: string, signer: Signer): E {
  return { ...e, emitter, sig: signer.signBase64(eventSigningDigest(e, emitter)) }
}


/** Signature check over the received id (never a recomputed one), with a reason when it fails. */
export function eventSignatureVerdict(e: SyncEvent, publicKey: Uint8Array | null | undefined): Verdict {
  if (!isSigned(e)) return invalid('unsigned')
  if (!publicKey) return invalid('no public key')
  const sig = parseSignature(e.sig as string)
  if (!sig) return invalid('bad signature encoding')
  return ed25519Verify(publicKey, eventSigningDigest(e), sig) ? VALID : invalid('bad signature')
}

export function verifyEvent(e: SyncEvent, publicKey: Uint8Array): boolean {
  return eventSignatureVerdict(e, publicKey).valid
}

/** The key an event carries itself (hey-there and chau payloads), if any. */
export function carriedPublicKey(e: SyncEvent): string | undefined {
  if (e.svc === 'hey-there') return e.hey_there.PublicKey || undefined
  if (e.svc === 'chau') return e.chau.PublicKey || undefined
  return undefined
}

export const MIN_CHECKPOINT_SIGNATURES = 2

export interface CheckpointVerdict {
  valid: boolean
  validCount: number
  knownCount: number
  total: number
}

/**
 * A checkpoint event is unsigned; each voter_ids[i] signed its attestation string.
 * Valid when at least `minValid` signatures verify with keys looked up by voter ID.
 */
export function verifyCheckpointEvent(
  e: SyncEventOf<'checkpoint'>,
  keyForVoterId: (naraId: string) => Uint8Array | null | undefined,
  minValid = MIN_CHECKPOINT_SIGNATURES
): CheckpointVerdict {
  const p = e.checkpoint
  const voters = p.voter_ids ?? []
  const sigs = p.signatures ?? []
  let validCount = 0
  let knownCount = 0
  const n = Math.min(voters.length, sigs.length)
  for (let i = 0; i < n; i++) {
    const voter = voters[i] as string
    const key = keyForVoterId(voter)
    if (!key) continue
    knownCount++
    const sig = parseSignature(sigs[i] as string)
    if (!sig) continue
    const message = attestationSigningString(checkpointAttestationValues(p, voter))
    if (ed25519Verify(key, message, sig)) validCount++
  }
  return { valid: validCount >= minValid, validCount, knownCount, total: voters.length }
}

// ---------------------------------------------------------------------------------------
// Constructors

function build<S extends Service>(svc: S, payload: PayloadOf<S>, ts: bigint): SyncEventOf<S> {
  const e = { id: '', ts, svc, [PAYLOAD_KEY[svc]]: payload } as unknown as SyncEventOf<S>
  e.id = computeEventId(ts, svc, contentString(e))
  return e
}

/** Builds an unsigned event of any service with its ID computed. */
export function createEvent<S extends Service>(svc: S, payload: PayloadOf<S>, ts: bigint): SyncEventOf<S> {
  return build(svc, payload, ts)
}

export const newSocialEvent = (p: SocialPayload, ts: bigint): SyncEventOf<'social'> => build('social', p, ts)
export const newPingEvent = (p: PingPayload, ts: bigint): SyncEventOf<'ping'> => build('ping', p, ts)
export const newSeenEvent = (p: SeenPayload, ts: bigint): SyncEventOf<'seen'> => build('seen', p, ts)
export const newObservationEvent = (p: ObservationPayload, ts: bigint): SyncEventOf<'observation'> => build('observation', p, ts)
export const newCheckpointEvent = (p: CheckpointPayload, ts: bigint): SyncEventOf<'checkpoint'> => build('checkpoint', p, ts)

export function newHeyThereEvent(
  p: { From: string; PublicKey: string; MeshIP?: string; ID?: string },
  ts: bigint
): SyncEventOf<'hey-there'> {
  return build('hey-there', { From: p.From, PublicKey: p.PublicKey, MeshIP: p.MeshIP ?? '', ID: p.ID ?? '', Signature: '' }, ts)
}

export function newChauEvent(p: { From: string; PublicKey: string; ID?: string }, ts: bigint): SyncEventOf<'chau'> {
  return build('chau', { From: p.From, PublicKey: p.PublicKey, ID: p.ID ?? '', Signature: '' }, ts)
}

// ---------------------------------------------------------------------------------------
// Validity (events.md §5, `IsValid`)

const SOCIAL_TYPES = new Set(['tease', 'observed', 'gossip', 'observation', 'service'])
const OBSERVATION_TYPES = new Set(['restart', 'first-seen', 'status-change'])
const ONLINE_STATES = new Set(['ONLINE', 'OFFLINE', 'MISSING'])

/** Why the reference ledger would refuse this event, or null when it is acceptable. */
export function invalidReason(e: SyncEvent): string | null {
  if (e.ts === 0n) return 'ts is zero'
  switch (e.svc) {
    case 'social': {
      const p = e.social
      if (!SOCIAL_TYPES.has(p.type)) return `unknown social type ${JSON.stringify(p.type)}`
      if (!p.actor || !p.target) return 'social needs actor and target'
      return null
    }
    case 'ping':
      if (!e.ping.observer || !e.ping.target) return 'ping needs observer and target'
      return e.ping.rtt > 0 ? null : 'ping rtt must be > 0'
    case 'observation': {
      const p = e.observation
      if (!p.observer || !p.subject || !p.type) return 'observation needs observer, subject and type'
      if (!OBSERVATION_TYPES.has(p.type)) return `unknown observation type ${JSON.stringify(p.type)}`
      if (p.importance < 1 || p.importance > 3) return 'observation importance must be 1..3'
      if (p.type === 'restart' && (!((p.start_time ?? 0) > 0) || (p.restart_num ?? 0) < 0)) return 'restart needs start_time > 0 and restart_num ≥ 0'
      if (p.type === 'first-seen' && !((p.start_time ?? 0) > 0)) return 'first-seen needs start_time > 0'
      if (p.type === 'status-change' && !ONLINE_STATES.has(p.online_state ?? '')) return 'status-change needs a valid online_state'
      return null
    }
    case 'hey-there':
      return e.hey_there.From && e.hey_there.PublicKey ? null : 'hey-there needs From and PublicKey'
    case 'chau':
      return e.chau.From ? null : 'chau needs From'
    case 'seen':
      return e.seen.observer && e.seen.subject && e.seen.via ? null : 'seen needs observer, subject and via'
    case 'checkpoint': {
      const p = e.checkpoint
      if (!p.subject) return 'checkpoint needs a subject'
      if (!(p.as_of_time > 0)) return 'checkpoint as_of_time must be > 0'
      if ((p.observation.restarts ?? 0) < 0 || (p.observation.total_uptime ?? 0) < 0) return 'checkpoint values must not be negative'
      if ((p.voter_ids?.length ?? 0) !== (p.signatures?.length ?? 0)) return 'checkpoint voter_ids and signatures differ in length'
      return null
    }
  }
}

export function isValidEvent(e: SyncEvent): boolean {
  return invalidReason(e) === null
}

/** Who an event is about, as the reference's sync filters see it. */
export function eventSubjects(e: SyncEvent): { actor: string; target: string } {
  switch (e.svc) {
    case 'social': return { actor: e.social.actor ?? '', target: e.social.target ?? '' }
    case 'ping': return { actor: e.ping.observer ?? '', target: e.ping.target ?? '' }
    case 'observation': return { actor: e.observation.observer ?? '', target: e.observation.subject ?? '' }
    case 'hey-there': return { actor: e.hey_there.From, target: e.hey_there.From }
    case 'chau': return { actor: e.chau.From, target: e.chau.From }
    case 'seen': return { actor: e.seen.observer ?? '', target: e.seen.subject ?? '' }
    case 'checkpoint': return { actor: '', target: e.checkpoint.subject }
  }
}

/** Convenience: the wire public key for events that carry one, parsed; null when absent or malformed. */
export function carriedPublicKeyBytes(e: SyncEvent): Buffer | null {
  const b64 = carriedPublicKey(e)
  return b64 ? parsePublicKey(b64) : null
}
