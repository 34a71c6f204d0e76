/**
 * The UI's live state. Each collection opens with a snapshot (data-plane `get`) and then
 * follows the stream (`subscribe`). Incoming samples land in plain pending buffers and are
 * applied once per animation frame (FrameBatcher), so a burst of 1,000 newspapers costs one
 * reactive update, not 1,000. Reactive fields use $state.raw + a version counter: views derive
 * lists from the Maps when the version moves, or (Neighbours, thousands of rows) keep their order
 * from the names each flush reports (onNeighbourRows).
 */
import { chunkName, keys, type CheckpointRoundView, type CheckpointView, type EventView, type JourneyView, type StashView, type LifecycleView, type NeighbourView, type NewspaperView, type PeerStatus, type SelfView, type StatsView, type ZineExchangeView } from '../../../main/core/views'
import { frames } from './frame'
import { isCheckpointRoundView, isCheckpointView, isEventView, isJourneyView, isStashView, isLifecycleView, isNeighbourView, isNewspaperView, isRuntimeView, isSelfView, isStatsView, isZineExchangeView } from './guards'
import type { RuntimeView } from '../../../main/core/runtime/view'
import type { Bus, ConnectionStatus } from './transport'
import type { DataSource, Sample } from './dataSource'
import { newestEventFirst } from './figures'
import { describeChanges } from './newspaperCard'

export const FEED_CAP = 500
export const ZINE_CAP = 2000
export const EVENT_CAP = 2000
/** Newspapers kept across reloads of the page (sessionStorage), newest first. */
export const PAPER_HISTORY_CAP = 200
const PAPERS_KEY = 'nara.ui.newspapers'

/** One feed entry's identity: a nara's paper as received at one instant. */
export const paperId = (n: NewspaperView): string => `${n.from}@${n.receivedAtMs}`
/** Checkpoints and consensus rounds kept in the window (the node keeps its own bounded history). */
export const CHECKPOINT_CAP = 500

/** The per-exchange counters a peer's running totals add up (same names as in ZineExchangeView). */
const SUMMED = ['eventsIn', 'eventsOut', 'newEvents', 'knownEvents', 'badEvents', 'bytesIn', 'bytesOut'] as const
type Summed = (typeof SUMMED)[number]

export type PeerTotals = Pick<ZineExchangeView, 'peer' | Summed> & {
  exchanges: number
  latencyTotalMs: number
  failures: number
  lastAtMs: number
  lastVerdict: string
}

const LOOK_KEY = 'nara.ui.lastLook'

function pushCapped<T>(list: T[], items: T[], cap: number): T[] {
  // Newest first.
  const next = items.reverse().concat(list)
  return next.length > cap ? next.slice(0, cap) : next
}

/** Newest first: replaces the entry `same` finds (an update of a round) or adds `v` in front. */
function upsertCapped<T>(list: T[], v: T, same: (x: T) => boolean): T[] {
  const rest = list.filter((x) => !same(x))
  const next = [v, ...rest]
  return next.length > CHECKPOINT_CAP ? next.slice(0, CHECKPOINT_CAP) : next
}

