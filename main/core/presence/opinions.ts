/**
 * The restart and first-seen observations of each subject, folded in as events are stored (Go's
 * opinion consensus projection, presence.md §6), so the network's opinion about a peer's start
 * time and restarts costs a map lookup at each sighting instead of a ledger scan.
 */
import type { ObservationPayload, SyncEvent, SyncEventOf } from '../protocol/types'
import { deriveOpinion, type Opinion } from './projection'

export class OpinionIndex {
  private readonly bySubject = new Map<string, SyncEventOf<'observation'>[]>()

  apply(e: SyncEvent): void {
    if (e.svc !== 'observation') return
    const o = e.observation
    if ((o.type !== 'restart' && o.type !== 'first-seen') || !o.subject) return
    const kept = slim(e)
    const list = this.bySubject.get(o.subject)
    if (list) list.push(kept)
    else this.bySubject.set(o.subject, [kept])
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

  opinionOf(subject: string): Opinion {
    return deriveOpinion(this.bySubject.get(subject) ?? [], subject)
  }
}

/**
 * Only what an opinion reads (priority-0 events are never pruned, so the index would
 * otherwise keep a whole event object, signature and all, for every restart ever seen).
 */
function slim(e: SyncEventOf<'observation'>): SyncEventOf<'observation'> {
  const o = e.observation
  const observation: ObservationPayload = { observer: o.observer, subject: o.subject, type: o.type, importance: o.importance }
  if (o.start_time !== undefined) observation.start_time = o.start_time
  if (o.restart_num !== undefined) observation.restart_num = o.restart_num
  if (o.last_restart !== undefined) observation.last_restart = o.last_restart
  return { id: e.id, ts: e.ts, svc: 'observation', observation }
}
