/**
 * The data plane (RFC-0910): content-routed pub/sub and queries over Zenoh key expressions,
 * implemented in-process. Views (UI, tray, CLI) read the node only through it.
 *
 *   put(key, value)                         → every subscriber whose expression intersects `key`
 *   subscribe(keyExpr, cb, {queue})         → unsubscribe; cb gets {key, value}
 *   declareQueryable(keyExpr, handler)      → undeclare; answers get() for intersecting selectors
 *   get(selector, {timeoutMs, consolidation}) → replies (latest per key by default)
 *
 * A subscriber whose callback returns a Promise is "busy" until it settles; samples for it wait
 * in a bounded queue that drops its oldest entry when full (counted), so a slow view never
 * stalls the node. Invalid key expressions throw `InvalidKeyExprError`, never match silently.
 *
 * `DataPlaneSession` (dp-session.ts) serves a DataPlane to a remote end over any carrier that
 * moves frames (`FrameLink`); `RemoteDataPlane` (dp-remote.ts) is the client with the same API.
 * Both are re-exported here, so this module stays the one import for every data-plane name.
 * Browser-safe: the renderer imports the client from here.
 */
import type { TimerHandle } from '../clock'
import { DropOldestQueue } from './dp-queue'
import type { Consolidation } from './dp-frames'
import { InvalidKeyExprError, intersects, parseKeyExpr, type KeyExpr } from './keyexpr'
import {
  DEFAULT_GET_TIMEOUT_MS,
  errorText,
  hostTimers,
  isPromiseLike,
  isReplyIterable,
  parseSelector,
  selectorQuery,
  type ParsedSelector,
  type Timers
} from './dp-common'

export type { Consolidation } from './dp-frames'
export { DEFAULT_GET_TIMEOUT_MS, DEFAULT_WINDOW, parseSelector, type FrameLink } from './dp-common'
export { DataPlaneSession, type DataPlaneSessionOptions, type SessionStats } from './dp-session'
export { RemoteDataPlane, type RemoteDataPlaneOptions } from './dp-remote'

export interface Sample<T = unknown> {
  readonly key: string
  readonly value: T
}

export interface Reply<T = unknown> {
  readonly key: string
  readonly value: T
  /** Orders replies for "latest" consolidation (e.g. ms the value was produced). */
  readonly timestamp?: number
}

export type Unsubscribe = () => void

/** Return a Promise to be treated as busy until it settles (samples queue meanwhile). */
export type SubscriberCallback<T = unknown> = (sample: Sample<T>) => void | Promise<unknown>

export interface SubscribeOptions {
  /** Samples held for a busy subscriber before the oldest is dropped (default 1024). */
  queue?: number
}

export interface Query {
  /** The selector's key expression (canonical). */
  readonly keyExpr: string
  /** Text after '?' in the selector ('' when none). */
  readonly parameters: string
  readonly selector: string
  /** True when `key` lies in the queried set: reply only with such keys. */
  matches(key: string): boolean
  reply(key: string, value: unknown, opts?: { timestamp?: number }): void
  replyErr(error: string): void
}

export type QueryHandler = (query: Query) => void | Iterable<Reply> | Promise<void | Iterable<Reply>>

export interface GetOptions {
  /** Default 5000 ms. */
  timeoutMs?: number
  /** 'latest' (default): one reply per key, the newest; 'none': every reply. */
  consolidation?: Consolidation
}

export interface QueryOutcome<T = unknown> {
  replies: Reply<T>[]
  /** Errors reported by queryables (replyErr, thrown, rejected). */
  errors: string[]
  timedOut: boolean
  /** Replies discarded: key outside the query, invalid key, or after the deadline. */
  dropped: number
}

