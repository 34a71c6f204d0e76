/**
 * Go-parity observation behaviours (presence.md §5, §6; plaza.md §3.8; events.md §7) on a
 * real aedes broker with an injected ManualClock, and real mesh pings on 127.0.55.x:7433.
 */
import { afterEach, describe, expect, it } from 'vitest'
import mqtt, { type MqttClient } from 'mqtt'
import { ManualClock, seededRandom } from '../main/core/clock'
import type { NaraNode } from '../main/core/node'
import { NodeMesh } from '../main/core/mesh/nodeMesh'
import { encodeEvent, newHeyThereEvent, newSocialEvent, signEvent, verifyEvent } from '../main/core/protocol/events'
import { buildHowdy, encodeHowdy } from '../main/core/protocol/howdy'
import { decodeLedgerRequest, partitionSubjects } from '../main/core/protocol/ledgerMessages'
import type { ObservationPayload, SyncEvent } from '../main/core/protocol/types'
import { buildSelfStatus, initialCoordinates, readHostStats } from '../main/core/presence/selfStatus'
import { statusChangeEvent, restartEvent } from '../main/core/presence/observationEvents'
import { consensusByUptime } from '../main/core/presence/startTime'
import { keepInMemory } from '../main/core/presence/personalityFilter'
import { planLedgerRequests } from '../main/core/presence/ledgerRecovery'
import { startAedes, type TestBroker } from './support/brokers'
import { eventually, makeNode, testIdentity } from './support/nodes'

const cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!()
})

async function broker(): Promise<TestBroker> {
  const b = await startAedes()
  cleanups.push(() => b.stop())
  return b
}

async function client(url: string, id: string): Promise<MqttClient> {
  const c = mqtt.connect(url, { clientId: id, reconnectPeriod: 0 })
  cleanups.push(() => void c.end(true))
  await new Promise<void>((r) => c.once('connect', () => r()))
  return c
}

/** A signed hey_there from a test identity, published on the plaza. */
function sayHello(pub: MqttClient, name: string, tsNs: bigint, meshIP = ''): void {
  const id = testIdentity(name)
  const e = signEvent(newHeyThereEvent({ From: name, PublicKey: id.publicKeyBase64, MeshIP: meshIP, ID: id.id }, tsNs), name, id.signer!)
  pub.publish('nara/plaza/hey_there', encodeEvent(e))
}

const observations = (n: NaraNode, type: string, subject: string): ObservationPayload[] =>
  n.ledger
    .all()
    .filter((e): e is Extract<SyncEvent, { svc: 'observation' }> => e.svc === 'observation')
    .map((e) => e.observation)
    .filter((o) => o.type === type && o.subject === subject)

/** Advances in 1 s steps so the reconciliation tick runs as in Go. */
function seconds(clock: ManualClock, s: number): void {
  for (let i = 0; i < s; i++) clock.advance(1000)
}

async function watcherNode(url: string, clock: ManualClock, extra = {}, presence = {}): Promise<NaraNode> {
  const n = makeNode('watcher', url, { timings: { tickMs: 1000, bootingMs: 2000 }, ...extra }, { clock, random: seededRandom(11), presence: { keepAlivePingMs: 0, ...presence } })
  cleanups.push(() => n.stop(500))
  await n.start()
  await eventually(() => expect(n.plazaConnected).toBe(true))
  clock.advance(100) // hey_there jitter (30 ms in tests)
  return n
}

