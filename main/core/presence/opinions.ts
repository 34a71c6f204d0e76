/**
 * The restart and first-seen observations of each subject, folded in as events are stored (Go's
 * opinion consensus projection, presence.md §6), so the network's opinion about a peer's start
 * time and restarts costs a map lookup at each sighting instead of a ledger scan.
 */
import type { SyncEvent, SyncEventOf } from '../protocol/types'
import { deriveOpinion, type Opinion } from './projection'

export class OpinionIndex {
  private readonly bySubject = new Map<string, SyncEventOf<'observation'>[]>()

  apply(e: SyncEvent): void {
    if (e.svc !== 'observation') return
    const o = e.observation
    if ((o.type !== 'restart' && o.type !== 'first-seen') || !o.subject) return
    const list = this.bySubject.get(o.subject)
    if (list) list.push(e)
    else this.bySubject.set(o.subject, [e])
  }

  /** Drops an event the ledger no longer holds. */
  forget(e: SyncEvent): void {
    if (e.svc !== 'observation' || !e.observation.subject) return
    const list = this.bySubject.get(e.observation.subject)
    if (!list) return
    const i = list.findIndex((x) => x.id === e.id)
    if (i >= 0) list.splice(i, 1)
    if (list.length === 0) this.bySubject.delete(e.observation.subject)
  }

  /** Rebuilds from the ledger (after it was pruned or restructured). */
  replay(events: Iterable<SyncEvent>): void {
    this.bySubject.clear()
    for (const e of events) this.apply(e)
  }

  opinionOf(subject: string): Opinion {
    return deriveOpinion(this.bySubject.get(subject) ?? [], subject)
  }
}
