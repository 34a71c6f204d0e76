/**
 * Shape checks for what arrives over the bus. The node is ours, but the strings inside come
 * from peers: anything malformed is dropped (and counted) instead of reaching a view.
 */
import type { RuntimeView } from '../../../main/core/runtime/view'
import type { CheckpointRoundView, CheckpointView, EventView, JourneyView, StashView, LifecycleView, NeighbourView, NewspaperView, SelfView, StatsView, ZineExchangeView } from '../../../main/core/views'

type Obj = Record<string, unknown>
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v)
const str = (o: Obj, k: string): boolean => typeof o[k] === 'string'
const num = (o: Obj, k: string): boolean => typeof o[k] === 'number' && Number.isFinite(o[k])

const STATUSES = new Set(['ONLINE', 'OFFLINE', 'MISSING'])

export function isNeighbourView(v: unknown): v is NeighbourView {
  return isObj(v) && str(v, 'name') && STATUSES.has(v.status as string) && num(v, 'lastSeenMs') && str(v, 'flair') && str(v, 'trust')
}

export function isNewspaperView(v: unknown): v is NewspaperView {
  return isObj(v) && str(v, 'from') && num(v, 'receivedAtMs') && Array.isArray(v.changed) && isObj(v.status)
}

export function isZineExchangeView(v: unknown): v is ZineExchangeView {
  return (
    isObj(v) &&
    str(v, 'peer') &&
    (v.direction === 'in' || v.direction === 'out') &&
    num(v, 'atMs') &&
    num(v, 'eventsIn') &&
    num(v, 'eventsOut') &&
    num(v, 'newEvents') &&
    num(v, 'knownEvents') &&
    str(v, 'verdict')
  )
}

export function isEventView(v: unknown): v is EventView {
  return isObj(v) && str(v, 'id') && str(v, 'ts') && str(v, 'svc') && str(v, 'emitter') && str(v, 'json')
}

export function isSelfView(v: unknown): v is SelfView {
  return isObj(v) && str(v, 'name') && str(v, 'state') && isObj(v.personality)
}

export function isStatsView(v: unknown): v is StatsView {
  return isObj(v) && num(v, 'ledgerSize')
}

export function isLifecycleView(v: unknown): v is LifecycleView {
  return isObj(v) && str(v, 'step') && str(v, 'message')
}

export function isCheckpointView(v: unknown): v is CheckpointView {
  return isObj(v) && str(v, 'id') && str(v, 'subject') && num(v, 'asOfTime') && num(v, 'restarts') && num(v, 'totalUptime') && Array.isArray(v.voterIds)
}

const OUTCOMES = new Set(['open', 'finalised', 'failed'])

export function isCheckpointRoundView(v: unknown): v is CheckpointRoundView {
  return isObj(v) && str(v, 'subject') && num(v, 'asOfTime') && num(v, 'round') && Array.isArray(v.votes) && OUTCOMES.has(v.outcome as string)
}

const JOURNEY_STATES = new Set(['travelling', 'complete', 'stuck', 'timed-out'])

export function isJourneyView(v: unknown): v is JourneyView {
  return isObj(v) && str(v, 'id') && str(v, 'originator') && str(v, 'message') && Array.isArray(v.hops) && JOURNEY_STATES.has(v.state as string)
}

export function isStashView(v: unknown): v is StashView {
  return isObj(v) && typeof v.hasStash === 'boolean' && Array.isArray(v.heldBy) && Array.isArray(v.holding) && num(v, 'holdingBytes')
}

const PHASES = new Set(['starting', 'first-run', 'no-keychain', 'invalid-soul', 'running'])

export function isRuntimeView(v: unknown): v is RuntimeView {
  return isObj(v) && PHASES.has(v.phase as string) && typeof v.keychain === 'boolean' && isObj(v.network) && isObj(v.mesh) && typeof v.mesh.on === 'boolean'
}
