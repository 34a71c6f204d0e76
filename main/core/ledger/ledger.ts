/**
 * The RAM-only event ledger (reference `sync_ledger.go`): dedupe by id, per-target ping
 * and per-pair observation caps, and priority pruning when over capacity.
 *
 * Storage is one array of the event objects in insertion order plus small indexes that
 * hold references only (no per-event copies). Removals mark a tombstone and the array is
 * compacted in bulk; the global prune runs in batches (down to `1 − pruneSlack` of the
 * capacity) so no add ever sorts the whole ledger.
 */
import type { SyncEvent, SyncEventOf } from '../protocol/types'
import {
  actorAndTarget,
  involvedNames,
  invalidReason,
  isCutoffCheckpoint,
  pruningPriority
} from './eventRules'
import { resolveMemoryProfile, type MemoryProfile } from './memoryProfile'
import { StringInterner, compactEvent } from './compact'

export const MAX_PINGS_PER_TARGET = 5
export const MAX_OBSERVATIONS_PER_PAIR = 20

export type AddOutcome = 'added' | 'duplicate' | 'rejected'
export type RejectReason = 'invalid' | 'checkpoint_cutoff' | 'ping_not_newer'
export type AddResult =
  | { readonly outcome: 'added' }
  | { readonly outcome: 'duplicate'; readonly reason: 'same_id' | 'same_content' }
  | { readonly outcome: 'rejected'; readonly reason: RejectReason; readonly detail: string }

export interface AddOptions {
  /**
   * Content dedupe used by the reference for its own restart/first-seen emissions
   * (`AddEventWithDedup`): a restart with the same subject+restart_num+start_time, or a
   * first-seen with the same observer+subject, counts as a duplicate.
   */
  dedupeContent?: boolean
}

export interface LedgerOptions {
  /** Explicit capacity; otherwise from `profile`. */
  capacity?: number
  profile?: MemoryProfile
  /** True when the node holds a public key for this name; events involving unknown names are pruned first. */
  hasKnownKey?: (name: string) => boolean
  /**
   * Batch size of the global prune as a fraction of capacity: over capacity, prune down to
   * `capacity − floor(capacity × pruneSlack)`. 0 reproduces the reference exactly (one event
   * at a time); the default 0.01 keeps adds O(1) amortised.
   */
  pruneSlack?: number
  /**
   * Store a compact copy (fresh id/sig strings, shared names) instead of the caller's
   * object; default true. Off only for measurements: parser-sliced strings otherwise keep
   * every event's whole JSON text alive.
   */
  compactStorage?: boolean
}

export interface LedgerQuery {
  /** Exclusive lower bound (reference sync semantics: `ts > since`). */
  sinceNs?: bigint
  /** Inclusive upper bound. */
  untilNs?: bigint
  services?: readonly string[]
  /** Matches the event's actor or target. */
  subjects?: readonly string[]
  /** Interleaved slicing across responders: keep positions i with i % total === index. */
  slice?: { index: number; total: number }
  /** Keep only the most recent `limit` (after sorting ascending). */
  limit?: number
}

export interface LedgerPage {
  events: SyncEvent[]
  /** Decimal ns of the last event when the page was full, else '' (reference page mode). */
  nextCursor: string
}

export type LedgerListener = (event: SyncEvent) => void

const PAIR_SEP = '\u0000'
const pairKey = (observer: string, subject: string): string => observer + PAIR_SEP + subject

export class Ledger {
  readonly profile: MemoryProfile
  readonly capacity: number
  private readonly hasKnownKey: ((name: string) => boolean) | undefined
  private readonly pruneTarget: number
  private readonly interner: StringInterner | null

  /** Insertion order; may hold tombstoned events listed in `tombstones` until compaction. */
  private slots: SyncEvent[] = []
  private readonly tombstones = new Set<SyncEvent>()
  private readonly byId = new Map<string, SyncEvent>()