describe('TestObservationEvents', () => {
  it('first-seen observation emitted on a first sighting after boot, and not for naras first seen while booting', async () => {
    const b = await broker()
    const clock = new ManualClock()
    const node = await watcherNode(b.url, clock)
    const pub = await client(b.url, 'pub')
    sayHello(pub, 'early', clock.nowNs())
    await eventually(() => expect(node.neighbour('early')?.status).toBe('ONLINE'))
    seconds(clock, 3)
    expect(node.booting).toBe(false)
    sayHello(pub, 'late', clock.nowNs())
    await eventually(() => expect(node.neighbour('late')?.status).toBe('ONLINE'))
    expect(observations(node, 'first-seen', 'early')).toEqual([])
    const [fs] = observations(node, 'first-seen', 'late')
    expect(fs).toMatchObject({ observer: 'watcher', observer_id: node.identity.id, importance: 3, start_time: Math.floor(clock.nowMs() / 1000) })
    const stored = node.ledger.all().find((e) => e.svc === 'observation' && e.observation.subject === 'late')!
    expect(stored.sig ?? '').toBe('') // Go emits observations unsigned
  })

  it('MISSING: silence past 300 s flips the observation and, after the 0–10 s jitter, stores an unsigned status-change MISSING (importance 2)', async () => {
    const b = await broker()
    const clock = new ManualClock()
    const node = await watcherNode(b.url, clock)
    seconds(clock, 3)
    const pub = await client(b.url, 'pub')
    sayHello(pub, 'ghost', clock.nowNs())
    await eventually(() => expect(node.neighbour('ghost')?.status).toBe('ONLINE'))
    seconds(clock, 300)
    expect(node.neighbour('ghost')?.status).toBe('ONLINE')
    seconds(clock, 2)
    expect(node.neighbour('ghost')?.status).toBe('MISSING')
    expect(node.neighbourhood.get('ghost')!.observation.online).toBe('MISSING')
    seconds(clock, 10)
    const missing = observations(node, 'status-change', 'ghost')
    expect(missing).toHaveLength(1)
    expect(missing[0]).toMatchObject({ observer: 'watcher', online_state: 'MISSING', importance: 2, subject_id: testIdentity('ghost').id })
  })

  it('restart observation emitted when a MISSING peer comes back (restart_num 1, its start time), once', async () => {
    const b = await broker()
    const clock = new ManualClock()
    const node = await watcherNode(b.url, clock)
    seconds(clock, 3)
    const pub = await client(b.url, 'pub')
    const firstSeenS = Math.floor(clock.nowMs() / 1000)
    sayHello(pub, 'phoenix', clock.nowNs())
    await eventually(() => expect(node.neighbour('phoenix')?.status).toBe('ONLINE'))
    seconds(clock, 315)
    expect(node.neighbour('phoenix')?.status).toBe('MISSING')
    const backS = Math.floor(clock.nowMs() / 1000)
    sayHello(pub, 'phoenix', clock.nowNs())
    await eventually(() => expect(node.neighbour('phoenix')?.status).toBe('ONLINE'))
    expect(node.neighbour('phoenix')?.restarts).toBe(1)
    expect(observations(node, 'restart', 'phoenix')).toEqual([]) // not before the jitter
    seconds(clock, 5)
    const restarts = observations(node, 'restart', 'phoenix')
    expect(restarts).toHaveLength(1)
    expect(restarts[0]).toMatchObject({ observer: 'watcher', restart_num: 1, start_time: firstSeenS, importance: 3 })
    expect(restarts[0]!.last_restart).toBeGreaterThanOrEqual(backS)
    expect(restarts[0]!.last_restart).toBeLessThanOrEqual(Math.floor(clock.nowMs() / 1000))
  })

  it('stays silent when another observer already reported the MISSING or the restart within 15 s', async () => {
    const b = await broker()
    const clock = new ManualClock()
    const node = await watcherNode(b.url, clock)
    seconds(clock, 3)
    const pub = await client(b.url, 'pub')
    sayHello(pub, 'shy', clock.nowNs())
    await eventually(() => expect(node.neighbour('shy')?.status).toBe('ONLINE'))
    seconds(clock, 301)
    expect(node.neighbour('shy')?.status).toBe('MISSING')
    node.addEvent(statusChangeEvent({ name: 'carol', id: '' }, { name: 'shy', id: '' }, 'MISSING', clock.nowNs()), 'unsigned')
    seconds(clock, 10)
    expect(observations(node, 'status-change', 'shy').map((o) => o.observer)).toEqual(['carol'])
    sayHello(pub, 'shy', clock.nowNs())
    await eventually(() => expect(node.neighbour('shy')?.restarts).toBe(1))
    node.addEvent(restartEvent({ name: 'carol', id: '' }, { name: 'shy', id: '' }, 1_768_000_000, 1, clock.nowNs()), 'unsigned')
    seconds(clock, 5)
    expect(observations(node, 'restart', 'shy').map((o) => o.observer)).toEqual(['carol'])
  })
})

