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
 * `DataPlaneSession` serves a DataPlane to a remote end over any carrier that moves frames
 * (`FrameLink`); `RemoteDataPlane` is the client with the same API. This file is browser-safe:
 * the renderer imports the client from here.
 */
import type { Clock, TimerHandle } from '../clock'
import { DropOldestQueue } from './dp-queue'
import { decodeClientFrame, decodeServerFrame, type ClientFrame, type Consolidation, type ServerFrame } from './dp-frames'
import { InvalidKeyExprError, intersects, keyExpr, parseKeyExpr, type KeyExpr } from './keyexpr'

export type { Consolidation } from './dp-frames'

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
export const DEFAULT_GET_TIMEOUT_MS = 5000
const MATCH_CACHE_MAX = 8192

type Timers = Pick<Clock, 'setTimeout' | 'clearTimeout'>

/** Timers from the host (browser or Node) so this file needs no Node import. */
const hostTimers: Timers = (() => {
  let next = 1
  const live = new Map<number, ReturnType<typeof setTimeout>>()
  return {
    setTimeout(fn, ms) {
      const id = next++
      live.set(
        id,
        setTimeout(() => {
          live.delete(id)
          fn()
        }, ms)
      )
      return { id }
    },
    clearTimeout(h) {
      const t = live.get(h.id)
      if (t !== undefined) clearTimeout(t)
      live.delete(h.id)
    }
  }
})()

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e)
}

function isPromiseLike(x: unknown): x is PromiseLike<unknown> {
  return typeof x === 'object' && x !== null && typeof (x as { then?: unknown }).then === 'function'
}

