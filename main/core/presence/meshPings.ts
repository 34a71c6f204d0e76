/**
 * Mesh pings as presence evidence (presence.md §5.3, §5.4): a successful GET /ping keeps a
 * peer ONLINE and is stored as our signed `ping` event (observer = us), which is also what
 * keeps *us* ONLINE in Go peers' projections once it travels in our zines.
 *
 * `PingVerifier` is Go's `verifyOnlineWithPing`: at most one attempt per peer per 60 s, the
 * last result reused in between. The reconciliation tick is synchronous and a ping is not, so
 * an attempt in flight reads as 'pending' and the tick looks again next second.
 */
import { newPingEvent, signEvent } from '../protocol/events'
import type { PresenceCore } from './core'
import { validCoordinates, vivaldiUpdate } from './vivaldi'

export const VERIFY_PING_TIMEOUT_MS = 2_000
export const VERIFY_PING_MIN_INTERVAL_MS = 60_000
export const KEEPALIVE_PING_TIMEOUT_MS = 5_000

export type PingVerdict = 'online' | 'unreachable' | 'pending'

/** A successful ping: observation ONLINE now, RTT noted, signed ping event stored. */
export function recordPingSuccess(core: PresenceCore, name: string, rttMs: number): void {
  // Go stores whole milliseconds; a ping event needs rtt > 0, so loopback's 0 ms counts as 1.
  const rtt = Math.max(1, Math.round(rttMs))
  const nowS = Math.floor(core.clock.nowMs() / 1000)
  const r = core.neighbourhood.get(name)
  if (r) {
    const o = r.observation
    o.online = 'ONLINE'
    o.last_seen = nowS
    o.last_ping_rtt = rtt
    o.last_ping_time = nowS
    o.avg_ping_rtt = o.avg_ping_rtt ? 0.3 * rtt + 0.7 * o.avg_ping_rtt : rtt // coordinate_maintenance.go
    r.lastSeenMs = Math.max(r.lastSeenMs, nowS * 1000)
    r.viaMesh = true
  }
  const me = core.identity.name
  const e = signEvent(newPingEvent({ observer: me, target: name, rtt }, core.clock.nowNs()), me, core.signer)
  core.addEvent(e, 'verified')
  core.emitPeer(name)
}

export class PingVerifier {
  private readonly lastAttemptMs = new Map<string, number>()
  private readonly lastResult = new Map<string, boolean>()
  private readonly inFlight = new Set<string>()

  constructor(private readonly core: PresenceCore) {}

  check(name: string): PingVerdict {
    const c = this.core
    if (name === c.identity.name) return 'unreachable'
    if (this.inFlight.has(name)) return 'pending'
    const now = c.clock.nowMs()
    const last = this.lastAttemptMs.get(name)
    if (last !== undefined && now - last < VERIFY_PING_MIN_INTERVAL_MS) return this.lastResult.get(name) ? 'online' : 'unreachable'
    this.lastAttemptMs.set(name, now)
    const ping = c.meshPing()
    const r = c.neighbourhood.get(name)
    if (!ping || !r || !r.meshIP) {
      this.lastResult.set(name, false)
      return 'unreachable'
    }
    this.inFlight.add(name)
    void ping(name, VERIFY_PING_TIMEOUT_MS)
      .catch(() => null)
      .then((res) => {
        this.inFlight.delete(name)
        this.lastResult.set(name, !!res)
        if (res) recordPingSuccess(c, name, res.rttMs)
      })
    return 'pending'
  }

  forget(name: string): void {
    this.lastAttemptMs.delete(name)
    this.lastResult.delete(name)
  }
}

/**
 * Our own evidence, as Go's coordinate maintenance produces it: every ~30 s ping one ONLINE
 * mesh peer (never pinged first, else the stalest plus 100 × its coordinate error when that is
 * above 0.5, jittered), store the signed ping event and move our Vivaldi coordinates.
 */
export function pickKeepAliveTarget(core: PresenceCore): string | null {
  const nowS = Math.floor(core.clock.nowMs() / 1000)
  let best: string | null = null
  let bestPriority = -Infinity
  for (const r of core.neighbourhood.all()) {
    if (r.name === core.identity.name || !r.meshIP || r.observation.online !== 'ONLINE') continue
    const pinged = r.observation.last_ping_time ?? 0
    const err = r.status?.coordinates?.error ?? 0
    const priority = (pinged === 0 ? 1000 : nowS - pinged + (err > 0.5 ? err * 100 : 0)) + core.random.float() * 10
    if (priority > bestPriority) {
      bestPriority = priority
      best = r.name
    }
  }
  return best
}

export async function keepAlivePing(core: PresenceCore): Promise<boolean> {
  const ping = core.meshPing()
  if (!ping || core.config.readOnly) return false
  const target = pickKeepAliveTarget(core)
  if (!target) return false
  const res = await ping(target, KEEPALIVE_PING_TIMEOUT_MS).catch(() => null)
  if (!res) {
    core.log.debug(`keep-alive ping to ${target} failed`)
    return false
  }
  recordPingSuccess(core, target, res.rttMs)
  // Go feeds Vivaldi whole milliseconds (so a 0 ms loopback ping moves nothing).
  const theirs = core.neighbourhood.get(target)?.status?.coordinates
  if (validCoordinates(theirs)) vivaldiUpdate(core.coordinates, theirs, Math.trunc(res.rttMs), () => core.random.float())
  return true
}
