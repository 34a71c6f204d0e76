import { afterEach, describe, expect, it } from 'vitest'
import mqtt from 'mqtt'
import { ManualClock, seededRandom, type Random } from '../main/core/clock'
import { HowdyCoordinator, selectNeighborsForHowdy } from '../main/core/presence/howdy'
import { Neighbourhood } from '../main/core/presence/neighbourhood'
import { chattinessRate, newspaperIntervalMs } from '../main/core/presence/cadence'
import { decodeHowdy } from '../main/core/protocol/howdy'
import { encodeEvent, newHeyThereEvent, signEvent } from '../main/core/protocol/events'
import { startAedes } from './support/brokers'
import { makeNode, testIdentity, eventually } from './support/nodes'
import type { NaraNode } from '../main/core/node'

const cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!()
})

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

/** Moves a shared manual clock forward in small steps, letting real socket I/O run between them. */
async function pump(clock: ManualClock, ms: number, step = 2): Promise<void> {
  for (let t = 0; t < ms; t += step) {
    clock.advance(step)
    await sleep(1)
  }
}

describe('TestHowdyCoordination', () => {
  it('coordinators answer at most 10 times per newcomer when they hear each other (pure, ManualClock)', () => {
    const clock = new ManualClock()
    const sent: { from: number; seq: number }[] = []
    const coords: HowdyCoordinator[] = []
    for (let i = 0; i < 12; i++) {
      coords.push(
        new HowdyCoordinator({
          clock,
          random: seededRandom(100 + i),
          respond: (target, seq) => {
            sent.push({ from: i, seq })
            for (const c of coords) c.onHowdySeen(target, `n${i}`, [])
          }
        })
      )
    }
    for (const c of coords) c.onHeyThere('newbie')
    clock.advance(2999)
    expect(sent.length).toBe(10)
    expect(sent.map((s) => s.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10])
    clock.advance(30_000)
    expect(clock.pendingTimers()).toBe(0)
  })

  it('selects neighbours online-first, then least recently active, skipping self, target and mentioned', () => {
    const hood = new Neighbourhood('me')
    const now = 1_768_800_000_000
    const add = (name: string, online: string, lastSeen: number): void => {
      const r = hood.ensure(name, now)
      r.observation = { online, last_seen: lastSeen }
    }
    add('me', 'ONLINE', 1)
    add('new', 'ONLINE', 1)
    add('old-online', 'ONLINE', 100)
    add('fresh-online', 'ONLINE', 900)
    add('missing', 'MISSING', 5)
    add('said', 'ONLINE', 2)
    for (let i = 0; i < 20; i++) add(`x${i}`, 'OFFLINE', 1000 + i)
    const picked = selectNeighborsForHowdy(hood.all(), 'me', 'new', new Set(['said']))
    expect(picked.map((p) => p.Name).slice(0, 3)).toEqual(['old-online', 'fresh-online', 'missing'])
    expect(picked).toHaveLength(10)
    expect(picked.map((p) => p.Name)).not.toContain('said')
  })

  it('a newcomer joining 12 naras on a real broker receives at most 10 howdys and learns all 12 from them', async () => {
    const broker = await startAedes()
    cleanups.push(() => broker.stop())
    const clock = new ManualClock()
    const timings = { heyThereJitterMs: 20, howdyJitterMs: 600, tickMs: 1000 }
    const names = Array.from({ length: 12 }, (_, i) => `elder${i}`)
    const elders: NaraNode[] = []
    for (const [i, name] of names.entries()) {
      const n = makeNode(name, broker.url, { timings }, { clock, random: seededRandom(7 + i) })
      cleanups.push(() => n.stop(500))
      elders.push(n)
      await n.start()
      await pump(clock, 700, 10)
    }
    await eventually(() => {
      for (const e of elders) expect(e.neighbours().length).toBe(11)
    })
    const howdys: string[] = []
    const watcher = mqtt.connect(broker.url, { clientId: 'watcher', reconnectPeriod: 0 })
    cleanups.push(() => void watcher.end(true))
    await new Promise<void>((r) => watcher.once('connect', () => r()))
    await new Promise<void>((r) => watcher.subscribe('nara/plaza/howdy', () => r()))
    watcher.on('message', (_t, p) => {
      const h = decodeHowdy(p)
      if (h.ok && h.value.To === 'newbie') howdys.push(h.value.From)
    })
    const newbie = makeNode('newbie', broker.url, { timings }, { clock, random: seededRandom(99) })
    cleanups.push(() => newbie.stop(500))
    await newbie.start()
    // The coordination assumes each howdy reaches the others before their own timers fire. Real
    // delivery on a loaded machine can lag the virtual clock, so the clock only moves once the
    // plaza is quiet: every elder holds a coordinator for the newbie and has counted every howdy
    // sent so far (its own included). Without this, a busy machine let timers outrun delivery.
    const said = (): boolean => (newbie.ledger.countsByService()['hey-there'] ?? 0) > 0
    const sent = (): number => elders.filter((e) => e.howdyCoordination('newbie')?.responded).length
    const settled = (): void => {
      if (!said()) return
      for (const e of elders) expect(e.howdyCoordination('newbie')?.seen, e.name).toBe(sent())
    }
    for (let t = 0; t < 700; t++) {
      clock.advance(1)
      await eventually(settled, 8000, 2)
    }
    await eventually(() => {
      expect(howdys.length).toBe(sent())
      expect(newbie.neighbours()).toHaveLength(12)
    }, 8000)
    expect(howdys.length).toBeGreaterThanOrEqual(1)
    expect(howdys.length).toBeLessThanOrEqual(10)
    expect(new Set(howdys).size).toBe(howdys.length)
    const known = newbie.neighbours()
    expect(known.map((k) => k.name).sort()).toEqual([...names].sort())
    for (const k of known) {
      expect(k.id).toBe(testIdentity(k.name).id)
      expect(k.publicKey).toBe(testIdentity(k.name).publicKeyBase64)
    }
  })
})

