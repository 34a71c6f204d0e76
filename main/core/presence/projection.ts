/**
 * Event-sourced online status (presence.md §5.2, reference `presence_projection.go`):
 * each ledger event says "this nara was ONLINE/OFFLINE/MISSING at ts"; per name the
 * most recent event wins, and a stored ONLINE reads as MISSING once it is older than the
 * threshold. Pure state; time is always passed in.
 */
import type { OnlineState, SyncEvent } from '../protocol/types'

export const MISSING_THRESHOLD_SECONDS = 300
export const MISSING_THRESHOLD_GOSSIP_SECONDS = 3600

export interface ProjectedState {
  status: OnlineState
  /** ts (ns) of the event that set the status. */
  lastEventTs: bigint
  lastEventSvc: SyncEvent['svc']
  /** Who reported it (the observer for observations/seen/ping, else the nara itself). */
  observer: string
}

interface Derived {
  name: string
  status: OnlineState
  observer: string
}

/** The (name, status) pairs an event implies; empty for checkpoints and unknown shapes. */
export function deriveStatuses(e: SyncEvent): Derived[] {
  switch (e.svc) {
    case 'hey-there':
      return [{ name: e.hey_there.From, status: 'ONLINE', observer: e.hey_there.From }]
    case 'chau':
      return [{ name: e.chau.From, status: 'OFFLINE', observer: e.chau.From }]
    case 'seen':
      return [{ name: e.seen.subject ?? '', status: 'ONLINE', observer: e.seen.observer ?? '' }]
    case 'observation': {
      const o = e.observation
      const observer = o.observer ?? ''
      if (o.type === 'restart' || o.type === 'first-seen') return [{ name: o.subject ?? '', status: 'ONLINE', observer }]
      if (o.type === 'status-change' && isOnlineState(o.online_state)) return [{ name: o.subject ?? '', status: o.online_state, observer }]
      return []
    }
    case 'social':
      return [{ name: e.social.actor ?? '', status: 'ONLINE', observer: e.social.actor ?? '' }]
    case 'ping': {
      const observer = e.ping.observer ?? ''
      return [
        { name: observer, status: 'ONLINE', observer },
        { name: e.ping.target ?? '', status: 'ONLINE', observer }
      ]
    }
    default:
      return []
  }
}

/** Ascending by ts, stable for equal ts. */
function byTs(events: Iterable<SyncEvent>): SyncEvent[] {
  return Array.from(events).sort((a, b) => (a.ts < b.ts ? -1 : a.ts > b.ts ? 1 : 0))
}

function isOnlineState(s: string | undefined): s is OnlineState {
  return s === 'ONLINE' || s === 'OFFLINE' || s === 'MISSING'
}

/**
 * 300 s, or 3600 s when either side lives on the slow gossip path (the subject last
 * reported `transport_mode: "gossip"`, or we run in gossip mode).
 */
export function missingThresholdSeconds(subjectTransport: string | undefined, ownTransport: string | undefined): number {
  return subjectTransport === 'gossip' || ownTransport === 'gossip' ? MISSING_THRESHOLD_GOSSIP_SECONDS : MISSING_THRESHOLD_SECONDS
}

export class OnlineProjection {
  private readonly states = new Map<string, ProjectedState>()

  /** Folds one event in; returns the names whose stored state changed. */
  apply(e: SyncEvent): string[] {
    const changed: string[] = []
    for (const d of deriveStatuses(e)) if (this.applyOne(d, e)) changed.push(d.name)
    return changed
  }

  private applyOne(d: Derived, e: SyncEvent): boolean {
    if (d.name === '') return false
    const current = this.states.get(d.name)
    if (current && !(e.ts > current.lastEventTs)) return false
    this.states.set(d.name, { status: d.status, lastEventTs: e.ts, lastEventSvc: e.svc, observer: d.observer })
    return true
  }

  /** Rebuilds from scratch; events are applied in ts order (stable for equal ts), as a full reference replay does. */
  replay(events: Iterable<SyncEvent>): void {
    this.states.clear()
    for (const e of byTs(events)) this.apply(e)
  }

  /**
   * The names whose state may change when `e` leaves the ledger: those whose state carries
   * its ts. Any other name's state came from a later event, which a replay would still pick.
   */
  namesSetBy(e: SyncEvent): string[] {
    return deriveStatuses(e)
      .filter((d) => d.name !== '' && this.states.get(d.name)?.lastEventTs === e.ts)
      .map((d) => d.name)
  }

