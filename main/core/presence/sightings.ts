/**
 * Direct evidence of life (Go `recordObservationOnlineNara`, presence.md §5.1) and the
 * observation events it leads to: a first-seen event on the first sighting (not while
 * booting), and on every OFFLINE/MISSING → seen transition a restart report after a 0–5 s
 * jitter unless another observer reported that restart in the last 15 s.
 */
import type { PresenceCore } from './core'
import { firstSeenEvent, recentObservation, restartEvent, type Party } from './observationEvents'

export const RESTART_REPORT_JITTER_MS = 5_000
export const ALREADY_REPORTED_WINDOW_MS = 15_000

export class Sightings {
  constructor(private readonly core: PresenceCore) {}

  private party(name: string): Party {
    if (name === this.core.identity.name) return { name, id: this.core.identity.id }
    return { name, id: this.core.neighbourhood.get(name)?.id ?? '' }
  }

  /** `tSec` = evidence time in seconds (0 → now); `evidenceMs` the same, finer, when known. */
  seen(name: string, tSec = 0, evidenceMs?: number): void {
    const c = this.core
    const booting = c.isBooting()
    const nowMs = c.clock.nowMs()
    const r = c.neighbourhood.recordSeen(name, tSec, nowMs, booting, () => c.opinionOf(name), evidenceMs)
    if (!r || name === c.identity.name || booting) return
    const t = tSec > 0 ? tSec : Math.floor(nowMs / 1000)
    // Dated by its evidence, never later: a first sighting made from a relayed event must not
    // make the peer look alive for longer than that event does (it may be minutes old).
    const stamp = evidenceMs !== undefined ? BigInt(Math.trunc(evidenceMs)) * 1_000_000n : tSec > 0 ? BigInt(tSec) * 1_000_000_000n : c.clock.nowNs()
    if (r.firstSeen) c.addOwnObservation(firstSeenEvent(this.party(c.identity.name), this.party(name), t, stamp))
    if (r.restart) {
      const o = c.neighbourhood.get(name)?.observation
      this.reportRestartLater(name, o?.start_time ?? 0, o?.restarts ?? 0)
    }
  }

  /** Go `reportRestartWithDelay`: "if nobody says anything, I guess I'll say something". */
  private reportRestartLater(subject: string, startTime: number, restartNum: number): void {
    const c = this.core
    c.later(c.random.intn(RESTART_REPORT_JITTER_MS), () => {
      const since = c.clock.nowNs() - BigInt(ALREADY_REPORTED_WINDOW_MS) * 1_000_000n
      const events = c.ledger.query({ sinceNs: since, services: ['observation'], subjects: [subject] })
      const other = recentObservation(events, subject, since, (o) => o.observer !== c.identity.name && o.type === 'restart')
      if (other) return c.log.debug(`not reporting ${subject}'s restart: ${other.observer} already did`)
      // Go builds it anyway and its ledger refuses it (start_time must be > 0); we skip it.
      if (startTime <= 0) return c.log.debug(`not reporting ${subject}'s restart: start time unknown`)
      c.addOwnObservation(restartEvent(this.party(c.identity.name), this.party(subject), startTime, restartNum, c.clock.nowNs()))
    })
  }
}
