/**
 * A model of how a Go nara (the reference at eljojo/nara HEAD) judges a peer it hears on the
 * plaza with no mesh, written from reading its presence code and checked by hand against a
 * running reference (see test/data/go-observer/README.md). Only the rules that decide ONLINE,
 * MISSING and restarts are modelled:
 *
 * - Ledger: hey_there and chau events are stored as they come; social events only when the
 *   observer's personality finds them meaningful (Chill > 85 drops observation online/offline
 *   and every non-observation reason but comeback/high-restarts). Newspapers and howdys are
 *   never stored.
 * - Projection: most recent event wins per subject (hey_there/social actor/first-seen/restart →
 *   ONLINE, chau → OFFLINE, status-change → its state); ONLINE older than 300 s reads MISSING.
 * - Observation (`recordObservationOnlineNara`), on a hey_there, newspaper or howdy: first
 *   sighting → first-seen event (which gives the subject a start time); a sighting while our
 *   observation is not ONLINE (and not unknown) → restarts+1 and a restart event, which its
 *   ledger only takes when the start time is known; otherwise ONLINE.
 * - Booting (the observer's first 120 s): no first-seen, restart or MISSING events, and no
 *   maintenance — so a peer first heard while booting has no start time, and its restarts never
 *   bring it back in the projection (what the live reference showed for a Go peer).
 * - Maintenance (every second): the observation follows the projection; ONLINE → MISSING emits a
 *   MISSING status-change (the verification ping fails without a mesh).
 * - "whodis": a newspaper from a name it does not know makes it say hey_there (rate-limited 5 s).
 *
 * The model is independent of our presence code on purpose: it decodes JSON itself and only
 * borrows our signature check (Go drops badly signed social and hey_there events).
 */
import { decodeEvent } from '../../main/core/protocol/event-codec'
import { verifyEvent } from '../../main/core/protocol/events'
import { parsePublicKey } from '../../main/core/protocol/crypto'

export const GO_MISSING_THRESHOLD_S = 300

export interface GoPersonality {
  Agreeableness: number
  Sociability: number
  Chill: number
}

interface ProjectionState {
  status: 'ONLINE' | 'OFFLINE' | 'MISSING'
  tsMs: number
  type: string
}

export interface GoObservation {
  online: '' | 'ONLINE' | 'OFFLINE' | 'MISSING'
  restarts: number
  lastSeenS: number
  startTimeS: number
}

export class GoObserverModel {
  private readonly projection = new Map<string, ProjectionState>()
  private readonly observations = new Map<string, GoObservation>()
  private readonly keys = new Map<string, Uint8Array>()
  private lastHeyThereS = -Infinity
  /** Counters a test reads. */
  readonly counts = { whodis: 0, heyThereOut: 0, missingReports: 0, restartReports: 0, socialStored: 0, socialFiltered: 0, badSignature: 0 }
  /** Every status the observer's UI would have shown for each subject, in order (deduplicated). */
  readonly history = new Map<string, string[]>()

  constructor(
    readonly name: string,
    readonly personality: GoPersonality,
    private readonly nowMs: () => number,
    /** Called when the model would publish its own hey_there. */
    private readonly sayHeyThere: () => void = () => {},
    /** The observer's own boot ends here (its start + 120 s); 0 = long running. */
    private readonly bootingUntilMs = 0
  ) {}

  private booting(): boolean {
    return this.nowMs() < this.bootingUntilMs
  }

  statusOf(subject: string): string {
    const s = this.projection.get(subject)
    if (!s) return ''
    if (s.status === 'ONLINE' && this.nowMs() - s.tsMs > GO_MISSING_THRESHOLD_S * 1000) return 'MISSING'
    return s.status
  }

  observationOf(subject: string): GoObservation | undefined {
    return this.observations.get(subject)
  }

