/**
 * What a nara's ledger says about a subject's history (presence.md §6, plaza.md §6.2): restart
 * count, total uptime and first-seen time, anchored on the newest checkpoint when there is one,
 * else on a backfill baseline, else on the raw observations. Pure functions over the subject's
 * observation and checkpoint events, so proposer and voter derive the same way.
 */
import type { SyncEvent, SyncEventOf } from '../protocol/types'

export interface DerivedHistory {
  restarts: number
  totalUptime: number
  /** Earliest known start time (Unix s), 0 when unknown. */
  firstSeen: number
}

type Checkpoint = SyncEventOf<'checkpoint'>
type Observation = SyncEventOf<'observation'>

/** The subject's checkpoint with the greatest as_of_time (the first one seen on ties). */
export function latestCheckpoint(events: readonly SyncEvent[], subject: string): Checkpoint | null {
  let best: Checkpoint | null = null
  for (const e of events) {
    if (e.svc !== 'checkpoint' || e.checkpoint.subject !== subject) continue
    if (e.checkpoint.as_of_time > (best?.checkpoint.as_of_time ?? 0)) best = e
  }
  return best
}

function observationsAbout(events: readonly SyncEvent[], subject: string): Observation[] {
  return events.filter((e): e is Observation => e.svc === 'observation' && e.observation.subject === subject)
}

function backfillOf(obs: readonly Observation[]): Observation['observation'] | null {
  return obs.find((e) => e.observation.is_backfill)?.observation ?? null
}

function uniqueRestartStarts(obs: readonly Observation[], keep: (startTime: number) => boolean): number {
  const starts = new Set<number>()
  for (const e of obs) {
    const o = e.observation
    if (o.type !== 'restart' || o.is_backfill) continue
    const st = o.start_time ?? 0
    if (keep(st)) starts.add(st)
  }
  return starts.size
}

/** Checkpoint restarts + distinct restart start times after it; else backfill + distinct others; else distinct start times. */
export function deriveRestartCount(events: readonly SyncEvent[], subject: string): number {
  const cp = latestCheckpoint(events, subject)
  const obs = observationsAbout(events, subject)
  if (cp) {
    const after = cp.checkpoint.as_of_time
    return (cp.checkpoint.observation.restarts ?? 0) + uniqueRestartStarts(obs, (st) => !(after > 0 && st <= after))
  }
  const backfill = backfillOf(obs)
  if (backfill) return (backfill.restart_num ?? 0) + uniqueRestartStarts(obs, (st) => st !== (backfill.start_time ?? 0))
  return uniqueRestartStarts(obs, () => true)
}

/**
 * Seconds online: the checkpoint's total plus ONLINE→OFFLINE/MISSING periods from status-change
 * events after it; with only a backfill, online since its start time unless status changes say
 * otherwise; a period still open counts up to `nowSec`.
 */
export function deriveTotalUptime(events: readonly SyncEvent[], subject: string, nowSec: number): number {
  const cp = latestCheckpoint(events, subject)
  const obs = observationsAbout(events, subject)
  let total = 0
  let after = 0
  let assumeOnlineSince = 0
  if (cp) {
    total = cp.checkpoint.observation.total_uptime ?? 0
    after = cp.checkpoint.as_of_time
  } else {
    assumeOnlineSince = backfillOf(obs)?.start_time ?? 0
  }
  const changes = obs
    .filter((e) => e.observation.type === 'status-change')
    .map((e) => ({ t: Number(e.ts / 1_000_000_000n), state: e.observation.online_state ?? '' }))
    .filter((c) => !(after > 0 && c.t <= after))
    .sort((a, b) => a.t - b.t)
  if (assumeOnlineSince > 0 && changes.length === 0) return nowSec - assumeOnlineSince
  let onlineSince = assumeOnlineSince
  for (const c of changes) {
    if (c.state === 'ONLINE' && onlineSince === 0) onlineSince = c.t
    else if ((c.state === 'OFFLINE' || c.state === 'MISSING') && onlineSince > 0) {
      total += c.t - onlineSince
      onlineSince = 0
    }
  }
  if (onlineSince > 0) total += nowSec - onlineSince
  return total
}

/** The earliest positive start time in the subject's observations and checkpoints. */
export function firstSeenFromEvents(events: readonly SyncEvent[], subject: string): number {
  let earliest = 0
  const consider = (t: number | undefined): void => {
    if (t && t > 0 && (earliest === 0 || t < earliest)) earliest = t
  }
  for (const e of events) {
    if (e.svc === 'observation' && e.observation.subject === subject) consider(e.observation.start_time)
    else if (e.svc === 'checkpoint' && e.checkpoint.subject === subject) consider(e.checkpoint.observation.start_time)
  }
  return earliest
}

export function deriveHistory(events: readonly SyncEvent[], subject: string, nowSec: number): DerivedHistory {
  return {
    restarts: deriveRestartCount(events, subject),
    totalUptime: deriveTotalUptime(events, subject, nowSec),
    firstSeen: firstSeenFromEvents(events, subject)
  }
}
