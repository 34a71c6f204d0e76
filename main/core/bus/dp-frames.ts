/**
 * The data plane's remote-session protocol: small JSON-serialisable frames that any carrier
 * (in-process, MessagePort, sealed WebSocket) moves between a `RemoteDataPlane` (client, e.g.
 * the renderer) and a `DataPlaneSession` (server, attached to the node's DataPlane).
 *
 * client → server
 *   {t:'sub',    id, ke, queue?}        subscribe; samples come back as 'sample' frames
 *   {t:'unsub',  id}
 *   {t:'ack',    id, n}                 n samples of subscription id consumed (flow-control credit)
 *   {t:'put',    ke, v}
 *   {t:'get',    id, sel, timeoutMs?, consolidation?}
 *   {t:'decl',   id, ke}                declare a queryable on the client side
 *   {t:'undecl', id}
 *   {t:'qreply', qid, key, v, ts?}      a reply to a forwarded query
 *   {t:'qerr',   qid, error}
 *   {t:'qdone',  qid}                   the client's queryable has finished with query qid
 * server → client
 *   {t:'sample', id, key, v}
 *   {t:'reply',  id, key, v, ts?}      one reply to get id (already consolidated)
 *   {t:'done',   id, timedOut, dropped, errors}
 *   {t:'query',  qid, decl, sel}        a query for the client's queryable decl
 *   {t:'error',  id?, ref, code, reason}  a rejected frame (ref: the frame type it answers)
 *
 * Every inbound frame is untrusted: `decode*Frame` return a typed error, never throw.
 */
import type { Result } from '../result'

export type Consolidation = 'latest' | 'none'

export type ClientFrame =
  | { t: 'sub'; id: number; ke: string; queue?: number }
  | { t: 'unsub'; id: number }
  | { t: 'ack'; id: number; n: number }
  | { t: 'put'; ke: string; v: unknown }
  | { t: 'get'; id: number; sel: string; timeoutMs?: number; consolidation?: Consolidation }
  | { t: 'decl'; id: number; ke: string }
  | { t: 'undecl'; id: number }
  | { t: 'qreply'; qid: number; key: string; v: unknown; ts?: number }
  | { t: 'qerr'; qid: number; error: string }
  | { t: 'qdone'; qid: number }

export type ServerFrame =
  | { t: 'sample'; id: number; key: string; v: unknown }
  | { t: 'reply'; id: number; key: string; v: unknown; ts?: number }
  | { t: 'done'; id: number; timedOut: boolean; dropped: number; errors: string[] }
  | { t: 'query'; qid: number; decl: number; sel: string }
  | { t: 'error'; id?: number; ref: string; code: string; reason: string }

export type FrameErrorCode = 'not_an_object' | 'unknown_type' | 'bad_field'

export interface FrameError {
  readonly code: FrameErrorCode
  readonly reason: string
  /** The frame type, when it could be read. */
  readonly ref: string
  readonly id?: number
}

/** Longest string field accepted in a frame (key expressions are capped far lower). */
const MAX_STRING = 64 * 1024

type Obj = Record<string, unknown>
type FResult<T> = Result<T, FrameError>

const bad = (ref: string, reason: string, id?: number): FResult<never> => ({
  ok: false,
  error: id === undefined ? { code: 'bad_field', reason, ref } : { code: 'bad_field', reason, ref, id }
})

const isId = (x: unknown): x is number => typeof x === 'number' && Number.isSafeInteger(x) && x >= 0
const isStr = (x: unknown): x is string => typeof x === 'string' && x.length <= MAX_STRING
const optPosInt = (x: unknown, max: number): boolean =>
  x === undefined || (typeof x === 'number' && Number.isInteger(x) && x >= 1 && x <= max)
const optFinite = (x: unknown): boolean => x === undefined || (typeof x === 'number' && Number.isFinite(x))

function header(x: unknown): FResult<{ o: Obj; t: string }> {
  if (typeof x !== 'object' || x === null || Array.isArray(x)) {
    return { ok: false, error: { code: 'not_an_object', reason: 'a data-plane frame is a JSON object', ref: '?' } }
  }
  const o = x as Obj
  if (typeof o.t !== 'string') return { ok: false, error: { code: 'unknown_type', reason: "missing frame type 't'", ref: '?' } }
  return { ok: true, value: { o, t: o.t } }
}

const ok = <T>(value: T): FResult<T> => ({ ok: true, value })

