/**
 * What the views show about peers, computed from the views the node publishes and the window's
 * clock: every figure on screen is current (it moves with `nowMs`) and says what it means.
 * Pure functions: the Chromium tests drive them through a clock they control.
 */
import type { NeighbourView, PersonalityView } from '../../../main/core/views'

/**
 * Seconds up in its current run, now: the node reports uptime as of the peer's last sign of
 * life, and an ONLINE peer is taken to be up since. A reported 0 counts only when we saw the peer
 * ourselves (a start time is known: it was first seen just now). 0 (unknown) when not ONLINE.
 */
export function liveUptimeSeconds(n: Pick<NeighbourView, 'status' | 'uptimeSeconds' | 'lastSeenMs' | 'startTime'>, nowMs: number): number {
  if (n.status !== 'ONLINE' || n.lastSeenMs <= 0 || (n.uptimeSeconds <= 0 && n.startTime <= 0)) return 0
  return n.uptimeSeconds + Math.max(0, Math.floor((nowMs - n.lastSeenMs) / 1000))
}

export type Via = NeighbourView['transport']

export const VIA: Record<Via, { label: string; hint: string }> = {
  plaza: { label: 'plaza', hint: 'we hear its own messages on the plaza (MQTT)' },
  mesh: { label: 'mesh', hint: 'direct mesh contact: it answered a ping or exchanged zines with us' },
  both: { label: 'plaza + mesh', hint: 'on the plaza and in direct mesh contact' },
  relayed: { label: 'relayed', hint: 'known only through other naras\u2019 zines and howdys' }
}

/** Falls back to the raw value for a transport this window does not know yet. */
export function via(t: string): { label: string; hint: string } {
  return (VIA as Record<string, { label: string; hint: string }>)[t] ?? { label: t, hint: t }
}

/** The personality letters, in the order the views show them (personality.ts: soul-seeded, 0–99). */
export const PERSONALITY: readonly { letter: string; key: keyof PersonalityView; word: string }[] = [
  { letter: 'S', key: 'Sociability', word: 'sociability' },
  { letter: 'A', key: 'Agreeableness', word: 'agreeableness' },
  { letter: 'C', key: 'Chill', word: 'chill' }
]

export const PERSONALITY_LEGEND = 'S sociability · A agreeableness · C chill (0–99, seeded by the soul)'

/**
 * A timeline sort key for nanosecond timestamps in decimal (beyond 2^53): newest first, then
 * by id so events of the same instant keep one order however they arrived.
 */
export function newestEventFirst(a: { ts: string; id: string }, b: { ts: string; id: string }): number {
  if (a.ts.length !== b.ts.length) return b.ts.length - a.ts.length
  if (a.ts !== b.ts) return a.ts < b.ts ? 1 : -1
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0
}