describe('timers through the injected clock', () => {
  it('TestMQTT_ConnectJitter: the first hey_there waits exactly the drawn 0–4999 ms jitter after connect', async () => {
    const broker = await startAedes()
    cleanups.push(() => broker.stop())
    const clock = new ManualClock()
    const draws: number[] = []
    const base = seededRandom(3)
    const random: Random = {
      float: base.float,
      intn: (n) => {
        draws.push(n)
        return n === 5000 ? 1234 : base.intn(n)
      }
    }
    const node = makeNode('jittery', broker.url, { timings: { heyThereJitterMs: 5000 } }, { clock, random })
    cleanups.push(() => node.stop(500))
    await node.start()
    await eventually(() => expect(node.plazaConnected).toBe(true))
    expect(draws).toContain(5000)
    const heys = (): number => node.ledger.countsByService()['hey-there'] ?? 0
    clock.advance(1233)
    expect(heys()).toBe(0)
    expect(node.nodeState).toBe('joining')
    clock.advance(1)
    expect(heys()).toBe(1)
    expect(node.nodeState).toBe('online')
  })

  it('silence past the threshold → MISSING (injected clock), and the newspaper cadence follows chattiness', async () => {
    expect(chattinessRate(30, 300, 100)).toBe(30)
    expect(chattinessRate(30, 300, 0)).toBe(300)
    expect(newspaperIntervalMs(50)).toBe(165_000)
    const broker = await startAedes()
    cleanups.push(() => broker.stop())
    const clock = new ManualClock()
    const node = makeNode('watcher', broker.url, { timings: { tickMs: 1000 } }, { clock, random: seededRandom(5) })
    cleanups.push(() => node.stop(500))
    await node.start()
    await eventually(() => expect(node.plazaConnected).toBe(true))
    const ghost = testIdentity('ghost')
    const e = signEvent(newHeyThereEvent({ From: 'ghost', PublicKey: ghost.publicKeyBase64, ID: ghost.id }, clock.nowNs()), 'ghost', ghost.signer!)
    const pub = mqtt.connect(broker.url, { clientId: 'pub', reconnectPeriod: 0 })
    cleanups.push(() => void pub.end(true))
    await new Promise<void>((r) => pub.once('connect', () => r()))
    pub.publish('nara/plaza/hey_there', encodeEvent(e))
    await eventually(() => expect(node.neighbour('ghost')?.status).toBe('ONLINE'))
    const statuses: string[] = []
    node.on('peer', (v) => v.name === 'ghost' && statuses.push(v.status))
    clock.advance(300_000)
    expect(node.neighbour('ghost')?.status).toBe('ONLINE')
    clock.advance(1000)
    expect(node.neighbour('ghost')?.status).toBe('MISSING')
    expect(statuses).toContain('MISSING')
  })
})
