/**
 * Go's timings as a Go peer sees them on the wire (constants.md, presence.md §2.1,
 * newspaper.md §4.1): the real node on a real broker, but its clock is a ManualClock so the
 * reference's 5 s jitter, 5 s hey_there rate limit and 30–300 s newspaper cadence are checked
 * exactly without sleeping. Also: read-only publishes nothing, gossip-only never connects.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { ManualClock, seededRandom } from '../main/core/clock'
import { GO_TIMINGS } from '../main/core/config'
import type { NaraNode } from '../main/core/node'
import { decodeNewspaper } from '../main/core/protocol/newspaper'
import type { HostStats } from '../main/core/protocol/types'
import { eventually, makeNode } from './support/nodes'
import { goPeer, recordingBroker, type RecordingBroker } from './interop-harness'
import { encodeLedgerRequest } from '../main/core/protocol/ledgerMessages'

const cleanups: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const f of cleanups.splice(0).reverse()) await f().catch(() => {})
})

const HOST: HostStats = { Uptime: 1000, LoadAvg: 0.5, MemAllocMB: 1, MemSysMB: 1, MemHeapMB: 1, MemStackMB: 0, NumGoroutines: 0, NumGC: 0, ProcCPUPercent: 0 }

async function goTimedNode(broker: RecordingBroker, name: string, clock: ManualClock, extra: Parameters<typeof makeNode>[2] = {}): Promise<NaraNode> {
  const node = makeNode(name, broker.url, { transport: 'mqtt', timings: { ...GO_TIMINGS }, ...extra }, {
    clock,
    random: seededRandom(7),
    hostStats: () => HOST,
    presence: { keepAlivePingMs: 0 }
  })
  cleanups.push(() => node.stop(2000))
  await node.start()
  return node
}

/** Lets real sockets deliver what the manual clock just caused. */
const settle = (ms = 150): Promise<void> => new Promise((r) => setTimeout(r, ms))

