/**
 * Clout (Go `projection_clout.go`, `vivaldi.go` ApplyProximityToClout): each nara's own opinion of
 * the others, derived from the social events it holds — weighted by its personality, decaying with
 * age, shaped by whether a tease resonates with its soul — then leaning toward nearby peers. World
 * journeys go to the unvisited peer we think most of (Go `ChooseNextNara`). Pure functions.
 */
import type { Coordinates, Personality, SyncEvent } from '../protocol/types'
import { teaseResonates } from './teasing'
import { usable } from './barrio'

export interface SocialRecord {
  id: string
  /** Unix nanoseconds. */
  ts: bigint
  type: string
  actor: string
  target: string
  reason: string
}

const DAY_S = 24 * 3600
/** An event dated in the future is treated as this old. */
const FUTURE_AGE_S = 7 * DAY_S
const MIN_WEIGHT = 0.1

/** Reasons with one factor; trend-abandon and random take two, applied in turn below. */
const REASON_FACTOR: Record<string, (p: Personality) => number> = {
  'high-restarts': (p) => (p.Sociability > 70 ? 0.7 : 1),
  comeback: (p) => (p.Sociability > 60 ? 1.4 : 1),
  'nice-number': () => 1.1,
  online: () => 0.5,
  offline: () => 0.5,
  'journey-pass': () => 0.8,
  'journey-complete': () => 1.3,
  'journey-timeout': () => 1.2,
  'stash-stored': () => 1.5
}
const TYPE_FACTOR: Record<string, number> = { observed: 0.7, gossip: 0.4 }

/** How much one event counts for this observer at `nowS` (never below 0.1). */
export function eventWeight(r: SocialRecord, p: Personality, nowS: number): number {
  let w = 1 + p.Sociability / 200 - p.Chill / 400
  // Go applies the factors one after another; keep that order so rounding matches.
  switch (r.reason) {
    case 'trend-abandon':
      if (p.Agreeableness > 70) w *= 0.5
      if (p.Sociability > 60) w *= 1.2
      break
    case 'random':
      if (p.Chill > 60) w *= 0.3
      if (p.Agreeableness > 70) w *= 0.6
      break
    default: {
      if (Object.hasOwn(REASON_FACTOR, r.reason)) w *= REASON_FACTOR[r.reason]!(p)
    }
  }
  if (Object.hasOwn(TYPE_FACTOR, r.type)) w *= TYPE_FACTOR[r.type]!
  let age = nowS - Number(r.ts / 1_000_000_000n)
  if (age < 0) age = FUTURE_AGE_S
  if (age > 0) {
    const halfLife = DAY_S * (1 + (50 - p.Chill) / 100) * (1 + p.Sociability / 333)
    w *= 1 / (1 + age / halfLife)
  }
  return w < MIN_WEIGHT ? MIN_WEIGHT : w
}

/** What a target's clout moves by, per weight unit, for system observations about it. */
const OBSERVATION_EFFECT: Record<string, number> = {
  online: 0.1,
  offline: -0.05,
  'journey-pass': 0.2,
  'journey-complete': 0.5,
  'journey-timeout': -0.3
}

/** Go `DeriveClout`: this observer's clout for every nara its social events mention. */
export function deriveClout(records: Iterable<SocialRecord>, observerSoul: string, p: Personality, nowS: number): Map<string, number> {
  const clout = new Map<string, number>()
  const add = (name: string, d: number): void => void clout.set(name, (clout.get(name) ?? 0) + d)
  for (const r of records) {
    const w = eventWeight(r, p, nowS)
    switch (r.type) {
      case 'tease':
        if (teaseResonates(r.id, observerSoul, p)) add(r.actor, w * 1.0)
        else add(r.actor, -(w * 0.3))
        break
      case 'observed':
        if (teaseResonates(r.id, observerSoul, p)) add(r.actor, w * 0.5)
        break
      case 'gossip':
        add(r.actor, w * 0.1)
        break
      case 'observation':
        if (Object.hasOwn(OBSERVATION_EFFECT, r.reason)) add(r.target, w * OBSERVATION_EFFECT[r.reason]!)
        break
      case 'service':
        add(r.actor, w * (r.reason === 'stash-stored' ? 2.0 : 0.5))
        break
    }
  }
  return clout
}

/** The social events of a ledger as clout records (other services are not opinions). */
export function socialRecords(events: Iterable<SyncEvent>): SocialRecord[] {
  const out: SocialRecord[] = []
  for (const e of events) {
    if (e.svc !== 'social') continue
    const s = e.social
    out.push({ id: e.id, ts: e.ts, type: s.type ?? '', actor: s.actor ?? '', target: s.target ?? '', reason: s.reason ?? '' })
  }
  return out
}

/** Vivaldi distance: Euclidean in the plane plus both heights. */
export function distance(a: Coordinates, b: Coordinates): number {
  const dx = a.x - b.x
  const dy = a.y - b.y
  // sqrt of the sum, as Go computes it (Math.hypot can differ in the last bit)
  return Math.sqrt(dx * dx + dy * dy) + a.height + b.height
}

/**
 * Go `ApplyProximityToClout`: 70 % the clout, 30 % the clout scaled by e^(−distance/100 ms).
 * Peers without usable coordinates keep their clout; so do peers whose (absurd) coordinates
 * would make the score non-finite, where Go would carry a NaN or ±Inf into its sort.
 */
export function applyProximity(base: ReadonlyMap<string, number>, mine: Coordinates | null | undefined, coordsOf: (name: string) => Coordinates | null | undefined): Map<string, number> {
  const out = new Map(base)
  if (!mine) return out
  for (const [name, clout] of base) {
    const theirs = coordsOf(name)
    if (!usable(theirs)) continue
    const weighted = clout * 0.7 + clout * Math.exp(-distance(mine, theirs) / 100) * 0.3
    if (Number.isFinite(weighted)) out.set(name, weighted)
  }
  return out
}

/**
 * Go `ChooseNextNara`, as a ranked list: unvisited online peers (not us, not the originator) by
 * clout, highest first; once all are visited, the originator if it is online. Go's sort leaves
 * ties in no particular order; `shuffle` decides ours.
 */
export function rankNextHops(me: string, originator: string, visited: ReadonlySet<string>, online: readonly string[], clout: ReadonlyMap<string, number>, shuffle: (xs: string[]) => string[]): string[] {
  const fresh = [...new Set(online)].filter((n) => n !== me && n !== originator && !visited.has(n))
  if (fresh.length === 0) return me !== originator && online.includes(originator) ? [originator] : []
  const score = (n: string): number => clout.get(n) ?? 0
  return shuffle(fresh).sort((a, b) => score(b) - score(a))
}
