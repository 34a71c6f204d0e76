/**
 * Puts a running node on the data plane: every node event becomes a sample under `keys.*`
 * (views.ts), and queryables answer snapshots, so a view that opens late gets the current
 * state and then the stream (see `subscribeWithSnapshot`).
 *
 *   nara/local/self               node.selfView()                      (fresh on every query)
 *   nara/local/neighbours/{name}  node.neighbours()                    (fresh on every query)
 *   nara/local/newspapers/{name}  latest newspaper per nara            (bounded map)
 *   nara/local/zines/{peer}       latest exchange per peer             (bounded map)
 *   nara/local/events/{svc}       recent N events per service          (ring buffer; query with
 *                                 consolidation 'none' for all N, oldest first)
 *   nara/local/stats              node.stats() or the last 'stats' event
 *   nara/local/lifecycle          the last lifecycle step
 *   nara/local/checkpoints/{subj} every finalised checkpoint stored     (query: all, oldest first)
 *   nara/local/rounds/{subj}      consensus rounds seen                 (query: all, oldest first)
 *   nara/local/journeys/{id}      world journeys we took part in        (latest state per journey)
 *   nara/local/stash              who holds our stash, whose we hold    (fresh on every query)
 */
import type { CheckpointRoundView, CheckpointView, EventView, JourneyView, StashView, LifecycleView, NeighbourView, NewspaperView, SelfView, StatsView, ZineExchangeView } from '../views'
import { keys } from '../views'
import type { DataPlaneApi, Query, Reply, Unsubscribe } from './dataPlane'
import { DropOldestQueue } from './dp-queue'

export type BridgeEvent = 'peer' | 'newspaper' | 'zine' | 'event' | 'self' | 'lifecycle' | 'stats' | 'checkpoint' | 'round' | 'journey' | 'stash'

/**
 * The part of NaraNode the bridge needs: an EventEmitter with the events above plus getters.
 * (Listener payloads are `any` so both a typed EventEmitter<NaraNodeEvents> and a plain one fit.)
 */
export interface BridgeableNode {
  on(event: BridgeEvent, listener: (payload: any) => void): unknown
  off(event: BridgeEvent, listener: (payload: any) => void): unknown
  selfView(): SelfView
  neighbours(): NeighbourView[]
  newspapers?(): NewspaperView[]
  stats?(): StatsView
  checkpointHistory?(): CheckpointView[]
  checkpointRounds?(): CheckpointRoundView[]
  journeys?(): JourneyView[]
  stashView?(): StashView
}

export interface BridgeOptions {
  /** Events kept per service for snapshots (default 100). */
  eventsPerService?: number
  /** Services with a ring buffer (default 64; the least recently active is forgotten). */
  maxServices?: number
  /** Newspapers / zine exchanges kept (default 4096 each; least recently updated forgotten). */
  maxPeers?: number
}

export interface NodeBridgeStats {
  published: number
  /** Node events that could not be published (e.g. a value the plane rejected). */
  publishErrors: number
  queriesAnswered: number
}

export interface NodeBridge {
  readonly stats: NodeBridgeStats
  /** Detaches from the node and withdraws the queryables. */
  close(): void
}

/** A Map that forgets its least recently written entry beyond `limit`. */
class RecentMap<V> {
  private readonly m = new Map<string, V>()
  constructor(private readonly limit: number) {}
  set(k: string, v: V): void {
    this.m.delete(k)
    this.m.set(k, v)
    if (this.m.size > this.limit) this.m.delete(this.m.keys().next().value as string)
  }
  get(k: string): V | undefined {
    return this.m.get(k)
  }
  entries(): IterableIterator<[string, V]> {
    return this.m.entries()
  }
}

