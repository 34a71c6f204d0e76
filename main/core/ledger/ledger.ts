/**
 * The RAM-only event ledger (reference `sync_ledger.go`): dedupe by id, per-target ping
 * and per-pair observation caps, and priority pruning when over capacity.
 *
 * Events are stored packed (`eventStore.ts`) and built as objects when asked for; the
 * indexes hold slot numbers. The global prune runs in batches (down to `1 − pruneSlack` of
 * the capacity) so no add ever sorts the whole ledger.
 */
import type { ObservationPayload, SyncEvent, SyncEventOf } from '../protocol/types'
import { invalidReason, isCutoffCheckpoint } from './eventRules'
import { resolveMemoryProfile, type MemoryProfile } from './memoryProfile'
import { EventStore } from './eventStore'
import { detachString } from '../detachString'

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
  /** How many of the most recent events stay as objects (default 8,192); the rest are built on demand. */
  hotWindow?: number
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
/** Told of every event the ledger drops (pruned, or evicted by a per-target / per-pair cap). */
export type RemovalListener = (event: SyncEvent) => void


const NONE = -1
const NAME_BITS = 2 ** 26
const SMALL_NAMES = 2 ** 15

export class Ledger {
  readonly profile: MemoryProfile
  readonly capacity: number
  private readonly hasKnownKey: ((name: string) => boolean) | undefined
  private readonly pruneTarget: number
  private readonly store: EventStore

  /** Slots of the pings about each target (at most MAX_PINGS_PER_TARGET). */
  private readonly pingsByTarget = new Map<string, number[]>()
  /** Slots of the observations of each (observer, subject) pair, keyed by their string-table numbers. */
  private readonly observationsByPair = new Map<number | string, number | number[]>()
  private readonly checkpointsBySubject = new Map<string, number>()
  private readonly restartContent = new Map<string, number>()
  /** First-seen observations per (observer, subject) pair, keyed like `observationsByPair`. */
  private readonly firstSeenContent = new Map<number | string, number>()
  private readonly serviceCounts = new Map<string, number>()
  private critical = 0
  private heyThereMaxTs: Map<string, bigint> | null = new Map()

  private structureVersion = 0
  private readonly listeners = new Set<LedgerListener>()
  private readonly removalListeners = new Set<RemovalListener>()
  private readonly rejections = new Map<string, number>()

  constructor(opts: LedgerOptions = {}) {
    this.profile = opts.profile ?? resolveMemoryProfile('medium')
    const capacity = opts.capacity ?? this.profile.maxEvents
    if (!Number.isSafeInteger(capacity) || capacity <= 0) throw new RangeError(`ledger capacity must be a positive integer, got ${capacity}`)
    this.capacity = capacity
    this.hasKnownKey = opts.hasKnownKey
    const slack = opts.pruneSlack ?? 0.01
    this.pruneTarget = capacity - Math.floor(capacity * Math.min(Math.max(slack, 0), 0.5))
    // Room for the capacity plus what observations (which bypass the prune) may add before one runs.
    this.store = new EventStore(opts.hotWindow, capacity + Math.ceil(capacity / 100) + 64)
  }

  get size(): number {
    return this.store.size
  }

  get mode(): MemoryProfile['mode'] {
    return this.profile.mode
  }

  /** Increments whenever events are removed (`onRemoved` says which). */
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
    if (this.store.find(event.id) !== NONE) return { outcome: 'duplicate', reason: 'same_id' }