/** What both the in-process DataPlane and the RemoteDataPlane client offer. */
export interface DataPlaneApi {
  put(key: string, value: unknown): void
  subscribe<T = unknown>(keyExpr: string, cb: SubscriberCallback<T>, opts?: SubscribeOptions): Unsubscribe
  declareQueryable(keyExpr: string, handler: QueryHandler): Unsubscribe
  get<T = unknown>(selector: string, opts?: GetOptions): Promise<Reply<T>[]>
  query<T = unknown>(selector: string, opts?: GetOptions): Promise<QueryOutcome<T>>
}

export interface DataPlaneCounters {
  published: number
  delivered: number
  /** Samples dropped from full subscriber queues (slow subscribers). */
  dropped: number
  subscriberErrors: number
  invalidKeyExpr: number
  queries: number
  queriesTimedOut: number
  queryableErrors: number
  repliesDroppedNonMatching: number
  repliesDroppedInvalidKey: number
  repliesDroppedLate: number
  matchCacheHits: number
  matchCacheMisses: number
}

export interface SubscriptionStats {
  readonly keyExpr: string
  readonly delivered: number
  readonly dropped: number
  readonly queued: number
  readonly errors: number
}

export const DEFAULT_QUEUE = 1024
const MATCH_CACHE_MAX = 8192

class Subscriber {
  readonly queue: DropOldestQueue<Sample>
  busy = false
  closed = false
  delivered = 0
  errors = 0

  constructor(
    readonly ke: KeyExpr,
    private readonly cb: SubscriberCallback,
    capacity: number,
    private readonly counters: DataPlaneCounters
  ) {
    this.queue = new DropOldestQueue(capacity)
  }

  push(sample: Sample): void {
    if (this.closed) return
    if (!this.busy && this.queue.length === 0) {
      this.invoke(sample)
      return
    }
    if (this.queue.push(sample)) this.counters.dropped++
  }

  private invoke(sample: Sample): void {
    let r: unknown
    try {
      r = this.cb(sample)
    } catch {
      this.errors++
      this.counters.subscriberErrors++
      return
    }
    this.delivered++
    this.counters.delivered++
    if (isPromiseLike(r)) {
      this.busy = true
      r.then(this.settle, this.fail)
    }
  }

  private readonly settle = (): void => {
    this.busy = false
    this.drain()
  }

  private readonly fail = (): void => {
    this.errors++
    this.counters.subscriberErrors++
    this.settle()
  }

  private drain(): void {
    while (!this.busy && !this.closed) {
      if (this.queue.length === 0) return
      this.invoke(this.queue.shift()!)
    }
  }

  stats(): SubscriptionStats {
    return { keyExpr: this.ke.text, delivered: this.delivered, dropped: this.queue.dropped, queued: this.queue.length, errors: this.errors }
  }
}

interface Queryable {
  readonly ke: KeyExpr
  readonly handler: QueryHandler
}

interface MatchEntry {
  readonly ke: KeyExpr
  readonly subs: Subscriber[]
}

export interface DataPlaneOptions {
  clock?: Timers
}

export class DataPlane implements DataPlaneApi {
  readonly counters: DataPlaneCounters = {
    published: 0,
    delivered: 0,
    dropped: 0,
    subscriberErrors: 0,
    invalidKeyExpr: 0,
    queries: 0,
    queriesTimedOut: 0,
    queryableErrors: 0,
    repliesDroppedNonMatching: 0,
    repliesDroppedInvalidKey: 0,
    repliesDroppedLate: 0,
    matchCacheHits: 0,
    matchCacheMisses: 0
  }
  private readonly subscribers = new Set<Subscriber>()
  private readonly queryables = new Set<Queryable>()
  /** Published key → its parsed form and the subscribers it reaches (cleared on (un)subscribe). */
  private readonly matchCache = new Map<string, MatchEntry>()
  private readonly timers: Timers

  constructor(opts: DataPlaneOptions = {}) {
    this.timers = opts.clock ?? hostTimers
  }

