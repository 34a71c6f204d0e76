/**
 * Compact storage form of an event. Strings cut out of a JSON text by a parser are V8
 * "sliced strings" that keep the whole text alive (≈ 400 B per stored event); so the ledger
 * stores a copy whose unique strings (id, sig) are fresh and whose repeating strings
 * (names, keys, enum values) are shared through an interner. Same fields, same values.
 */
import type {
  ChauPayload,
  CheckpointPayload,
  HeyTherePayload,
  NaraObservation,
  ObservationPayload,
  PingPayload,
  SeenPayload,
  SocialPayload,
  SyncEvent
} from '../protocol/types'

const isWellFormed = (String.prototype as { isWellFormed?: () => boolean }).isWellFormed

/** A fresh, flat copy of `s` that references no larger parent string. */
export function detachString(s: string): string {
  if (s.length === 0) return ''
  // UTF-8 round trip is the fastest copy but would replace lone surrogates; JSON keeps them.
  if (isWellFormed && isWellFormed.call(s)) return Buffer.from(s, 'utf8').toString('utf8')
  return JSON.parse(JSON.stringify(s)) as string
}

/** Shares one detached copy of each repeating string; forgets everything when full. */
export class StringInterner {
  private readonly table = new Map<string, string>()
  constructor(private readonly maxEntries = 100_000) {}

  intern(s: string): string
  intern(s: string | undefined): string | undefined
  intern(s: string | undefined): string | undefined {
    if (s === undefined || s === '') return s
    let v = this.table.get(s)
    if (v === undefined) {
      if (this.table.size >= this.maxEntries) this.table.clear()
      v = detachString(s)
      this.table.set(v, v)
    }
    return v
  }

  get size(): number {
    return this.table.size
  }
}

const once = (s: string | undefined): string | undefined => (s === undefined ? undefined : detachString(s))

// Shapes: each stored object starts as a literal of its always-present fields and gets its
// optional ones assigned only when defined, in declaration order. That keeps absent fields
// absent and lets V8 give every event of a kind one compact hidden class; building by
// spread (`{...head, social}`) or by copying keys into `{}` costs 2–4× the memory per event.

function compactNaraObservation(o: NaraObservation, s: StringInterner): NaraObservation {
  const out: NaraObservation = {}
  if (o.restarts !== undefined) out.restarts = o.restarts
  if (o.total_uptime !== undefined) out.total_uptime = o.total_uptime
  if (o.start_time !== undefined) out.start_time = o.start_time
  if (o.online !== undefined) out.online = s.intern(o.online)
  if (o.last_seen !== undefined) out.last_seen = o.last_seen
  if (o.last_restart !== undefined) out.last_restart = o.last_restart
  if (o.cluster_name !== undefined) out.cluster_name = s.intern(o.cluster_name)
  if (o.cluster_emoji !== undefined) out.cluster_emoji = s.intern(o.cluster_emoji)
  if (o.last_ping_rtt !== undefined) out.last_ping_rtt = o.last_ping_rtt
  if (o.avg_ping_rtt !== undefined) out.avg_ping_rtt = o.avg_ping_rtt
  if (o.last_ping_time !== undefined) out.last_ping_time = o.last_ping_time
  return out
}

function compactSocial(p: SocialPayload, s: StringInterner): SocialPayload {
  const out: SocialPayload = { type: s.intern(p.type) }
  if (p.actor !== undefined) out.actor = s.intern(p.actor)
  if (p.actor_id !== undefined) out.actor_id = s.intern(p.actor_id)
  if (p.target !== undefined) out.target = s.intern(p.target)
  if (p.target_id !== undefined) out.target_id = s.intern(p.target_id)
  if (p.reason !== undefined) out.reason = s.intern(p.reason)
  if (p.witness !== undefined) out.witness = s.intern(p.witness)
  return out
}

function compactPing(p: PingPayload, s: StringInterner): PingPayload {
  const out = {} as PingPayload
  if (p.observer !== undefined) out.observer = s.intern(p.observer)
  if (p.observer_id !== undefined) out.observer_id = s.intern(p.observer_id)
  if (p.target !== undefined) out.target = s.intern(p.target)
  if (p.target_id !== undefined) out.target_id = s.intern(p.target_id)
  out.rtt = p.rtt
  return out
}

type ObserverAndSubject = Pick<ObservationPayload & SeenPayload, 'observer' | 'observer_id' | 'subject' | 'subject_id'>