export function bridgeNode(node: BridgeableNode, plane: DataPlaneApi, opts: BridgeOptions = {}): NodeBridge {
  const perService = opts.eventsPerService ?? 100
  const maxPeers = opts.maxPeers ?? 4096
  const stats: NodeBridgeStats = { published: 0, publishErrors: 0, queriesAnswered: 0 }

  // Snapshot stores, keyed by data-plane key. `seq` orders replies for latest-value consolidation.
  let seq = 0
  const newspapers = new RecentMap<{ view: NewspaperView; seq: number }>(maxPeers)
  const zines = new RecentMap<{ view: ZineExchangeView; seq: number }>(maxPeers)
  const events = new RecentMap<DropOldestQueue<{ view: EventView; seq: number }>>(opts.maxServices ?? 64)
  let lastSelf: SelfView | null = null
  let lastStats: StatsView | null = null
  let lastLifecycle: LifecycleView | null = null

  const publish = (key: string, value: unknown): void => {
    try {
      plane.put(key, value)
      stats.published++
    } catch {
      stats.publishErrors++
    }
  }

  for (const n of node.newspapers?.() ?? []) newspapers.set(keys.newspaper(n.from), { view: n, seq: ++seq })

  const handlers: Record<BridgeEvent, (payload: any) => void> = {
    peer: (v: NeighbourView) => publish(keys.neighbour(v.name), v),
    newspaper: (v: NewspaperView) => {
      const key = keys.newspaper(v.from)
      newspapers.set(key, { view: v, seq: ++seq })
      publish(key, v)
    },
    zine: (v: ZineExchangeView) => {
      const key = keys.zine(v.peer)
      zines.set(key, { view: v, seq: ++seq })
      publish(key, v)
    },
    event: (v: EventView) => {
      const key = keys.event(v.svc)
      let ring = events.get(key)
      if (!ring) events.set(key, (ring = new DropOldestQueue(perService)))
      else events.set(key, ring) // marks the service as recently active
      ring.push({ view: v, seq: ++seq })
      publish(key, v)
    },
    self: (v: SelfView) => {
      lastSelf = v
      publish(keys.self, v)
    },
    lifecycle: (v: LifecycleView) => {
      lastLifecycle = v
      publish(keys.lifecycle, v)
    },
    stats: (v: StatsView) => {
      lastStats = v
      publish(keys.stats, v)
    },
    checkpoint: (v: CheckpointView) => publish(keys.checkpoint(v.subject), v),
    round: (v: CheckpointRoundView) => publish(keys.round(v.subject), v),
    journey: (v: JourneyView) => publish(keys.journey(v.id), v),
    stash: (v: StashView) => publish(keys.stash, v)
  }
  for (const [event, h] of Object.entries(handlers) as [BridgeEvent, (p: any) => void][]) node.on(event, h)

  const answer = (fill: (q: Query, out: Reply[]) => void) => (q: Query): Reply[] => {
    stats.queriesAnswered++
    const out: Reply[] = []
    fill(q, out)
    return out
  }
  /** Fresh on every query: each item of `list()` under its own key. */
  const fromList = <V>(list: () => V[], keyOf: (v: V) => string) =>
    answer((q, out) => {
      for (const value of list()) {
        const key = keyOf(value)
        if (q.matches(key)) out.push({ key, value })
      }
    })
  const fromStore = <V>(store: RecentMap<{ view: V; seq: number }>) =>
    answer((q, out) => {
      for (const [key, e] of store.entries()) if (q.matches(key)) out.push({ key, value: e.view, timestamp: e.seq })
    })

  const undeclare: Unsubscribe[] = [
    plane.declareQueryable(
      keys.self,
      answer((_, out) => out.push({ key: keys.self, value: node.selfView() ?? lastSelf }))
    ),
    plane.declareQueryable(keys.neighbours, fromList(() => node.neighbours(), (n) => keys.neighbour(n.name))),
    plane.declareQueryable(keys.newspapers, fromStore(newspapers)),
    plane.declareQueryable(keys.zines, fromStore(zines)),
    plane.declareQueryable(
      keys.events,
      answer((q, out) => {
        for (const [key, ring] of events.entries()) {
          if (!q.matches(key)) continue
          for (const e of ring.toArray()) out.push({ key, value: e.view, timestamp: e.seq })
        }
      })
    ),
    plane.declareQueryable(
      keys.stats,
      answer((_, out) => {
        const s = node.stats?.() ?? lastStats
        if (s) out.push({ key: keys.stats, value: s })
      })
    ),
    plane.declareQueryable(keys.checkpoints, fromList(() => node.checkpointHistory?.() ?? [], (c) => keys.checkpoint(c.subject))),
    plane.declareQueryable(keys.rounds, fromList(() => node.checkpointRounds?.() ?? [], (r) => keys.round(r.subject))),
    plane.declareQueryable(
      keys.stash,
      answer((_, out) => {
        const v = node.stashView?.()
        if (v) out.push({ key: keys.stash, value: v })
      })
    ),
    plane.declareQueryable(keys.journeys, fromList(() => node.journeys?.() ?? [], (j) => keys.journey(j.id))),
    plane.declareQueryable(
      keys.lifecycle,
      answer((_, out) => {
        if (lastLifecycle) out.push({ key: keys.lifecycle, value: lastLifecycle })
      })
    )
  ]

  let closed = false
  return {
    stats,
    close() {
      if (closed) return
      closed = true
      for (const [event, h] of Object.entries(handlers) as [BridgeEvent, (p: any) => void][]) node.off(event, h)
      for (const u of undeclare) u()
    }
  }
}