  private parseOrThrow(ke: string): KeyExpr {
    const r = parseKeyExpr(ke)
    if (!r.ok) {
      this.counters.invalidKeyExpr++
      throw new InvalidKeyExprError(r.error)
    }
    return r.value
  }

  private route(key: string): MatchEntry {
    const hit = this.matchCache.get(key)
    if (hit) {
      this.counters.matchCacheHits++
      return hit
    }
    this.counters.matchCacheMisses++
    const ke = this.parseOrThrow(key)
    const subs: Subscriber[] = []
    for (const s of this.subscribers) if (intersects(s.ke, ke)) subs.push(s)
    if (this.matchCache.size >= MATCH_CACHE_MAX) this.matchCache.clear()
    const entry = { ke, subs }
    this.matchCache.set(key, entry)
    return entry
  }

  put(key: string, value: unknown): void {
    const { subs } = this.route(key)
    this.counters.published++
    if (subs.length === 0) return
    const sample: Sample = { key, value }
    for (let i = 0; i < subs.length; i++) subs[i]!.push(sample)
  }

  subscribe<T = unknown>(keyExpr: string, cb: SubscriberCallback<T>, opts: SubscribeOptions = {}): Unsubscribe {
    const ke = this.parseOrThrow(keyExpr)
    if (typeof cb !== 'function') throw new TypeError('subscribe needs a callback')
    const sub = new Subscriber(ke, cb as SubscriberCallback, opts.queue ?? DEFAULT_QUEUE, this.counters)
    this.subscribers.add(sub)
    this.matchCache.clear()
    return () => {
      if (sub.closed) return
      sub.closed = true
      sub.queue.clear()
      this.subscribers.delete(sub)
      this.matchCache.clear()
    }
  }

  /** Per-subscription counters (delivered, dropped, queued), e.g. for a diagnostics view. */
  subscriptionStats(): SubscriptionStats[] {
    return [...this.subscribers].map((s) => s.stats())
  }

  declareQueryable(keyExpr: string, handler: QueryHandler): Unsubscribe {
    const ke = this.parseOrThrow(keyExpr)
    if (typeof handler !== 'function') throw new TypeError('declareQueryable needs a handler')
    const q: Queryable = { ke, handler }
    this.queryables.add(q)
    return () => void this.queryables.delete(q)
  }

  async get<T = unknown>(selector: string, opts: GetOptions = {}): Promise<Reply<T>[]> {
    return (await this.query<T>(selector, opts)).replies
  }

