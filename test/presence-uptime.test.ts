/**
 * A peer's uptime and start time as this node shows them (presence.md §5.1, §6): uptime =
 * latest evidence − the start of the peer's current run (our first sighting of it in this run,
 * or the restart we saw), start time from observations, else our first sighting. Two real
 * NaraNodes on an in-process aedes broker, sharing one ManualClock.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { ManualClock, seededRandom } from '../main/core/clock'
import type { NaraNode } from '../main/core/node'
import { Neighbourhood } from '../main/core/presence/neighbourhood'
import { peerStartTime, peerUptimeSeconds } from '../main/core/presence/peerViews'
import { startAedes } from './support/brokers'
import { eventually, makeNode } from './support/nodes'

const cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!()
})

const TIMINGS = { tickMs: 1000, bootingMs: 2000 }

async function startNode(name: string, url: string, clock: ManualClock, seed: number): Promise<NaraNode> {
  const n = makeNode(name, url, { timings: TIMINGS }, { clock, random: seededRandom(seed), presence: { keepAlivePingMs: 0 } })
  cleanups.push(() => n.stop(500))
  await n.start()
  await eventually(() => expect(n.plazaConnected).toBe(true))
  clock.advance(100) // hey_there jitter (30 ms in tests)
  return n
}

/** Advances in 1 s steps so each node's 1 s tick runs as it would in real time. */
function seconds(clock: ManualClock, s: number): void {
  for (let i = 0; i < s; i++) clock.advance(1000)
}

const nowSec = (clock: ManualClock): number => Math.floor(clock.nowMs() / 1000)

describe('peer uptime and start time', () => {
  it("a peer's uptime grows with time and starts again from 0 after it restarts (chau → hey_there)", async () => {
    const broker = await startAedes()
    cleanups.push(() => broker.stop())
    const clock = new ManualClock()
    const watcher = await startNode('watcher', broker.url, clock, 1)
    const peer = await startNode('peer', broker.url, clock, 2)
    const firstSeen = nowSec(clock)
    await eventually(() => expect(watcher.neighbour('peer')?.status).toBe('ONLINE'))
    const fresh = watcher.neighbour('peer')!
    // Seen while the watcher was booting: no first-seen event, yet the start time is known.
    expect(fresh.startTime).toBe(firstSeen)
    expect(fresh.uptimeSeconds).toBe(0)

    seconds(clock, 90)
    expect(peer.publishNewspaper()).toBe(true)
    await eventually(() => expect(watcher.neighbour('peer')?.uptimeSeconds).toBe(nowSec(clock) - firstSeen))
    expect(watcher.neighbour('peer')!.uptimeSeconds).toBeGreaterThanOrEqual(90)

    seconds(clock, 60)
    expect(peer.publishNewspaper()).toBe(true)
    await eventually(() => expect(watcher.neighbour('peer')?.uptimeSeconds).toBe(nowSec(clock) - firstSeen))
    expect(watcher.neighbour('peer')!.uptimeSeconds).toBeGreaterThanOrEqual(150)

    // The peer quits (chau): not up at all while it is away.
    await peer.stop(500)
    await eventually(() => expect(watcher.neighbour('peer')?.status).toBe('OFFLINE'))
    expect(watcher.neighbour('peer')!.uptimeSeconds).toBe(0)

    seconds(clock, 20)
    const again = await startNode('peer', broker.url, clock, 3)
    const restartedAt = nowSec(clock)
    await eventually(() => expect(watcher.neighbour('peer')?.status).toBe('ONLINE'))
    const back = watcher.neighbour('peer')!
    expect(back.restarts).toBe(1)
    expect(back.uptimeSeconds).toBe(0)
    expect(back.startTime).toBe(firstSeen) // first seen on the network: unchanged by a restart

    seconds(clock, 45)
    expect(again.publishNewspaper()).toBe(true)
    await eventually(() => expect(watcher.neighbour('peer')?.uptimeSeconds).toBe(nowSec(clock) - restartedAt))
    expect(watcher.neighbour('peer')!.uptimeSeconds).toBeGreaterThanOrEqual(45)
    expect(watcher.neighbour('peer')!.uptimeSeconds).toBeLessThan(90)
  })

  it('prefers the restart and start time the network reports over our own sightings', () => {
    const hood = new Neighbourhood('me')
    const t0 = 1_768_800_000
    hood.recordSeen('amy', t0, t0 * 1000, true, () => ({ startTime: t0 - 86_400, restarts: 4, lastRestart: t0 - 3600 }))
    const r = hood.get('amy')!
    expect(peerStartTime(r)).toBe(t0 - 86_400)
    expect(r.observation.restarts).toBe(4)
    expect(peerUptimeSeconds(r, t0 + 60)).toBe(3660)
    // Nobody reported anything: our own first sighting is the start of the run we know.
    hood.recordSeen('bob', t0, t0 * 1000, true, () => ({ startTime: 0, restarts: 0, lastRestart: 0 }))
    const b = hood.get('bob')!
    expect(peerStartTime(b)).toBe(t0)
    expect(peerUptimeSeconds(b, t0 + 60)).toBe(60)
    // Old evidence (a backfilled event) neither starts a run nor counts as a sighting.
    hood.recordSeen('cat', t0 - 7200, t0 * 1000, true)
    expect(peerUptimeSeconds(hood.get('cat')!, t0)).toBe(0)
    expect(peerStartTime(hood.get('cat')!)).toBe(0)
  })
})
