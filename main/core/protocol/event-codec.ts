/**
 * The SyncEvent JSON codec: `encodeEvent` writes what Go's json.Marshal writes, byte for byte;
 * the decoders read untrusted JSON into typed events and fail with a reason naming the path.
 */
import type { ChauPayload, CheckpointPayload, HeyTherePayload, ObservationPayload, PingPayload, SeenPayload, Service, SocialPayload, SyncEvent } from './types'
import { SERVICES } from './types'
import { goArray, goFloat, goInt, goObject, goQuote, omitBool, omitInt, omitStr } from './gojson'
import {
  catchDecode, fail, fields, float, int, int64, isPlainObject, object, optInt, optObject, optStr, parseOrValue, shape, str,
  strArray, type JsonObject
} from './codec-fields'
import { decodeNaraObservation, encodeNaraObservation } from './status'
import type { Result } from '../result'
import { MAX_EVENT_BYTES, PAYLOAD_KEY, type PayloadOf } from './event-payloads'
import { computeEventId, contentString } from './event-content'

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