describe('interop: Go timings on the wire', () => {
  it('first hey_there + newspaper after the 0–4999 ms jitter; hey_there rate limit 5 s on "whodis"', async () => {
    const broker = await recordingBroker()
    cleanups.push(() => broker.stop())
    const clock = new ManualClock()
    const node = await goTimedNode(broker, 'timing-alice', clock)
    const mine = (topic: string): number => broker.published.filter((p) => p.clientId === node.name && p.topic === topic).length
    await settle()
    expect(broker.published.filter((p) => p.clientId === node.name)).toEqual([]) // nothing before the jitter
    clock.advance(4999)
    await eventually(() => expect(mine('nara/plaza/hey_there')).toBe(1))
    expect(mine(`nara/newspaper/${node.name}`)).toBe(1)

    // An unknown nara's newspaper ("whodis") 4 s later: rate-limited, no second hey_there.
    clock.advance(4000)
    const p1 = await goPeer(broker.url, 'timing-peer1', '127.0.46.2', { nowMs: () => clock.nowMs() })
    cleanups.push(() => p1.stop())
    const handled = node.plazaMessagesHandled
    p1.newspaper()
    await eventually(() => expect(node.plazaMessagesHandled).toBeGreaterThan(handled))
    await settle()
    expect(mine('nara/plaza/hey_there')).toBe(1)

    // Another unknown nara 6 s after our hey_there: whodis answered with a hey_there.
    clock.advance(2000)
    const p2 = await goPeer(broker.url, 'timing-peer2', '127.0.46.3', { nowMs: () => clock.nowMs() })
    cleanups.push(() => p2.stop())
    p2.newspaper()
    await eventually(() => expect(mine('nara/plaza/hey_there')).toBe(2))
    // … but never periodically: 10 more minutes of plaza silence, no further hey_there.
    for (let i = 0; i < 20; i++) clock.advance(30_000)
    await settle()
    expect(mine('nara/plaza/hey_there')).toBe(2)
  }, 15_000)

  it('newspaper cadence follows Chattiness: every 30 s while booting, chattinessRate(30,300) after', async () => {
    const broker = await recordingBroker()
    cleanups.push(() => broker.stop())
    const clock = new ManualClock()
    const node = await goTimedNode(broker, 'cadence-alice', clock)
    const paperTopic = `nara/newspaper/${node.name}`
    // The manual-clock instant at which the node hands each paper to mqtt.js.
    const sentAt: number[] = []
    const plaza = node.plaza!
    const publish = plaza.publish.bind(plaza)
    plaza.publish = (topic: string, payload: string) => {
      if (topic === paperTopic) sentAt.push(clock.nowMs())
      return publish(topic, payload)
    }
    const startMs = clock.nowMs()
    for (let i = 0; i < 600; i++) clock.advance(1000) // 10 minutes, 1 s steps like Go's sensors
    await eventually(() => expect(broker.published.filter((p) => p.clientId === node.name && p.topic === paperTopic).length).toBe(sentAt.length))
    const gaps = sentAt.slice(1).map((t, i) => t - sentAt[i]!)
    expect(sentAt[0]! - startMs).toBeLessThan(5000) // with the first hey_there
    // Booting (120 s): Chattiness 100 → 30 s. After: buzz decayed to 0, no peers, load 0.5 →
    // Chattiness int((1 − 0.5) × 20) = 10 → 30 + 270 × 90 / 100 = 273 s.
    const bootEnd = startMs + 120_000
    for (let i = 0; i < gaps.length; i++) {
      const scheduledAt = sentAt[i]!
      expect(gaps[i], `gap after the paper at +${scheduledAt - startMs} ms`).toBe(scheduledAt < bootEnd ? 30_000 : 273_000)
    }
    expect(gaps.filter((g) => g === 273_000).length).toBeGreaterThanOrEqual(1)
    const last = decodeNewspaper(broker.published.filter((p) => p.clientId === node.name && p.topic === paperTopic).at(-1)!.payload)
    if (!last.ok) throw new Error(last.error.reason)
    expect((JSON.parse(last.value.statusRaw.toString('utf8')) as { Chattiness: number }).Chattiness).toBe(10)
  }, 15_000)

  it('read-only: connects and listens, publishes nothing (no hey_there, newspaper, howdy, ledger response, chau or will)', async () => {
    const broker = await recordingBroker()
    cleanups.push(() => broker.stop())
    const node = makeNode('readonly-alice', broker.url, { readOnly: true }, { presence: { keepAlivePingMs: 0 } })
    cleanups.push(() => node.stop(2000))
    await node.start()
    expect(broker.clientIds).toContain(node.name)
    const peer = await goPeer(broker.url, 'readonly-peer', '127.0.46.4')
    cleanups.push(() => peer.stop())
    peer.newspaper()
    peer.heyThere()
    peer.mq.publish(`nara/ledger/${node.name}/request`, encodeLedgerRequest({ From: peer.name, Subjects: [peer.name] }))
    await eventually(() => expect(node.neighbour(peer.name)?.status).toBe('ONLINE'))
    await settle(600) // past the (fast) hey_there jitter and howdy window
    node.crash() // a will would be published by the broker now
    await settle(200)
    await node.stop(1000)
    await settle(100)
    expect(broker.published.filter((p) => p.clientId === node.name)).toEqual([])
    expect(broker.routed.filter((p) => p.topic === 'nara/plaza/chau')).toEqual([])
  }, 15_000)

  it('gossip-only: MQTT is never connected even with a broker configured', async () => {
    const broker = await recordingBroker()
    cleanups.push(() => broker.stop())
    const node = makeNode('gossip-alice', broker.url, { transport: 'gossip' }, { presence: { keepAlivePingMs: 0 } })
    cleanups.push(() => node.stop(2000))
    await node.start()
    await settle(400)
    expect(node.nodeState).toBe('online')
    expect(broker.clientIds).not.toContain(node.name)
    expect(node.plazaConnected).toBe(false)
    // the hey-there goes into the ledger instead (it will travel in zines)
    expect(node.ledger.countsByService()['hey-there']).toBe(1)
    await node.stop(1000)
    expect(broker.clientIds).toEqual([])
  }, 15_000)
})