  private readonly pingsByTarget = new Map<string, SyncEvent[]>()
  private readonly observationsByPair = new Map<string, SyncEvent[]>()
  private readonly checkpointsBySubject = new Map<string, number>()
  private readonly restartContent = new Map<string, number>()
  private readonly firstSeenContent = new Map<string, number>()
  private readonly serviceCounts = new Map<string, number>()
  private critical = 0
  private heyThereMaxTs: Map<string, bigint> | null = new Map()

  private structureVersion = 0
  private readonly listeners = new Set<LedgerListener>()
  private readonly rejections = new Map<string, number>()

  constructor(opts: LedgerOptions = {}) {
    this.profile = opts.profile ?? resolveMemoryProfile('medium')
    const capacity = opts.capacity ?? this.profile.maxEvents
    if (!Number.isSafeInteger(capacity) || capacity <= 0) throw new RangeError(`ledger capacity must be a positive integer, got ${capacity}`)
    this.capacity = capacity
    this.hasKnownKey = opts.hasKnownKey
    const slack = opts.pruneSlack ?? 0.01
    this.pruneTarget = capacity - Math.floor(capacity * Math.min(Math.max(slack, 0), 0.5))
    this.interner = opts.compactStorage === false ? null : new StringInterner()
  }

  get size(): number {
    return this.byId.size
  }

  get mode(): MemoryProfile['mode'] {
    return this.profile.mode
  }

  /** Increments whenever events are removed; projections built incrementally must then replay. */
  get version(): number {
    return this.structureVersion
  }

  add(event: SyncEvent, opts?: AddOptions): AddOutcome {
    return this.addWithResult(event, opts).outcome
  }

  addWithResult(event: SyncEvent, opts: AddOptions = {}): AddResult {
    const invalid = invalidReason(event)
    if (invalid !== null) return this.reject('invalid', invalid)
    if (isCutoffCheckpoint(event)) return this.reject('checkpoint_cutoff', `checkpoint for ${event.svc === 'checkpoint' ? event.checkpoint.subject : ''} predates the cutoff`)
    if (this.byId.has(event.id)) return { outcome: 'duplicate', reason: 'same_id' }

    let stored: SyncEvent
    if (event.svc === 'observation') {
      if (opts.dedupeContent && this.hasSameContent(event)) return { outcome: 'duplicate', reason: 'same_content' }
      stored = this.storageCopy(event)
      this.makeRoomInPair(event)
      this.attach(stored)
      // Observations bypass the global prune (reference behaviour).
    } else {
      if (event.svc === 'ping') {
        const pings = this.pingsByTarget.get(event.ping.target ?? '')
        if (pings && pings.length >= MAX_PINGS_PER_TARGET) {
          const oldest = oldestOf(pings)
          if (event.ts <= oldest.ts) return this.reject('ping_not_newer', 'ping is not newer than the oldest of the 5 kept for its target')
          this.remove(oldest)
        }
      }
      stored = this.storageCopy(event)
      this.attach(stored)
      if (this.byId.size > this.capacity) this.prune()
    }
    for (const l of this.listeners) l(stored)
    return { outcome: 'added' }
  }

  /** Listeners and queries see the stored copy, never the caller's object. */
  private storageCopy(event: SyncEvent): SyncEvent {
    return this.interner ? compactEvent(event, this.interner) : event
  }

  has(id: string): boolean {
    return this.byId.has(id)
  }

  get(id: string): SyncEvent | undefined {
    return this.byId.get(id)
  }

  /** Called synchronously after each added event. */
  onAdded(listener: LedgerListener): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  /** Rejections so far, by reason. */
  rejectionCounts(): Record<string, number> {
    return Object.fromEntries(this.rejections)
  }

  /** Every event in ledger order. */
  all(): SyncEvent[] {
    this.compact()
    return this.slots.slice()
  }

  /** The zine window: events with `ts ≥ sinceNs`, in ledger order. */
  since(sinceNs: bigint): SyncEvent[] {
    const out: SyncEvent[] = []
    for (const e of this.live()) if (e.ts >= sinceNs) out.push(e)
    return out
  }

