/**
 * Compact storage form of an event. Strings cut out of a JSON text by a parser are V8
 * "sliced strings" that keep the whole text alive (≈ 400 B per stored event); so the ledger
 * stores a copy whose unique strings (id, sig) are fresh and whose repeating strings
 * (names, keys, enum values) are shared through an interner. Same fields, same values.
 */
import type {
  CheckpointPayload,
  NaraObservation,
  ObservationPayload,
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

/**
 * Copies `o` keeping only defined values, so absent optional fields stay absent. (A copy,
 * not `delete`: deleting properties drops V8 objects into the larger dictionary mode.)
 */
function defined<T extends object>(o: T): T {
  const out: Record<string, unknown> = {}
  for (const k in o) if (o[k] !== undefined) out[k] = o[k]
  return out as T
}

function compactNaraObservation(o: NaraObservation, s: StringInterner): NaraObservation {
  return defined({
    restarts: o.restarts,
    total_uptime: o.total_uptime,
    start_time: o.start_time,
    online: s.intern(o.online),
    last_seen: o.last_seen,
    last_restart: o.last_restart,
    cluster_name: s.intern(o.cluster_name),
    cluster_emoji: s.intern(o.cluster_emoji),
    last_ping_rtt: o.last_ping_rtt,
    avg_ping_rtt: o.avg_ping_rtt,
    last_ping_time: o.last_ping_time
  })
}

function compactObservation(p: ObservationPayload, s: StringInterner): ObservationPayload {
  return defined({
    observer: s.intern(p.observer),
    observer_id: s.intern(p.observer_id),
    subject: s.intern(p.subject),
    subject_id: s.intern(p.subject_id),
    type: s.intern(p.type),
    importance: p.importance,
    is_backfill: p.is_backfill,
    start_time: p.start_time,
    restart_num: p.restart_num,
    last_restart: p.last_restart,
    online_state: s.intern(p.online_state),
    cluster_name: s.intern(p.cluster_name),
    observer_uptime: p.observer_uptime
  })
}

function compactCheckpoint(p: CheckpointPayload, s: StringInterner): CheckpointPayload {
  return defined({
    version: p.version,
    subject: s.intern(p.subject),
    subject_id: s.intern(p.subject_id),
    previous_checkpoint_id: once(p.previous_checkpoint_id),
    observation: compactNaraObservation(p.observation, s),
    as_of_time: p.as_of_time,
    round: p.round,
    voter_ids: p.voter_ids?.map((v) => s.intern(v)),
    signatures: p.signatures?.map(detachString)
  })
}

/** The storage copy of a valid event (call after validation: payload shapes are trusted). */
export function compactEvent(e: SyncEvent, s: StringInterner): SyncEvent {
  const head = defined({
    id: detachString(e.id),
    ts: e.ts,
    svc: e.svc,
    emitter: s.intern(e.emitter),
    emitter_id: s.intern(e.emitter_id),
    sig: once(e.sig)
  })
  switch (e.svc) {
    case 'social': {
      const p = e.social
      const social = defined({
        type: s.intern(p.type),
        actor: s.intern(p.actor),
        actor_id: s.intern(p.actor_id),
        target: s.intern(p.target),
        target_id: s.intern(p.target_id),
        reason: s.intern(p.reason),
        witness: s.intern(p.witness)
      })
      return { ...head, svc: 'social', social }
    }
    case 'ping': {
      const p = e.ping
      const ping = defined({
        observer: s.intern(p.observer),
        observer_id: s.intern(p.observer_id),
        target: s.intern(p.target),
        target_id: s.intern(p.target_id),
        rtt: p.rtt
      })
      return { ...head, svc: 'ping', ping }
    }
    case 'observation':
      return { ...head, svc: 'observation', observation: compactObservation(e.observation, s) }
    case 'hey-there': {
      const p = e.hey_there
      const hey_there = { From: s.intern(p.From), PublicKey: s.intern(p.PublicKey), MeshIP: s.intern(p.MeshIP), ID: s.intern(p.ID), Signature: once(p.Signature) ?? '' }
      return { ...head, svc: 'hey-there', hey_there }
    }
    case 'chau': {
      const p = e.chau
      const chau = { From: s.intern(p.From), PublicKey: s.intern(p.PublicKey), ID: s.intern(p.ID), Signature: once(p.Signature) ?? '' }
      return { ...head, svc: 'chau', chau }
    }
    case 'seen': {
      const p = e.seen
      const seen = defined({
        observer: s.intern(p.observer),
        observer_id: s.intern(p.observer_id),
        subject: s.intern(p.subject),
        subject_id: s.intern(p.subject_id),
        via: s.intern(p.via)
      })
      return { ...head, svc: 'seen', seen }
    }
    case 'checkpoint':
      return { ...head, svc: 'checkpoint', checkpoint: compactCheckpoint(e.checkpoint, s) }
  }
}