describe('mesh ping evidence (127.0.55.x:7433)', () => {
  async function meshPair(clock: ManualClock, presence = {}): Promise<{ node: NaraNode; pub: MqttClient; peerIP: string }> {
    const b = await broker()
    const node = makeNode('pinger', b.url, { transport: 'mqtt', meshIP: '127.0.55.1', timings: { tickMs: 1000, bootingMs: 2000 } }, { clock, random: seededRandom(5), presence: { keepAlivePingMs: 0, ...presence } })
    const mesh = new NodeMesh({ listen: { host: '127.0.55.1', port: 7433 }, transport: 'mqtt' })
    node.attachMesh(mesh)
    cleanups.push(() => node.stop(1500))
    // the peer only lives on the mesh: it answers GET /ping but never speaks on the plaza
    const peer = makeNode('pingee', 'mqtt://127.0.0.1:1', { transport: 'gossip', meshIP: '127.0.55.2' }, { clock, presence: { keepAlivePingMs: 0 } })
    peer.attachMesh(new NodeMesh({ listen: { host: '127.0.55.2', port: 7433 }, transport: 'gossip', scanCidr: '127.0.55.1/32', config: { gossip: { firstDelayMs: 3_600_000 }, discovery: { firstDelayMs: 3_600_000 } } }))
    cleanups.push(() => peer.stop(1500))
    await peer.start()
    await node.start()
    await eventually(() => expect(node.plazaConnected).toBe(true))
    clock.advance(100)
    seconds(clock, 3)
    const pub = await client(b.url, 'pub')
    sayHello(pub, 'pingee', clock.nowNs(), '127.0.55.2')
    await eventually(() => expect(node.neighbour('pingee')?.meshIP).toBe('127.0.55.2'))
    return { node, pub, peerIP: '127.0.55.2' }
  }

  const pingsAbout = (n: NaraNode, target: string): Extract<SyncEvent, { svc: 'ping' }>[] =>
    n.ledger.all().filter((e): e is Extract<SyncEvent, { svc: 'ping' }> => e.svc === 'ping' && e.ping.target === target)

  it('a peer the projection calls MISSING but that answers GET /ping stays ONLINE, with our signed ping event stored', async () => {
    const clock = new ManualClock()
    const { node } = await meshPair(clock)
    seconds(clock, 302)
    await eventually(() => expect(pingsAbout(node, 'pingee')).toHaveLength(1))
    const ping = pingsAbout(node, 'pingee')[0]!
    expect(ping.ping).toMatchObject({ observer: 'pinger', target: 'pingee' })
    expect(Number.isInteger(ping.ping.rtt) && ping.ping.rtt >= 1).toBe(true)
    expect(verifyEvent(ping, node.identity.signer!.publicKey)).toBe(true)
    expect(node.neighbour('pingee')?.status).toBe('ONLINE')
    seconds(clock, 15)
    expect(observations(node, 'status-change', 'pingee')).toEqual([])
    expect(node.neighbour('pingee')?.status).toBe('ONLINE')
  })

  it('keep-alive: our own signed ping event about a mesh peer every ~30 s', async () => {
    const clock = new ManualClock()
    const { node } = await meshPair(clock, { keepAlivePingMs: 30_000 })
    const before = pingsAbout(node, 'pingee').length
    seconds(clock, 30)
    await eventually(() => expect(pingsAbout(node, 'pingee').length).toBe(before + 1))
    seconds(clock, 30)
    await eventually(() => expect(pingsAbout(node, 'pingee').length).toBe(before + 2))
    for (const p of pingsAbout(node, 'pingee')) expect(verifyEvent(p, node.identity.signer!.publicKey)).toBe(true)
    expect(node.neighbour('pingee')?.lastPingRttMs).toBeGreaterThanOrEqual(1)
  })
})

