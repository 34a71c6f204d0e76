/**
 * Pieces shared by the local data plane, the session that serves it and the remote client:
 * host timers, selector parsing and the Query object handed to queryables. Browser-safe.
 */
import type { Clock } from '../clock'
import { browserClock } from './carriers/browserClock'
import { InvalidKeyExprError, intersects, keyExpr, parseKeyExpr, type KeyExpr } from './keyexpr'
import type { Query, Reply } from './dataPlane'

export const DEFAULT_GET_TIMEOUT_MS = 5000

/** Samples a remote subscriber may have unacknowledged before the server holds them back. */
export const DEFAULT_WINDOW = 256

/** What a carrier offers for the data plane (C2's `Carrier<unknown>` fits). */
export interface FrameLink {
  send(frame: unknown): void
  onFrame(cb: (frame: unknown) => void): unknown
  onClose(cb: () => void): unknown
}

export type Timers = Pick<Clock, 'setTimeout' | 'clearTimeout'>

/** Timers from the host (browser or Node) so the data plane needs no Node import. */
export const hostTimers: Timers = browserClock()

export function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e)
}

export function isPromiseLike(x: unknown): x is PromiseLike<unknown> {
  return typeof x === 'object' && x !== null && typeof (x as { then?: unknown }).then === 'function'
}

/** A queryable may return its replies instead of calling `reply` for each. */
export function isReplyIterable(result: unknown): result is Iterable<Reply> {
  return result !== undefined && result !== null && typeof (result as Iterable<Reply>)[Symbol.iterator] === 'function'
}

export interface ParsedSelector {
  keyExpr: KeyExpr
  parameters: string
}

/** Splits `keyexpr?parameters`; the key expression must be valid. */
export function parseSelector(selector: string): ParsedSelector {
  if (typeof selector !== 'string') throw new InvalidKeyExprError({ code: 'not_a_string', reason: 'a selector must be a string', input: String(selector) })
  const q = selector.indexOf('?')
  const ke = q < 0 ? selector : selector.slice(0, q)
  return { keyExpr: keyExpr(ke), parameters: q < 0 ? '' : selector.slice(q + 1) }
}

/** The Query a queryable sees; where its replies and errors go is the caller's business. */
export function selectorQuery(parsed: ParsedSelector, selector: string, reply: Query['reply'], replyErr: Query['replyErr']): Query {
  return {
    keyExpr: parsed.keyExpr.text,
    parameters: parsed.parameters,
    selector,
    matches: (key) => {
      const r = parseKeyExpr(key)
      return r.ok && intersects(r.value, parsed.keyExpr)
    },
    reply,
    replyErr
  }
}
