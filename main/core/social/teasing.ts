/**
 * Teasing (Go `social.go`, `social_network.go`): when we see a peer, its restarts, a comeback,
 * an abandoned trend or plain chance may make us tease it; personality sets the thresholds and
 * a 5-minute cooldown per target keeps it friendly. Pure decisions; the service does the I/O.
 */
import { sha256 } from '../protocol/crypto'
import type { Personality } from '../protocol/types'

export type TeaseReason = 'high-restarts' | 'comeback' | 'trend-abandon' | 'random' | 'nice-number'

export const TEASE_COOLDOWN_S = 300

const u64mod = (text: string | Buffer, m: number): number => Number(sha256(text).readBigUInt64BE(0) % BigInt(m))

/** More than 2 restarts a day (personality-adjusted, at least 0.5) on a nara older than a day. */
export function shouldTeaseForRestarts(restarts: number, startTime: number, nowSec: number, p: Personality): boolean {
  const lifetime = nowSec - startTime
  if (lifetime < 86400) return false
  const perDay = restarts / (lifetime / 86400)
  const threshold = Math.max(0.5, 2 - p.Sociability / 200 + p.Chill / 100 + p.Agreeableness / 200)
  return perDay >= threshold
}

export function shouldTeaseForComeback(previousState: string, nowOnline: boolean, p: Personality): boolean {
  return previousState === 'MISSING' && nowOnline && p.Sociability > 40
}

/** Leaving a trend at least ~30 % of the online naras follow (social naras notice smaller ones), unless we are agreeable. */
export function shouldTeaseForTrendAbandon(previousTrend: string, currentTrend: string, popularity: number, p: Personality): boolean {
  if (!previousTrend || currentTrend === previousTrend) return false
  if (popularity < 0.3 - p.Sociability / 500) return false
  return p.Agreeableness <= 70
}

const NICE = new Set([42, 67, 69, 100, 111, 123, 200, 222, 300, 333, 365, 404, 420, 444, 500, 555, 666, 777, 888, 999, 1000, 1234, 1337])

export function isNiceNumber(n: number): boolean {
  if (NICE.has(n)) return true
  if (n >= 100 && n % 100 === 0) return true
  const s = String(n)
  return n >= 10 && s === [...s].reverse().join('')
}

/** A nice restart count, with a deterministic roll per number under 60 + Sociability/5. */
export function shouldTeaseForNiceNumber(restarts: number, p: Personality): boolean {
  if (!isNiceNumber(restarts)) return false
  return u64mod(`nice-${restarts}`, 100) < 60 + Math.trunc(p.Sociability / 5)
}

/** About 1 % a second per target (SHA-256 of soul ‖ target ‖ unix s), ×3 in our barrio, capped at 5 %. */
export function shouldRandomTease(soulText: string, target: string, nowSec: number, p: Personality, boost: number): boolean {
  const roll = u64mod(soulText + target + String(nowSec), 1000)
  const threshold = Math.min(50, (10 + Math.trunc(p.Sociability / 10) - Math.trunc(p.Chill / 20)) * boost)
  return roll < threshold
}

export interface TeaseContext {
  restarts: number
  startTime: number
  previousState: string
  online: boolean
  previousTrend: string
  currentTrend: string
  trendPopularity: number
  inMyBarrio: boolean
  nowSec: number
  soulText: string
  target: string
  personality: Personality
}

/** Go `checkAndTease`: the first trigger that fires, in Go's order; random teases skip the jitter. */
export function teaseReason(c: TeaseContext): { reason: TeaseReason; delayed: boolean } | null {
  const p = c.personality
  if (c.startTime > 0 && shouldTeaseForRestarts(c.restarts, c.startTime, c.nowSec, p)) return { reason: 'high-restarts', delayed: true }
  if (shouldTeaseForNiceNumber(c.restarts, p)) return { reason: 'nice-number', delayed: true }
  if (shouldTeaseForComeback(c.previousState, c.online, p)) return { reason: 'comeback', delayed: true }
  if (c.previousTrend && shouldTeaseForTrendAbandon(c.previousTrend, c.currentTrend, c.trendPopularity, p)) return { reason: 'trend-abandon', delayed: true }
  if (shouldRandomTease(c.soulText, c.target, c.nowSec, p, c.inMyBarrio ? 3 : 1)) return { reason: 'random', delayed: false }
  return null
}

/** One tease per target per 5 minutes (Go `TeaseState.TryTease`); bounded by pruning old entries. */
export class TeaseCooldown {
  private readonly last = new Map<string, number>()
  tryTease(target: string, nowSec: number): boolean {
    const t = this.last.get(target)
    if (t !== undefined && nowSec - t <= TEASE_COOLDOWN_S) return false
    this.last.set(target, nowSec)
    if (this.last.size > 1024) for (const [k, v] of this.last) if (nowSec - v > 2 * TEASE_COOLDOWN_S) this.last.delete(k)
    return true
  }
}

/**
 * Go `TeaseResonates`: whether an event lands with this observer — SHA-256(event id ‖ soul) mod 100
 * under a threshold of 50 + Sociability/5 − Chill/10 − Agreeableness/20, kept within [5, 95].
 */
export function teaseResonates(eventId: string, observerSoul: string, p: Personality): boolean {
  const threshold = Math.min(95, Math.max(5, 50 + Math.trunc(p.Sociability / 5) - Math.trunc(p.Chill / 10) - Math.trunc(p.Agreeableness / 20)))
  return u64mod(eventId + observerSoul, 100) < threshold
}
