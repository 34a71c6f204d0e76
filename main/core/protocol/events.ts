/**
 * SyncEvents (events.md): content strings, IDs, signing, validity, and the byte-exact JSON
 * codec. Pure functions; keys come in as bytes, lookups are injected.
 */
import type {
  ChauPayload, CheckpointPayload, HeyTherePayload, ObservationPayload, PingPayload, SeenPayload,
  Service, SocialPayload, SyncEvent, SyncEventOf
} from './types'
import { SERVICES } from './types'
import { goArray, goFloat, goFormatF1, goInt, goObject, goQuote, omitBool, omitInt, omitStr } from './gojson'
import {
  catchDecode, fail, fields, float, int, int64, isPlainObject, object, optInt, optObject, optStr, parseOrValue, shape, str,
  strArray, type JsonObject
} from './codec-fields'
import { decodeNaraObservation, encodeNaraObservation } from './status'
import { attestationSigningString } from './checkpoint'
import { ed25519Verify, parsePublicKey, parseSignature, sha256, sha256Hex, type Signer } from './crypto'
import { err, ok, type Result } from '../result'
import { VALID, invalid, type Verdict } from './codec-verdict'

export type { Verdict } from './codec-verdict'

/** Far above any real event (a checkpoint with 10 signatures is ~1.5 KB). */
export const MAX_EVENT_BYTES = 64 * 1024

/** The JSON key carrying each service's payload. */
export const PAYLOAD_KEY = {
  social: 'social',
  ping: 'ping',
  observation: 'observation',
  'hey-there': 'hey_there',
  chau: 'chau',
  seen: 'seen',
  checkpoint: 'checkpoint'
} as const satisfies Record<Service, string>

type PayloadByService = {
  social: SocialPayload
  ping: PingPayload
  observation: ObservationPayload
  'hey-there': HeyTherePayload
  chau: ChauPayload
  seen: SeenPayload
  checkpoint: CheckpointPayload
}

export type PayloadOf<S extends Service> = PayloadByService[S]

export function isService(s: string): s is Service {
  return (SERVICES as readonly string[]).includes(s)
}

export function payloadOf(e: SyncEvent): PayloadOf<Service> {
  switch (e.svc) {
    case 'social': return e.social
    case 'ping': return e.ping
    case 'observation': return e.observation
    case 'hey-there': return e.hey_there
    case 'chau': return e.chau
    case 'seen': return e.seen
    case 'checkpoint': return e.checkpoint
  }
}

// ---------------------------------------------------------------------------------------
// Content strings (events.md §2)

export function socialContent(p: SocialPayload): string {
  return `${p.type}:${p.actor ?? ''}:${p.target ?? ''}:${p.reason ?? ''}:${p.witness ?? ''}`
}

export function pingContent(p: PingPayload): string {
  return `${p.observer ?? ''}:${p.target ?? ''}:${goFormatF1(p.rtt)}`
}

export function observationContent(p: ObservationPayload): string {
  // restart content leaves the observer out so that every witness of one restart agrees
  if (p.type === 'restart') return `${p.subject ?? ''}:restart:${p.restart_num ?? 0}:${p.start_time ?? 0}`
  return `${p.observer ?? ''}:${p.subject ?? ''}:${p.type}:${p.online_state ?? ''}:${p.start_time ?? 0}:${p.restart_num ?? 0}`
}

export function heyThereContent(p: HeyTherePayload): string {
  return `hey_there:${p.From}:${p.PublicKey}:${p.MeshIP}`
}

export function chauContent(p: ChauPayload): string {
  return `chau:${p.From}:${p.PublicKey}`
}

export function seenContent(p: SeenPayload): string {
  return `seen:${p.observer ?? ''}:${p.subject ?? ''}:${p.via}`
}

export function checkpointContent(p: CheckpointPayload): string {
  const sid = p.subject_id || p.subject
  const o = p.observation
  const values = `${sid}:${p.as_of_time}:${o.start_time ?? 0}:${o.restarts ?? 0}:${o.total_uptime ?? 0}`
  return p.version >= 2 ? `checkpoint:v2:${values}:${p.previous_checkpoint_id ?? ''}` : `checkpoint:${values}`
}

