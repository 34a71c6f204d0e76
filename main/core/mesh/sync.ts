/**
 * Answers POST /events/sync (zines-and-mesh.md §7.1): sample, page, recent and legacy modes
 * over the ledger. Pure apart from the injected random source used by sampling.
 */
import type { Random } from '../clock'
import type { SyncEvent } from '../protocol/types'
import { eventSubjects } from '../protocol/events'
import type { MeshLedger } from './host'
import type { SyncRequest } from './wire'

/** Go treats any mode it does not know (including none) as the legacy sliced request. */
export type SyncMode = 'sample' | 'page' | 'recent' | 'legacy'

export function syncMode(req: SyncRequest): SyncMode {
  return req.mode === 'sample' || req.mode === 'page' || req.mode === 'recent' ? req.mode : 'legacy'
}

export const SYNC_SERVER_CAP = 5000
export const RECENT_DEFAULT_LIMIT = 100
const HALF_LIFE_HOURS = 720 * 0.693

const capOr = (n: number | undefined, fallback: number): number => (n === undefined || n <= 0 || n > SYNC_SERVER_CAP ? fallback : n)

function isCritical(e: SyncEvent): boolean {
  return e.svc === 'checkpoint' || e.svc === 'hey-there' || e.svc === 'chau' || (e.svc === 'observation' && e.observation.importance === 3)
}

export function sampleWeight(e: SyncEvent, nowNs: bigint, self: string): number {
  const ageHours = Number(nowNs - e.ts) / 3.6e12
  let w = Math.exp(-Math.max(0, ageHours) / HALF_LIFE_HOURS)
  if (e.svc === 'observation') w *= e.observation.importance === 3 ? 5 : e.observation.importance === 2 ? 2 : 1
  const { actor, target } = eventSubjects(e)
  if (actor === self || target === self) w *= 2
  return w
}

const byTs = (a: SyncEvent, b: SyncEvent): number => (a.ts < b.ts ? -1 : a.ts > b.ts ? 1 : 0)

/** Weighted sampling without replacement (Efraimidis–Spirakis keys). */
function weightedSample(events: SyncEvent[], k: number, weight: (e: SyncEvent) => number, random: Random): SyncEvent[] {
  if (k <= 0) return []
  if (events.length <= k) return events
  const keyed = events.map((e) => {
    const w = Math.max(weight(e), 1e-300)
    return { e, key: Math.log(Math.max(random.float(), 1e-300)) / w }
  })
  keyed.sort((a, b) => b.key - a.key)
  return keyed.slice(0, k).map((x) => x.e)
}

export interface SyncAnswer {
  events: SyncEvent[]
  nextCursor: string
}

export function answerSyncRequest(ledger: MeshLedger, req: SyncRequest, self: string, random: Random, nowNs?: bigint): SyncAnswer {
  const filter = { services: req.services?.length ? req.services : undefined, subjects: req.subjects?.length ? req.subjects : undefined }
  switch (syncMode(req)) {
    case 'sample': {
      const size = capOr(req.sample_size, SYNC_SERVER_CAP)
      const all = ledger.query(filter)
      const critical = all.filter(isCritical)
      if (critical.length >= size) return { events: critical.slice(0, size), nextCursor: '' }
      const now = nowNs ?? (all.length ? all[all.length - 1]!.ts : 0n)
      const rest = weightedSample(all.filter((e) => !isCritical(e)), size - critical.length, (e) => sampleWeight(e, now, self), random)
      return { events: [...critical, ...rest].sort(byTs), nextCursor: '' }
    }
    case 'page': {
      const page = ledger.page(req.cursor ?? '', capOr(req.page_size, SYNC_SERVER_CAP), filter)
      return { events: page.events, nextCursor: page.nextCursor }
    }
    case 'recent':
      return { events: ledger.recent(capOr(req.limit, RECENT_DEFAULT_LIMIT), filter), nextCursor: '' }
    case 'legacy': {
      const total = req.slice_total ?? 0
      const slice = total > 1 ? { index: req.slice_index ?? 0, total } : undefined
      const events = ledger.query({
        ...filter,
        sinceNs: req.since_time !== undefined && req.since_time > 0n ? req.since_time : undefined,
        slice,
        limit: capOr(req.max_events, SYNC_SERVER_CAP)
      })
      return { events, nextCursor: '' }
    }
  }
}
