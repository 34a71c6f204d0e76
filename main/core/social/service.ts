/**
 * Our social life as a Go nara lives it: a barrio and its LicensePlate, trends joined, started
 * and left every 30 s, and teases when we see peers (restarts, comebacks, abandoned trends, nice
 * numbers, chance). What it decides shows in our newspaper (LicensePlate, Trend, TrendEmoji,
 * Flair) and as signed social events.
 */
import { newSocialEvent, signEvent } from '../protocol/events'
import type { SyncEvent } from '../protocol/types'
import type { PresenceCore } from '../presence/core'
import type { NeighbourRecord } from '../presence/neighbourhood'
import type { Coordinates, NaraObservation } from '../protocol/types'
import type { PeerStatus } from '../views'
import { barrioOf, gridSize, sameBarrio, vibe, type Barrio } from './barrio'
import { trendStep, type Trend, type TrendChange } from './trends'
import { TeaseCooldown, teaseReason, type TeaseReason } from './teasing'
import { flairAwards, type Standing } from './networkFlair'
import { applyProximity, deriveClout, socialRecords } from './clout'

export interface SocialTimings {
  /** Trend maintenance. Go: 30 s. */
  trendEveryMs: number
  /** Delay before a non-random tease, intn(teaseJitterMs). Go: 0–5 s. */
  teaseJitterMs: number
}

export const GO_SOCIAL_TIMINGS: SocialTimings = { trendEveryMs: 30_000, teaseJitterMs: 5000 }
/** Someone else's tease for the same target and reason this recent makes ours redundant (Go: 30 s). */
export const RECENT_TEASE_NS = 30_000_000_000n

export interface SocialHost {
  coordinates: Coordinates
  /** Status of a neighbour as the node derives it. */
  statusOf(r: NeighbourRecord): PeerStatus
  /** Best-effort DM of a signed event to `name` over the mesh. */
  sendDM(name: string, e: SyncEvent): void
  /** Our trend or plate changed: the node refreshes its self view. */
  changed(): void
}

export class SocialLife {
  private readonly timings: SocialTimings
  private current: Trend = { trend: '', emoji: '' }
  private barrio: Barrio | null = null
  private grid = 50
  private lastStepMs: number
  private readonly lastTrendOf = new Map<string, string>()
  private readonly cooldown = new TeaseCooldown()
  /** Teases we sent, by reason (a stat for views and tests). */
  readonly teasesSent = new Map<TeaseReason, number>()

  constructor(
    private readonly core: PresenceCore,
    private readonly host: SocialHost,
    timings: Partial<SocialTimings> = {}
  ) {
    this.timings = { ...GO_SOCIAL_TIMINGS, ...timings }
    this.lastStepMs = core.clock.nowMs()
    core.neighbourhood.onEvict((name) => this.lastTrendOf.delete(name))
  }

  get trend(): Trend {
    return { ...this.current }
  }

  /** Our barrio emoji (Go `LicensePlate()` = our own observation's cluster emoji). */
  get licensePlate(): string {
    return (this.barrio ??= this.computeBarrio()).emoji
  }

  get barrioName(): string {
    return (this.barrio ??= this.computeBarrio()).name
  }

  /** A neighbour's barrio as we derive it (Go `neighbourhoodMaintenance`): from its published coordinates, else its vibe. */
  barrioOfPeer(r: NeighbourRecord): Barrio {
    return barrioOf(r.name, r.status?.coordinates, this.grid, new Date(this.core.clock.nowMs()))
  }