export function contentString(e: SyncEvent): string {
  switch (e.svc) {
    case 'social': return socialContent(e.social)
    case 'ping': return pingContent(e.ping)
    case 'observation': return observationContent(e.observation)
    case 'hey-there': return heyThereContent(e.hey_there)
    case 'chau': return chauContent(e.chau)
    case 'seen': return seenContent(e.seen)
    case 'checkpoint': return checkpointContent(e.checkpoint)
  }
}

// ---------------------------------------------------------------------------------------
// ID and signatures (events.md §3–4)

/** First 16 bytes of SHA-256("{ts}:{svc}:{content}"), lower-case hex. */
export function computeEventId(ts: bigint, svc: string, content: string): string {
  return sha256Hex(`${ts}:${svc}:${content}`).slice(0, 32)
}

/** The 32 bytes an event signature covers: SHA-256("{id}:{ts}:{svc}:{emitter}:{content}"). */
export function eventSigningDigest(e: SyncEvent, emitter = e.emitter ?? ''): Buffer {
  return sha256(`${e.id}:${e.ts}:${e.svc}:${emitter}:${contentString(e)}`)
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
    const message = attestationSigningString({
      version: p.version,
      attesterId: voter,
      subjectId: p.subject_id,
      asOfTime: p.as_of_time,
      restarts: p.observation.restarts ?? 0,
      totalUptime: p.observation.total_uptime ?? 0,
      startTime: p.observation.start_time ?? 0,
      reference: p.previous_checkpoint_id ?? ''
    })
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

export function validateEvent(e: SyncEvent): Result<SyncEvent> {
  const reason = invalidReason(e)
  return reason === null ? ok(e) : err('invalid', reason)
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

// ---------------------------------------------------------------------------------------
// Encoding (field order and omitempty as the reference's struct tags)

function encodePayload(e: SyncEvent): string {
  switch (e.svc) {
    case 'social': {
      const p = e.social
      return goObject([
        ['type', goQuote(p.type)],
        ['actor', omitStr(p.actor)],
        ['actor_id', omitStr(p.actor_id)],
        ['target', omitStr(p.target)],
        ['target_id', omitStr(p.target_id)],
        ['reason', omitStr(p.reason)],
        ['witness', omitStr(p.witness)]
      ])
    }
    case 'ping': {
      const p = e.ping
      return goObject([
        ['observer', omitStr(p.observer)],
        ['observer_id', omitStr(p.observer_id)],
        ['target', omitStr(p.target)],
        ['target_id', omitStr(p.target_id)],
        ['rtt', goFloat(p.rtt)]
      ])
    }
    case 'observation': {
      const p = e.observation
      return goObject([
        ['observer', omitStr(p.observer)],
        ['observer_id', omitStr(p.observer_id)],
        ['subject', omitStr(p.subject)],
        ['subject_id', omitStr(p.subject_id)],
        ['type', goQuote(p.type)],
        ['importance', goInt(p.importance)],
        ['is_backfill', omitBool(p.is_backfill)],
        ['start_time', omitInt(p.start_time)],
        ['restart_num', omitInt(p.restart_num)],
        ['last_restart', omitInt(p.last_restart)],
        ['online_state', omitStr(p.online_state)],
        ['cluster_name', omitStr(p.cluster_name)],
        ['observer_uptime', omitInt(p.observer_uptime)]
      ])
    }
    case 'hey-there': {
      const p = e.hey_there
      return goObject([
        ['From', goQuote(p.From)],
        ['PublicKey', goQuote(p.PublicKey)],
        ['MeshIP', goQuote(p.MeshIP)],
        ['ID', goQuote(p.ID)],
        ['Signature', goQuote(p.Signature)]
      ])
    }
    case 'chau': {
      const p = e.chau
      return goObject([
        ['From', goQuote(p.From)],
        ['PublicKey', goQuote(p.PublicKey)],
        ['ID', goQuote(p.ID)],
        ['Signature', goQuote(p.Signature)]
      ])
    }
    case 'seen': {
      const p = e.seen
      return goObject([
        ['observer', omitStr(p.observer)],
        ['observer_id', omitStr(p.observer_id)],
        ['subject', omitStr(p.subject)],
        ['subject_id', omitStr(p.subject_id)],
        ['via', goQuote(p.via)]
      ])
    }
    case 'checkpoint': {
      const p = e.checkpoint
      return goObject([
        ['version', goInt(p.version)],
        ['subject', goQuote(p.subject)],
        ['subject_id', goQuote(p.subject_id)],
        ['previous_checkpoint_id', omitStr(p.previous_checkpoint_id)],
        ['observation', encodeNaraObservation(p.observation)],
        ['as_of_time', goInt(p.as_of_time)],
        ['round', goInt(p.round)],
        ['voter_ids', p.voter_ids?.length ? goArray(p.voter_ids, goQuote) : undefined],
        ['signatures', p.signatures?.length ? goArray(p.signatures, goQuote) : undefined]
      ])
    }
  }
}

/** json.Marshal(SyncEvent), byte for byte. */
export function encodeEvent(e: SyncEvent): string {
  return (
    '{"id":' + goQuote(e.id) +
    ',"ts":' + e.ts.toString() +
    ',"svc":' + goQuote(e.svc) +
    (e.emitter ? ',"emitter":' + goQuote(e.emitter) : '') +
    (e.emitter_id ? ',"emitter_id":' + goQuote(e.emitter_id) : '') +
    (e.sig ? ',"sig":' + goQuote(e.sig) : '') +
    ',"' + PAYLOAD_KEY[e.svc] + '":' + encodePayload(e) +
    '}'
  )
}

// ---------------------------------------------------------------------------------------
// Decoding

const ENVELOPE = shape(['id', 'ts', 'svc', 'emitter', 'emitter_id', 'sig', ...Object.values(PAYLOAD_KEY)])
const SOCIAL = shape(['type', 'actor', 'actor_id', 'target', 'target_id', 'reason', 'witness'])
const PING = shape(['observer', 'observer_id', 'target', 'target_id', 'rtt'])
const OBSERVATION = shape([
  'observer', 'observer_id', 'subject', 'subject_id', 'type', 'importance', 'is_backfill', 'start_time',
  'restart_num', 'last_restart', 'online_state', 'cluster_name', 'observer_uptime'
])
const HEY_THERE = shape(['From', 'PublicKey', 'MeshIP', 'ID', 'Signature'])
const CHAU = shape(['From', 'PublicKey', 'ID', 'Signature'])
const SEEN = shape(['observer', 'observer_id', 'subject', 'subject_id', 'via'])
const CHECKPOINT = shape([
  'version', 'subject', 'subject_id', 'previous_checkpoint_id', 'observation', 'as_of_time', 'round', 'voter_ids', 'signatures'
])

// Decoding runs for every event of every zine: the readers below take the common case (a
// value of the right type) inline and fall back to the shared field readers, which build the
// error, only otherwise. Payload objects get only their present fields, in declaration
// order, assigned once (never deleted: that would turn them into slow dictionary objects).

/** An omitempty string: "" and absent both stay absent. */
function optS(v: unknown, path: string): string | undefined {
  if (typeof v === 'string') return v === '' ? undefined : v
  return optStr(v, path)
}

function reqS(v: unknown, path: string): string {
  return typeof v === 'string' ? v : str(v, path)
}

function decodeSocial(v: JsonObject): SocialPayload {
  const f = fields(v, SOCIAL)
  const p: SocialPayload = { type: reqS(f.type, 'social.type') }
  const actor = optS(f.actor, 'social.actor')
  const actorId = optS(f.actor_id, 'social.actor_id')
  const target = optS(f.target, 'social.target')
  const targetId = optS(f.target_id, 'social.target_id')
  const reason = optS(f.reason, 'social.reason')
  const witness = optS(f.witness, 'social.witness')
  if (actor !== undefined) p.actor = actor
  if (actorId !== undefined) p.actor_id = actorId
  if (target !== undefined) p.target = target
  if (targetId !== undefined) p.target_id = targetId
  if (reason !== undefined) p.reason = reason
  if (witness !== undefined) p.witness = witness
  return p
}

function decodePing(v: JsonObject): PingPayload {
  const f = fields(v, PING)
  const observer = optS(f.observer, 'ping.observer')
  const observerId = optS(f.observer_id, 'ping.observer_id')
  const target = optS(f.target, 'ping.target')
  const targetId = optS(f.target_id, 'ping.target_id')
  const rtt = typeof f.rtt === 'number' ? f.rtt : float(f.rtt, 'ping.rtt')
  const p = {} as PingPayload
  if (observer !== undefined) p.observer = observer
  if (observerId !== undefined) p.observer_id = observerId
  if (target !== undefined) p.target = target
  if (targetId !== undefined) p.target_id = targetId
  p.rtt = rtt
  return p
}

function decodeObservation(v: JsonObject): ObservationPayload {
  const f = fields(v, OBSERVATION)
  const observer = optS(f.observer, 'observation.observer')
  const observerId = optS(f.observer_id, 'observation.observer_id')
  const subject = optS(f.subject, 'observation.subject')
  const subjectId = optS(f.subject_id, 'observation.subject_id')
  const type = reqS(f.type, 'observation.type')
  const importance = int(f.importance, 'observation.importance')
  const startTime = optInt(f.start_time, 'observation.start_time')
  const restartNum = optInt(f.restart_num, 'observation.restart_num')
  const lastRestart = optInt(f.last_restart, 'observation.last_restart')
  const onlineState = optS(f.online_state, 'observation.online_state')
  const clusterName = optS(f.cluster_name, 'observation.cluster_name')
  const observerUptime = optInt(f.observer_uptime, 'observation.observer_uptime', { unsigned: true })
  const p = {} as ObservationPayload
  if (observer !== undefined) p.observer = observer
  if (observerId !== undefined) p.observer_id = observerId
  if (subject !== undefined) p.subject = subject
  if (subjectId !== undefined) p.subject_id = subjectId
  p.type = type
  p.importance = importance
  if (startTime !== undefined) p.start_time = startTime
  if (restartNum !== undefined) p.restart_num = restartNum
  if (lastRestart !== undefined) p.last_restart = lastRestart
  if (onlineState !== undefined) p.online_state = onlineState
  if (clusterName !== undefined) p.cluster_name = clusterName
  if (observerUptime !== undefined) p.observer_uptime = observerUptime
  if (f.is_backfill !== undefined && f.is_backfill !== null) {
    if (typeof f.is_backfill !== 'boolean') fail('wrong_type', 'observation.is_backfill must be a boolean')
    if (f.is_backfill) p.is_backfill = true
  }
  return p
}

function decodeSeen(v: JsonObject): SeenPayload {
  const f = fields(v, SEEN)
  const observer = optS(f.observer, 'seen.observer')
  const observerId = optS(f.observer_id, 'seen.observer_id')
  const subject = optS(f.subject, 'seen.subject')
  const subjectId = optS(f.subject_id, 'seen.subject_id')
  const via = reqS(f.via, 'seen.via')
  const p = {} as SeenPayload
  if (observer !== undefined) p.observer = observer
  if (observerId !== undefined) p.observer_id = observerId
  if (subject !== undefined) p.subject = subject
  if (subjectId !== undefined) p.subject_id = subjectId
  p.via = via
  return p
}

function decodeCheckpoint(v: JsonObject): CheckpointPayload {
  const f = fields(v, CHECKPOINT)
  const voterIds = strArray(f.voter_ids, 'checkpoint.voter_ids')
  const signatures = strArray(f.signatures, 'checkpoint.signatures')
  const version = int(f.version, 'checkpoint.version')
  const subject = str(f.subject, 'checkpoint.subject')
  const subjectId = str(f.subject_id, 'checkpoint.subject_id')
  const previous = optStr(f.previous_checkpoint_id, 'checkpoint.previous_checkpoint_id')
  const observation = decodeNaraObservation(f.observation, 'checkpoint.observation')
  const asOfTime = int(f.as_of_time, 'checkpoint.as_of_time')
  const round = int(f.round, 'checkpoint.round')
  const p = { version, subject, subject_id: subjectId } as CheckpointPayload
  if (previous !== undefined) p.previous_checkpoint_id = previous
  p.observation = observation
  p.as_of_time = asOfTime
  p.round = round
  if (voterIds?.length) p.voter_ids = voterIds
  if (signatures?.length) p.signatures = signatures
  return p
}

function decodePayload(svc: Service, v: JsonObject): PayloadOf<Service> {
  switch (svc) {
    case 'social': return decodeSocial(v)
    case 'ping': return decodePing(v)
    case 'observation': return decodeObservation(v)
    case 'hey-there': {
      const f = fields(v, HEY_THERE)
      return {
        From: reqS(f.From, 'hey_there.From'),
        PublicKey: reqS(f.PublicKey, 'hey_there.PublicKey'),
        MeshIP: reqS(f.MeshIP, 'hey_there.MeshIP'),
        ID: reqS(f.ID, 'hey_there.ID'),
        Signature: reqS(f.Signature, 'hey_there.Signature')
      } satisfies HeyTherePayload
    }
    case 'chau': {
      const f = fields(v, CHAU)
      return {
        From: reqS(f.From, 'chau.From'),
        PublicKey: reqS(f.PublicKey, 'chau.PublicKey'),
        ID: reqS(f.ID, 'chau.ID'),
        Signature: reqS(f.Signature, 'chau.Signature')
      } satisfies ChauPayload
    }
    case 'seen': return decodeSeen(v)
    case 'checkpoint': return decodeCheckpoint(v)
  }
}

const SERVICE_SET: ReadonlySet<string> = new Set(SERVICES)

/** `base` or `base[index]`, built only when an error message needs it. */
const pathAt = (base: string, index: number): string => (index < 0 ? base : `${base}[${index}]`)

/**
 * Decodes the `index`-th element of the list at `base` (index −1: the value at `base`
 * itself); throws DecodeFailure whose reason names that path.
 */
export function decodeEventValueAt(value: unknown, base: string, index: number): SyncEvent {
  const f = fields(isPlainObject(value) ? value : object(value, pathAt(base, index)), ENVELOPE)
  const rawSvc = f.svc
  const svc = typeof rawSvc === 'string' ? rawSvc : str(rawSvc, `${pathAt(base, index)}.svc`)
  if (!SERVICE_SET.has(svc)) fail('unknown_kind', `${pathAt(base, index)}.svc ${JSON.stringify(svc.slice(0, 40))} is not a known service`)
  const key = PAYLOAD_KEY[svc as Service]
  const rawPayloadValue = f[key]
  const rawPayload = isPlainObject(rawPayloadValue) ? rawPayloadValue : optObject(rawPayloadValue, `${pathAt(base, index)}.${key}`)
  if (rawPayload === null) fail('missing_payload', `${pathAt(base, index)} has no ${key} payload for svc ${svc}`)
  const rawId = f.id
  const id = typeof rawId === 'string' ? rawId : str(rawId, `${pathAt(base, index)}.id`)
  const rawTs = f.ts
  const ts = typeof rawTs === 'bigint' && rawTs >= INT64_MIN && rawTs <= INT64_MAX ? rawTs : int64(rawTs, `${pathAt(base, index)}.ts`)
  const payload = decodePayload(svc as Service, rawPayload)
  const rawEmitter = f.emitter
  const rawEmitterId = f.emitter_id
  const rawSig = f.sig
  const emitter = typeof rawEmitter === 'string' ? rawEmitter : optStr(rawEmitter, `${pathAt(base, index)}.emitter`)
  const emitterId = typeof rawEmitterId === 'string' ? rawEmitterId : optStr(rawEmitterId, `${pathAt(base, index)}.emitter_id`)
  const sig = typeof rawSig === 'string' ? rawSig : optStr(rawSig, `${pathAt(base, index)}.sig`)
  const e = { id, ts, svc, [key]: payload } as unknown as SyncEvent
  if (emitter) e.emitter = emitter
  if (emitterId) e.emitter_id = emitterId
  if (sig) e.sig = sig
  // The reference fills in a missing id and otherwise trusts the received one.
  if (e.id === '') e.id = computeEventId(e.ts, e.svc, contentString(e))
  return e
}

/** Decodes an already-parsed event value; throws DecodeFailure (use decodeEvent at boundaries). */
export function decodeEventValue(value: unknown, path = 'event'): SyncEvent {
  return decodeEventValueAt(value, path, -1)
}

const INT64_MIN = -(2n ** 63n)
const INT64_MAX = 2n ** 63n - 1n

/**
 * Decodes a SyncEvent from JSON text/bytes or from an already-parsed value (e.g. an element
 * of a zine's `events`). Shape only: use invalidReason/isValidEvent for ledger rules.
 */
export function decodeEvent(input: unknown, options: { maxBytes?: number } = {}): Result<SyncEvent> {
  return catchDecode(() => decodeEventValue(parseOrValue(input, { maxBytes: options.maxBytes ?? MAX_EVENT_BYTES })))
}

/** Convenience: the wire public key for events that carry one, parsed; null when absent or malformed. */
export function carriedPublicKeyBytes(e: SyncEvent): Buffer | null {
  const b64 = carriedPublicKey(e)
  return b64 ? parsePublicKey(b64) : null
}
