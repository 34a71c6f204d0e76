/**
 * The ledger's view of a SyncEvent: validity (events.md §5), who it involves, and how
 * expendable it is under memory pressure (events.md §7). Pure functions, no storage.
 */
import { PAYLOAD_KEY, eventSubjects, invalidReason as protocolInvalidReason, isService } from '../protocol/events'
import type { SyncEvent } from '../protocol/types'

const INT64_MIN = -(1n << 63n)
const INT64_MAX = (1n << 63n) - 1n
const EVENT_ID = /^[0-9a-f]{32}$/

/** Checkpoints for this subject at or before this time (Unix s) predate a reference bugfix and are discarded. */
export const CHECKPOINT_CUTOFF_SUBJECT = 'r2d2'
export const CHECKPOINT_CUTOFF_TIME = 1768774453

/**
 * Why the ledger refuses this event, or null when it is acceptable: the reference's
 * `IsValid` rules (protocol/events.ts) behind guards for shapes the type promises but an
 * object built outside the decoder may break, so the ledger never throws on bad input.
 */
export function invalidReason(e: SyncEvent): string | null {
  if (e === null || typeof e !== 'object') return 'not an object'
  if (typeof e.id !== 'string' || e.id === '') return 'missing id'
  // Go never checks a received id, but every id it produces is 32 hex chars; anything else
  // would only let a peer bloat our dedupe index.
  if (!EVENT_ID.test(e.id)) return 'id is not 32 lower-case hex characters'
  if (typeof e.ts !== 'bigint') return 'ts is not an integer'
  if (e.ts < INT64_MIN || e.ts > INT64_MAX) return 'ts outside int64'
  const svc: unknown = e.svc
  if (typeof svc !== 'string' || svc === '') return 'missing svc'
  if (!isService(svc)) return `unknown svc ${JSON.stringify(svc.slice(0, 40))}`
  const payload = (e as unknown as Record<string, unknown>)[PAYLOAD_KEY[e.svc]]
  if (payload === null || typeof payload !== 'object') return `missing ${PAYLOAD_KEY[e.svc]} payload`
  if (e.svc === 'ping' && !Number.isFinite(e.ping.rtt)) return 'ping rtt must be finite'
  if (e.svc === 'observation' && !Number.isInteger(e.observation.importance)) return 'observation importance must be an integer'
  if (e.svc === 'checkpoint' && (e.checkpoint.observation === null || typeof e.checkpoint.observation !== 'object')) return 'checkpoint observation missing'
  try {
    return protocolInvalidReason(e)
  } catch {
    return 'malformed payload'
  }
}

/** The reference's ingestion filter for pre-bugfix r2d2 checkpoints. */
export function isCutoffCheckpoint(e: SyncEvent): boolean {
  return (
    e.svc === 'checkpoint' &&
    e.checkpoint.subject === CHECKPOINT_CUTOFF_SUBJECT &&
    e.checkpoint.as_of_time <= CHECKPOINT_CUTOFF_TIME
  )
}

/** 0 = never pruned … 4 = pruned first (`eventPruningPriority`). */
export type PruningPriority = 0 | 1 | 2 | 3 | 4

export function pruningPriority(e: SyncEvent): PruningPriority {
  switch (e.svc) {
    case 'checkpoint':
      return 0
    case 'observation':
      if (e.observation.type === 'restart' || e.observation.type === 'first-seen') return 0
      if (e.observation.type === 'status-change') return 1
      return 2
    case 'hey-there':
    case 'chau':
      return 1
    case 'social':
      return 2
    case 'seen':
      return 3
    case 'ping':
      return 4
    default:
      return 2
  }
}

/** Names whose unknown public key makes the event expendable (`isEventFromUnknownNara`). */
export function involvedNames(e: SyncEvent): string[] {
  switch (e.svc) {
    case 'hey-there':
      return [e.hey_there.From]
    case 'chau':
      return [e.chau.From]
    case 'observation':
      return [e.observation.observer ?? '', e.observation.subject ?? '']
    case 'social':
      return [e.social.actor ?? '', e.social.target ?? '', e.social.witness ?? '']
    case 'ping':
      return [e.ping.observer ?? '', e.ping.target ?? '']
    case 'seen':
      return [e.seen.observer ?? '', e.seen.subject ?? '']
    default:
      return []
  }
}

/** `GetActor()` / `GetTarget()`: what the sync `subjects` filter matches against. */
export const actorAndTarget = eventSubjects