  /** Reference `GetEventsForSync`: filtered, ascending by ts, optionally sliced, most recent `limit`. */
  query(q: LedgerQuery = {}): SyncEvent[] {
    const match = matcher(q.services, q.subjects)
    let out: SyncEvent[] = []
    for (const e of this.live()) {
      if (q.sinceNs !== undefined && e.ts <= q.sinceNs) continue
      if (q.untilNs !== undefined && e.ts > q.untilNs) continue
      if (match(e)) out.push(e)
    }
    sortByTs(out)
    const s = q.slice
    if (s && s.total > 1 && s.index >= 0 && s.index < s.total) out = out.filter((_, i) => i % s.total === s.index)
    if (q.limit !== undefined && q.limit > 0 && out.length > q.limit) out = out.slice(out.length - q.limit)
    return out
  }

  /** Reference `GetRecentEvents`: newest first. */
  recent(limit: number, filter: { services?: readonly string[]; subjects?: readonly string[] } = {}): SyncEvent[] {
    const match = matcher(filter.services, filter.subjects)
    const out: SyncEvent[] = []
    for (const e of this.live()) if (match(e)) out.push(e)
    sortByTs(out)
    out.reverse()
    return limit > 0 && out.length > limit ? out.slice(0, limit) : out
  }

  /**
   * Reference `GetEventsPage`: events strictly after `cursor` (decimal ns; '' or
   * unparsable = from the start), oldest first, at most `size`. Like the reference, the
   * next cursor is the last returned ts, so events sharing that ts beyond the page are skipped.
   */
  page(cursor: string, size: number, filter: { services?: readonly string[]; subjects?: readonly string[] } = {}): LedgerPage {
    const since = /^-?\d+$/.test(cursor) ? BigInt(cursor) : 0n
    const match = matcher(filter.services, filter.subjects)
    let out: SyncEvent[] = []
    for (const e of this.live()) if (e.ts > since && match(e)) out.push(e)
    sortByTs(out)
    if (size > 0 && out.length > size) out = out.slice(0, size)
    const last = out[out.length - 1]
    const nextCursor = size > 0 && out.length === size && last ? last.ts.toString() : ''
    return { events: out, nextCursor }
  }

  countsByService(): Record<string, number> {
    return Object.fromEntries(this.serviceCounts)
  }

  /** Events that are never pruned (checkpoint, restart, first-seen). */
  criticalCount(): number {
    return this.critical
  }

  /** True when a hey-there from `from` with ts strictly greater than `ts` is stored (chau sync rule). */
  hasNewerHeyThere(from: string, ts: bigint): boolean {
    if (!this.heyThereMaxTs) {
      const index = new Map<string, bigint>()
      for (const e of this.live()) if (e.svc === 'hey-there') noteHeyThere(index, e)
      this.heyThereMaxTs = index
    }
    const max = this.heyThereMaxTs.get(from)
    return max !== undefined && max > ts
  }

  /** True when a checkpoint about `subject` is stored. */
  hasCheckpointFor(subject: string): boolean {
    return (this.checkpointsBySubject.get(subject) ?? 0) > 0
  }

  // --- internals ---

  private reject(reason: RejectReason, detail: string): AddResult {
    this.rejections.set(reason, (this.rejections.get(reason) ?? 0) + 1)
    return { outcome: 'rejected', reason, detail }
  }

  private *live(): Generator<SyncEvent> {
    const dead = this.tombstones
    if (dead.size === 0) {
      yield* this.slots
      return
    }
    for (const e of this.slots) if (!dead.has(e)) yield e
  }

  private hasSameContent(event: SyncEventOf<'observation'>): boolean {
    const o = event.observation
    if (o.type === 'restart') return this.restartContent.has(restartKey(event))
    if (o.type === 'first-seen') return this.firstSeenContent.has(pairKey(o.observer ?? '', o.subject ?? ''))
    return false
  }