export class NaraState {
  connection = $state<ConnectionStatus>({ state: 'connecting', attempt: 0 })
  self = $state.raw<SelfView | null>(null)
  stats = $state.raw<StatsView | null>(null)
  lifecycle = $state.raw<LifecycleView | null>(null)
  /** The runtime's join flow (steps with deadlines), from `nara/local/join`. */
  joinProgress = $state.raw<LifecycleView | null>(null)
  /** The runtime's phase, network and mesh, from `nara/local/runtime`. */
  runtime = $state.raw<RuntimeView | null>(null)
  /** Bumped whenever `neighbours` changed (the Map itself is not reactive: 1,000 entries). */
  neighboursVersion = $state(0)
  readonly neighbours = new Map<string, NeighbourView>()
  /** Latest newspaper per nara (the Newspapers view's "per nara" column). */
  readonly latestNewspaper = new Map<string, NewspaperView>()
  newspapersVersion = $state(0)
  newspaperFeed = $state.raw<NewspaperView[]>([])
  zineFeed = $state.raw<ZineExchangeView[]>([])
  zineTotals = $state.raw<PeerTotals[]>([])
  events = $state.raw<EventView[]>([])
  /** Finalised checkpoints, newest first (one per id). */
  checkpoints = $state.raw<CheckpointView[]>([])
  /** Consensus rounds, newest first (one per subject/as_of/round, latest state). */
  rounds = $state.raw<CheckpointRoundView[]>([])
  /** World journeys we took part in, newest first (latest state per journey). */
  journeys = $state.raw<JourneyView[]>([])
  /** Who holds our stash and whose we hold (never its content). */
  stash = $state.raw<StashView | null>(null)
  /** Statuses as they were when the user last looked at the Neighbours view. */
  lastLook = $state.raw<Record<string, PeerStatus> | null>(null)
  /** The window's clock for uptimes and "3m ago" labels; ticks every second while visible. */
  now = $state(Date.now())
  /** What changed since the previous paper of the same nara, in words, per feed entry (paperId). */
  readonly paperChanges = new Map<string, string[]>()
  /** Samples dropped because their shape was wrong. */
  rejected = $state(0)
  /** Snapshot generation: views may show "loading" until the first snapshot is in. */
  snapshots = $state(0)

  private pendingNeighbours = new Map<string, NeighbourView>()
  private pendingNewspapers: NewspaperView[] = []
  private pendingZines: ZineExchangeView[] = []
  private pendingEvents: EventView[] = []
  private totals = new Map<string, PeerTotals>()
  private seenZines = new Set<string>()
  private seenEvents = new Set<string>()
  private unsubs: Array<() => void> = []
  private stopTicker: (() => void) | null = null

  constructor(private readonly bus: Bus) {
    this.connection = bus.status
    this.lastLook = loadLook()
    this.restorePapers()
    addEventListener('pagehide', () => this.savePapers())
    bus.onStatus((s) => {
      this.connection = s
      if (s.state === 'open') void this.follow()
    })
    if (bus.status.state === 'open') void this.follow()
    this.stopTicker = startTicker(() => (this.now = Date.now()))
  }

  /** (Re)subscribes on the current link, then takes a snapshot (subscribe first: no gap). */
  private async follow(): Promise<void> {
    for (const u of this.unsubs) u()
    this.unsubs = []
    const data = this.bus.data()
    if (!data) return
    const route = (s: Sample): void => this.ingest(s)
    for (const ke of [keys.self, keys.stats, keys.lifecycle, keys.join, keys.runtime, keys.neighbours, keys.newspapers, keys.zines, keys.events, keys.checkpoints, keys.rounds, keys.journeys, keys.stash]) {
      this.unsubs.push(data.subscribe(ke, route))
    }
    await this.snapshot(data)
  }

  private async snapshot(data: DataSource): Promise<void> {
    const selectors = [keys.self, keys.stats, keys.lifecycle, keys.join, keys.runtime, keys.neighbours, keys.newspapers, keys.zines, keys.events, keys.checkpoints, keys.rounds, keys.journeys, keys.stash]
    const all = new Set<string>([keys.events, keys.checkpoints, keys.rounds])
    const results = await Promise.allSettled(selectors.map((sel) => data.get(sel, { all: all.has(sel) })))
    for (const r of results) if (r.status === 'fulfilled') for (const s of r.value) this.ingest(s)
    frames.schedule(() => {
      this.snapshots++
      if (this.lastLook === null && this.neighbours.size > 0) this.markLooked()
    })
  }