/** The leading fields observation and seen payloads share, in their declaration order. */
function internObserverAndSubject(out: ObserverAndSubject, p: ObserverAndSubject, s: StringInterner): void {
  if (p.observer !== undefined) out.observer = s.intern(p.observer)
  if (p.observer_id !== undefined) out.observer_id = s.intern(p.observer_id)
  if (p.subject !== undefined) out.subject = s.intern(p.subject)
  if (p.subject_id !== undefined) out.subject_id = s.intern(p.subject_id)
}

function compactObservation(p: ObservationPayload, s: StringInterner): ObservationPayload {
  const out = {} as ObservationPayload
  internObserverAndSubject(out, p, s)
  out.type = s.intern(p.type)
  out.importance = p.importance
  if (p.is_backfill !== undefined) out.is_backfill = p.is_backfill
  if (p.start_time !== undefined) out.start_time = p.start_time
  if (p.restart_num !== undefined) out.restart_num = p.restart_num
  if (p.last_restart !== undefined) out.last_restart = p.last_restart
  if (p.online_state !== undefined) out.online_state = s.intern(p.online_state)
  if (p.cluster_name !== undefined) out.cluster_name = s.intern(p.cluster_name)
  if (p.observer_uptime !== undefined) out.observer_uptime = p.observer_uptime
  return out
}

function compactSeen(p: SeenPayload, s: StringInterner): SeenPayload {
  const out = {} as SeenPayload
  internObserverAndSubject(out, p, s)
  out.via = s.intern(p.via)
  return out
}

function compactCheckpoint(p: CheckpointPayload, s: StringInterner): CheckpointPayload {
  const out = { version: p.version, subject: s.intern(p.subject), subject_id: s.intern(p.subject_id) } as CheckpointPayload
  if (p.previous_checkpoint_id !== undefined) out.previous_checkpoint_id = detachString(p.previous_checkpoint_id)
  out.observation = compactNaraObservation(p.observation, s)
  out.as_of_time = p.as_of_time
  out.round = p.round
  if (p.voter_ids !== undefined) out.voter_ids = p.voter_ids.map((v) => s.intern(v))
  if (p.signatures !== undefined) out.signatures = p.signatures.map(detachString)
  return out
}

function compactPayload(e: SyncEvent, s: StringInterner): AnyPayload {
  switch (e.svc) {
    case 'social': return compactSocial(e.social, s)
    case 'ping': return compactPing(e.ping, s)
    case 'observation': return compactObservation(e.observation, s)
    case 'hey-there': {
      const p = e.hey_there
      return { From: s.intern(p.From), PublicKey: s.intern(p.PublicKey), MeshIP: s.intern(p.MeshIP), ID: s.intern(p.ID), Signature: once(p.Signature) ?? '' }
    }
    case 'chau': {
      const p = e.chau
      return { From: s.intern(p.From), PublicKey: s.intern(p.PublicKey), ID: s.intern(p.ID), Signature: once(p.Signature) ?? '' }
    }
    case 'seen': return compactSeen(e.seen, s)
    case 'checkpoint': return compactCheckpoint(e.checkpoint, s)
  }
}

type AnyPayload = SocialPayload | PingPayload | ObservationPayload | HeyTherePayload | ChauPayload | SeenPayload | CheckpointPayload

/** The storage copy of a valid event (call after validation: payload shapes are trusted). */
export function compactEvent(e: SyncEvent, s: StringInterner): SyncEvent {
  const out = { id: detachString(e.id), ts: e.ts, svc: e.svc } as SyncEvent
  if (e.emitter !== undefined) out.emitter = s.intern(e.emitter)
  if (e.emitter_id !== undefined) out.emitter_id = s.intern(e.emitter_id)
  if (e.sig !== undefined) out.sig = detachString(e.sig)
  const payload = compactPayload(e, s)
  switch (out.svc) {
    case 'social': out.social = payload as SocialPayload; break
    case 'ping': out.ping = payload as PingPayload; break
    case 'observation': out.observation = payload as ObservationPayload; break
    case 'hey-there': out.hey_there = payload as HeyTherePayload; break
    case 'chau': out.chau = payload as ChauPayload; break
    case 'seen': out.seen = payload as SeenPayload; break
    case 'checkpoint': out.checkpoint = payload as CheckpointPayload; break
  }
  return out
}