  /** The awards our standing in the network earns (appended to our identity flair). */
  flairAwards(self: NaraObservation, status: { chattiness: number; loadAvg: number }): string {
    const c = this.core
    const me = c.identity.name
    const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0)
    const peers: Standing[] = c.neighbourhood
      .all()
      .filter((r) => r.name !== me)
      .map((r) => ({
        name: r.name,
        online: this.host.statusOf(r) === 'ONLINE',
        startTime: num(r.observation.start_time),
        restarts: num(r.observation.restarts),
        barrio: this.barrioOfPeer(r).name
      }))
    return flairAwards({
      me: { name: me, online: true, startTime: num(self.start_time), restarts: num(self.restarts), barrio: this.barrioName },
      peers,
      chattiness: status.chattiness,
      loadAvg: num(status.loadAvg),
      uptimeS: num(self.last_seen) - num(self.last_restart)
    })
  }

  /** Our clout for every nara our social events mention, leaning toward nearby peers (Go `getMyClout`). */
  clout(): Map<string, number> {
    const c = this.core
    const base = deriveClout(socialRecords(c.ledger.query({ services: ['social'] })), c.identity.soulText, c.identity.personality, Math.floor(c.clock.nowMs() / 1000))
    return applyProximity(base, this.host.coordinates, (name) => c.neighbourhood.get(name)?.status?.coordinates)
  }

  private computeBarrio(): Barrio {
    const rtts = this.core.ledger.query({ services: ['ping'] }).map((e) => (e.svc === 'ping' ? e.ping.rtt : 0))
    this.grid = gridSize(rtts)
    return barrioOf(this.core.identity.name, this.host.coordinates, this.grid, new Date(this.core.clock.nowMs()))
  }

  /** Called on every node tick. */
  tick(): void {
    const now = this.core.clock.nowMs()
    if (now - this.lastStepMs < this.timings.trendEveryMs) return
    this.lastStepMs = now
    const before = this.barrio?.emoji
    this.barrio = this.computeBarrio()
    const change = this.stepTrend()
    if (change) {
      this.current = change.trend
      this.core.buzz.bump(change.buzz)
      this.core.log.debug(`trend ${change.kind}: ${change.trend.trend || '(none)'}`)
    }
    if (change || before !== this.barrio.emoji) this.host.changed()
  }

  private stepTrend(): TrendChange {
    const c = this.core
    const me = c.identity.name
    const when = new Date(c.clock.nowMs())
    const peers = c.neighbourhood
      .all()
      .filter((r) => r.name !== me)
      .map((r) => ({ name: r.name, online: this.host.statusOf(r) === 'ONLINE', trend: r.status?.Trend ?? '', trendEmoji: r.status?.TrendEmoji ?? '' }))
    return trendStep({
      me,
      current: this.current,
      personality: c.identity.personality,
      peers,
      sameVibe: (a, b) => vibe(a, when) === vibe(b, when),
      intn: (n) => c.random.intn(n)
    })
  }

  /** Go checks its teasing triggers whenever a peer shows it is online. */
  onPeerOnline(r: NeighbourRecord, previousState: PeerStatus | undefined): void {
    const c = this.core
    const previousTrend = this.lastTrendOf.get(r.name) ?? ''
    const currentTrend = r.status?.Trend ?? ''
    this.lastTrendOf.set(r.name, currentTrend)
    if (c.config.readOnly || c.isBooting() || r.name === c.identity.name) return
    const when = new Date(c.clock.nowMs())
    const decision = teaseReason({
      restarts: r.observation.restarts ?? 0,
      startTime: r.observation.start_time ?? 0,
      previousState: previousState ?? '',
      online: true,
      previousTrend,
      currentTrend,
      trendPopularity: previousTrend && previousTrend !== currentTrend ? this.popularity(previousTrend) : 0,
      inMyBarrio: sameBarrio({ name: c.identity.name, coords: this.host.coordinates }, { name: r.name, coords: r.status?.coordinates }, this.grid, when),
      nowSec: Math.floor(c.clock.nowMs() / 1000),
      soulText: c.identity.soulText,
      target: r.name,
      personality: c.identity.personality
    })
    if (!decision) return
    if (!decision.delayed) return void this.tease(r.name, decision.reason)
    c.later(c.random.intn(Math.max(1, this.timings.teaseJitterMs)), () => {
      if (!this.someoneElseTeased(r.name, decision.reason)) this.tease(r.name, decision.reason)
    })
  }

  /** Share of the online naras following `trend` (only computed when a peer just left one). */
  private popularity(trend: string): number {
    const c = this.core
    const online = c.neighbourhood.all().filter((x) => x.name !== c.identity.name && this.host.statusOf(x) === 'ONLINE')
    return online.length ? online.filter((x) => x.status?.Trend === trend).length / online.length : 0
  }

  private someoneElseTeased(target: string, reason: TeaseReason): boolean {
    const c = this.core
    const cutoff = c.clock.nowNs() - RECENT_TEASE_NS
    return c.ledger
      .query({ services: ['social'], subjects: [target], sinceNs: cutoff })
      .some((e) => e.svc === 'social' && e.social.type === 'tease' && e.social.reason === reason && e.social.target === target && e.social.actor !== c.identity.name)
  }

  /** A signed tease: stored, DM'd to the target when we can, and carried by our zines. */
  tease(target: string, reason: TeaseReason): boolean {
    const c = this.core
    const me = c.identity.name
    if (c.config.readOnly || !this.cooldown.tryTease(target, Math.floor(c.clock.nowMs() / 1000))) return false
    const e = signEvent(newSocialEvent({ type: 'tease', actor: me, target, reason }, c.clock.nowNs()), me, c.signer)
    c.addFilteredEvent(e, 'verified')
    this.host.sendDM(target, e)
    c.buzz.bump(3)
    this.teasesSent.set(reason, (this.teasesSent.get(reason) ?? 0) + 1)
    return true
  }
}