  /** Routes one sample by its key into the pending buffers. */
  ingest(s: Sample): void {
    const k = s.key
    const v = s.value
    if (k === keys.self) {
      if (isSelfView(v)) this.self = v
      else this.rejected++
      return
    }
    if (k === keys.stats) {
      if (isStatsView(v)) this.stats = v
      else this.rejected++
      return
    }
    if (k === keys.join) return this.noteJoinProgress(v)
    if (k === keys.runtime) {
      if (isRuntimeView(v)) this.runtime = v
      return
    }
    if (k === keys.stash) {
      if (isStashView(v)) this.stash = v
      else this.rejected++
      return
    }
    if (k === keys.lifecycle) {
      if (isLifecycleView(v)) this.lifecycle = v
      else this.rejected++
      return
    }
    const [, , kind, chunk] = k.split('/')
    if (chunk === undefined) return
    if (kind === 'neighbours' && isNeighbourView(v)) {
      this.pendingNeighbours.set(chunkName(chunk), v)
      frames.schedule(this.flushNeighbours)
    } else if (kind === 'newspapers' && isNewspaperView(v)) {
      this.pendingNewspapers.push(v)
      if (this.pendingNewspapers.length > FEED_CAP) this.pendingNewspapers.shift()
      frames.schedule(this.flushNewspapers)
    } else if (kind === 'zines' && isZineExchangeView(v)) {
      this.pendingZines.push(v)
      if (this.pendingZines.length > ZINE_CAP) this.pendingZines.shift()
      frames.schedule(this.flushZines)
    } else if (kind === 'events' && isEventView(v)) {
      this.pendingEvents.push(v)
      if (this.pendingEvents.length > EVENT_CAP) this.pendingEvents.shift()
      frames.schedule(this.flushEvents)
    } else if (kind === 'checkpoints' && isCheckpointView(v)) {
      this.checkpoints = upsertCapped(this.checkpoints, v, (c) => c.id === v.id)
    } else if (kind === 'rounds' && isCheckpointRoundView(v)) {
      this.rounds = upsertCapped(this.rounds, v, (r) => r.subject === v.subject && r.asOfTime === v.asOfTime && r.round === v.round)
    } else if (kind === 'journeys' && isJourneyView(v)) {
      const prev = this.journeys.find((j) => j.id === v.id)
      if (!prev || prev.updatedAtMs <= v.updatedAtMs) this.journeys = upsertCapped(this.journeys, v, (j) => j.id === v.id)
    } else this.rejected++
  }

  private readonly rowListeners = new Set<(names: readonly string[]) => void>()

  /**
   * Calls `listener` with the names whose neighbour record or latest newspaper changed, once per
   * flush, before the versions move: a view keeps its rows in order from these alone.
   */
  onNeighbourRows(listener: (names: readonly string[]) => void): () => void {
    this.rowListeners.add(listener)
    return () => this.rowListeners.delete(listener)
  }

  private tellRows(names: readonly string[]): void {
    if (names.length > 0) for (const l of this.rowListeners) l(names)
  }

  private flushNeighbours = (): void => {
    const changed: string[] = []
    for (const [name, v] of this.pendingNeighbours) {
      const prev = this.neighbours.get(name)
      // A snapshot reply may arrive after a fresher streamed sample: keep the newest.
      if (prev && prev.lastSeenMs > v.lastSeenMs && prev.status === v.status) continue
      this.neighbours.set(name, v)
      changed.push(name)
    }
    this.pendingNeighbours.clear()
    if (changed.length === 0) return
    this.tellRows(changed)
    this.neighboursVersion++
  }

  private flushNewspapers = (): void => {
    const fresh = this.acceptPapers(this.pendingNewspapers)
    this.pendingNewspapers = []
    if (fresh.length === 0) return
    // A paper can make a neighbour's "last heard" newer.
    this.tellRows(fresh.map((n) => n.from).filter((name) => this.neighbours.has(name)))
    this.newspaperFeed = newestPapersFirst(fresh.concat(this.newspaperFeed))
    this.forgetChangesBeyondFeed()
    this.newspapersVersion++
    this.schedulePaperSave()
  }