describe('start time from howdy votes (consensusByUptime)', () => {
  it('picks the median of the heaviest cluster with ≥ 2 values, else of the heaviest cluster', () => {
    expect(consensusByUptime([])).toBe(0)
    expect(consensusByUptime([{ value: 500, weight: 1 }])).toBe(500)
    // a lone heavy vote loses to a light pair
    expect(consensusByUptime([{ value: 9000, weight: 1_000_000 }, { value: 1000, weight: 1 }, { value: 1050, weight: 1 }])).toBe(1050)
    // clusters start at their first value: 1000..1060 together, 1061 after 1000 still within 61? no: 61 > 60
    expect(consensusByUptime([{ value: 1000, weight: 5 }, { value: 1060, weight: 5 }, { value: 1061, weight: 1 }, { value: 1100, weight: 1 }])).toBe(1060)
    // no cluster of two: the heaviest single value
    expect(consensusByUptime([{ value: 1000, weight: 3 }, { value: 5000, weight: 7 }])).toBe(5000)
  })

  it('howdys addressed to us vote on our start time, applied when boot ends', async () => {
    const b = await broker()
    const clock = new ManualClock()
    const node = await watcherNode(b.url, clock, { timings: { tickMs: 1000, bootingMs: 5000 } })
    const pub = await client(b.url, 'pub')
    const votes: [string, number, number][] = [
      ['v1', 1_700_000_000, 100],
      ['v2', 1_700_000_030, 200],
      ['v3', 1_600_000_000, 50_000]
    ]
    for (const [name, start, uptime] of votes) {
      const id = testIdentity(name)
      const me = buildSelfStatus({
        flair: '', hostStats: { ...readHostStats(), Uptime: uptime }, chattiness: 50, buzz: 0, personality: id.personality,
        aura: { primary: '', secondary: '' }, publicKey: id.publicKeyBase64, id: id.id, meshIP: '', coordinates: initialCoordinates(() => 0.5),
        transportMode: 'mqtt', ledger: { total: 0, byService: {}, critical: 0, mode: '', budgetMb: 0, maxEvents: 0 }, observations: null
      })
      const h = buildHowdy({ from: name, to: 'watcher', seq: 1, you: { start_time: start, online: 'ONLINE' }, neighbors: null, me }, id.signer!)
      pub.publish('nara/plaza/howdy', encodeHowdy(h))
    }
    await eventually(() => expect(node.neighbours().map((n) => n.name).sort()).toEqual(['v1', 'v2', 'v3']))
    expect(node.startTime).toBe(0)
    seconds(clock, 6)
    expect(node.startTime).toBe(1_700_000_030)
  })
})

describe('boot recovery over the plaza (no mesh)', () => {
  it('planLedgerRequests asks up to 5 (2 short) online neighbours for PartitionSubjects shares of online + self', () => {
    const online = ['a', 'bb', 'ccc', 'dddd', 'eeeee', 'ffffff', 'g']
    const plans = planLedgerRequests('me', online, false)
    const parts = partitionSubjects([...online, 'me'], 5)
    expect(plans.map((p) => p.neighbour)).toEqual(online.slice(0, 5).filter((_, i) => parts[i]!.length > 0))
    expect(plans.flatMap((p) => p.subjects).sort()).toEqual([...online, 'me'].sort())
    expect(planLedgerRequests('me', online, true).length).toBeLessThanOrEqual(2)
    expect(planLedgerRequests('me', [], false)).toEqual([])
  })

  it('30 s after joining, a node without a mesh requests ledgers from online neighbours and merges the answers through its personality', async () => {
    const b = await broker()
    const clock = new ManualClock()
    const timings = { tickMs: 1000, heyThereJitterMs: 20, howdyJitterMs: 100 }
    const elders = ['bo', 'cy'].map((name, i) => {
      const n = makeNode(name, b.url, { timings }, { clock, random: seededRandom(30 + i), presence: { keepAlivePingMs: 0 } })
      cleanups.push(() => n.stop(500))
      return n
    })
    for (const e of elders) {
      await e.start()
      await eventually(() => expect(e.plazaConnected).toBe(true))
      clock.advance(50)
    }
    // social events the newcomer has never seen, including ones some personalities refuse
    const socials: SyncEvent[] = []
    for (const [i, reason] of ['comeback', 'random', 'trend-abandon'].entries()) {
      const actor = elders[i % 2]!
      const e = signEvent(newSocialEvent({ type: 'tease', actor: actor.name, target: elders[(i + 1) % 2]!.name, reason }, clock.nowNs() + BigInt(i)), actor.name, actor.identity.signer!)
      actor.addEvent(e, 'verified')
      socials.push(e)
    }
    const requests: { topic: string; from: string; subjects: string[] }[] = []
    const spy = await client(b.url, 'spy')
    await new Promise<void>((r) => spy.subscribe('nara/ledger/+/request', () => r()))
    spy.on('message', (topic, p) => {
      const d = decodeLedgerRequest(p)
      if (d.ok && d.value.From === 'newbie') requests.push({ topic, from: d.value.From, subjects: d.value.Subjects ?? [] })
    })
    const newbie = makeNode('newbie', b.url, { timings }, { clock, random: seededRandom(99), presence: { keepAlivePingMs: 0 } })
    cleanups.push(() => newbie.stop(500))
    await newbie.start()
    await eventually(() => expect(newbie.plazaConnected).toBe(true))
    // let the elders' howdys (0–100 ms jitter) fire and arrive
    for (let i = 0; i < 30; i++) {
      clock.advance(10)
      await new Promise((r) => setTimeout(r, 5))
    }
    await eventually(() => expect(newbie.neighbours().filter((n) => n.status === 'ONLINE').map((n) => n.name).sort()).toEqual(['bo', 'cy']))
    clock.advance(29_000)
    await new Promise((r) => setTimeout(r, 50))
    expect(requests).toEqual([])
    clock.advance(1_000)
    await eventually(() => expect(requests.length).toBe(2))
    const online = newbie.neighbours().map((n) => n.name)
    const parts = partitionSubjects([...online, 'newbie'], 2)
    expect(requests.map((r) => [r.topic, r.subjects])).toEqual(online.map((name, i) => [`nara/ledger/${name}/request`, parts[i]]))
    expect(requests.every((r) => r.from === 'newbie')).toBe(true)
    const kept = socials.filter((e) => keepInMemory(e, newbie.identity.personality))
    await eventually(() => {
      for (const e of kept) expect(newbie.ledger.has(e.id)).toBe(true)
    })
    for (const e of socials.filter((x) => !kept.includes(x))) expect(newbie.ledger.has(e.id)).toBe(false)
  })
})

