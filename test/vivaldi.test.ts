/**
 * Vivaldi coordinates as the reference moves them (vivaldi.go): hand-computed steps, the clamps,
 * and the node moving its own point after a maintenance ping (ManualClock, stubbed mesh ping with
 * a fixed RTT), which its newspapers and GET /coordinates then carry.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { ManualClock, seededRandom } from '../main/core/clock'
import { GO_TIMINGS } from '../main/core/config'
import type { MeshAttachment } from '../main/core/node'
import { meshHostFor } from '../main/core/mesh/nodeMesh'
import { vivaldiDistance, vivaldiUpdate, validCoordinates } from '../main/core/presence/vivaldi'
import { buildNewspaper, decodeNewspaper } from '../main/core/protocol/newspaper'
import type { Coordinates, NaraStatus } from '../main/core/protocol/types'
import { recordingBroker } from './interop-harness'
import { eventually, makeNode, testIdentity, helloFrom } from './support/nodes'

const cleanups: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const f of cleanups.splice(0).reverse()) await f().catch(() => {})
})

describe('vivaldiUpdate', () => {
  it('one step by hand: me (0,0) h=0.1 e=1, peer (3,4) h=0.1 e=1, rtt 25 ms', () => {
    const me: Coordinates = { x: 0, y: 0, height: 0.1, error: 1 }
    const peer: Coordinates = { x: 3, y: 4, height: 0.1, error: 1 }
    // predicted = 5 + 0.2 = 5.2; err = 19.8; w = 0.5; error = 1·0.25·0.5 + 19.8·(1 − 0.125) → clamped to 2
    // delta = 0.25·0.5·19.8 = 2.475 along (me − peer)/|me − peer| = (−0.6, −0.8); height += 0.2475
    expect(vivaldiDistance(me, peer)).toBeCloseTo(5.2, 12)
    expect(vivaldiUpdate(me, peer, 25, () => 0)).toBe(2)
    expect(me.x).toBeCloseTo(-1.485, 12)
    expect(me.y).toBeCloseTo(-1.98, 12)
    expect(me.height).toBeCloseTo(0.3475, 12)
  })

  it('moves closer when the RTT is shorter than predicted, keeps height ≥ 1e-5 and error ≥ 0.001', () => {
    const me: Coordinates = { x: 100, y: 0, height: 0.00001, error: 0.002 }
    const peer: Coordinates = { x: 0, y: 0, height: 0.00001, error: 0.002 }
    vivaldiUpdate(me, peer, 10, () => 0)
    expect(me.x).toBeLessThan(100)
    expect(me.height).toBe(0.00001)
    expect(me.error).toBeGreaterThanOrEqual(0.001)
  })

  it('a zero RTT (loopback in whole ms) or an invalid peer changes nothing', () => {
    const me: Coordinates = { x: 1, y: 2, height: 0.1, error: 0.5 }
    const before = { ...me }
    vivaldiUpdate(me, { x: 0, y: 0, height: 0, error: 1 }, 0, () => 0)
    vivaldiUpdate(me, { x: Number.NaN, y: 0, height: 0, error: 1 }, 30, () => 0)
    expect(me).toEqual(before)
    expect(validCoordinates({ x: 1, y: 1, height: 1, error: Number.POSITIVE_INFINITY })).toBe(false)
  })

  it('coincident points move in a random direction (never NaN)', () => {
    const me: Coordinates = { x: 0, y: 0, height: 0.00001, error: 1 }
    vivaldiUpdate(me, { x: 0, y: 0, height: 0.00001, error: 1 }, 20, () => 0.25)
    expect(me.x).toBeCloseTo(0, 12) // cos(π/2)
    expect(me.y).toBeGreaterThan(0)
  })
})

describe('the node moves its coordinates from maintenance pings', () => {
  it('after a 40 ms ping to a peer with coordinates, our point, newspaper and /coordinates change', async () => {
    const broker = await recordingBroker()
    cleanups.push(() => broker.stop())
    const clock = new ManualClock()
    const node = makeNode('vivi', broker.url, { transport: 'hybrid', timings: { ...GO_TIMINGS } }, { clock, random: seededRandom(5), presence: { keepAlivePingMs: 30_000 } })
    cleanups.push(() => node.stop(1000))
    const pinged: string[] = []
    const fakeMesh: MeshAttachment = { start: async () => {}, stop: async () => {}, ping: async (name) => (pinged.push(name), { rttMs: 40.7 }) }
    node.attachMesh(fakeMesh)
    await node.start()
    clock.advance(5000)
    await eventually(() => expect(node.nodeState).toBe('online'))
    const peer = testIdentity('farpeer')
    const status: NaraStatus = {
      LicensePlate: '', Flair: '', HostStats: { Uptime: 1, LoadAvg: 0, MemAllocMB: 0, MemSysMB: 0, MemHeapMB: 0, MemStackMB: 0, NumGoroutines: 0, NumGC: 0, ProcCPUPercent: 0 },
      Chattiness: 50, Buzz: 0, Observations: null, Trend: '', TrendEmoji: '', Personality: { Agreeableness: 1, Sociability: 1, Chill: 1 },
      Aura: { primary: '', secondary: '' }, Version: '', PublicUrl: '', PublicKey: peer.publicKeyBase64, ID: peer.id, MeshEnabled: true, MeshIP: '100.70.1.1', transport_mode: 'hybrid',
      coordinates: { x: 30, y: 40, height: 0.00001, error: 0.2 }
    }
    node.receive('nara/plaza/hey_there', helloFrom(peer, clock.nowMs()))
    node.receive('nara/newspaper/farpeer', Buffer.from(buildNewspaper('farpeer', status, peer.signer!).payload))
    const before = node.vivaldiCoordinates
    clock.advance(30_000)
    await eventually(() => expect(pinged).toContain('farpeer'))
    await eventually(() => expect(node.vivaldiCoordinates).not.toEqual(before))
    const after = node.vivaldiCoordinates
    expect(vivaldiDistance(after, status.coordinates!)).toBeLessThan(vivaldiDistance(before, status.coordinates!) + 40) // moved along the line
    expect(node.peers().find((p) => p.name === 'farpeer')?.lastPingRttMs).toBe(41)
    expect(meshHostFor(node).coordinates!()).toEqual(after)
    const count = (): number => broker.published.filter((p) => p.topic === 'nara/newspaper/vivi').length
    await new Promise((r) => setTimeout(r, 50))
    const had = count()
    expect(node.publishNewspaper()).toBe(true)
    await eventually(() => expect(count()).toBeGreaterThan(had))
    const papers = broker.published.filter((p) => p.topic === 'nara/newspaper/vivi')
    const d = decodeNewspaper(papers[papers.length - 1]!.payload)
    if (!d.ok) throw new Error(d.error.reason)
    expect(d.value.status.coordinates).toEqual(after)
  })
})
