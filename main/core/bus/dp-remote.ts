/** The data-plane client: the DataPlane API over a FrameLink (browser-safe; the renderer uses it). */
import type { DataPlaneApi, GetOptions, QueryHandler, QueryOutcome, Reply, Sample, SubscribeOptions, SubscriberCallback, Unsubscribe } from './dataPlane'
import {
  DEFAULT_GET_TIMEOUT_MS,
  DEFAULT_WINDOW,
  errorText,
  isPromiseLike,
  isReplyIterable,
  parseSelector,
  selectorQuery,
  type FrameLink,
  type ParsedSelector
} from './dp-common'
import { decodeServerFrame, type ClientFrame, type ServerFrame } from './dp-frames'
import { keyExpr } from './keyexpr'

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
    const fail = (e: unknown): void => {
      send({ t: 'qerr', qid, error: errorText(e) })
      send({ t: 'qdone', qid })
    }
    let parsed: ParsedSelector
    try {
      parsed = parseSelector(sel)
    } catch (e) {
      fail(e)
      return
    }
    const reply = (key: string, value: unknown, timestamp?: number): void =>
      send(timestamp === undefined ? { t: 'qreply', qid, key, v: value } : { t: 'qreply', qid, key, v: value, ts: timestamp })
    const query = selectorQuery(
      parsed,
      sel,
      (key, value, o) => reply(key, value, o?.timestamp),
      (error) => send({ t: 'qerr', qid, error })
    )
    const finish = (result: unknown): void => {
      if (isReplyIterable(result)) for (const r of result) reply(r.key, r.value, r.timestamp)
      send({ t: 'qdone', qid })
    }
    try {
      const result = handler(query)
      if (isPromiseLike(result)) result.then(finish, fail)
      else finish(result)
    } catch (e) {
      fail(e)
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