describe('personality filter on the filtered insert path', () => {
  it('Chill > 85 keeps restarts but not status changes; social events must be meaningful', () => {
    const chill = { Agreeableness: 50, Sociability: 50, Chill: 90 }
    const warm = { Agreeableness: 50, Sociability: 50, Chill: 10 }
    const sc = statusChangeEvent({ name: 'a', id: '' }, { name: 'b', id: '' }, 'MISSING', 1n)
    const rs = restartEvent({ name: 'a', id: '' }, { name: 'b', id: '' }, 1000, 1, 1_000_000_000_000n)
    expect(keepInMemory(sc, chill)).toBe(false)
    expect(keepInMemory(sc, warm)).toBe(true)
    expect(keepInMemory(rs, chill)).toBe(true)
    const tease = (reason: string): SyncEvent => newSocialEvent({ type: 'tease', actor: 'a', target: 'b', reason }, 1n)
    expect(keepInMemory(tease('random'), chill)).toBe(false)
    expect(keepInMemory(tease('comeback'), chill)).toBe(true)
    expect(keepInMemory(tease('random'), warm)).toBe(true)
    expect(keepInMemory(newSocialEvent({ type: 'observation', actor: 'a', target: 'b', reason: 'offline' }, 1n), chill)).toBe(false)
  })

  it('a very chill node does not store its own status-change MISSING report', async () => {
    // find a test identity with Chill > 85 (personality comes from the soul)
    let name = ''
    for (let i = 0; i < 400 && !name; i++) if (testIdentity(`chill${i}`).personality.Chill > 85) name = `chill${i}`
    expect(name).not.toBe('')
    const b = await broker()
    const clock = new ManualClock()
    const node = makeNode(name, b.url, { timings: { tickMs: 1000, bootingMs: 2000 } }, { clock, random: seededRandom(1), presence: { keepAlivePingMs: 0 } })
    cleanups.push(() => node.stop(500))
    await node.start()
    await eventually(() => expect(node.plazaConnected).toBe(true))
    seconds(clock, 3)
    const pub = await client(b.url, 'pub')
    sayHello(pub, 'ghost', clock.nowNs())
    await eventually(() => expect(node.neighbour('ghost')?.status).toBe('ONLINE'))
    seconds(clock, 315)
    expect(node.neighbour('ghost')?.status).toBe('MISSING')
    expect(observations(node, 'status-change', 'ghost')).toEqual([])
    expect(node.stats().dropped['flag:status_change_filtered_by_personality']).toBe(1)
  })
})