  /** Papers newer than the latest of their nara, oldest first; notes what each one changed. */
  private acceptPapers(papers: NewspaperView[]): NewspaperView[] {
    const fresh: NewspaperView[] = []
    for (const n of [...papers].sort((a, b) => a.receivedAtMs - b.receivedAtMs)) {
      const prev = this.latestNewspaper.get(n.from)
      if (prev && prev.receivedAtMs >= n.receivedAtMs) continue
      this.paperChanges.set(paperId(n), describeChanges(prev?.status ?? null, n.status, n.changed))
      this.latestNewspaper.set(n.from, n)
      fresh.push(n)
    }
    return fresh
  }

  private forgetChangesBeyondFeed(): void {
    if (this.paperChanges.size <= FEED_CAP * 2) return
    const keep = new Set(this.newspaperFeed.map(paperId))
    for (const id of this.paperChanges.keys()) if (!keep.has(id)) this.paperChanges.delete(id)
  }

  private paperSaveTimer: ReturnType<typeof setTimeout> | null = null

  /** The feed survives a reload of the page (bounded; at most one write per second). */
  private schedulePaperSave(): void {
    if (this.paperSaveTimer !== null) return
    this.paperSaveTimer = setTimeout(() => {
      this.paperSaveTimer = null
      this.savePapers()
    }, 1000)
  }

  private savePapers(): void {
    try {
      sessionStorage.setItem(PAPERS_KEY, JSON.stringify(this.newspaperFeed.slice(0, PAPER_HISTORY_CAP)))
    } catch {
      // Storage full or disabled: after a reload the feed starts from the node's latest papers.
    }
  }

  private restorePapers(): void {
    let saved: unknown
    try {
      saved = JSON.parse(sessionStorage.getItem(PAPERS_KEY) ?? '[]')
    } catch {
      return
    }
    if (!Array.isArray(saved)) return
    const papers = saved.filter(isNewspaperView).slice(0, PAPER_HISTORY_CAP)
    const fresh = this.acceptPapers(papers)
    if (fresh.length === 0) return
    this.newspaperFeed = newestPapersFirst(fresh)
    this.newspapersVersion++
  }

  private flushZines = (): void => {
    const fresh: ZineExchangeView[] = []
    for (const z of this.pendingZines) {
      const id = `${z.peer}\u0000${z.direction}\u0000${z.atMs}`
      if (this.seenZines.has(id)) continue
      this.seenZines.add(id)
      fresh.push(z)
      const t = this.totals.get(z.peer) ?? newTotals(z.peer)
      t.exchanges++
      for (const k of SUMMED) t[k] += z[k] ?? 0
      t.latencyTotalMs += z.latencyMs ?? 0
      if (z.verdict !== 'ok') t.failures++
      if (z.atMs >= t.lastAtMs) {
        t.lastAtMs = z.atMs
        t.lastVerdict = z.verdict
      }
      this.totals.set(z.peer, t)
    }
    this.pendingZines = []
    if (fresh.length === 0) return
    if (this.seenZines.size > ZINE_CAP * 4) this.seenZines = new Set([...this.seenZines].slice(-ZINE_CAP))
    this.zineFeed = pushCapped(this.zineFeed, fresh.sort((a, b) => a.atMs - b.atMs), ZINE_CAP)
    this.zineTotals = [...this.totals.values()].map((t) => ({ ...t })).sort((a, b) => b.lastAtMs - a.lastAtMs)
  }

  private flushEvents = (): void => {
    const fresh = this.pendingEvents.filter((e) => {
      if (this.seenEvents.has(e.id)) return false
      this.seenEvents.add(e.id)
      return true
    })
    this.pendingEvents = []
    if (fresh.length === 0) return
    if (this.seenEvents.size > EVENT_CAP * 4) this.seenEvents = new Set([...this.seenEvents].slice(-EVENT_CAP))
    // Ordered by event time, not arrival: zines and snapshots bring old events late and out of order.
    const merged = fresh.concat(this.events).sort(newestEventFirst)
    this.events = merged.length > EVENT_CAP ? merged.slice(0, EVENT_CAP) : merged
  }

