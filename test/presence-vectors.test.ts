/**
 * Reference-signed payloads from ../shared/vectors published raw on a real broker: the node
 * accepts the genuine ones and rejects their tampered twins.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import mqtt, { type MqttClient } from 'mqtt'
import { loadVectors } from './support/vectors'
import { startAedes, type TestBroker } from './support/brokers'
import { clockAt, eventually, makeNode } from './support/nodes'
import type { NaraNode } from '../main/core/node'
import { signerFromSeed } from '../main/core/protocol/crypto'
import { encodeEvent, newHeyThereEvent, signEvent } from '../main/core/protocol/events'
import { socialEventIsMeaningful } from '../main/core/presence/socialFilter'
import { decodeNewspaper, verifyNewspaper } from '../main/core/protocol/newspaper'
import type { EventView } from '../main/core/views'

let broker: TestBroker
let node: NaraNode
let raw: MqttClient
const events: EventView[] = []

/** The vectors were signed around this time (ms): the node lives then, so they are fresh, not replays. */
const VECTOR_ERA_MS = Math.floor(Number(BigInt(JSON.parse(loadVectors('events.json').cases.find((c) => c.name === 'chau/no-id')!.json).ts) / 1_000_000n)) + 60_000

beforeAll(async () => {
  broker = await startAedes()
  node = makeNode('vectortest', broker.url, {}, { clock: clockAt(VECTOR_ERA_MS) })
  node.on('event', (e) => events.push(e))
  await node.start()
  raw = mqtt.connect(broker.url, { clientId: 'raw-publisher', reconnectPeriod: 0 })
  await new Promise<void>((r) => raw.once('connect', () => r()))
})

afterAll(async () => {
  raw.end(true)
  await node.stop()
  await broker.stop()
})

const sentinels = (): number => node.stats().dropped['flag:ignored_stash_refresh'] ?? 0

/**
 * Publishes one raw payload, then a sentinel on a topic the node ignores; one publisher's
 * messages arrive in order, so once the sentinel is handled the payload was too.
 */
async function deliver(topic: string, payload: string): Promise<void> {
  const before = sentinels()
  await new Promise<void>((r) => raw.publish(topic, payload, { qos: 0 }, () => r()))
  await new Promise<void>((r) => raw.publish('nara/plaza/stash_refresh', '{}', { qos: 0 }, () => r()))
  await eventually(() => expect(sentinels()).toBeGreaterThan(before), 3000, 5)
}

/** Refusals other than replays (a vector heard a second time is refused as a replay, by design). */
function dropsNow(): number {
  const all = node.drops.snapshot()
  return Object.entries(all).reduce((n, [k, v]) => (k.endsWith('_replay') ? n : n + v), 0)
}

const ev = loadVectors('events.json').cases

describe('TestHeyThereBootstrap', () => {
  it('imports identity and mesh IP from a reference hey_there', async () => {
    const c = ev.find((x) => x.name === 'hey-there/full')!
    await deliver('nara/plaza/hey_there', c.json)
    const v = node.neighbours().find((n) => n.name === c.signer.name)!
    expect(v).toBeDefined()
    expect(v.publicKey).toBe(c.signer.public_key)
    expect(v.id).toBe(c.signer.nara_id)
    expect(v.meshIP).toBe(JSON.parse(c.json).hey_there.MeshIP)
    expect(v.trust).toBe('verified')
    expect(node.ledger.has(c.id)).toBe(true)
  })

  it('accepts the seed spelling nara/plaza/hey-there too', async () => {
    const c = ev.find((x) => x.name === 'hey-there/no-mesh-ip')!
    await deliver('nara/plaza/hey-there', c.json)
    expect(node.neighbours().find((n) => n.name === c.signer.name)?.publicKey).toBe(c.signer.public_key)
  })
})

