/**
 * How the node presents what it knows: a peer's status (the event projection and our own
 * direct observations, most recent evidence winning, ONLINE decaying to MISSING), and the
 * NeighbourView / EventView shapes of views.ts. Pure functions of their inputs.
 */
import { encodeEvent } from '../protocol/events'
import type { SyncEvent } from '../protocol/types'
import type { EventView, NeighbourView, PeerStatus, Trust } from '../views'
import type { NeighbourRecord } from './neighbourhood'
import { missingThresholdSeconds, type OnlineProjection } from './projection'
import { claimantWarning } from './trust'
import { newspaperIntervalMs } from './cadence'

const NS_PER_S = 1_000_000_000n
/** Slack over a peer's own newspaper interval before its silence counts. */
export const NEWSPAPER_SLACK_S = 30

/**
 * How long our own sighting of a peer keeps it ONLINE: the MISSING threshold, or the peer's own
 * newspaper interval plus slack when that is longer — a quiet Go nara (Chattiness near 0) posts
 * every 300 s, exactly the threshold, and would otherwise flip MISSING and back each cycle.
 */
export function sightingWindowSeconds(r: NeighbourRecord, threshold: number): number {
  const chattiness = r.status?.Chattiness
  if (chattiness === undefined) return threshold
  return Math.max(threshold, newspaperIntervalMs(chattiness) / 1000 + NEWSPAPER_SLACK_S)
}

export function peerStatus(r: NeighbourRecord, projection: OnlineProjection, nowNs: bigint, ownTransport: string): PeerStatus {
  const threshold = missingThresholdSeconds(r.status?.transport_mode, ownTransport)
  const projected = projection.stateOf(r.name)
  const obsAtNs = BigInt(r.observation.last_seen ?? 0) * NS_PER_S
  const obs = r.observation.online
  // While we see it ONLINE ourselves, its own newspaper cadence may stretch the window (an
  // explicit MISSING/OFFLINE in the projection still wins: the window only delays decay).
  const window = obs === 'ONLINE' ? sightingWindowSeconds(r, threshold) : threshold
  if (projected && (projected.lastEventTs >= obsAtNs || !obs)) {
    return projection.statusOf(r.name, nowNs, window) ?? 'MISSING'
  }
  if (obs === 'OFFLINE') return 'OFFLINE'
  if (obs === 'ONLINE' && nowNs - obsAtNs <= BigInt(window) * NS_PER_S) return 'ONLINE'
  return 'MISSING'
}

/**
 * A peer's start time ("first seen" on the network, Unix s): our observation of it (our
 * first-seen after boot, a howdy's report, or the ledger's restart/first-seen consensus), else
 * our own first sighting of it; 0 when we never had direct evidence.
 */
export function peerStartTime(r: NeighbourRecord): number {
  return r.observation.start_time || r.firstSightingSec
}

/**
 * How long the peer has been up in its current run, as Go shows it for its own observation of
 * a peer (last_seen − last_restart): from the restart we know of, else from when we first saw
 * it in this run, to its latest evidence of life. 0 when neither is known.
 */
export function peerUptimeSeconds(r: NeighbourRecord, lastSeenSec: number): number {
  const since = r.observation.last_restart || r.runSinceSec
  return since > 0 ? Math.max(0, lastSeenSec - since) : 0
}

export function neighbourView(r: NeighbourRecord, status: PeerStatus, projection: OnlineProjection): NeighbourView {
  const s = r.status
  const o = r.observation
  const lastSeenMs = Math.max(r.lastSeenMs, (o.last_seen ?? 0) * 1000, Number((projection.lastEventTs(r.name) ?? 0n) / 1_000_000n))
  return {
    name: r.name,
    id: r.id,
    publicKey: r.publicKey,
    status,
    lastSeenMs,
    firstSeenMs: r.firstSeenMs,
    startTime: peerStartTime(r),
    restarts: o.restarts ?? 0,
    uptimeSeconds: status === 'ONLINE' ? peerUptimeSeconds(r, Math.floor(lastSeenMs / 1000)) : 0,
    personality: s ? { ...s.Personality } : null,
    flair: s?.Flair ?? '',
    aura: s && s.Aura.primary ? { ...s.Aura } : null,
    version: s?.Version ?? '',
    chattiness: s?.Chattiness ?? 0,
    buzz: s?.Buzz ?? 0,
    meshIP: r.meshIP,
    transport: r.viaPlaza && r.viaMesh ? 'both' : r.viaPlaza ? 'plaza' : r.viaMesh ? 'mesh' : 'relayed',
    foundVia: r.meshIP && r.meshFoundVia ? r.meshFoundVia : null,
    trust: r.trust,
    lastPingRttMs: o.last_ping_rtt ?? null,
    coordinates: s?.coordinates ? { ...s.coordinates } : null,
    ...(r.claimants.length ? { keyWarning: claimantWarning(r.claimants)! } : {}),
    checkpoint: null
  }
}

export function eventView(e: SyncEvent, trust: Trust, rejected?: string): EventView {
  const v: EventView = { id: e.id, ts: e.ts.toString(), svc: e.svc, emitter: e.emitter ?? '', trust, summary: summarizeEvent(e), json: encodeEvent(e) }
  if (rejected) v.rejected = rejected
  return v
}

export function summarizeEvent(e: SyncEvent): string {
  switch (e.svc) {
    case 'hey-there':
      return `${e.hey_there.From} says hey there`
    case 'chau':
      return `${e.chau.From} says chau`
    case 'social':
      return `${e.social.actor ?? '?'} ${e.social.type} ${e.social.target ?? '?'}${e.social.reason ? ` (${e.social.reason})` : ''}`
    case 'ping':
      return `${e.ping.observer ?? '?'} pinged ${e.ping.target ?? '?'} in ${e.ping.rtt} ms`
    case 'seen':
      return `${e.seen.observer ?? '?'} saw ${e.seen.subject ?? '?'} via ${e.seen.via}`
    case 'observation':
      return `${e.observation.observer ?? '?'} observed ${e.observation.subject ?? '?'}: ${e.observation.type}${e.observation.online_state ? ` ${e.observation.online_state}` : ''}`
    case 'checkpoint':
      return `checkpoint for ${e.checkpoint.subject} (${(e.checkpoint.signatures ?? []).length} signatures)`
  }
}
