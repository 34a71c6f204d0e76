/**
 * REQ/REP with NNG's semantics (nng_req(7), nng_rep(7), sp-request-reply-01), independent of
 * the transport: a `ReqContext` hands (id, body) to a `transmit` function and is fed replies;
 * a `RepServer` is fed (peer, id, body) and answers through a callback. The in-process wiring,
 * the carriers and the NNG IPC socket all reuse these two classes.
 *
 * - One outstanding request per context: a new request cancels the previous one.
 * - Request ids are 32-bit with the high bit set (as on the SP wire), never reused back to back.
 * - A resend timer re-transmits the same request (same id) until a reply arrives, so a request
 *   lost by a restarting peer still completes. Replies carrying any other id are stale: dropped
 *   and counted.
 * - The REP side remembers recent replies by (peer, id): a resend is answered from that cache
 *   instead of running the handler twice, which makes every handler idempotent per request.
 */
import type { Clock, TimerHandle } from '../../clock'

export class RequestCancelled extends Error {
  constructor(reason: string) {
    super(reason)
    this.name = 'RequestCancelled'
  }
}

export class RequestTimeout extends Error {
  constructor(ms: number) {
    super(`no reply within ${ms} ms`)
    this.name = 'RequestTimeout'
  }
}

export interface ReqContextOptions<Req> {
  clock: Clock
  /** Sends one request; may throw or drop, the resend timer covers losses. */
  transmit: (id: number, body: Req) => void
  /** Re-transmit interval (nng default is 60 s; we use shorter ones locally). */
  resendMs?: number
  /** Overall deadline per request; 0 = none. */
  timeoutMs?: number
  /** First request id (tests); otherwise random. */
  firstId?: number
}

export interface ReqStats {
  sent: number
  resent: number
  replies: number
  staleReplies: number
  cancelled: number
  timedOut: number
}

interface Outstanding<Req, Rep> {
  id: number
  body: Req
  resolve: (rep: Rep) => void
  reject: (e: Error) => void
  resendTimer: TimerHandle | null
  deadlineTimer: TimerHandle | null
}

const HIGH_BIT = 0x80000000

/** Next 31-bit counter value with the SP high bit set (an SP request id). */
export function nextRequestId(prev: number): number {
  const n = ((prev & 0x7fffffff) + 1) & 0x7fffffff
  return (n | HIGH_BIT) >>> 0
}

export class ReqContext<Req, Rep> {
  readonly stats: ReqStats = { sent: 0, resent: 0, replies: 0, staleReplies: 0, cancelled: 0, timedOut: 0 }
  private lastId: number
  private current: Outstanding<Req, Rep> | null = null
  private closed = false

  constructor(private readonly opts: ReqContextOptions<Req>) {
    this.lastId = opts.firstId !== undefined ? (opts.firstId - 1) >>> 0 : Math.floor(Math.random() * 0x7fffffff)
  }

  /** Sends a request and resolves with its reply; cancels any request still outstanding. */
  request(body: Req): Promise<Rep> {
    if (this.closed) return Promise.reject(new RequestCancelled('context closed'))
    if (this.current) this.finish(this.current, new RequestCancelled('superseded by a new request'))
    const id = (this.lastId = nextRequestId(this.lastId))
    return new Promise<Rep>((resolve, reject) => {
      const o: Outstanding<Req, Rep> = { id, body, resolve, reject, resendTimer: null, deadlineTimer: null }
      this.current = o
      const timeoutMs = this.opts.timeoutMs ?? 0
      if (timeoutMs > 0) {
        o.deadlineTimer = this.opts.clock.setTimeout(() => {
          o.deadlineTimer = null
          this.stats.timedOut++
          this.finish(o, new RequestTimeout(timeoutMs))
        }, timeoutMs)
      }
      this.transmit(o, false)
    })
  }

  /** Feeds a reply; returns false (and counts) when it answers no outstanding request. */
  handleReply(id: number, body: Rep): boolean {
    const o = this.current
    if (!o || o.id !== id >>> 0) {
      this.stats.staleReplies++
      return false
    }
    this.stats.replies++
    this.finish(o, null, body)
    return true
  }

  /** The id awaiting a reply, if any. */
  get outstandingId(): number | null {
    return this.current?.id ?? null
  }

  close(): void {
    this.closed = true
    if (this.current) this.finish(this.current, new RequestCancelled('context closed'))
  }

  private transmit(o: Outstanding<Req, Rep>, resend: boolean): void {
    if (resend) this.stats.resent++
    else this.stats.sent++
    try {
      this.opts.transmit(o.id, o.body)
    } catch {
      // A failed send is a lost send: the resend timer retries it.
    }
    const resendMs = this.opts.resendMs ?? 0
    if (resendMs > 0 && this.current === o) {
      o.resendTimer = this.opts.clock.setTimeout(() => {
        o.resendTimer = null
        if (this.current === o) this.transmit(o, true)
      }, resendMs)
    }
  }

  private finish(o: Outstanding<Req, Rep>, error: Error | null, reply?: Rep): void {
    if (o.resendTimer) this.opts.clock.clearTimeout(o.resendTimer)
    if (o.deadlineTimer) this.opts.clock.clearTimeout(o.deadlineTimer)
    o.resendTimer = o.deadlineTimer = null
    if (this.current === o) this.current = null
    if (error) {
      if (error instanceof RequestCancelled) this.stats.cancelled++
      o.reject(error)
    } else o.resolve(reply as Rep)
  }
}

export interface RepServerOptions<Req, Rep> {
  handler: (body: Req) => Promise<Rep> | Rep
  /** How many recent (peer, id) replies are remembered for resends. */
  cacheSize?: number
}

export interface RepStats {
  requests: number
  handled: number
  answeredFromCache: number
  handlerErrors: number
}

/**
 * The replying side. `onError` turns a throwing handler into a reply so a REQ peer is never
 * left waiting for an answer that will not come.
 */
export class RepServer<Req, Rep> {
  readonly stats: RepStats = { requests: 0, handled: 0, answeredFromCache: 0, handlerErrors: 0 }
  private readonly recent = new Map<string, Promise<Rep>>()
  private readonly cacheSize: number

  constructor(
    private readonly opts: RepServerOptions<Req, Rep>,
    private readonly onError: (e: unknown) => Rep
  ) {
    this.cacheSize = opts.cacheSize ?? 256
  }

  /** Handles one request from `peer`; `respond` is called exactly once with the reply. */
  handle(peer: string, id: number, body: Req, respond: (id: number, reply: Rep) => void): void {
    this.stats.requests++
    const key = `${peer}\u0000${id >>> 0}`
    let pending = this.recent.get(key)
    if (pending) this.stats.answeredFromCache++
    else {
      this.stats.handled++
      pending = Promise.resolve()
        .then(() => this.opts.handler(body))
        .catch((e: unknown) => {
          this.stats.handlerErrors++
          return this.onError(e)
        })
      this.recent.set(key, pending)
      if (this.recent.size > this.cacheSize) {
        const oldest = this.recent.keys().next().value
        if (oldest !== undefined) this.recent.delete(oldest)
      }
    }
    void pending.then((reply) => respond(id, reply))
  }

  /** Forgets the cached replies of a peer that went away. */
  forgetPeer(peer: string): void {
    for (const key of this.recent.keys()) if (key.startsWith(peer + '\u0000')) this.recent.delete(key)
  }
}