  /**
   * At MAX_OBSERVATIONS_PER_PAIR: evict the pair's oldest non-restart; if all are restarts,
   * evict the oldest only when a checkpoint anchors the subject, else keep them all.
   */
  private makeRoomInPair(event: SyncEventOf<'observation'>): void {
    const o = event.observation
    const existing = this.observationsByPair.get(pairKey(o.observer ?? '', o.subject ?? ''))
    if (!existing || existing.length < MAX_OBSERVATIONS_PER_PAIR) return
    const nonRestarts = existing.filter((e) => e.svc === 'observation' && e.observation.type !== 'restart')
    if (nonRestarts.length > 0) this.remove(oldestOf(nonRestarts))
    else if (this.hasCheckpointFor(o.subject ?? '')) this.remove(oldestOf(existing))
  }

  private attach(e: SyncEvent): void {
    if (this.tombstones.has(e)) this.compact()
    this.slots.push(e)
    this.byId.set(e.id, e)
    this.serviceCounts.set(e.svc, (this.serviceCounts.get(e.svc) ?? 0) + 1)
    if (pruningPriority(e) === 0) this.critical++
    switch (e.svc) {
      case 'ping':
        pushTo(this.pingsByTarget, e.ping.target ?? '', e)
        break
      case 'observation': {
        const o = e.observation
        pushTo(this.observationsByPair, pairKey(o.observer ?? '', o.subject ?? ''), e)
        if (o.type === 'restart') bump(this.restartContent, restartKey(e), 1)
        else if (o.type === 'first-seen') bump(this.firstSeenContent, pairKey(o.observer ?? '', o.subject ?? ''), 1)
        break
      }
      case 'checkpoint':
        bump(this.checkpointsBySubject, e.checkpoint.subject, 1)
        break
      case 'hey-there':
        if (this.heyThereMaxTs) noteHeyThere(this.heyThereMaxTs, e)
        break
    }
  }

  /** Drops an event from every index; the slot itself is reclaimed by `compact`. */
  private detach(e: SyncEvent): void {
    this.byId.delete(e.id)
    bump(this.serviceCounts, e.svc, -1)
    if (pruningPriority(e) === 0) this.critical--
    switch (e.svc) {
      case 'ping':
        pullFrom(this.pingsByTarget, e.ping.target ?? '', e)
        break
      case 'observation': {
        const o = e.observation
        pullFrom(this.observationsByPair, pairKey(o.observer ?? '', o.subject ?? ''), e)
        if (o.type === 'restart') bump(this.restartContent, restartKey(e), -1)
        else if (o.type === 'first-seen') bump(this.firstSeenContent, pairKey(o.observer ?? '', o.subject ?? ''), -1)
        break
      }
      case 'checkpoint':
        bump(this.checkpointsBySubject, e.checkpoint.subject, -1)
        break
      case 'hey-there':
        // Recomputing the max needs a scan; defer it to the next query.
        if (this.heyThereMaxTs?.get(e.hey_there.From) === e.ts) this.heyThereMaxTs = null
        break
    }
    this.structureVersion++
  }

  private remove(e: SyncEvent): void {
    this.detach(e)
    this.tombstones.add(e)
    if (this.tombstones.size > 256 && this.tombstones.size * 8 > this.slots.length) this.compact()
  }

  private compact(): void {
    if (this.tombstones.size === 0) return
    const dead = this.tombstones
    this.slots = this.slots.filter((e) => !dead.has(e))
    dead.clear()
  }

