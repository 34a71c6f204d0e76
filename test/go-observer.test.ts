/**
 * What a Go nara thinks of us over an hour with the plaza alone (issue 12): our real node on a
 * real broker with a manual clock, and a Go observer modelled from the reference's rules
 * (test/support/goObserverModel.ts) listening on the same broker. The control run without our
 * plaza keep-alive shows the cycle Go falls into (MISSING, then a restart per newspaper), so the
 * main runs can fail.
 */
import { afterEach, describe, expect, it } from 'vitest'
import type { MqttClient } from 'mqtt'
import { ManualClock, seededRandom } from '../main/core/clock'
import { GO_TIMINGS } from '../main/core/config'
import type { NaraNode } from '../main/core/node'
import { encodeEvent, newHeyThereEvent, signEvent } from '../main/core/protocol/events'
import { buildNewspaper } from '../main/core/protocol/newspaper'
import type { HostStats, NaraStatus } from '../main/core/protocol/types'
import { decideKeepAlive, KEEPALIVE_EVERY_MS } from '../main/core/presence/plazaKeepAlive'
import { connectClient, recordingBroker, type RecordingBroker } from './interop-harness'
import { eventually, makeNode, testIdentity } from './support/nodes'
import { GoObserverModel, type GoPersonality } from './support/goObserverModel'

const cleanups: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const f of cleanups.splice(0).reverse()) await f().catch(() => {})
})

const HOST: HostStats = { Uptime: 1000, LoadAvg: 0.5, MemAllocMB: 1, MemSysMB: 1, MemHeapMB: 1, MemStackMB: 0, NumGoroutines: 0, NumGC: 0, ProcCPUPercent: 0 }
const STEP_MS = 5_000
const GO_NEWSPAPER_EVERY_MS = 120_000

/** A Go observer on the plaza: its MQTT client says hey_there, posts newspapers and feeds the model. */
async function goObserver(broker: RecordingBroker, name: string, personality: GoPersonality, clock: ManualClock) {
  const ident = testIdentity(name)
  const signer = ident.signer!
  const mq: MqttClient = await connectClient(broker.url, name)
  let received = 0
  const status: NaraStatus = {
    LicensePlate: '', Flair: '', HostStats: HOST, Chattiness: 50, Buzz: 10, Observations: null, Trend: '', TrendEmoji: '', Personality: personality,
    Aura: { primary: '#000000', secondary: '#FFFFFF' }, Version: '0.2.0', PublicUrl: '', PublicKey: signer.publicKeyBase64, ID: ident.id,
    MeshEnabled: false, MeshIP: '', transport_mode: 'hybrid'
  }
  const heyThere = (): void => {
    const e = signEvent(newHeyThereEvent({ From: name, PublicKey: signer.publicKeyBase64, MeshIP: '', ID: ident.id }, clock.nowNs()), name, signer)
    mq.publish('nara/plaza/hey_there', encodeEvent(e), { qos: 0 })
  }
  const model = new GoObserverModel(name, personality, () => clock.nowMs(), heyThere)
  mq.on('message', (topic, payload) => {
    received++
    model.receive(topic, payload)
  })
  await new Promise<void>((r) => mq.subscribe('nara/#', { qos: 0 }, () => r()))
  cleanups.push(() => new Promise<void>((r) => mq.end(true, {}, () => r())))
  return {
    model,
    received: () => received,
    heyThere,
    newspaper: () => mq.publish(`nara/newspaper/${name}`, buildNewspaper(name, status, signer).payload, { qos: 0 })
  }
}

async function hour(opts: { transport: 'mqtt' | 'hybrid'; personality: GoPersonality; keepAlive?: boolean; minutes?: number; paperEveryMs?: number }) {
  const broker = await recordingBroker()
  cleanups.push(() => broker.stop())
  const clock = new ManualClock()
  const go = await goObserver(broker, 'gopher', opts.personality, clock)
  go.heyThere()
  go.newspaper()
  const node: NaraNode = makeNode('desk', broker.url, { transport: opts.transport, timings: { ...GO_TIMINGS } }, {
    clock,
    random: seededRandom(12),
    hostStats: () => HOST,
    presence: { keepAlivePingMs: 0, plazaKeepAlive: opts.keepAlive ?? true }
  })
  cleanups.push(() => node.stop(2000))
  await node.start()
  // Every message the broker routed has reached the observer (real sockets, manual time).
  const delivered = async (): Promise<void> => {
    await new Promise((r) => setTimeout(r, 2))
    await eventually(() => expect(go.received()).toBe(broker.routed.length), 3000, 2)
  }
  const worst = { status: 'ONLINE' }
  let sinceNewspaper = 0
  const totalMs = (opts.minutes ?? 60) * 60_000
  for (let t = 0; t < totalMs; t += STEP_MS) {
    clock.advance(STEP_MS)
    sinceNewspaper += STEP_MS
    if (sinceNewspaper >= (opts.paperEveryMs ?? GO_NEWSPAPER_EVERY_MS)) {
      sinceNewspaper = 0
      go.newspaper()
    }
    await delivered()
    go.model.maintain()
    // Once the observer has heard of us, it must never call us anything but ONLINE.
    const s = go.model.statusOf('desk')
    if (s !== '' && s !== 'ONLINE') worst.status = s
  }
  const mine = (topic: string): number => broker.published.filter((p) => p.clientId === 'desk' && p.topic === topic).length
  return {
    model: go.model,
    node,
    worst: worst.status,
    sent: { heyThere: mine('nara/plaza/hey_there'), social: mine('nara/plaza/social'), howdy: mine('nara/plaza/howdy'), papers: mine('nara/newspaper/desk') }
  }
}