  /** One MQTT message as the Go handlers see it. */
  receive(topic: string, payload: Buffer): void {
    if (topic.startsWith('nara/newspaper/')) return this.newspaper(topic.slice('nara/newspaper/'.length))
    if (topic === 'nara/plaza/howdy') {
      const from = (JSON.parse(payload.toString('utf8')) as { From?: string }).From ?? ''
      if (from && from !== this.name) this.recordOnline(from, this.nowS())
      return
    }
    if (topic === 'nara/plaza/hey_there' || topic === 'nara/plaza/chau' || topic === 'nara/plaza/social') {
      const d = decodeEvent(payload)
      if (!d.ok) return
      const e = d.value
      if (e.svc === 'hey-there') {
        const h = e.hey_there
        if (h.From === this.name || !h.From) return
        const key = parsePublicKey(h.PublicKey)
        if (!key || !verifyEvent(e, key)) return void this.counts.badSignature++
        this.keys.set(h.From, key)
        this.recordOnline(h.From, Math.floor(Number(e.ts / 1_000_000_000n)))
        this.project(h.From, 'ONLINE', e.ts, 'hey-there')
      } else if (e.svc === 'chau') {
        const from = e.chau.From
        if (from === this.name || !from) return
        this.project(from, 'OFFLINE', e.ts, 'chau')
        const o = this.obs(from)
        o.online = 'OFFLINE'
      } else if (e.svc === 'social') {
        const actor = e.social.actor ?? ''
        if (actor === this.name || !actor) return
        const key = this.keys.get(e.emitter ?? '')
        if (key && !verifyEvent(e, key)) return void this.counts.badSignature++
        if (!this.meaningful(e.social.type, e.social.reason ?? '')) return void this.counts.socialFiltered++
        this.counts.socialStored++
        this.project(actor, 'ONLINE', e.ts, 'social')
      }
    }
  }

  /** Go's observationMaintenanceOnce for every subject. */
  maintain(): void {
    if (this.booting()) return
    for (const [name, o] of this.observations) {
      const derived = this.statusOf(name)
      if (derived === '' || derived === o.online) continue
      const previous = o.online
      o.online = derived as GoObservation['online']
      this.note(name)
      if (previous === 'ONLINE' && derived === 'MISSING') {
        this.counts.missingReports++
        this.projection.set(name, { status: 'MISSING', tsMs: this.nowMs(), type: 'observation' })
      }
    }
  }

  private newspaper(from: string): void {
    if (from === this.name) return
    if (!this.observations.has(from)) {
      this.counts.whodis++
      const now = this.nowS()
      if (now - this.lastHeyThereS > 5) {
        this.lastHeyThereS = now
        this.counts.heyThereOut++
        this.sayHeyThere()
      }
    }
    this.recordOnline(from, this.nowS())
  }

  private recordOnline(name: string, tsS: number): void {
    const o = this.obs(name)
    const previous = o.online
    const recent = this.nowS() - tsS < GO_MISSING_THRESHOLD_S
    const booting = this.booting()
    if (previous === '' && !booting) {
      o.startTimeS = tsS
      this.project(name, 'ONLINE', BigInt(tsS) * 1_000_000_000n, 'observation')
    }
    let restart = false
    if (previous !== '' && previous !== 'ONLINE') {
      o.restarts++
      restart = true
      this.counts.restartReports++
      if (!booting && o.startTimeS > 0) this.project(name, 'ONLINE', BigInt(this.nowMs()) * 1_000_000n, 'observation')
    }
    if (recent) o.online = 'ONLINE'
    o.lastSeenS = tsS
    if (!booting && recent && previous !== '' && previous !== 'ONLINE' && !restart) this.project(name, 'ONLINE', BigInt(this.nowMs()) * 1_000_000n, 'observation')
    this.note(name)
  }

  private meaningful(type: string, reason: string): boolean {
    const p = this.personality
    if (p.Chill > 70 && reason === 'random') return false
    if (type === 'observation') {
      if (reason === 'journey-timeout') return true
      if (p.Chill > 85 && (reason === 'online' || reason === 'offline')) return false
      return true
    }
    if (p.Chill > 85) return reason === 'comeback' || reason === 'high-restarts'
    return true
  }

  private project(name: string, status: ProjectionState['status'], tsNs: bigint, type: string): void {
    const tsMs = Number(tsNs / 1_000_000n)
    const cur = this.projection.get(name)
    if (!cur || tsMs > cur.tsMs) this.projection.set(name, { status, tsMs, type })
  }

  private obs(name: string): GoObservation {
    let o = this.observations.get(name)
    if (!o) {
      o = { online: '', restarts: 0, lastSeenS: 0, startTimeS: 0 }
      this.observations.set(name, o)
    }
    return o
  }

  private note(name: string): void {
    const h = this.history.get(name) ?? []
    const now = this.observations.get(name)?.online ?? ''
    if (h[h.length - 1] !== now) h.push(now)
    this.history.set(name, h)
  }

  private nowS(): number {
    return Math.floor(this.nowMs() / 1000)
  }
}
