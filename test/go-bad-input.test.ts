/**
 * What a Go peer may send us that is large, new or unflattering — handled as Go does or better,
 * counted, never crashing (issue 12): a full-size howdy whose `Me` carries the sender's whole
 * Observations map, a newspaper with fields we do not know, zero/missing start times, and a
 * MISSING / offline opinion about us. Real node, real broker, everything through the transport.
 */
import { afterEach, describe, expect, it } from 'vitest'
import type { MqttClient } from 'mqtt'
import type { NaraNode } from '../main/core/node'
import { buildHowdy, encodeHowdy } from '../main/core/protocol/howdy'
import { buildNewspaper, encodeNewspaperEnvelope } from '../main/core/protocol/newspaper'
import { encodeEvent, newSocialEvent, signEvent } from '../main/core/protocol/events'
import type { NaraObservation, NaraStatus } from '../main/core/protocol/types'
import { DEFAULT_MAX_PAYLOAD_BYTES } from '../main/core/plaza/transport'
import { connectClient, recordingBroker } from './interop-harness'
import { eventually, makeNode, testIdentity, helloFrom } from './support/nodes'

const cleanups: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const f of cleanups.splice(0).reverse()) await f().catch(() => {})
})

const GO = testIdentity('gopher')
const nowS = (): number => Math.floor(Date.now() / 1000)

function goStatus(observations: Record<string, NaraObservation> | null): NaraStatus {
  return {
    LicensePlate: '🛸', Flair: '🧊', HostStats: { Uptime: 90_000, LoadAvg: 0.3, MemAllocMB: 20, MemSysMB: 90, MemHeapMB: 50, MemStackMB: 1, NumGoroutines: 40, NumGC: 3, ProcCPUPercent: 1 },
    Chattiness: 40, Buzz: 12, Observations: observations, Trend: '', TrendEmoji: '', Personality: { Agreeableness: 36, Sociability: 39, Chill: 14 },
    Aura: { primary: '#1C7C4E', secondary: '#6F0A58' }, Version: '0.2.0', PublicUrl: '', PublicKey: GO.publicKeyBase64, ID: GO.id,
    MeshEnabled: false, MeshIP: '', transport_mode: 'hybrid'
  }
}

/** A Go howdy's `Me.Observations`: one entry per nara it knows, every field set (the largest shape). */
function fullObservations(n: number): Record<string, NaraObservation> {
  const out: Record<string, NaraObservation> = {}
  const t = nowS()
  for (let i = 0; i < n; i++) {
    out[`nara-number-${String(i).padStart(4, '0')}`] = {
      restarts: 1234, total_uptime: 98_765_432, start_time: t - 9_000_000, online: i % 3 ? 'ONLINE' : 'MISSING',
      last_seen: t - i, last_restart: t - 86_400, cluster_name: 'barrio-del-sol', cluster_emoji: '🌻',
      last_ping_rtt: 12.345, avg_ping_rtt: 13.456, last_ping_time: t - i
    }
  }
  return out
}

async function setup(): Promise<{ node: NaraNode; go: MqttClient }> {
  const broker = await recordingBroker()
  cleanups.push(() => broker.stop())
  const node = makeNode('deskie', broker.url, { transport: 'mqtt' })
  cleanups.push(() => node.stop(1000))
  await node.start()
  await eventually(() => expect(node.nodeState).toBe('online'))
  const go = await connectClient(broker.url, 'gopher')
  cleanups.push(() => new Promise<void>((r) => go.end(true, {}, () => r())))
  return { node, go }
}

const dropped = (node: NaraNode): Record<string, number> => node.stats().dropped

describe('bad or unexpected input from a Go peer', () => {
  it('a full-size Go howdy (1,000 observations in Me, You says MISSING with no start time) is taken, counted, and changes nothing about us', async () => {
    const { node, go } = await setup()
    const howdy = encodeHowdy(buildHowdy({ from: 'gopher', to: 'deskie', seq: 1, you: { online: 'MISSING' }, neighbors: null, me: goStatus(fullObservations(1000)) }, GO.signer!))
    const bytes = Buffer.byteLength(howdy)
    expect(bytes).toBeGreaterThan(256 * 1024) // the old inbound cap would have dropped it
    expect(bytes).toBeLessThan(DEFAULT_MAX_PAYLOAD_BYTES)
    go.publish('nara/plaza/howdy', howdy, { qos: 0 })
    await eventually(() => expect(dropped(node)['flag:howdy_says_we_are_missing']).toBe(1))
    expect(dropped(node)['flag:howdy_you_without_start_time']).toBe(1)
    expect(dropped(node)['too_large'] ?? 0).toBe(0)
    expect(node.peers().find((p) => p.name === 'gopher')?.status).toBe('ONLINE')
    expect(node.nodeState).toBe('online')
    expect(node.startTime).toBe(0) // no vote from a zero start time (still booting here)
  })

  it('a message over the cap is dropped and counted; the node keeps going', async () => {
    const { node, go } = await setup()
    const huge = encodeHowdy(buildHowdy({ from: 'gopher', to: 'deskie', seq: 1, you: {}, neighbors: null, me: goStatus(fullObservations(4000)) }, GO.signer!))
    expect(Buffer.byteLength(huge)).toBeGreaterThan(DEFAULT_MAX_PAYLOAD_BYTES)
    go.publish('nara/plaza/howdy', huge, { qos: 0 })
    await eventually(() => expect(dropped(node)['too_large']).toBe(1))
    go.publish('nara/plaza/hey_there', helloFrom(GO, Date.now()), { qos: 0 })
    go.publish('nara/newspaper/gopher', buildNewspaper('gopher', goStatus(null), GO.signer!).payload, { qos: 0 })
    await eventually(() => expect(node.peers().find((p) => p.name === 'gopher')?.status).toBe('ONLINE'))
  })

  it('a newspaper with fields we do not know verifies over its raw bytes and is kept', async () => {
    const { node, go } = await setup()
    const raw = JSON.stringify({ ...goStatus(null), FutureField: { nested: [1, 2, 3] }, zz_new: 'x' })
    go.publish('nara/newspaper/gopher', encodeNewspaperEnvelope('gopher', raw, GO.signer!.signBase64(raw)), { qos: 0 })
    await eventually(() => expect(node.peers().find((p) => p.name === 'gopher')?.trust).toBe('verified'))
    expect(Object.keys(dropped(node)).filter((k) => k.startsWith('newspaper_'))).toEqual([])
  })

  it("a Go peer's signed social offline about us (it heard a chau) is stored and counted; we stay online", async () => {
    const { node, go } = await setup()
    go.publish('nara/newspaper/gopher', buildNewspaper('gopher', goStatus(null), GO.signer!).payload, { qos: 0 })
    await eventually(() => expect(node.peers().find((p) => p.name === 'gopher')).toBeDefined())
    const e = signEvent(newSocialEvent({ type: 'observation', actor: 'gopher', target: 'deskie', reason: 'offline' }, BigInt(Date.now()) * 1_000_000n), 'gopher', GO.signer!)
    go.publish('nara/plaza/social', encodeEvent(e), { qos: 0 })
    await eventually(() => expect(dropped(node)['flag:peer_saw_us_offline']).toBe(1))
    expect(node.ledger.has(e.id)).toBe(true)
    expect(node.nodeState).toBe('online')
    expect(node.selfView().state).toBe('online')
  })
})