  /** Recomputes only `names`, from events that include every event mentioning them, as `replay` would. */
  rebuild(names: Iterable<string>, events: Iterable<SyncEvent>): void {
    const wanted = new Set(names)
    for (const n of wanted) this.states.delete(n)
    for (const e of byTs(events)) for (const d of deriveStatuses(e)) if (wanted.has(d.name)) this.applyOne(d, e)
  }

  clear(): void {
    this.states.clear()
  }

  /** Status at `nowNs`, or null when no event mentions the name. */
  statusOf(name: string, nowNs: bigint, thresholdSeconds: number = MISSING_THRESHOLD_SECONDS): OnlineState | null {
    const s = this.states.get(name)
    if (!s) return null
    return readStatus(s, nowNs, thresholdSeconds)
  }

  stateOf(name: string): ProjectedState | undefined {
    const s = this.states.get(name)
    return s && { ...s }
  }

  lastEventTs(name: string): bigint | undefined {
    return this.states.get(name)?.lastEventTs
  }

  names(): string[] {
    return [...this.states.keys()]
  }

  get size(): number {
    return this.states.size
  }

  /** Every known name's status at `nowNs`; `threshold` may vary per name (gossip peers). */
  snapshot(nowNs: bigint, threshold: number | ((name: string) => number) = MISSING_THRESHOLD_SECONDS): Map<string, OnlineState> {
    const out = new Map<string, OnlineState>()
    for (const [name, s] of this.states) {
      const t = typeof threshold === 'function' ? threshold(name) : threshold
      out.set(name, readStatus(s, nowNs, t))
    }
    return out
  }
}

function readStatus(s: ProjectedState, nowNs: bigint, thresholdSeconds: number): OnlineState {
  if (s.status !== 'ONLINE') return s.status
  const thresholdNs = BigInt(Math.round(thresholdSeconds * 1e9)) // thresholds are whole seconds in practice
  return nowNs - s.lastEventTs > thresholdNs ? 'MISSING' : 'ONLINE'
}

// --- Opinion about a peer's start time and restarts (presence.md §6, `neighbourhood_opinion.go`) ---

/**
 * Robust integer average (`TrimmedMeanInt64`): median m (upper middle), keep values in [m/5, 5m]
 * (integer division; [-10, 10] when m = 0; bounds swapped when m < 0), truncated mean of those;
 * the median when nothing is kept. Empty → 0; one value → itself.
 */
export function trimmedMean(values: readonly number[]): number {
  if (values.length === 0) return 0
  if (values.length === 1) return values[0]!
  const sorted = [...values].sort((a, b) => a - b)
  const m = sorted[Math.floor(sorted.length / 2)]!
  const div5 = (x: number): number => Math.trunc(x / 5)
  const [lo, hi] = m === 0 ? [-10, 10] : m > 0 ? [div5(m), m * 5] : [m * 5, div5(m)]
  const kept = sorted.filter((v) => v >= lo && v <= hi)
  if (kept.length === 0) return m
  return Math.trunc(kept.reduce((a, b) => a + b, 0) / kept.length)
}

/** `TrimmedMeanPositive`: the trimmed mean of the values > 0. */
export function trimmedMeanPositive(values: readonly number[]): number {
  return trimmedMean(values.filter((v) => v > 0))
}

export interface Opinion {
  /** Unix s; 0 when nobody reported one. */
  startTime: number
  restarts: number
  /** Unix s. */
  lastRestart: number
}

/** Consensus about `subject` from the restart / first-seen observations among `events`. */
export function deriveOpinion(events: Iterable<SyncEvent>, subject: string): Opinion {
  const starts: number[] = []
  const restartValues: number[] = []
  const restartObservers = new Set<string>()
  let maxRestarts = 0
  let lastRestart = 0
  for (const e of events) {
    if (e.svc !== 'observation') continue
    const o = e.observation
    if (o.subject !== subject || (o.type !== 'restart' && o.type !== 'first-seen')) continue
    const restartNum = o.restart_num ?? 0
    if ((o.start_time ?? 0) > 0) starts.push(o.start_time!)
    if (restartNum > maxRestarts) maxRestarts = restartNum
    if (restartNum > 0 && o.type === 'restart') {
      restartObservers.add(o.observer ?? '')
      restartValues.push(restartNum)
    }
    if ((o.last_restart ?? 0) > lastRestart) lastRestart = o.last_restart!
  }
  // One reporter: its highest count is the freshest. Several: outlier-trimmed mean.
  const restarts = restartObservers.size <= 1 ? maxRestarts : trimmedMeanPositive(restartValues) || maxRestarts
  return { startTime: trimmedMeanPositive(starts), restarts, lastRestart }
}
