/**
 * Trends (Go `social_trend.go`, every 30 s): without a trend a nara may join one its online
 * neighbours follow (agreeable naras and same-vibe followers make it likelier), else maybe start
 * its own "{name}-style"; in a trend it may drift away (less chill → sooner; alone → sooner).
 * One pure step with injected randomness.
 */
import { TREND_EMOJIS } from '../protocol/names'
import type { Personality } from '../protocol/types'

export interface TrendPeer {
  name: string
  online: boolean
  trend: string
  trendEmoji: string
}

export interface Trend {
  trend: string
  emoji: string
}

export type TrendChange = { kind: 'joined' | 'started' | 'left'; trend: Trend; buzz: number } | null

export interface TrendStepInput {
  me: string
  current: Trend
  personality: Personality
  /** Every nara in the neighbourhood (online or not). */
  peers: readonly TrendPeer[]
  /** Vibe comparison (Go compares the full 64-bit vibe of two names). */
  sameVibe(a: string, b: string): boolean
  intn(n: number): number
}

export function trendStep(i: TrendStepInput): TrendChange {
  return i.current.trend ? considerLeaving(i) : considerJoining(i)
}

function considerJoining(i: TrendStepInput): TrendChange {
  const counts = new Map<string, number>()
  let online = 0
  for (const p of i.peers) {
    if (!p.online) continue
    online++
    if (p.trend) counts.set(p.trend, (counts.get(p.trend) ?? 0) + 1)
  }
  for (const trend of counts.keys()) {
    const emoji = i.peers.find((p) => p.trend === trend)?.trendEmoji || '🕶️'
    const sameVibe = i.peers.filter((p) => p.trend === trend && i.sameVibe(p.name, i.me)).length
    const chance = i.personality.Agreeableness + (sameVibe > 0 ? 20 * sameVibe : 0)
    if (i.intn(150) < chance) return { kind: 'joined', trend: { trend, emoji }, buzz: 3 }
  }
  // Start our own: Sociability/10 %, shared among existing trends; contrarians rebel against a mainstream.
  const n = counts.size
  let chance = i.personality.Sociability / 10 / (1 + n)
  if (n > 0 && online > 0) {
    const mainstreamPct = Math.trunc((Math.max(...counts.values()) * 100) / online)
    if (mainstreamPct > 50) chance += ((100 - i.personality.Agreeableness) * (mainstreamPct - 50)) / 100 / (1 + n)
  }
  if (i.intn(100) < Math.trunc(chance)) {
    const emoji = TREND_EMOJIS[i.intn(TREND_EMOJIS.length)] as string
    return { kind: 'started', trend: { trend: `${i.me}-style`, emoji }, buzz: 5 }
  }
  return null
}

function considerLeaving(i: TrendStepInput): TrendChange {
  const others = i.peers.filter((p) => p.online && p.trend === i.current.trend).length
  const chance = 100 - i.personality.Chill + (others === 0 ? 30 : 0)
  return i.intn(500) < chance ? { kind: 'left', trend: { trend: '', emoji: '' }, buzz: 2 } : null
}
