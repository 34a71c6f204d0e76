/**
 * Both planes on one carrier. Every frame on the wire is a JSON envelope:
 *
 *   {"plane":"data","frame":<data-plane frame, passed through untouched>}
 *   {"plane":"control","kind":"req","id":<u32>,"body":<ControlRequest>}
 *   {"plane":"control","kind":"rep","id":<u32>,"body":<ControlReply>}
 *
 * `multiplex` splits a text carrier into a data carrier (what RemoteDataPlane attaches to) and
 * a control channel. Malformed or oversized envelopes are counted and dropped. Browser-safe.
 */
import type { Clock } from '../../clock'
import type { ControlReply, ControlRequest } from '../../control'
import { CarrierCore, type Carrier } from './carrier'
import { ReqContext, RepServer, nextRequestId } from '../control/reqrep'

export type Envelope =
  | { plane: 'data'; frame: unknown }
  | { plane: 'control'; kind: 'req' | 'rep'; id: number; body: unknown }

export const MAX_ENVELOPE_CHARS = 4 * 1024 * 1024

export type EnvelopeError = 'too_large' | 'malformed_json' | 'bad_envelope'

export function encodeEnvelope(e: Envelope): string {
  return JSON.stringify(e)
}

export function decodeEnvelope(text: string): { ok: true; value: Envelope } | { ok: false; error: EnvelopeError } {
  if (text.length > MAX_ENVELOPE_CHARS) return { ok: false, error: 'too_large' }
  let v: unknown
  try {
    v = JSON.parse(text)
  } catch {
    return { ok: false, error: 'malformed_json' }
  }
  if (typeof v !== 'object' || v === null) return { ok: false, error: 'bad_envelope' }
  const o = v as Record<string, unknown>
  if (o.plane === 'data' && 'frame' in o) return { ok: true, value: { plane: 'data', frame: o.frame } }
  if (
    o.plane === 'control' &&
    (o.kind === 'req' || o.kind === 'rep') &&
    typeof o.id === 'number' &&
    Number.isInteger(o.id) &&
    o.id >= 0 &&
    o.id <= 0xffffffff &&
    'body' in o
  ) {
    return { ok: true, value: { plane: 'control', kind: o.kind, id: o.id, body: o.body } }
  }
  return { ok: false, error: 'bad_envelope' }
}

export interface ControlChannel {
  sendRequest(id: number, body: unknown): void
  sendReply(id: number, body: unknown): void
  onRequest(cb: (id: number, body: unknown) => void): () => void
  onReply(cb: (id: number, body: unknown) => void): () => void
}

export interface Multiplexed {
  data: Carrier<unknown>
  control: ControlChannel
  readonly stats: Record<EnvelopeError, number>
  close(): void
}

export function multiplex(base: Carrier<string>): Multiplexed {
  const stats: Record<EnvelopeError, number> = { too_large: 0, malformed_json: 0, bad_envelope: 0 }
  const data = new CarrierCore<unknown>((frame) => base.send(encodeEnvelope({ plane: 'data', frame })), () => base.close())
  const requestListeners = new Set<(id: number, body: unknown) => void>()
  const replyListeners = new Set<(id: number, body: unknown) => void>()
  base.onFrame((text) => {
    const d = decodeEnvelope(text)
    if (!d.ok) {
      stats[d.error]++
      return
    }
    const e = d.value
    if (e.plane === 'data') data.deliver(e.frame)
    else for (const cb of e.kind === 'req' ? requestListeners : replyListeners) cb(e.id, e.body)
  })
  base.onClose(() => data.markClosed())
  const send = (e: Envelope): void => {
    if (!base.closed) base.send(encodeEnvelope(e))
  }
  return {
    data,
    stats,
    close: () => base.close(),
    control: {
      sendRequest: (id, body) => send({ plane: 'control', kind: 'req', id, body }),
      sendReply: (id, body) => send({ plane: 'control', kind: 'rep', id, body }),
      onRequest: (cb) => {
        requestListeners.add(cb)
        return () => requestListeners.delete(cb)
      },
      onReply: (cb) => {
        replyListeners.add(cb)
        return () => replyListeners.delete(cb)
      }
    }
  }
}

export interface ControlClient {
  request(req: ControlRequest): Promise<ControlReply>
  readonly stats: { staleReplies: number; resent: number }
  close(): void
}

/**
 * The REQ side over a control channel. Each call gets its own context (so a UI can have
 * several requests in flight) with NNG's resend timer; a reply for an id nobody waits for is
 * dropped and counted.
 */
export function controlClient(
  channel: ControlChannel,
  opts: { clock: Clock; resendMs?: number; timeoutMs?: number }
): ControlClient {
  const contexts = new Map<number, ReqContext<ControlRequest, ControlReply>>()
  let lastId = Math.floor(Math.random() * 0x7fffffff)
  const stats = { staleReplies: 0, resent: 0 }
  const off = channel.onReply((id, body) => {
    const ctx = contexts.get(id)
    if (!ctx || !ctx.handleReply(id, body as ControlReply)) stats.staleReplies++
  })
  return {
    stats,
    request(req) {
      const id = (lastId = nextRequestId(lastId))
      const ctx = new ReqContext<ControlRequest, ControlReply>({
        clock: opts.clock,
        resendMs: opts.resendMs ?? 1000,
        timeoutMs: opts.timeoutMs ?? 10_000,
        firstId: id,
        transmit: (rid, body) => channel.sendRequest(rid, body)
      })
      contexts.set(id, ctx)
      return ctx.request(req).finally(() => {
        stats.resent += ctx.stats.resent
        contexts.delete(id)
      })
    },
    close() {
      off()
      for (const ctx of contexts.values()) ctx.close()
      contexts.clear()
    }
  }
}

/** The REP side over a control channel: answers every request through `router`. */
export function serveControl(
  channel: ControlChannel,
  router: (req: unknown) => Promise<ControlReply>,
  peer = 'carrier'
): { stop(): void; stats: RepServer<unknown, ControlReply>['stats'] } {
  const server = new RepServer<unknown, ControlReply>({ handler: router }, (e) => ({
    ok: false,
    error: e instanceof Error ? e.message : String(e)
  }))
  const off = channel.onRequest((id, body) => server.handle(peer, id, body, (rid, reply) => channel.sendReply(rid, reply)))
  return { stop: off, stats: server.stats }
}