    let stored: SyncEvent | undefined
    if (event.svc === 'observation') {
      if (opts.dedupeContent && this.hasSameContent(event)) return { outcome: 'duplicate', reason: 'same_content' }
      this.makeRoomInPair(event)
      stored = this.storedCopy(this.attach(event))
      // Observations bypass the global prune (reference behaviour).
    } else {
      if (event.svc === 'ping') {
        const pings = this.pingsByTarget.get(event.ping.target ?? '')
        if (pings && pings.length >= MAX_PINGS_PER_TARGET) {
          const oldest = this.oldestOf(pings)
          if (event.ts <= this.store.tsAt(oldest)) return this.reject('ping_not_newer', 'ping is not newer than the oldest of the 5 kept for its target')
          this.remove(oldest)
        }
      }
      stored = this.storedCopy(this.attach(event))
      if (this.store.size > this.capacity) this.prune()
    }
    if (stored) for (const l of this.listeners) l(stored)
    return { outcome: 'added' }
  }

  /** Listeners see the stored copy, never the caller's object (taken before a prune may drop it). */
  private storedCopy(slot: number): SyncEvent | undefined {
    return this.listeners.size > 0 ? this.store.event(slot) : undefined
  }

  has(id: string): boolean {
    return this.store.find(id) !== NONE
  }

  get(id: string): SyncEvent | undefined {
    const slot = this.store.find(id)
    return slot === NONE ? undefined : this.store.event(slot)
  }

  /** Called synchronously after each added event. */
  onAdded(listener: LedgerListener): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  /** Called synchronously for each event the ledger drops, before it is gone. */
  onRemoved(listener: RemovalListener): () => void {
    this.removalListeners.add(listener)
    return () => this.removalListeners.delete(listener)
  }

  /** Rejections so far, by reason. */
  rejectionCounts(): Record<string, number> {
    return Object.fromEntries(this.rejections)
  }

  /** Every event in ledger order. */
  all(): SyncEvent[] {
    return this.store.slotList().map((s) => this.store.event(s))
  }

  /** The zine window: events with `ts ≥ sinceNs`, in ledger order. */
  since(sinceNs: bigint): SyncEvent[] {
    const out: SyncEvent[] = []
    for (const s of this.store.slots()) if (this.store.tsAt(s) >= sinceNs) out.push(this.store.event(s))
    return out
  }

  /** Reference `GetEventsForSync`: filtered, ascending by ts, optionally sliced, most recent `limit`. */
  query(q: LedgerQuery = {}): SyncEvent[] {
    const match = this.matcher(q.services, q.subjects)
    let out: number[] = []
    for (const s of this.store.slots()) {
      const ts = this.store.tsAt(s)
      if (q.sinceNs !== undefined && ts <= q.sinceNs) continue
      if (q.untilNs !== undefined && ts > q.untilNs) continue
      if (match(s)) out.push(s)
    }
    this.sortByTs(out)
    const sl = q.slice
    if (sl && sl.total > 1 && sl.index >= 0 && sl.index < sl.total) out = out.filter((_, i) => i % sl.total === sl.index)
    if (q.limit !== undefined && q.limit > 0 && out.length > q.limit) out = out.slice(out.length - q.limit)
    return this.events(out)
  }

  /** Reference `GetRecentEvents`: newest first. */
  recent(limit: number, filter: { services?: readonly string[]; subjects?: readonly string[] } = {}): SyncEvent[] {
    const match = this.matcher(filter.services, filter.subjects)
    const out: number[] = []
    for (const s of this.store.slots()) if (match(s)) out.push(s)
    this.sortByTs(out)
    out.reverse()
    return this.events(limit > 0 && out.length > limit ? out.slice(0, limit) : out)
  }

  /**
   * Reference `GetEventsPage`: events strictly after `cursor` (decimal ns; '' or
   * unparsable = from the start), oldest first, at most `size`. Like the reference, the
   * next cursor is the last returned ts, so events sharing that ts beyond the page are skipped.
   */
  page(cursor: string, size: number, filter: { services?: readonly string[]; subjects?: readonly string[] } = {}): LedgerPage {
    const since = /^-?\d+$/.test(cursor) ? BigInt(cursor) : 0n
    const match = this.matcher(filter.services, filter.subjects)
    let out: number[] = []
    for (const s of this.store.slots()) if (this.store.tsAt(s) > since && match(s)) out.push(s)
    this.sortByTs(out)
    if (size > 0 && out.length > size) out = out.slice(0, size)
    const last = out[out.length - 1]
    const nextCursor = size > 0 && out.length === size && last !== undefined ? this.store.tsAt(last).toString() : ''
    return { events: this.events(out), nextCursor }
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
      for (const s of this.store.slots()) {
        if (this.store.serviceAt(s) !== 'hey-there') continue
        const e = this.store.event(s)
        if (e.svc === 'hey-there') noteHeyThere(index, e)
      }
      this.heyThereMaxTs = index
    }
    const max = this.heyThereMaxTs.get(from)
    return max !== undefined && max > ts
  }

  /** True when a checkpoint about `subject` is stored. */
  hasCheckpointFor(subject: string): boolean {
    return (this.checkpointsBySubject.get(subject) ?? 0) > 0
  }

  /** Strings the packed store currently shares between events (for memory reports). */
  sharedStringCount(): number {
    return this.store.strings.size
  }

  // --- internals ---

  private reject(reason: RejectReason, detail: string): AddResult {
    this.rejections.set(reason, (this.rejections.get(reason) ?? 0) + 1)
    return { outcome: 'rejected', reason, detail }
  }

  private events(slots: readonly number[]): SyncEvent[] {
    return slots.map((s) => this.store.event(s))
  }

  /** A slot filter on the store's columns: services by code, subjects by shared-string number. */
  private matcher(services?: readonly string[], subjects?: readonly string[]): (slot: number) => boolean {
    const svc = services && services.length > 0 ? new Set(services) : null
    let subj: Set<number> | null = null
    if (subjects && subjects.length > 0) {
      subj = new Set()
      for (const name of subjects) {
        // '' matches events without an actor or target (column value -1), as the string compare did;
        // a name no stored event holds matches nothing.
        const n = name === '' ? NONE : this.store.strings.find(name)
        if (name === '' || n !== NONE) subj.add(n)
      }
    }
    const store = this.store
    return (s) => {
      if (svc && !svc.has(store.serviceAt(s))) return false
      if (subj && !subj.has(store.actorAt(s)) && !subj.has(store.targetAt(s))) return false
      return true
    }
  }

  /** Stable ascending sort by ts (ties keep ledger order). */
  private sortByTs(slots: number[]): void {
    const store = this.store
    slots.sort((a, b) => {
      const x = store.tsAt(a)
      const y = store.tsAt(b)
      return x < y ? -1 : x > y ? 1 : 0
    })
  }

  private oldestOf(slots: readonly number[]): number {
    let oldest = slots[0]!
    for (const s of slots) if (this.store.tsAt(s) < this.store.tsAt(oldest)) oldest = s
    return oldest
  }

  private hasSameContent(event: SyncEventOf<'observation'>): boolean {
    const o = event.observation
    if (o.type === 'restart') {
      const key = this.restartKey(o)
      return key !== null && this.restartContent.has(key)
    }
    if (o.type === 'first-seen') return (this.pairEntry(o.observer, o.subject, this.firstSeenContent) ?? 0) > 0
    return false
  }

  /** The stored value for an (observer, subject) pair in a pair-keyed index, or undefined (names no stored event holds have none). */
  private pairEntry<V>(observer: string | undefined, subject: string | undefined, index: Map<number | string, V>): V | undefined {
    const o = observer ? this.store.strings.find(observer) : NONE
    const s = subject ? this.store.strings.find(subject) : NONE
    if ((observer && o === NONE) || (subject && s === NONE)) return undefined
    return index.get(pairIndexKey(o, s))
  }

  private pairSlots(observer: string | undefined, subject: string | undefined): number[] {
    const slots = this.pairEntry(observer, subject, this.observationsByPair)
    return slots === undefined ? [] : typeof slots === 'number' ? [slots] : slots
  }

  /**
   * Content key of a restart: subject (as its shared-string number), restart number, start
   * time; null when no stored event names the subject. Flattened, so it holds no part of a
   * received JSON text.
   */
  private restartKey(o: ObservationPayload): string | null {
    const subject = o.subject ? this.store.strings.find(o.subject) : NONE
    if (o.subject && subject === NONE) return null
    return detachString(`${subject}/${o.restart_num ?? 0}/${o.start_time ?? 0}`)
  }

  /**
   * At MAX_OBSERVATIONS_PER_PAIR: evict the pair's oldest non-restart; if all are restarts,
   * evict the oldest only when a checkpoint anchors the subject, else keep them all.
   */
  private makeRoomInPair(event: SyncEventOf<'observation'>): void {
    const o = event.observation
    const existing = this.pairSlots(o.observer, o.subject)
    if (existing.length < MAX_OBSERVATIONS_PER_PAIR) return
    const nonRestarts = existing.filter((s) => !this.store.isRestartAt(s))
    if (nonRestarts.length > 0) this.remove(this.oldestOf(nonRestarts))
    else if (this.hasCheckpointFor(o.subject ?? '')) this.remove(this.oldestOf(existing))
  }

  private attach(e: SyncEvent): number {
    const slot = this.store.put(e)
    this.serviceCounts.set(e.svc, (this.serviceCounts.get(e.svc) ?? 0) + 1)
    if (this.store.priorityAt(slot) === 0) this.critical++
    switch (e.svc) {
      case 'ping':
        pushTo(this.pingsByTarget, e.ping.target ?? '', slot)
        break
      case 'observation': {
        const o = e.observation
        const key = pairIndexKey(this.store.actorAt(slot), this.store.targetAt(slot))
        const list = this.observationsByPair.get(key)
        if (list === undefined) this.observationsByPair.set(key, slot)
        else if (typeof list === 'number') this.observationsByPair.set(key, [list, slot])
        else list.push(slot)
        if (o.type === 'restart') bump(this.restartContent, this.restartKey(o)!, 1)
        else if (o.type === 'first-seen') bump(this.firstSeenContent, key, 1)
        break
      }
      case 'checkpoint':
        bump(this.checkpointsBySubject, e.checkpoint.subject, 1)
        break
      case 'hey-there':
        if (this.heyThereMaxTs) noteHeyThere(this.heyThereMaxTs, e)
        break
    }
    return slot
  }

  /** Drops the event at `slot` from every index and from the store. */
  private remove(slot: number): void {
    const e = this.store.event(slot)
    for (const l of this.removalListeners) l(e)
    bump(this.serviceCounts, e.svc, -1)
    if (this.store.priorityAt(slot) === 0) this.critical--
    switch (e.svc) {
      case 'ping':
        pullFrom(this.pingsByTarget, e.ping.target ?? '', slot)
        break
      case 'observation': {
        const o = e.observation
        const key = pairIndexKey(this.store.actorAt(slot), this.store.targetAt(slot))
        const list = this.observationsByPair.get(key)
        if (typeof list === 'number') this.observationsByPair.delete(key)
        else if (list) {
          list.splice(list.indexOf(slot), 1)
          if (list.length === 1) this.observationsByPair.set(key, list[0]!)
        }
        if (o.type === 'restart') bump(this.restartContent, this.restartKey(o)!, -1)
        else if (o.type === 'first-seen') bump(this.firstSeenContent, key, -1)
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
    this.store.remove(slot)
    this.structureVersion++
  }

  /**
   * Global prune. Order: events involving a name without a known key first, then priority
   * descending (ping, seen, social, status-change/hey-there/chau), then oldest. Priority-0
   * events are never removed. (The reference stops at the first priority-0 event in that
   * order, which lets one unknown nara's restart block all pruning; we skip past it instead.)
   */
  private prune(): void {
    const slots = this.store.slotList()
    const toRemove = slots.length - this.pruneTarget
    if (toRemove <= 0) return

    // Class 0..3: unknown-key priority 4..1; 4..7: known priority 4..1; 255: never pruned.
    const classes = new Uint8Array(slots.length)
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
    for (let i = 0; i < slots.length; i++) {
      const s = slots[i]!
      const p = this.store.priorityAt(s)
      if (p === 0) {
        classes[i] = 255
        continue
      }
      const unknown = this.hasKnownKey !== undefined && this.store.involvedAt(s).some((n) => n !== '' && !isKnown(n))
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
      for (let i = 0; i < slots.length; i++) if (classes[i] === boundary) stamps[j++] = this.store.tsAt(slots[i]!)
      stamps.sort()
      cutTs = stamps[remaining - 1]!
      let below = 0
      while (below < stamps.length && stamps[below]! < cutTs) below++
      equalBudget = remaining - below
    }

    for (let i = 0; i < slots.length; i++) {
      const s = slots[i]!
      const c = classes[i]!
      let drop = c < boundary
      if (c === boundary) {
        const ts = this.store.tsAt(s)
        if (ts < cutTs) drop = true
        else if (ts === cutTs && equalBudget > 0) {
          equalBudget--
          drop = true
        }
      }
      if (drop) this.remove(s)
    }
  }
}

/**
 * One key for an (observer, subject) pair of shared-string numbers (-1 = none): a small
 * integer (no heap number) while both are below 2¹⁵, a larger one up to 2²⁶, else a string.
 */
function pairIndexKey(observer: number, subject: number): number | string {
  const o = observer + 1
  const s = subject + 1
  if (o < SMALL_NAMES && s < SMALL_NAMES) return o * SMALL_NAMES + s
  return o < NAME_BITS && s < NAME_BITS ? SMALL_NAMES * SMALL_NAMES + o * NAME_BITS + s : `${observer},${subject}`
}

function noteHeyThere(index: Map<string, bigint>, e: SyncEventOf<'hey-there'>): void {
  const prev = index.get(e.hey_there.From)
  if (prev === undefined || e.ts > prev) index.set(e.hey_there.From, e.ts)
}

function pushTo(index: Map<string, number[]>, key: string, slot: number): void {
  const list = index.get(key)
  if (list) list.push(slot)
  else index.set(key, [slot])
}

function pullFrom(index: Map<string, number[]>, key: string, slot: number): void {
  const list = index.get(key)
  if (!list) return
  const i = list.indexOf(slot)
  if (i >= 0) list.splice(i, 1)
  if (list.length === 0) index.delete(key)
}

function bump<K>(counts: Map<K, number>, key: K, by: number): void {
  const n = (counts.get(key) ?? 0) + by
  if (n > 0) counts.set(key, n)
  else counts.delete(key)
}
