/**
 * An SP listener on a Unix socket (or Windows pipe) that is a REP socket to REQ peers and a
 * RESPONDENT socket to SURVEYOR peers. Each request/survey is answered through `handle`, and
 * the reply carries the peer's backtrace back verbatim, as REP/RESPONDENT must. A handler may
 * return null to send no reply (the REQ peer's resend timer then re-asks).
 */
import { createServer, type Server, type Socket } from 'node:net'
import type { Clock } from '../../clock'
import { SpConnection, type SpCloseReason } from './connection'
import { SP_PROTOCOL, splitBacktrace } from './wire'

export type SpRole = 'rep' | 'respondent'

export interface SpServerOptions {
  handle: (body: Buffer, ctx: { role: SpRole; id: number; pipe: number }) => Promise<Buffer | null> | Buffer | null
  /** Which peers to serve (default both). */
  roles?: SpRole[]
  maxMessage?: number
  clock?: Clock
}

export interface SpServerStats {
  pipes: number
  requests: number
  surveys: number
  replies: number
  droppedNoBacktrace: number
  closed: Partial<Record<SpCloseReason, number>>
}

export interface SpServer {
  readonly server: Server
  readonly stats: SpServerStats
  close(): Promise<void>
}

export function startSpServer(path: string, opts: SpServerOptions): Promise<SpServer> {
  const roles = new Set(opts.roles ?? ['rep', 'respondent'])
  const stats: SpServerStats = { pipes: 0, requests: 0, surveys: 0, replies: 0, droppedNoBacktrace: 0, closed: {} }
  const live = new Set<SpConnection>()
  let pipeIds = 0

  const server = createServer((socket: Socket) => {
    const pipe = ++pipeIds
    const conn = new SpConnection(socket, {
      protocol: (peer) =>
        peer === SP_PROTOCOL.REQ0 && roles.has('rep')
          ? SP_PROTOCOL.REP0
          : peer === SP_PROTOCOL.SURVEYOR0 && roles.has('respondent')
            ? SP_PROTOCOL.RESPONDENT0
            : null,
      maxMessage: opts.maxMessage,
      clock: opts.clock
    })
    live.add(conn)
    stats.pipes++
    conn.onClose((why) => {
      live.delete(conn)
      stats.closed[why] = (stats.closed[why] ?? 0) + 1
    })
    conn.onMessage((payload) => {
      const role: SpRole = conn.peerProtocol === SP_PROTOCOL.SURVEYOR0 ? 'respondent' : 'rep'
      const split = splitBacktrace(payload)
      if (!split) {
        stats.droppedNoBacktrace++
        return
      }
      if (role === 'rep') stats.requests++
      else stats.surveys++
      const backtrace = Buffer.from(split.backtrace)
      void Promise.resolve()
        .then(() => opts.handle(split.body, { role, id: split.id, pipe }))
        .then(
          (reply) => {
            if (reply && conn.send(backtrace, reply)) stats.replies++
          },
          () => undefined
        )
    })
  })

  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(path, () => {
      server.off('error', reject)
      resolve({
        server,
        stats,
        close: () =>
          new Promise<void>((done) => {
            for (const c of live) c.close()
            server.close(() => done())
          })
      })
    })
  })
}