describe('TestMQTT_SignedSyncEvents', () => {
  beforeAll(async () => {
    // Make every vector signer's key known the way the network does: a signed hey_there.
    const signers = new Map<string, any>()
    for (const c of ev) if (c.signer) signers.set(c.signer.name, c.signer)
    for (const s of signers.values()) {
      const signer = signerFromSeed(Buffer.from(s.seed_hex, 'hex'))
      // Dated before every vector, so each vector is newer evidence than this introduction.
      const e = signEvent(newHeyThereEvent({ From: s.name, PublicKey: s.public_key, ID: s.nara_id }, BigInt(VECTOR_ERA_MS - 5 * 60_000) * 1_000_000n), s.name, signer)
      await deliver('nara/plaza/hey_there', encodeEvent(e))
    }
  })

  const topicFor: Record<string, string> = { 'hey-there': 'nara/plaza/hey_there', chau: 'nara/plaza/chau', social: 'nara/plaza/social' }
  const cases = ev.filter((c) => topicFor[c.service] && c.signed)
  it.each(cases.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const d0 = dropsNow()
    const e0 = events.length
    await deliver(topicFor[c.service]!, c.json)
    const parsed = JSON.parse(c.json)
    if (c.expect_valid) {
      expect(dropsNow()).toBe(d0)
      const stored = node.ledger.has(parsed.id)
      if (c.service === 'social' && !socialEventIsMeaningful(parsed.social, node.identity.personality)) {
        expect(node.stats().dropped['flag:social_filtered_by_personality']).toBeGreaterThan(0)
      } else {
        expect(stored).toBe(true)
        const mine = events.slice(e0).find((x) => x.id === parsed.id)
        if (mine) expect(mine.trust).toBe('verified')
      }
    } else {
      expect(dropsNow()).toBe(d0 + 1)
      // Shown on the Timeline only as rejected, never as an accepted event.
      expect(events.slice(e0).some((x) => x.id === parsed.id && x.json === c.json && !x.rejected)).toBe(false)
    }
  })

  it('unsigned social is kept but marked unsigned (Go accepts it; we do not trust it)', async () => {
    const c = ev.find((x) => x.name === 'social/unsigned')!
    const e0 = events.length
    await deliver('nara/plaza/social', c.json)
    const parsed = JSON.parse(c.json)
    if (socialEventIsMeaningful(parsed.social, node.identity.personality)) {
      expect(events.slice(e0).find((x) => x.id === parsed.id)?.trust).toBe('unsigned')
    }
  })

  it('bad input of every class is dropped with a reason and the node keeps running', async () => {
    const before = node.drops.snapshot()
    await deliver('nara/plaza/hey_there', '{not json')
    await deliver('nara/plaza/hey_there', '{"id":"x","ts":"nope","svc":"hey-there"}')
    await deliver('nara/plaza/hey_there', '{"id":"ab","ts":1,"svc":"hey-there"}')
    await deliver('nara/plaza/chau', '[]')
    await deliver('nara/plaza/howdy', '{"From":5}')
    await deliver('nara/newspaper/zed', '{"From":"zed","Status":"x","Signature":""}')
    await deliver('nara/ledger/vectortest/request', '{"From":[]}')
    await deliver('nara/checkpoint/final', '{}')
    await deliver('nara/plaza/social', 'x'.repeat(1100 * 1024)) // over the 1 MiB inbound cap
    const after = node.drops.snapshot()
    const grew = Object.keys(after).filter((k) => (after[k] ?? 0) > (before[k] ?? 0))
    expect(grew.length).toBeGreaterThanOrEqual(6)
    expect(node.drops.get('too_large')).toBeGreaterThanOrEqual(1)
    expect(node.plazaConnected).toBe(true)
  })
})

describe('TestMQTT_NewspaperSignature', () => {
  const np = loadVectors('newspaper.json').cases
  it.each(np.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const refused0 = node.drops.get('newspaper_bad_signature')
    const before = node.neighbour(c.from)
    await deliver(c.topic, c.envelope_json)
    const paper = node.newspapers().find((p) => p.from === c.from)!
    expect(paper).toBeDefined()
    const n = node.neighbours().find((v) => v.name === c.from)!
    if (c.expect_valid) {
      expect(paper.trust).toBe('verified')
      expect(n.trust).toBe('verified')
    } else {
      // A badly signed paper about a bound name changes nothing about it (trust-model.md).
      expect(node.drops.get('newspaper_bad_signature')).toBe(refused0 + 1)
      expect(n.trust).toBe('verified')
      expect(n.buzz).toBe(before?.buzz)
      expect(n.publicKey).toBe(before?.publicKey)
    }
  })

  it('our own newspaper is slim, signed over the raw Status bytes, and verifies', async () => {
    const got = new Promise<string>((resolve) => raw.on('message', (t, p) => t === 'nara/newspaper/vectortest' && resolve(p.toString())))
    raw.subscribe('nara/newspaper/vectortest')
    await new Promise((r) => setTimeout(r, 50))
    expect(node.publishNewspaper()).toBe(true)
    const payload = await got
    const d = decodeNewspaper(payload)
    expect(d.ok).toBe(true)
    if (!d.ok) return
    expect(d.value.status.Observations).toBeNull()
    expect(d.value.status.ID).toBe(node.identity.id)
    expect(verifyNewspaper(d.value).valid).toBe(true)
  })
})

describe('howdy vectors on the plaza', () => {
  const hv = loadVectors('howdy.json').cases
  it.each(hv.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const refused = (): number => node.drops.get('howdy_bad_signature') + node.drops.get('howdy_key_conflict')
    const d0 = refused()
    await deliver('nara/plaza/howdy', c.json)
    expect(refused()).toBe(c.expect_valid ? d0 : d0 + 1)
    if (c.expect_valid) expect(node.neighbours().find((v) => v.name === c.from)).toBeDefined()
  })
})
