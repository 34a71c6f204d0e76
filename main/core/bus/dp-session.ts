/**
 * Serves a DataPlane to one remote client over any carrier that moves frames (`FrameLink`).
 * Frames are defined in dp-frames.ts; the client is `RemoteDataPlane` (dp-remote.ts).
 */
import type { TimerHandle } from '../clock'
import type { DataPlane, GetOptions, Query, Unsubscribe } from './dataPlane'
import { DEFAULT_GET_TIMEOUT_MS, DEFAULT_WINDOW, errorText, hostTimers, type FrameLink } from './dp-common'
import { decodeClientFrame, type ClientFrame, type ServerFrame } from './dp-frames'
import { InvalidKeyExprError } from './keyexpr'

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
  private readonly remoteQueryTimeoutMs: number

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
      const id = 'id' in d.value ? d.value.id : undefined
      this.reject(d.value.t, failureCode(e), errorText(e), id)
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
          (e: unknown) => this.reject('get', failureCode(e), errorText(e), id)
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

/** The error code a client sees: the key-expression code when that was the problem. */
function failureCode(e: unknown): string {
  return e instanceof InvalidKeyExprError ? `keyexpr_${e.code}` : 'failed'
}
