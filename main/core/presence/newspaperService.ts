/**
 * Our newspaper (newspaper.md): our own NaraStatus, published slim (no Observations) on
 * `nara/newspaper/{name}` at the chattiness cadence; the full form (with our observations of
 * everyone, us included) goes into howdys as `Me`.
 */
import type { TimerHandle } from '../clock'
import { computeAura } from '../protocol/aura'
import { buildNewspaper } from '../protocol/newspaper'
import type { Coordinates, HostStats, NaraObservation, NaraStatus } from '../protocol/types'
import { newspaperTopic } from '../plaza/topics'
import { newspaperIntervalMs } from './cadence'
import type { PresenceCore } from './core'
import { buildSelfStatus } from './selfStatus'

export interface NewspaperDeps {
  hostStats(): HostStats
  coordinates: Coordinates
  weightedBuzz(): number
  /** Our observation of ourselves (start time, restarts, last restart). */
  selfObservation(): NaraObservation
  /** True while the node is joining or online (the cadence stops otherwise). */
  active(): boolean
  /** Our social standing (social/service.ts): barrio plate, trend, and our whole Flair. */
  social(): { licensePlate: string; trend: { trend: string; emoji: string }; flair: string }
}

export class NewspaperService {
  private timer: TimerHandle | null = null

  constructor(
    private readonly core: PresenceCore,
    private readonly deps: NewspaperDeps
  ) {}

  ownStatus(full: boolean): NaraStatus {
    const c = this.core
    const me = c.identity
    let observations: Record<string, NaraObservation> | null = null
    if (full) {
      observations = Object.fromEntries(c.neighbourhood.all().map((r) => [r.name, { ...r.observation }]))
      observations[me.name] = this.deps.selfObservation()
    }
    const uptimeS = Math.floor((c.clock.nowMs() - c.startedAtMs) / 1000)
    const social = this.deps.social()
    return buildSelfStatus({
      licensePlate: social.licensePlate,
      trend: social.trend,
      flair: social.flair,
      hostStats: this.deps.hostStats(),
      chattiness: c.chattiness(),
      buzz: this.deps.weightedBuzz(),
      personality: me.personality,
      aura: computeAura(me.soulText, me.name, me.personality, BigInt(uptimeS)),
      publicKey: me.publicKeyBase64,
      id: me.id,
      meshIP: c.advertisedMeshIP(),
      coordinates: this.deps.coordinates,
      transportMode: c.config.transport,
      ledger: { total: c.ledger.size, byService: c.ledger.countsByService(), critical: c.ledger.criticalCount(), mode: c.ledger.mode, budgetMb: c.ledger.profile.budgetMb, maxEvents: c.ledger.capacity },
      observations
    })
  }

  publish(): boolean {
    const c = this.core
    const plaza = c.plaza()
    if (c.config.readOnly || !plaza?.connected) return false
    const paper = buildNewspaper(c.identity.name, this.ownStatus(false), c.signer)
    void plaza.publish(newspaperTopic(c.identity.name), paper.payload)
    return true
  }

  /** Next paper after `30 + 270×(100−Chattiness)/100` s, re-reading chattiness each time. */
  schedule(): void {
    this.stop()
    this.timer = this.core.clock.setTimeout(() => {
      this.timer = null
      if (!this.deps.active()) return
      this.publish()
      this.schedule()
    }, newspaperIntervalMs(this.core.chattiness()))
  }

  stop(): void {
    if (this.timer) this.core.clock.clearTimeout(this.timer)
    this.timer = null
  }
}
