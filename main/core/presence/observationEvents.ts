/**
 * The unsigned observation events Go emits about peers (events.md §2.3, presence.md §5):
 * first-seen and restart (importance 3) and status-change (importance 2). Pure builders.
 */
import { newObservationEvent } from '../protocol/events'
import type { ObservationPayload, SyncEvent, SyncEventOf } from '../protocol/types'

export const IMPORTANCE_CASUAL = 1
export const IMPORTANCE_NORMAL = 2
export const IMPORTANCE_CRITICAL = 3

export interface Party {
  name: string
  /** Nara ID, '' when unknown (then omitted, as Go's omitempty does). */
  id: string
}

function parties(observer: Party, subject: Party): Pick<ObservationPayload, 'observer' | 'observer_id' | 'subject' | 'subject_id'> {
  const p: Pick<ObservationPayload, 'observer' | 'observer_id' | 'subject' | 'subject_id'> = { observer: observer.name }
  if (observer.id) p.observer_id = observer.id
  p.subject = subject.name
  if (subject.id) p.subject_id = subject.id
  return p
}

/** First sighting of `subject`; `startTime` = the evidence time (s). */
export function firstSeenEvent(observer: Party, subject: Party, startTime: number, tsNs: bigint): SyncEventOf<'observation'> {
  return newObservationEvent({ ...parties(observer, subject), type: 'first-seen', importance: IMPORTANCE_CRITICAL, start_time: startTime }, tsNs)
}

/** A restart of `subject`: its start time, the new restart count, `last_restart` = emission time (s). */
export function restartEvent(observer: Party, subject: Party, startTime: number, restartNum: number, tsNs: bigint): SyncEventOf<'observation'> {
  return newObservationEvent(
    {
      ...parties(observer, subject),
      type: 'restart',
      importance: IMPORTANCE_CRITICAL,
      start_time: startTime,
      restart_num: restartNum,
      last_restart: Number(tsNs / 1_000_000_000n)
    },
    tsNs
  )
}

export function statusChangeEvent(observer: Party, subject: Party, state: 'ONLINE' | 'OFFLINE' | 'MISSING', tsNs: bigint): SyncEventOf<'observation'> {
  return newObservationEvent({ ...parties(observer, subject), type: 'status-change', importance: IMPORTANCE_NORMAL, online_state: state }, tsNs)
}

/**
 * Go's `hasRecentObservationEvent`: an observation about `subject` newer than `sinceNs`
 * (strictly) that matches `match`, among `events`.
 */
export function recentObservation(
  events: Iterable<SyncEvent>,
  subject: string,
  sinceNs: bigint,
  match: (o: ObservationPayload) => boolean
): ObservationPayload | null {
  for (const e of events) {
    if (e.svc !== 'observation' || e.ts <= sinceNs) continue
    if (e.observation.subject === subject && match(e.observation)) return e.observation
  }
  return null
}