  query<T = unknown>(selector: string, opts: GetOptions = {}): Promise<QueryOutcome<T>> {
    let parsed: ParsedSelector
    try {
      parsed = parseSelector(selector)
    } catch (e) {
      this.counters.invalidKeyExpr++
      return Promise.reject(e)
    }
    this.counters.queries++
    const timeoutMs = opts.timeoutMs ?? DEFAULT_GET_TIMEOUT_MS
    const consolidation = opts.consolidation ?? 'latest'
    const targets = [...this.queryables].filter((q) => intersects(q.ke, parsed.keyExpr))
    const latest = new Map<string, Reply>()
    const all: Reply[] = []
    const errors: string[] = []
    let dropped = 0
    let finished = false

    return new Promise<QueryOutcome<T>>((resolve) => {
      let pending = targets.length
      let timer: TimerHandle | undefined
      const finish = (timedOut: boolean): void => {
        if (finished) return
        finished = true
        if (timer) this.timers.clearTimeout(timer)
        if (timedOut) this.counters.queriesTimedOut++
        const replies = (consolidation === 'latest' ? [...latest.values()] : all) as Reply<T>[]
        resolve({ replies, errors, timedOut, dropped })
      }
      const accept = (key: unknown, value: unknown, timestamp: unknown): void => {
        if (finished) {
          this.counters.repliesDroppedLate++
          return
        }
        const k = parseKeyExpr(key)
        if (!k.ok) {
          dropped++
          this.counters.repliesDroppedInvalidKey++
          return
        }
        if (!intersects(k.value, parsed.keyExpr)) {
          dropped++
          this.counters.repliesDroppedNonMatching++
          return
        }
        const reply: Reply =
          typeof timestamp === 'number' && Number.isFinite(timestamp) ? { key: k.value.text, value, timestamp } : { key: k.value.text, value }
        if (consolidation === 'none') {
          all.push(reply)
          return
        }
        const prev = latest.get(reply.key)
        if (!prev || (reply.timestamp ?? -Infinity) >= (prev.timestamp ?? -Infinity)) latest.set(reply.key, reply)
      }
      const reportError = (e: unknown): void => {
        this.counters.queryableErrors++
        if (!finished) errors.push(errorText(e))
      }
      const oneDone = (): void => {
        if (--pending === 0) finish(false)
      }
      if (pending === 0) {
        finish(false)
        return
      }
      timer = this.timers.setTimeout(() => finish(true), timeoutMs)
      const selectorText = parsed.parameters ? `${parsed.keyExpr.text}?${parsed.parameters}` : parsed.keyExpr.text
      for (const target of targets) {
        let open = true
        const query = selectorQuery(
          parsed,
          selectorText,
          (key, value, o) => accept(key, value, o?.timestamp),
          (error) => reportError(error)
        )
        const close = (result: unknown): void => {
          if (!open) return
          open = false
          if (isReplyIterable(result)) {
            try {
              for (const r of result) accept(r?.key, r?.value, r?.timestamp)
            } catch (e) {
              reportError(e)
            }
          }
          oneDone()
        }
        let result: unknown
        try {
          result = target.handler(query)
        } catch (e) {
          reportError(e)
          close(undefined)
          continue
        }
        if (isPromiseLike(result)) {
          result.then(close, (e) => {
            reportError(e)
            close(undefined)
          })
        } else close(result)
      }
    })
  }
}

// ---------------------------------------------------------------------------------------------

export interface SnapshotSubscription {
  /** Resolves once the snapshot has been delivered (live samples follow); never rejects. */
  readonly ready: Promise<{ snapshot: number; error?: string }>
  readonly unsubscribe: Unsubscribe
}

/**
 * "Current state, then the stream" for a view that opens late: subscribes first (holding live
 * samples), queries the snapshot, delivers it, then the held samples, then live ones. Works on
 * any DataPlaneApi (in-process or remote).
 */
export function subscribeWithSnapshot<T = unknown>(
  plane: DataPlaneApi,
  keyExprText: string,
  cb: (sample: Sample<T>) => void,
  opts: GetOptions & { holdLimit?: number } = {}
): SnapshotSubscription {
  const held = new DropOldestQueue<Sample<T>>(opts.holdLimit ?? DEFAULT_QUEUE)
  let live = false
  let stopped = false
  const unsubscribe = plane.subscribe<T>(keyExprText, (s) => {
    if (stopped) return
    if (live) cb(s)
    else held.push(s)
  })
  const getOpts: GetOptions = {}
  if (opts.timeoutMs !== undefined) getOpts.timeoutMs = opts.timeoutMs
  if (opts.consolidation !== undefined) getOpts.consolidation = opts.consolidation
  const goLive = (): void => {
    for (let s = held.shift(); s; s = held.shift()) cb(s)
    live = true
  }
  const ready = plane.get<T>(keyExprText, getOpts).then(
    (replies) => {
      if (stopped) return { snapshot: 0 }
      for (const r of replies) cb({ key: r.key, value: r.value })
      goLive()
      return { snapshot: replies.length }
    },
    (e: unknown) => {
      // No snapshot: still hand over what arrived and go live.
      if (!stopped) goLive()
      return { snapshot: 0, error: errorText(e) }
    }
  )
  return {
    ready,
    unsubscribe: () => {
      stopped = true
      unsubscribe()
    }
  }
}
