/**
 * Memory growth from untrusted plaza peers: names, IDs and howdys are chosen by whoever
 * publishes, so every per-peer table must stay bounded under a flood of made-up names.
 */
import { afterEach, describe, expect, it } from 'vitest'
import mqtt from 'mqtt'
import { randomBytes } from 'node:crypto'
import { ManualClock, seededRandom } from '../main/core/clock'
import { ESTABLISHED_AFTER_MS, MAX_NEIGHBOURS, Neighbourhood } from '../main/core/presence/neighbourhood'
import { HOWDY_MAX_ACTIVE, HOWDY_RATE, HowdyCoordinator } from '../main/core/presence/howdy'
import { MAX_START_TIME_VOTES, StartTimeVotes } from '../main/core/presence/startTime'
import { buildNewspaper, encodeNewspaperEnvelope } from '../main/core/protocol/newspaper'
import { encodeEvent, newHeyThereEvent, signEvent } from '../main/core/protocol/events'
import { zeroStatus } from '../main/core/protocol/status'
import { startAedes } from './support/brokers'
import { eventually, makeNode, testIdentity } from './support/nodes'

const cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!()
})

const randomName = (): string => `flood-${randomBytes(6).toString('hex')}`

describe('security: per-peer tables stay bounded under a flood of random names', () => {
  it('Neighbourhood: 1e5 random names keep at most MAX_NEIGHBOURS records, evicting the least recently touched', () => {
    const hood = new Neighbourhood('me')
    const evicted: string[] = []
    hood.onEvict((n) => evicted.push(n))
    const now = 1_768_800_000_000
    hood.ensure('me', now)
    hood.ensure('old-friend', now)
    hood.importIdentity('old-friend', { id: 'friend-id' }, now, 'overwrite')
    for (let i = 0; i < 100_000; i++) {
      hood.importIdentity(randomName(), { id: `id-${i}` }, now, 'overwrite')
      // A peer that keeps talking is touched again and survives the flood.
      if (i % 1000 === 0) hood.ensure('old-friend', now)
    }
    expect(hood.size).toBeLessThanOrEqual(MAX_NEIGHBOURS)
    expect(hood.get('me')).toBeDefined() // self is never evicted
    expect(hood.get('old-friend')).toBeDefined()
    expect(hood.nameForId('friend-id')).toBe('old-friend')
    expect(hood.evictions).toBe(evicted.length)
    expect(hood.evictions).toBe(100_000 + 2 - hood.size)
    // Evicted names leave no ID index entry behind.
    expect(hood.nameForId('id-0')).toBeUndefined()
    expect(hood.nameForId('id-99999')).toBeDefined()
  })

  it('Neighbourhood: one name announcing 1e5 different IDs leaves one ID index entry (no stale bindings)', () => {
    const hood = new Neighbourhood('me')
    const now = 1_768_800_000_000
    for (let i = 0; i < 100_000; i++) hood.importIdentity('shifty', { id: `id-${i}` }, now, 'overwrite')
    expect(hood.nameForId('id-99999')).toBe('shifty')
    expect(hood.nameForId('id-0')).toBeUndefined()
    expect(hood.nameForId('id-5000')).toBeUndefined()
    // mergeStatus (newspapers, howdys) follows the same rule.
    hood.mergeStatus('shifty', { ...zeroStatus(), ID: 'from-paper' }, now)
    expect(hood.nameForId('id-99999')).toBeUndefined()
    expect(hood.nameForId('from-paper')).toBe('shifty')
  })

  it('HowdyCoordinator: 1e5 hey_theres with random names hold at most HOWDY_MAX_ACTIVE coordinations (and their timers)', () => {
    const clock = new ManualClock()
    let responded = 0
    const h = new HowdyCoordinator({ clock, random: seededRandom(7), respond: () => responded++ })
    for (let i = 0; i < 100_000; i++) h.onHeyThere(randomName())
    expect(h.activeCount).toBe(HOWDY_MAX_ACTIVE)
    expect(h.evictions).toBe(100_000 - HOWDY_MAX_ACTIVE)
    expect(clock.pendingTimers()).toBeLessThanOrEqual(2 * HOWDY_MAX_ACTIVE)
    // We answer at most HOWDY_RATE.max of them per window (each howdy is large), the rest are counted.
    clock.advance(3000)
    expect(responded).toBe(HOWDY_RATE.max)
    expect(h.rateLimited).toBe(HOWDY_MAX_ACTIVE - HOWDY_RATE.max)
    // Once the window has passed, a newcomer is welcomed again.
    clock.advance(HOWDY_RATE.windowMs)
    h.onHeyThere('real-newcomer')
    clock.advance(3000)
    expect(responded).toBe(HOWDY_RATE.max + 1)
    clock.advance(30_000)
    expect(clock.pendingTimers()).toBe(0)
  })

  it('StartTimeVotes: howdys addressed to us after boot cannot grow the vote list without bound', () => {
    const v = new StartTimeVotes()
    for (let i = 0; i < 100_000; i++) v.add(1_768_800_000 + i, 100)
    expect(v.count).toBe(MAX_START_TIME_VOTES)
    expect(v.consensus()).toBeGreaterThan(0)
  })

  it('a real node on a real broker: 5000 signed random-name hey_theres + newspapers cannot push out a bound peer; admission is rate-limited', async () => {
    const broker = await startAedes('127.0.0.61')
    cleanups.push(() => broker.stop())
    const node = makeNode('target', broker.url, { timings: { tickMs: 1000 } })
    cleanups.push(() => node.stop())
    await node.start()
    const friend = makeNode('friend', broker.url)
    cleanups.push(() => friend.stop())
    await friend.start()
    await eventually(() => expect(node.neighbour('friend')?.status).toBe('ONLINE'), 8000)
    expect(node.neighbourhood.get('friend')!.keyBound).toBe(true)

    const flooder = await mqtt.connectAsync(broker.url, { clientId: 'flooder', reconnectPeriod: 0 })
    cleanups.push(() => flooder.endAsync())
    const signer = testIdentity('paperboy').signer!
    const total = MAX_NEIGHBOURS + 904
    for (let i = 0; i < total; i++) {
      const name = randomName()
      // Validly signed with the flooder's own key: each invented name would bind to it.
      const e = signEvent(newHeyThereEvent({ From: name, PublicKey: signer.publicKeyBase64, MeshIP: '', ID: `id-${i}` }, BigInt(Date.now()) * 1_000_000n), name, signer)
      flooder.publish('nara/plaza/hey_there', encodeEvent(e), { qos: 0 })
      if (i % 4 === 0) {
        const paper = buildNewspaper(name, zeroStatus(), signer)
        flooder.publish(`nara/newspaper/${name}`, encodeNewspaperEnvelope(name, paper.statusJson, paper.signature), { qos: 0 })
      }
      if (i % 500 === 0) await new Promise((r) => setTimeout(r, 5))
    }
    // The flooder's messages arrive in order: once its sentinel is handled, the whole flood was.
    const sentinels = (): number => node.stats().dropped['flag:ignored_stash_refresh'] ?? 0
    flooder.publish('nara/plaza/stash_refresh', '{}', { qos: 0 })
    await eventually(() => expect(sentinels()).toBe(1), 30_000, 50)
    expect(node.drops.get('hey_there_admission_limited')).toBeGreaterThan(0)
    expect(node.neighbourhood.size).toBeLessThanOrEqual(MAX_NEIGHBOURS)
    expect(node.newspapers().length).toBeLessThanOrEqual(MAX_NEIGHBOURS)
    // Every newspaper view belongs to a peer we still know.
    for (const v of node.newspapers()) expect(node.neighbourhood.get(v.from)).toBeDefined()
    // The bound peer kept its place, its key and its status.
    expect(node.neighbourhood.get('friend')?.publicKey).toBe(friend.identity.publicKeyBase64)
    expect(node.neighbour('friend')?.status).toBe('ONLINE')
    // The node is still alive and answers: once the flood has passed and the limiter refilled, a newcomer is learnt.
    await new Promise((r) => setTimeout(r, 1000))
    const late = makeNode('late', broker.url)
    cleanups.push(() => late.stop())
    await late.start()
    await eventually(() => expect(node.neighbour('late')?.status).toBe('ONLINE'), 20_000)
  }, 60_000)

  it('Neighbourhood: a full table makes room among unbound names first; bound peers survive any flood', () => {
    const hood = new Neighbourhood('me', 50)
    const now = 1_768_800_000_000
    for (let i = 0; i < 10; i++) hood.bindKey(`known-${i}`, testIdentity(`known-${i}`).publicKeyBase64, now)
    for (let i = 0; i < 10_000; i++) hood.ensure(randomName(), now)
    for (let i = 0; i < 10; i++) expect(hood.get(`known-${i}`)?.keyBound).toBe(true)
    expect(hood.size).toBe(50)
    // Names bound by a flood (each to the flooder's key) go before established bound peers.
    const later = now + ESTABLISHED_AFTER_MS
    for (let i = 0; i < 10_000; i++) hood.bindKey(randomName(), testIdentity('flooder').publicKeyBase64, later)
    for (let i = 0; i < 10; i++) expect(hood.get(`known-${i}`)?.keyBound).toBe(true)
    expect(hood.size).toBe(50)
    // Only when nothing else is left does an established bound record go (oldest first).
    const all = new Neighbourhood('me', 3)
    all.bindKey('a', testIdentity('a').publicKeyBase64, now)
    all.bindKey('b', testIdentity('b').publicKeyBase64, now)
    all.bindKey('c', testIdentity('c').publicKeyBase64, now)
    all.ensure('d', later)
    expect(all.get('a')).toBeUndefined()
    expect(all.get('b')).toBeDefined()
  })

  it('Neighbourhood: under random touches, bindings and ageing it evicts exactly what the plain rule picks (stalest unbound, then stalest young bound, then stalest bound)', () => {
    // The rule written the slow, obvious way: walk the recency lists in order.
    class Model {
      readonly records = new Map<string, { bound: boolean; firstSeenMs: number }>()
      readonly unbound: string[] = []
      readonly bound: string[] = []
      readonly evicted: string[] = []
      constructor(readonly max: number) {}
      ensure(name: string, now: number) {
        let r = this.records.get(name)
        const order = r?.bound ? this.bound : this.unbound
        if (order.includes(name)) order.splice(order.indexOf(name), 1)
        order.push(name)
        if (!r) {
          this.makeRoom(now)
          r = { bound: false, firstSeenMs: now }
          this.records.set(name, r)
        }
        return r
      }
      bind(name: string, now: number) {
        const r = this.ensure(name, now)
        if (r.bound) return
        r.bound = true
        this.unbound.splice(this.unbound.indexOf(name), 1)
        this.bound.push(name)
      }
      makeRoom(now: number) {
        while (this.records.size >= this.max) {
          const ok = (n: string): boolean => n !== 'me' && this.records.has(n)
          const victim =
            this.unbound.find(ok) ?? this.bound.find((n) => ok(n) && now - this.records.get(n)!.firstSeenMs < ESTABLISHED_AFTER_MS) ?? this.bound.find(ok)
          if (victim === undefined) return
          this.records.delete(victim)
          for (const order of [this.unbound, this.bound]) if (order.includes(victim)) order.splice(order.indexOf(victim), 1)
          this.evicted.push(victim)
        }
      }
    }
    const rnd = seededRandom(44)
    const hood = new Neighbourhood('me', 40)
    const model = new Model(40)
    const evicted: string[] = []
    hood.onEvict((n) => evicted.push(n))
    let now = 1_768_800_000_000
    for (let step = 0; step < 20_000; step++) {
      now += rnd.intn(4) === 0 ? rnd.intn(20_000) : 0
      const name = rnd.intn(10) === 0 ? 'me' : `n-${rnd.intn(120)}`
      if (rnd.intn(3) === 0) {
        hood.bindKey(name, testIdentity(name).publicKeyBase64, now)
        model.bind(name, now)
      } else {
        hood.ensure(name, now)
        model.ensure(name, now)
      }
      if (evicted.length !== model.evicted.length) expect({ step, evicted }).toEqual({ step, evicted: model.evicted })
    }
    expect(evicted).toEqual(model.evicted)
    expect(evicted.length).toBeGreaterThan(1000)
    expect(new Set(hood.names())).toEqual(new Set(model.records.keys()))
  })
})