/** Splits `keyexpr?parameters`; the key expression must be valid. */
export function parseSelector(selector: string): { keyExpr: KeyExpr; parameters: string } {
  if (typeof selector !== 'string') throw new InvalidKeyExprError({ code: 'not_a_string', reason: 'a selector must be a string', input: String(selector) })
  const q = selector.indexOf('?')
  const ke = q < 0 ? selector : selector.slice(0, q)
  return { keyExpr: keyExpr(ke), parameters: q < 0 ? '' : selector.slice(q + 1) }
}

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
    let parsed: { keyExpr: KeyExpr; parameters: string }
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
        const query: Query = {
          keyExpr: parsed.keyExpr.text,
          parameters: parsed.parameters,
          selector: selectorText,
          matches: (key) => {
            const r = parseKeyExpr(key)
            return r.ok && intersects(r.value, parsed.keyExpr)
          },
          reply: (key, value, o) => accept(key, value, o?.timestamp),
          replyErr: (error) => reportError(error)
        }
        const close = (result: unknown): void => {
          if (!open) return
          open = false
          if (result !== undefined && result !== null && typeof (result as Iterable<Reply>)[Symbol.iterator] === 'function') {
            try {
              for (const r of result as Iterable<Reply>) accept(r?.key, r?.value, r?.timestamp)
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
// Remote sessions

/** What a carrier offers for the data plane (C2's `Carrier<unknown>` fits). */
export interface FrameLink {
  send(frame: unknown): void
  onFrame(cb: (frame: unknown) => void): unknown
  onClose(cb: () => void): unknown
}

/** Samples a remote subscriber may have unacknowledged before the server holds them back. */
export const DEFAULT_WINDOW = 256

export interface SessionStats {
  framesIn: number
  badFrames: number
  rejected: number
  samplesSent: number
  /** Frames the carrier refused (e.g. a value JSON cannot encode); the session goes on. */
  sendErrors: number
  subscriptions: number
  queryables: number
}

export interface DataPlaneSessionOptions {
  /** Flow-control window per subscription (the client acks consumed samples). */
  window?: number
  maxSubscriptions?: number
  maxQueryables?: number
  /** Upper bound for a remote query answered by the client's queryable. */
  remoteQueryTimeoutMs?: number
}

interface RemoteSub {
  unsubscribe: Unsubscribe
  credit: number
  waiter: (() => void) | null
}

/**
 * Serves a DataPlane to one remote client. Each remote subscription is a local subscriber whose
 * callback waits for flow-control credit, so a client that stops reading fills its bounded
 * queue (drop-oldest, counted in the DataPlane) instead of the carrier's buffers.
 */
export class DataPlaneSession {
  readonly stats: SessionStats = { framesIn: 0, badFrames: 0, rejected: 0, samplesSent: 0, sendErrors: 0, subscriptions: 0, queryables: 0 }
  private readonly subs = new Map<number, RemoteSub>()
  private readonly decls = new Map<number, Unsubscribe>()
  private readonly pendingQueries = new Map<number, { query: Query; done: () => void; timer: TimerHandle }>()
  private nextQid = 1
  private closed = false
  private readonly window: number
  private readonly maxSubs: number
  private readonly maxDecls: number

  constructor(
    private readonly plane: DataPlane,
    private readonly link: FrameLink,
    opts: DataPlaneSessionOptions = {}
  ) {
    this.window = opts.window ?? DEFAULT_WINDOW
    this.maxSubs = opts.maxSubscriptions ?? 1024
    this.maxDecls = opts.maxQueryables ?? 256
    this.remoteQueryTimeoutMs = opts.remoteQueryTimeoutMs ?? DEFAULT_GET_TIMEOUT_MS
    link.onFrame((f) => this.onFrame(f))
    link.onClose(() => this.close())
  }

  private readonly remoteQueryTimeoutMs: number

  private send(frame: ServerFrame): void {
    if (this.closed) return
    try {
      this.link.send(frame)
    } catch {
      this.stats.sendErrors++ // a closed link also reports through onClose
    }
  }

  private reject(ref: string, code: string, reason: string, id?: number): void {
    this.stats.rejected++
    this.send(id === undefined ? { t: 'error', ref, code, reason } : { t: 'error', id, ref, code, reason })
  }

  private onFrame(raw: unknown): void {
    if (this.closed) return
    this.stats.framesIn++
    const d = decodeClientFrame(raw)
    if (!d.ok) {
      this.stats.badFrames++
      this.reject(d.error.ref, d.error.code, d.error.reason, d.error.id)
      return
    }
    try {
      this.handle(d.value)
    } catch (e) {
      const code = e instanceof InvalidKeyExprError ? `keyexpr_${e.code}` : 'failed'
      const id = 'id' in d.value ? d.value.id : undefined
      this.reject(d.value.t, code, errorText(e), id)
    }
  }

  private handle(f: ClientFrame): void {
    switch (f.t) {
      case 'sub': {
        if (this.subs.has(f.id)) throw new Error(`subscription ${f.id} already exists`)
        if (this.subs.size >= this.maxSubs) throw new Error('too many subscriptions')
        const rs: RemoteSub = { unsubscribe: () => {}, credit: this.window, waiter: null }
        const id = f.id
        rs.unsubscribe = this.plane.subscribe(
          f.ke,
          (s) => {
            this.stats.samplesSent++
            this.send({ t: 'sample', id, key: s.key, v: s.value })
            if (--rs.credit > 0) return
            return new Promise<void>((res) => (rs.waiter = res))
          },
          f.queue === undefined ? {} : { queue: f.queue }
        )
        this.subs.set(id, rs)
        this.stats.subscriptions = this.subs.size
        return
      }
      case 'unsub':
        this.dropSub(f.id)
        return
      case 'ack': {
        const rs = this.subs.get(f.id)
        if (!rs) return // acks racing an unsubscribe are harmless
        rs.credit = Math.min(this.window, rs.credit + f.n)
        const w = rs.waiter
        if (w && rs.credit > 0) {
          rs.waiter = null
          w()
        }
        return
      }
      case 'put':
        this.plane.put(f.ke, f.v)
        return
      case 'get': {
        const id = f.id
        const opts: GetOptions = {}
        if (f.timeoutMs !== undefined) opts.timeoutMs = f.timeoutMs
        if (f.consolidation !== undefined) opts.consolidation = f.consolidation
        this.plane.query(f.sel, opts).then(
          (out) => {
            for (const r of out.replies) {
              this.send(r.timestamp === undefined ? { t: 'reply', id, key: r.key, v: r.value } : { t: 'reply', id, key: r.key, v: r.value, ts: r.timestamp })
            }
            this.send({ t: 'done', id, timedOut: out.timedOut, dropped: out.dropped, errors: out.errors })
          },
          (e: unknown) => this.reject('get', e instanceof InvalidKeyExprError ? `keyexpr_${e.code}` : 'failed', errorText(e), id)
        )
        return
      }
      case 'decl': {
        if (this.decls.has(f.id)) throw new Error(`queryable ${f.id} already exists`)
        if (this.decls.size >= this.maxDecls) throw new Error('too many queryables')
        const decl = f.id
        const undeclare = this.plane.declareQueryable(f.ke, (query) => {
          const qid = this.nextQid++
          return new Promise<void>((done) => {
            // A client that never answers must not hold the entry forever.
            const timer = hostTimers.setTimeout(() => this.finishQuery(qid), this.remoteQueryTimeoutMs)
            this.pendingQueries.set(qid, { query, done, timer })
            this.send({ t: 'query', qid, decl, sel: query.selector })
          })
        })
        this.decls.set(decl, undeclare)
        this.stats.queryables = this.decls.size
        return
      }
      case 'undecl': {
        this.decls.get(f.id)?.()
        this.decls.delete(f.id)
        this.stats.queryables = this.decls.size
        return
      }
      case 'qreply': {
        const p = this.pendingQueries.get(f.qid)
        if (!p) return
        p.query.reply(f.key, f.v, f.ts === undefined ? undefined : { timestamp: f.ts })
        return
      }
      case 'qerr':
        this.pendingQueries.get(f.qid)?.query.replyErr(f.error)
        return
      case 'qdone':
        this.finishQuery(f.qid)
        return
    }
  }

  private finishQuery(qid: number): void {
    const p = this.pendingQueries.get(qid)
    if (!p) return
    this.pendingQueries.delete(qid)
    hostTimers.clearTimeout(p.timer)
    p.done()
  }

  private dropSub(id: number): void {
    const rs = this.subs.get(id)
    if (!rs) return
    rs.unsubscribe()
    rs.waiter?.()
    this.subs.delete(id)
    this.stats.subscriptions = this.subs.size
  }

  close(): void {
    if (this.closed) return
    this.closed = true
    for (const id of [...this.subs.keys()]) this.dropSub(id)
    for (const u of this.decls.values()) u()
    this.decls.clear()
    for (const qid of [...this.pendingQueries.keys()]) this.finishQuery(qid)
  }
}

export interface RemoteDataPlaneOptions {
  /** Must match the session's window (default 256); acks are sent every window/2 samples. */
  window?: number
  /** Errors the server reports for this client's frames. */
  onError?: (e: { ref: string; code: string; reason: string; id?: number }) => void
}

interface PendingGet {
  replies: Reply[]
  resolve: (o: QueryOutcome) => void
  reject: (e: Error) => void
  timer: ReturnType<typeof setTimeout>
}

interface ClientSub {
  cb: SubscriberCallback
  consumed: number
  busy: Promise<unknown> | null
  backlog: Sample[]
}

/** The data-plane client: the DataPlane API over a FrameLink (browser-safe). */
export class RemoteDataPlane implements DataPlaneApi {
  readonly stats = { samples: 0, badFrames: 0, errors: 0, subscriberErrors: 0 }
  private nextId = 1
  private readonly subs = new Map<number, ClientSub>()
  private readonly decls = new Map<number, QueryHandler>()
  private readonly gets = new Map<number, PendingGet>()
  private readonly ackEvery: number
  private closed = false

  constructor(
    private readonly link: FrameLink,
    private readonly opts: RemoteDataPlaneOptions = {}
  ) {
    this.ackEvery = Math.max(1, Math.floor((opts.window ?? DEFAULT_WINDOW) / 2))
    link.onFrame((f) => this.onFrame(f))
    link.onClose(() => this.shutdown())
  }

  private send(f: ClientFrame): void {
    if (this.closed) throw new Error('data-plane link closed')
    this.link.send(f)
  }

  put(key: string, value: unknown): void {
    keyExpr(key) // a clear local error instead of a remote one
    this.send({ t: 'put', ke: key, v: value })
  }

  subscribe<T = unknown>(ke: string, cb: SubscriberCallback<T>, opts: SubscribeOptions = {}): Unsubscribe {
    keyExpr(ke)
    const id = this.nextId++
    this.subs.set(id, { cb: cb as SubscriberCallback, consumed: 0, busy: null, backlog: [] })
    this.send(opts.queue === undefined ? { t: 'sub', id, ke } : { t: 'sub', id, ke, queue: opts.queue })
    return () => {
      if (!this.subs.delete(id) || this.closed) return
      this.send({ t: 'unsub', id })
    }
  }

  declareQueryable(ke: string, handler: QueryHandler): Unsubscribe {
    keyExpr(ke)
    const id = this.nextId++
    this.decls.set(id, handler)
    this.send({ t: 'decl', id, ke })
    return () => {
      if (!this.decls.delete(id) || this.closed) return
      this.send({ t: 'undecl', id })
    }
  }

  async get<T = unknown>(selector: string, opts: GetOptions = {}): Promise<Reply<T>[]> {
    return (await this.query<T>(selector, opts)).replies
  }

  query<T = unknown>(selector: string, opts: GetOptions = {}): Promise<QueryOutcome<T>> {
    try {
      parseSelector(selector)
    } catch (e) {
      return Promise.reject(e)
    }
    if (this.closed) return Promise.reject(new Error('data-plane link closed'))
    const id = this.nextId++
    const timeoutMs = opts.timeoutMs ?? DEFAULT_GET_TIMEOUT_MS
    return new Promise<QueryOutcome<T>>((resolve, reject) => {
      // The server answers within timeoutMs; this guard only covers a silent server.
      const timer = setTimeout(() => {
        const g = this.gets.get(id)
        if (!g) return
        this.gets.delete(id)
        resolve({ replies: g.replies as Reply<T>[], errors: [], timedOut: true, dropped: 0 })
      }, timeoutMs + 1000)
      this.gets.set(id, { replies: [], resolve: resolve as (o: QueryOutcome) => void, reject, timer })
      const f: ClientFrame = { t: 'get', id, sel: selector, timeoutMs }
      if (opts.consolidation) f.consolidation = opts.consolidation
      this.send(f)
    })
  }

  private onFrame(raw: unknown): void {
    const d = decodeServerFrame(raw)
    if (!d.ok) {
      this.stats.badFrames++
      return
    }
    this.handle(d.value)
  }

  private handle(f: ServerFrame): void {
    switch (f.t) {
      case 'sample': {
        const s = this.subs.get(f.id)
        if (!s) return
        this.stats.samples++
        this.deliver(f.id, s, { key: f.key, value: f.v })
        return
      }
      case 'reply':
        this.gets.get(f.id)?.replies.push(f.ts === undefined ? { key: f.key, value: f.v } : { key: f.key, value: f.v, timestamp: f.ts })
        return
      case 'done': {
        const g = this.gets.get(f.id)
        if (!g) return
        this.gets.delete(f.id)
        clearTimeout(g.timer)
        g.resolve({ replies: g.replies, errors: f.errors, timedOut: f.timedOut, dropped: f.dropped })
        return
      }
      case 'query':
        this.answer(f.qid, f.decl, f.sel)
        return
      case 'error': {
        this.stats.errors++
        const e = f.id === undefined ? { ref: f.ref, code: f.code, reason: f.reason } : { ref: f.ref, code: f.code, reason: f.reason, id: f.id }
        if (f.ref === 'get' && f.id !== undefined) {
          const g = this.gets.get(f.id)
          if (g) {
            this.gets.delete(f.id)
            clearTimeout(g.timer)
            g.reject(new Error(`${f.code}: ${f.reason}`))
          }
        }
        if (f.ref === 'sub' && f.id !== undefined) this.subs.delete(f.id)
        this.opts.onError?.(e)
        return
      }
    }
  }

  /** Runs the callback (serially when it is async) and returns credit to the server. */
  private deliver(id: number, s: ClientSub, sample: Sample): void {
    if (s.busy) {
      s.backlog.push(sample) // bounded by the server's window
      return
    }
    let r: unknown
    try {
      r = s.cb(sample)
    } catch {
      this.stats.subscriberErrors++
    }
    if (isPromiseLike(r)) {
      const p = Promise.resolve(r).catch(() => void this.stats.subscriberErrors++)
      s.busy = p
      void p.then(() => {
        s.busy = null
        this.consumed(id, s)
        const next = s.backlog.shift()
        if (next && this.subs.get(id) === s) this.deliver(id, s, next)
      })
      return
    }
    this.consumed(id, s)
  }

  private consumed(id: number, s: ClientSub): void {
    if (++s.consumed < this.ackEvery) return
    const n = s.consumed
    s.consumed = 0
    if (!this.closed && this.subs.get(id) === s) this.send({ t: 'ack', id, n })
  }

  private answer(qid: number, decl: number, sel: string): void {
    const handler = this.decls.get(decl)
    const send = (f: ClientFrame): void => {
      if (!this.closed) this.send(f)
    }
    if (!handler) {
      send({ t: 'qdone', qid })
      return
    }
    let parsed: { keyExpr: KeyExpr; parameters: string }
    try {
      parsed = parseSelector(sel)
    } catch (e) {
      send({ t: 'qerr', qid, error: errorText(e) })
      send({ t: 'qdone', qid })
      return
    }
    const reply = (key: string, value: unknown, timestamp?: number): void =>
      send(timestamp === undefined ? { t: 'qreply', qid, key, v: value } : { t: 'qreply', qid, key, v: value, ts: timestamp })
    const query: Query = {
      keyExpr: parsed.keyExpr.text,
      parameters: parsed.parameters,
      selector: sel,
      matches: (key) => {
        const r = parseKeyExpr(key)
        return r.ok && intersects(r.value, parsed.keyExpr)
      },
      reply: (key, value, o) => reply(key, value, o?.timestamp),
      replyErr: (error) => send({ t: 'qerr', qid, error })
    }
    const finish = (result: unknown): void => {
      if (result !== undefined && result !== null && typeof (result as Iterable<Reply>)[Symbol.iterator] === 'function') {
        for (const r of result as Iterable<Reply>) reply(r.key, r.value, r.timestamp)
      }
      send({ t: 'qdone', qid })
    }
    try {
      const result = handler(query)
      if (isPromiseLike(result)) {
        result.then(finish, (e) => {
          send({ t: 'qerr', qid, error: errorText(e) })
          send({ t: 'qdone', qid })
        })
      } else finish(result)
    } catch (e) {
      send({ t: 'qerr', qid, error: errorText(e) })
      send({ t: 'qdone', qid })
    }
  }

  private shutdown(): void {
    if (this.closed) return
    this.closed = true
    for (const g of this.gets.values()) {
      clearTimeout(g.timer)
      g.reject(new Error('data-plane link closed'))
    }
    this.gets.clear()
    this.subs.clear()
    this.decls.clear()
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
