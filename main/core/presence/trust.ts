/**
 * The trust model (docs/trust-model.md), as pure decisions the presence handlers apply:
 *
 * - A name binds to a key on its first *verified* use (a statement whose signature checks
 *   with that key). Afterwards only that key speaks for the name: a statement carrying another
 *   key is a new, untrusted claimant (recorded, shown as a warning), never a rebind.
 * - Unsigned or badly signed statements about a bound name change nothing about it.
 * - Presence comes only from statements we could verify, or from our own observations.
 * - Every network timestamp is checked against our clock with a skew window per kind.
 *
 * Nothing here does I/O; the plaza handlers, the neighbourhood and the node call these.
 */
import { detachString } from '../detachString'

/** How far ahead of our clock a network timestamp may be, and how far behind it still counts as live. */
export interface SkewWindow {
  /** Tolerated clock skew into the future (ms). */
  futureMs: number
  /** Oldest age (ms) at which the statement still counts as evidence of life now; Infinity = no bound. */
  pastMs: number
}

/**
 * One window per kind of timestamped input. Events on the plaza are published as they are
 * made, so an old one is a replay; a chau can be old (the MQTT will is stamped when its
 * connection opened), so only its future side is bounded — its effect is further limited to
 * postdating what we already know. Zine and mesh timestamps follow the zine window. Howdy and
 * newspaper observations carry seconds that must not lie ahead of us.
 */
export const SKEW = {
  event: { futureMs: 120_000, pastMs: 10 * 60_000 },
  chau: { futureMs: 120_000, pastMs: Infinity },
  zine: { futureMs: 120_000, pastMs: 10 * 60_000 },
  howdy: { futureMs: 120_000, pastMs: Infinity },
  newspaper: { futureMs: 120_000, pastMs: Infinity }
} as const satisfies Record<string, SkewWindow>

export type SkewKind = keyof typeof SKEW
export type TimeVerdict = 'ok' | 'future' | 'stale' | 'invalid'

/** Checks one timestamp (ms since the epoch) against `nowMs` with the window for `kind`. */
export function checkTimeMs(tMs: number, nowMs: number, kind: SkewKind): TimeVerdict {
  if (!Number.isFinite(tMs) || tMs <= 0) return 'invalid'
  const w: SkewWindow = SKEW[kind]
  if (tMs - nowMs > w.futureMs) return 'future'
  if (nowMs - tMs > w.pastMs) return 'stale'
  return 'ok'
}

/** The same for an event timestamp in nanoseconds (kept as bigint to the boundary). */
export function checkTimeNs(tNs: bigint, nowMs: number, kind: SkewKind): TimeVerdict {
  if (tNs <= 0n) return 'invalid'
  return checkTimeMs(Number(tNs / 1_000_000n), nowMs, kind)
}

/** Seconds (howdy / newspaper observations): 0 means "not said" and passes. */
export function checkTimeSec(tSec: number | undefined, nowMs: number, kind: SkewKind): TimeVerdict {
  if (!tSec) return 'ok'
  return checkTimeMs(tSec * 1000, nowMs, kind)
}

/** What a statement's signature said, checked with the key it carries, else the bound key. */
export type SignatureCheck = 'valid' | 'invalid' | 'absent' | 'no-key'

export interface Claim {
  /** The key bound to the name, '' when none is. */
  boundKey: string
  /** The key the statement itself carries ('' when none): what it claims speaks for the name. */
  claimedKey: string
  signature: SignatureCheck
}

export type TrustDecision =
  /** Verified: may update the peer and count for presence; `bind` when this binds the name. */
  | { accept: true; verified: true; bind: string | null }
  /** About an unbound name and not verifiable: readable (as Go), but no key and no presence from it. */
  | { accept: true; verified: false; trust: 'unsigned' | 'unknown-key' }
  | { accept: false; reason: RejectReason; claimant: string | null }

export type RejectReason = 'key_conflict' | 'bad_signature' | 'unverified_for_bound_name'

/** The one rule for every statement about a named peer (hey_there, chau, newspaper, howdy). */
export function judgeClaim(c: Claim): TrustDecision {
  if (c.boundKey && c.claimedKey && c.claimedKey !== c.boundKey) return { accept: false, reason: 'key_conflict', claimant: c.claimedKey }
  if (c.signature === 'invalid') return { accept: false, reason: 'bad_signature', claimant: null }
  if (c.signature === 'valid') return { accept: true, verified: true, bind: c.boundKey ? null : c.claimedKey || null }
  if (c.boundKey) return { accept: false, reason: 'unverified_for_bound_name', claimant: null }
  return { accept: true, verified: false, trust: c.signature === 'absent' ? 'unsigned' : 'unknown-key' }
}

/** Other keys that claimed a bound name, remembered per name (bounded): the neighbour view's warning. */
export const MAX_CLAIMANTS_KEPT = 4

export function rememberClaimant(claimants: string[], key: string): string[] {
  if (claimants.includes(key)) return claimants
  const next = [...claimants, key]
  return next.length > MAX_CLAIMANTS_KEPT ? next.slice(next.length - MAX_CLAIMANTS_KEPT) : next
}

export function claimantWarning(claimants: readonly string[]): string | null {
  if (claimants.length === 0) return null
  return `${claimants.length} other key${claimants.length === 1 ? '' : 's'} claimed this name (untrusted; the first verified key is kept)`
}

/**
 * Admission of names we have never seen: a token bucket, so a flood of invented names
 * cannot churn the table while real peers keep speaking. Known names never consume tokens.
 */
export class AdmissionLimiter {
  private tokens: number
  private lastMs: number | null = null

  constructor(
    readonly perSecond = 20,
    readonly burst = 200
  ) {
    this.tokens = burst
  }

  tryAdmit(nowMs: number): boolean {
    if (this.lastMs !== null) this.tokens = Math.min(this.burst, this.tokens + ((nowMs - this.lastMs) / 1000) * this.perSecond)
    this.lastMs = nowMs
    if (this.tokens < 1) return false
    this.tokens -= 1
    return true
  }
}

/**
 * Signatures already accepted per name, for statements that carry no time of their own
 * (newspapers, howdys): the same signed bytes heard again are a replay and say nothing new
 * about the peer being alive. Bounded per name and in names.
 */
export class SeenSignatures {
  private readonly byName = new Map<string, string[]>()

  constructor(
    private readonly perName = 16,
    private readonly maxNames = 8192
  ) {}

  /** True when `sig` is new for `name` (and remembers it); false for a replay. */
  remember(name: string, sig: string): boolean {
    let list = this.byName.get(name)
    if (list?.includes(sig)) return false
    if (!list) {
      if (this.byName.size >= this.maxNames) {
        const oldest = this.byName.keys().next()
        if (!oldest.done) this.byName.delete(oldest.value)
      }
      list = []
      this.byName.set(name, list)
    }
    // A signature cut out of a payload's text would keep that whole payload alive for as long
    // as it is remembered (16 per name): a copy keeps only its 88 characters.
    list.push(detachString(sig))
    if (list.length > this.perName) list.shift()
    return true
  }

  forget(name: string): void {
    this.byName.delete(name)
  }
}