  /**
   * Global prune. Order: events involving a name without a known key first, then priority
   * descending (ping, seen, social, status-change/hey-there/chau), then oldest. Priority-0
   * events are never removed. (The reference stops at the first priority-0 event in that
   * order, which lets one unknown nara's restart block all pruning; we skip past it instead.)
   */
  private prune(): void {
    this.compact()
    const events = this.slots
    const toRemove = events.length - this.pruneTarget
    if (toRemove <= 0) return

    // Class 0..3: unknown-key priority 4..1; 4..7: known priority 4..1; 255: never pruned.
    const classes = new Uint8Array(events.length)
    const counts = new Array<number>(8).fill(0)
    const known = new Map<string, boolean>()
    const isKnown = (name: string): boolean => {
      let k = known.get(name)
      if (k === undefined) {
        k = this.hasKnownKey ? this.hasKnownKey(name) : true
        known.set(name, k)
      }
      return k
    }
    for (let i = 0; i < events.length; i++) {
      const e = events[i]!
      const p = pruningPriority(e)
      if (p === 0) {
        classes[i] = 255
        continue
      }
      const unknown = this.hasKnownKey !== undefined && involvedNames(e).some((n) => n !== '' && !isKnown(n))
      const c = (unknown ? 0 : 4) + (4 - p)
      classes[i] = c
      counts[c]!++
    }

    // Whole classes go; the boundary class loses its oldest `need` events.
    let remaining = toRemove
    let boundary = 8
    for (let c = 0; c < 8; c++) {
      if (counts[c]! >= remaining) {
        boundary = c
        break
      }
      remaining -= counts[c]!
    }
    let cutTs = 0n
    let equalBudget = 0
    if (boundary < 8) {
      const stamps = new BigInt64Array(counts[boundary]!)
      let j = 0
      for (let i = 0; i < events.length; i++) if (classes[i] === boundary) stamps[j++] = events[i]!.ts
      stamps.sort()
      cutTs = stamps[remaining - 1]!
      let below = 0
      while (below < stamps.length && stamps[below]! < cutTs) below++
      equalBudget = remaining - below
    }

    const kept: SyncEvent[] = []
    let removed = 0
    for (let i = 0; i < events.length; i++) {
      const e = events[i]!
      const c = classes[i]!
      let drop = c < boundary
      if (c === boundary) {
        if (e.ts < cutTs) drop = true
        else if (e.ts === cutTs && equalBudget > 0) {
          equalBudget--
          drop = true
        }
      }
      if (drop) {
        this.detach(e)
        removed++
      } else kept.push(e)
    }
    if (removed > 0) this.slots = kept
  }
}

function oldestOf(events: readonly SyncEvent[]): SyncEvent {
  let oldest = events[0]!
  for (const e of events) if (e.ts < oldest.ts) oldest = e
  return oldest
}

function restartKey(e: SyncEventOf<'observation'>): string {
  const o = e.observation
  return `${o.subject ?? ''}${PAIR_SEP}${o.restart_num ?? 0}${PAIR_SEP}${o.start_time ?? 0}`
}

function noteHeyThere(index: Map<string, bigint>, e: SyncEventOf<'hey-there'>): void {
  const prev = index.get(e.hey_there.From)
  if (prev === undefined || e.ts > prev) index.set(e.hey_there.From, e.ts)
}

function pushTo(index: Map<string, SyncEvent[]>, key: string, e: SyncEvent): void {
  const list = index.get(key)
  if (list) list.push(e)
  else index.set(key, [e])
}

function pullFrom(index: Map<string, SyncEvent[]>, key: string, e: SyncEvent): void {
  const list = index.get(key)
  if (!list) return
  const i = list.indexOf(e)
  if (i >= 0) list.splice(i, 1)
  if (list.length === 0) index.delete(key)
}

function bump(counts: Map<string, number>, key: string, by: number): void {
  const n = (counts.get(key) ?? 0) + by
  if (n > 0) counts.set(key, n)
  else counts.delete(key)
}

function matcher(services?: readonly string[], subjects?: readonly string[]): (e: SyncEvent) => boolean {
  const svc = services && services.length > 0 ? new Set(services) : null
  const subj = subjects && subjects.length > 0 ? new Set(subjects) : null
  return (e) => {
    if (svc && !svc.has(e.svc)) return false
    if (subj) {
      const { actor, target } = actorAndTarget(e)
      if (!subj.has(actor) && !subj.has(target)) return false
    }
    return true
  }
}

/** Stable ascending sort by ts (ties keep ledger order). */
function sortByTs(events: SyncEvent[]): void {
  events.sort((a, b) => (a.ts < b.ts ? -1 : a.ts > b.ts ? 1 : 0))
}
