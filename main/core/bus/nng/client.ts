/**
 * The dialing sides for our own CLI and tests: an SP REQ client (request id with the high
 * bit set, NNG resend timer via `ReqContext`) and an SP SURVEYOR client (survey id, deadline,
 * late and stale answers dropped via `Surveyor`). Both speak to nng peers (nngcat) too.
 */
import { connect } from 'node:net'
import { systemClock, type Clock } from '../../clock'
import { ReqContext } from '../control/reqrep'
import { Surveyor, type SurveyResult } from '../control/survey'
import { SpConnection } from './connection'
import { SP_PROTOCOL, idBytes, splitReplyId } from './wire'

function dial(path: string, protocol: number, clock: Clock, timeoutMs: number): Promise<SpConnection> {
  return new Promise((resolve, reject) => {
    const socket = connect(path)
    let settled = false
    socket.once('error', (e: NodeJS.ErrnoException) => {
      if (settled) return
      settled = true
      reject(
        e.code === 'ECONNREFUSED'
          ? new Error(`nothing is listening on ${path} (stale socket?)`)
          : e.code === 'ENOENT'
            ? new Error(`no control socket at ${path}`)
            : e
      )
    })
    // Constructed after our error listener so connect errors keep their specific message.
    const conn = new SpConnection(socket, { protocol, clock, handshakeTimeoutMs: timeoutMs })
    conn.onReady(() => {
      settled = true
      resolve(conn)
    })
    conn.onClose((why) => {
      if (settled) return
      settled = true
      reject(new Error(`SP handshake with ${path} failed: ${why}`))
    })
  })
}

export interface ReqClientOptions {
  clock?: Clock
  /** Resend interval (nng default: 60 s). */
  resendMs?: number
  /** Give up after this long. */
  timeoutMs?: number
}

export class SpReqClient {
  private readonly ctx: ReqContext<Buffer, Buffer>

  private constructor(
    private readonly conn: SpConnection,
    opts: ReqClientOptions,
    clock: Clock
  ) {
    this.ctx = new ReqContext<Buffer, Buffer>({
      clock,
      resendMs: opts.resendMs ?? 60_000,
      timeoutMs: opts.timeoutMs ?? 0,
      transmit: (id, body) => {
        conn.send(idBytes(id), body)
      }
    })
    conn.onMessage((payload) => {
      const r = splitReplyId(payload)
      if (r) this.ctx.handleReply(r.id, r.body)
      else this.ctx.stats.staleReplies++
    })
    conn.onClose(() => this.ctx.close())
  }

  static async dial(path: string, opts: ReqClientOptions = {}): Promise<SpReqClient> {
    const clock = opts.clock ?? systemClock
    const conn = await dial(path, SP_PROTOCOL.REQ0, clock, opts.timeoutMs ?? 10_000)
    return new SpReqClient(conn, opts, clock)
  }

  get stats(): ReqContext<Buffer, Buffer>['stats'] {
    return this.ctx.stats
  }

  request(body: Buffer | string): Promise<Buffer> {
    return this.ctx.request(typeof body === 'string' ? Buffer.from(body, 'utf8') : body)
  }

  async requestJson(req: unknown): Promise<unknown> {
    const reply = await this.request(JSON.stringify(req))
    return JSON.parse(reply.toString('utf8')) as unknown
  }

  close(): void {
    this.ctx.close()
    this.conn.close()
  }
}

export class SpSurveyorClient {
  private readonly surveyor: Surveyor<Buffer, Buffer>

  private constructor(
    private readonly conns: SpConnection[],
    clock: Clock,
    deadlineMs: number
  ) {
    this.surveyor = new Surveyor<Buffer, Buffer>({
      clock,
      deadlineMs,
      transmit: (id, q) => {
        for (const c of conns) c.send(idBytes(id), q)
      }
    })
    conns.forEach((c, i) =>
      c.onMessage((payload) => {
        const r = splitReplyId(payload)
        if (r) this.surveyor.handleResponse(r.id, `pipe-${i}`, r.body)
        else this.surveyor.stats.lateAnswers++
      })
    )
  }

  /** Dials every respondent path (a surveyor may face many respondents). */
  static async dial(paths: string[], opts: { clock?: Clock; deadlineMs?: number } = {}): Promise<SpSurveyorClient> {
    const clock = opts.clock ?? systemClock
    const conns = await Promise.all(paths.map((p) => dial(p, SP_PROTOCOL.SURVEYOR0, clock, 10_000)))
    return new SpSurveyorClient(conns, clock, opts.deadlineMs ?? 1000)
  }

  get stats(): Surveyor<Buffer, Buffer>['stats'] {
    return this.surveyor.stats
  }

  survey(question: Buffer | string, deadlineMs?: number): Promise<SurveyResult<Buffer>> {
    return this.surveyor.survey(typeof question === 'string' ? Buffer.from(question, 'utf8') : question, { deadlineMs })
  }

  close(): void {
    this.surveyor.close()
    for (const c of this.conns) c.close()
  }
}