export function decodeClientFrame(x: unknown): FResult<ClientFrame> {
  const h = header(x)
  if (!h.ok) return h
  const { o, t } = h.value
  const id = isId(o.id) ? o.id : undefined
  switch (t) {
    case 'sub':
      if (id === undefined || !isStr(o.ke) || !optPosInt(o.queue, 1 << 20)) return bad(t, 'sub needs id, ke and an optional queue size', id)
      return ok(o.queue === undefined ? { t, id, ke: o.ke } : { t, id, ke: o.ke, queue: o.queue as number })
    case 'unsub':
    case 'undecl':
      if (id === undefined) return bad(t, `${t} needs an id`)
      return ok({ t, id })
    case 'ack':
      if (id === undefined || !optPosInt(o.n, 1 << 30) || o.n === undefined) return bad(t, 'ack needs id and n ≥ 1', id)
      return ok({ t, id, n: o.n as number })
    case 'put':
      if (!isStr(o.ke) || !('v' in o)) return bad(t, 'put needs ke and v')
      return ok({ t, ke: o.ke, v: o.v })
    case 'get': {
      if (id === undefined || !isStr(o.sel)) return bad(t, 'get needs id and sel', id)
      if (!optPosInt(o.timeoutMs, 600_000)) return bad(t, 'timeoutMs must be an integer in 1..600000', id)
      if (o.consolidation !== undefined && o.consolidation !== 'latest' && o.consolidation !== 'none') {
        return bad(t, "consolidation must be 'latest' or 'none'", id)
      }
      const f: ClientFrame = { t, id, sel: o.sel }
      if (o.timeoutMs !== undefined) f.timeoutMs = o.timeoutMs as number
      if (o.consolidation !== undefined) f.consolidation = o.consolidation as Consolidation
      return ok(f)
    }
    case 'decl':
      if (id === undefined || !isStr(o.ke)) return bad(t, 'decl needs id and ke', id)
      return ok({ t, id, ke: o.ke })
    case 'qreply':
      if (!isId(o.qid) || !isStr(o.key) || !('v' in o) || !optFinite(o.ts)) return bad(t, 'qreply needs qid, key, v and an optional numeric ts')
      return ok(o.ts === undefined ? { t, qid: o.qid, key: o.key, v: o.v } : { t, qid: o.qid, key: o.key, v: o.v, ts: o.ts as number })
    case 'qerr':
      if (!isId(o.qid) || !isStr(o.error)) return bad(t, 'qerr needs qid and error')
      return ok({ t, qid: o.qid, error: o.error })
    case 'qdone':
      if (!isId(o.qid)) return bad(t, 'qdone needs qid')
      return ok({ t, qid: o.qid })
    default:
      return { ok: false, error: { code: 'unknown_type', reason: `unknown frame type ${JSON.stringify(t).slice(0, 40)}`, ref: t.slice(0, 40) } }
  }
}

export function decodeServerFrame(x: unknown): FResult<ServerFrame> {
  const h = header(x)
  if (!h.ok) return h
  const { o, t } = h.value
  const id = isId(o.id) ? o.id : undefined
  switch (t) {
    case 'sample':
      if (id === undefined || !isStr(o.key) || !('v' in o)) return bad(t, 'sample needs id, key and v', id)
      return ok({ t, id, key: o.key, v: o.v })
    case 'reply':
      if (id === undefined || !isStr(o.key) || !('v' in o) || !optFinite(o.ts)) return bad(t, 'reply needs id, key and v', id)
      return ok(o.ts === undefined ? { t, id, key: o.key, v: o.v } : { t, id, key: o.key, v: o.v, ts: o.ts as number })
    case 'done':
      if (
        id === undefined ||
        typeof o.timedOut !== 'boolean' ||
        !isId(o.dropped) ||
        !Array.isArray(o.errors) ||
        !o.errors.every(isStr)
      ) {
        return bad(t, 'done needs id, timedOut, dropped and errors', id)
      }
      return ok({ t, id, timedOut: o.timedOut, dropped: o.dropped, errors: o.errors as string[] })
    case 'query':
      if (!isId(o.qid) || !isId(o.decl) || !isStr(o.sel)) return bad(t, 'query needs qid, decl and sel')
      return ok({ t, qid: o.qid, decl: o.decl, sel: o.sel })
    case 'error': {
      if (!isStr(o.ref) || !isStr(o.code) || !isStr(o.reason)) return bad(t, 'error needs ref, code and reason')
      const f: ServerFrame = { t, ref: o.ref, code: o.code, reason: o.reason }
      if (id !== undefined) f.id = id
      return ok(f)
    }
    default:
      return { ok: false, error: { code: 'unknown_type', reason: `unknown frame type ${JSON.stringify(t).slice(0, 40)}`, ref: t.slice(0, 40) } }
  }
}