  /** A progress line pushed by the desktop shell (validated: it crossed a process boundary). */
  noteJoinProgress(p: unknown): void {
    if (isLifecycleView(p)) this.joinProgress = p
    else this.rejected++
  }

  /** The join's progress: the shell's join flow or the node's own lifecycle, whichever spoke last. */
  get progress(): LifecycleView | null {
    const flow = this.joinProgress
    const node = this.lifecycle
    const latest = !flow || !node ? (flow ?? node) : flow.atMs >= node.atMs ? flow : node
    // A goodbye that is over: offline means the chau went out, whatever line came last.
    if (latest?.step === 'leaving' && this.self?.state === 'offline') return { step: 'left', message: 'You left the plaza (chau sent).', atMs: latest.atMs }
    return latest
  }

  /** Remembers who is online now, so the Neighbours view can say who joined/left since. */
  markLooked(): void {
    const look: Record<string, PeerStatus> = {}
    for (const [name, n] of this.neighbours) look[name] = n.status
    this.lastLook = look
    try {
      localStorage.setItem(LOOK_KEY, JSON.stringify(look))
    } catch {
      // Storage full or disabled: the count just resets next time.
    }
  }

  /** Last sign of life in ms: the neighbour view's lastSeen, sharpened by its latest newspaper. */
  lastHeardMs(n: NeighbourView): number {
    const paper = this.latestNewspaper.get(n.name)
    return paper && paper.receivedAtMs > n.lastSeenMs ? paper.receivedAtMs : n.lastSeenMs
  }

  /** Who came online / went away since `markLooked`. */
  changesSinceLook(): { joined: string[]; left: string[] } {
    const look = this.lastLook
    if (!look) return { joined: [], left: [] }
    const joined: string[] = []
    const left: string[] = []
    for (const [name, n] of this.neighbours) {
      const before = look[name]
      if (n.status === 'ONLINE' && before !== 'ONLINE') joined.push(name)
      if (n.status !== 'ONLINE' && before === 'ONLINE') left.push(name)
    }
    return { joined, left }
  }

  dispose(): void {
    for (const u of this.unsubs) u()
    this.unsubs = []
    this.stopTicker?.()
    if (this.paperSaveTimer !== null) {
      clearTimeout(this.paperSaveTimer)
      this.paperSaveTimer = null
      this.savePapers()
    }
  }
}

function newestPapersFirst(list: NewspaperView[]): NewspaperView[] {
  const sorted = list.sort((a, b) => b.receivedAtMs - a.receivedAtMs)
  return sorted.length > FEED_CAP ? sorted.slice(0, FEED_CAP) : sorted
}

function newTotals(peer: string): PeerTotals {
  const zero = Object.fromEntries(SUMMED.map((k) => [k, 0])) as Record<Summed, number>
  return { peer, exchanges: 0, latencyTotalMs: 0, failures: 0, lastAtMs: 0, lastVerdict: '', ...zero }
}

function loadLook(): Record<string, PeerStatus> | null {
  try {
    const raw = localStorage.getItem(LOOK_KEY)
    if (!raw) return null
    const v = JSON.parse(raw) as unknown
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return null
    const out: Record<string, PeerStatus> = Object.create(null) as Record<string, PeerStatus>
    for (const [k, s] of Object.entries(v as Record<string, unknown>)) {
      if (s === 'ONLINE' || s === 'OFFLINE' || s === 'MISSING') out[k] = s
    }
    return out
  } catch {
    return null
  }
}

function startTicker(tick: () => void): () => void {
  let timer: ReturnType<typeof setInterval> | null = null
  const sync = (): void => {
    if (document.visibilityState === 'visible' && timer === null) {
      tick()
      timer = setInterval(tick, 1000)
    } else if (document.visibilityState !== 'visible' && timer !== null) {
      clearInterval(timer)
      timer = null
    }
  }
  document.addEventListener('visibilitychange', sync)
  sync()
  return () => {
    document.removeEventListener('visibilitychange', sync)
    if (timer !== null) clearInterval(timer)
  }
}