const EVERYDAY: GoPersonality = { Agreeableness: 36, Sociability: 39, Chill: 14 }
const VERY_CHILL: GoPersonality = { Agreeableness: 50, Sociability: 50, Chill: 90 }

describe('a Go observer keeps us ONLINE for an hour, plaza only', () => {
  it('control: without the plaza keep-alive, Go rules flip us MISSING and count restarts', async () => {
    const r = await hour({ transport: 'mqtt', personality: EVERYDAY, keepAlive: false, minutes: 20 })
    expect(r.model.counts.missingReports).toBeGreaterThan(0)
    expect(r.model.observationOf('desk')!.restarts).toBeGreaterThan(0)
    expect(r.model.history.get('desk')).toContain('MISSING')
  }, 60_000)

  for (const transport of ['mqtt', 'hybrid'] as const) {
    it(`${transport}: ONLINE throughout, 0 restarts, no whodis, one social event per ${KEEPALIVE_EVERY_MS / 60_000} min and no periodic hey_there`, async () => {
      const r = await hour({ transport, personality: EVERYDAY })
      expect(r.worst).toBe('ONLINE')
      expect(r.model.history.get('desk')).toEqual(['ONLINE'])
      expect(r.model.observationOf('desk')!.restarts).toBe(0)
      expect(r.model.counts.missingReports).toBe(0)
      expect(r.model.counts.whodis).toBe(0) // our hey_there came before our first newspaper
      expect(r.model.counts.badSignature).toBe(0)
      // Ours at join, and our "whodis" on the observer's first newspaper (its hello came before we connected), as Go does.
      expect(r.sent.heyThere).toBe(2)
      // 60 min / 4 min = 15 keep-alives at most (fewer if other stored events went out).
      expect(r.sent.social).toBeGreaterThanOrEqual(13)
      expect(r.sent.social).toBeLessThanOrEqual(15)
      expect(r.model.counts.socialStored).toBe(r.sent.social)
      expect(r.node.plazaKeepAlive.sent.social).toBe(r.sent.social)
    }, 90_000)
  }

  it('a quiet Go observer (a newspaper every 320 s, so it often looks MISSING to us) still gets our keep-alive', async () => {
    const r = await hour({ transport: 'mqtt', personality: EVERYDAY, paperEveryMs: 320_000 })
    expect(r.worst).toBe('ONLINE')
    expect(r.model.observationOf('desk')!.restarts).toBe(0)
    expect(r.model.counts.missingReports).toBe(0)
    expect(r.sent.social).toBeGreaterThanOrEqual(13)
  }, 90_000)

  it('a very chill Go observer (Chill > 85) drops online observations: we say hey_there instead and stay ONLINE', async () => {
    const r = await hour({ transport: 'mqtt', personality: VERY_CHILL })
    expect(r.worst).toBe('ONLINE')
    expect(r.model.observationOf('desk')!.restarts).toBe(0)
    expect(r.model.counts.missingReports).toBe(0)
    expect(r.sent.social).toBe(0)
    expect(r.sent.heyThere).toBeGreaterThanOrEqual(14)
    expect(r.sent.heyThere).toBeLessThanOrEqual(16)
  }, 90_000)
})

describe('decideKeepAlive (pure)', () => {
  const everyday = { Agreeableness: 50, Sociability: 50, Chill: 10 }
  it('waits while our last stored event is recent; with nobody known it still speaks (about itself)', () => {
    expect(decideKeepAlive({ me: 'me', nowMs: KEEPALIVE_EVERY_MS - 1, lastLandedMs: 0, listeners: [{ name: 'a', online: true, personality: everyday }] })).toEqual({ send: false, why: 'recent' })
    expect(decideKeepAlive({ me: 'me', nowMs: KEEPALIVE_EVERY_MS, lastLandedMs: 0, listeners: [] })).toEqual({ send: true, kind: 'social', target: 'me' })
  })
  it('names the most recent ONLINE listener, else ourselves; a very chill listener turns it into a hey_there', () => {
    const at = { me: 'me', nowMs: KEEPALIVE_EVERY_MS, lastLandedMs: 0 }
    expect(decideKeepAlive({ ...at, listeners: [{ name: 'quiet', online: false, personality: null }, { name: 'b', online: true, personality: everyday }] })).toEqual({ send: true, kind: 'social', target: 'b' })
    expect(decideKeepAlive({ ...at, listeners: [{ name: 'quiet', online: false, personality: everyday }] })).toEqual({ send: true, kind: 'social', target: 'me' })
    expect(decideKeepAlive({ ...at, listeners: [{ name: 'b', online: true, personality: everyday }, { name: 'zen', online: false, personality: { ...everyday, Chill: 86 } }] })).toEqual({ send: true, kind: 'hey-there' })
  })
})

describe('the keep-alive rule is cheap when nothing is due', () => {
  it('asks for the listeners (a walk over every neighbour) only when a keep-alive is due', () => {
    let asked = 0
    const listeners = () => (asked++, [])
    expect(decideKeepAlive({ me: 'me', nowMs: KEEPALIVE_EVERY_MS - 1, lastLandedMs: 0, listeners })).toEqual({ send: false, why: 'recent' })
    expect(asked).toBe(0)
    expect(decideKeepAlive({ me: 'me', nowMs: KEEPALIVE_EVERY_MS, lastLandedMs: 0, listeners })).toEqual({ send: true, kind: 'social', target: 'me' })
    expect(asked).toBe(1)
  })
})
