/**
 * The 1 s reconciliation (Go `observationMaintenanceOnce`, presence.md §5.3): our
 * observation of each peer follows the derived status, except that an ONLINE → MISSING
 * transition first asks the mesh (GET /ping) when the last event is under an hour old. A
 * confirmed disappearance is reported after a 0–10 s jitter as an unsigned status-change
 * MISSING, unless another observer already reported it in the last 15 s or a final ping answers.
 * Nothing happens while booting.
 */
import type { PresenceCore } from './core'
import { recentObservation, statusChangeEvent } from './observationEvents'
import type { PingVerifier } from './meshPings'
import type { PeerStatus } from '../views'

export const MISSING_REPORT_JITTER_MS = 10_000
export const MISSING_ALREADY_REPORTED_MS = 15_000
export const PING_VERIFY_MAX_EVENT_AGE_NS = 3600n * 1_000_000_000n

export class Reconciler {
  constructor(
    private readonly core: PresenceCore,
    private readonly verifier: PingVerifier
  ) {}

  /** One pass; returns the names whose observation changed. */
  runOnce(): string[] {
    const c = this.core
    if (c.isBooting()) return []
    const changed: string[] = []
    for (const r of c.neighbourhood.all()) {
      if (r.name === c.identity.name) continue
      const derived: PeerStatus = c.peerStatus(r)
      const previous = r.observation.online
      if (!previous || derived === previous) continue
      if (previous === 'ONLINE' && derived === 'MISSING') {
        const lastTs = c.projection.lastEventTs(r.name)
        const age = lastTs === undefined ? 0n : c.clock.nowNs() - lastTs
        if (age <= PING_VERIFY_MAX_EVENT_AGE_NS) {
          const v = this.verifier.check(r.name)
          if (v !== 'unreachable') continue // answered (kept ONLINE) or still asking
        }
        r.observation.online = 'MISSING'
        c.buzz.bump(10)
        this.reportMissingLater(r.name)
      } else {
        r.observation.online = derived
      }
      changed.push(r.name)
    }
    return changed
  }

  private reportMissingLater(subject: string): void {
    const c = this.core
    c.later(c.random.intn(MISSING_REPORT_JITTER_MS), () => {
      const since = c.clock.nowNs() - BigInt(MISSING_ALREADY_REPORTED_MS) * 1_000_000n
      const events = c.ledger.query({ sinceNs: since, services: ['observation'], subjects: [subject] })
      const other = recentObservation(
        events,
        subject,
        since,
        (o) => o.observer !== c.identity.name && o.type === 'status-change' && o.online_state === 'MISSING'
      )
      if (other) return c.log.debug(`not reporting ${subject} MISSING: ${other.observer} already did`)
      // One more chance (Go pings again here; within 60 s this reuses the verdict above).
      if (this.verifier.check(subject) !== 'unreachable') return
      const me = { name: c.identity.name, id: c.identity.id }
      const them = { name: subject, id: c.neighbourhood.get(subject)?.id ?? '' }
      const outcome = c.addFilteredEvent(statusChangeEvent(me, them, 'MISSING', c.clock.nowNs()), 'unsigned')
      if (outcome === 'filtered') c.flag('status_change_filtered_by_personality')
    })
  }
}
