/**
 * World journeys among our own nodes (Go `world.go`): a postcard started by one node travels
 * over the mesh (127.0.51.x) through three others and back, every hop signed; postcards with
 * broken chains, loops, replays or strangers' claims are refused with a counted reason.
 */
import { afterEach, describe, expect, it } from 'vitest'
import type { NaraNode } from '../main/core/node'
import { newSocialEvent, signEvent } from '../main/core/protocol/events'
import { addHop, verifyWorldMessage, worldMessageId, type WorldMessage } from '../main/core/protocol/world'
import { createCommandRouter } from '../main/core/bus/control/router'
import { DataPlane } from '../main/core/bus/dataPlane'
import { bridgeNode } from '../main/core/bus/nodeBridge'
import { keys, type JourneyView } from '../main/core/views'
import { eventually, makeNode, testIdentity } from './support/nodes'
import { ManualClock } from '../main/core/clock'
import { JOURNEY_TIMEOUT_MS } from '../main/core/world/journeys'
import { MeshNodes } from './support/meshNodes'
import { startMosquitto } from './support/brokers'

const meshes = new MeshNodes()
afterEach(() => meshes.stopAll())

async function fourNodes(): Promise<NaraNode[]> {
  meshes.broker = await startMosquitto()
  const names = ['ori', 'rel-a', 'rel-b', 'rel-c']
  const nodes = names.map((n, i) => meshes.add(n, `127.0.51.${i + 2}`, meshes.broker!.url, { node: { presence: { keepAlivePingMs: 0 } } }).node)
  await Promise.all(nodes.map((n) => n.start()))
  await eventually(() => {
    for (const n of nodes) expect(n.directory.onlineMeshPeers().sort(), n.name).toEqual(names.filter((x) => x !== n.name).sort())
  }, 10000)
  return nodes
}

const journeyOf = (n: NaraNode, id: string): JourneyView | undefined => n.journeys().find((j) => j.id === id)

describe('world journeys among our own nodes', () => {
  it('a postcard started by control command passes through three nodes and comes home complete', async () => {
    const nodes = await fourNodes()
    const [ori, ...relays] = nodes as [NaraNode, ...NaraNode[]]
    const plane = new DataPlane()
    const bridge = bridgeNode(ori, plane)
    const reply = await createCommandRouter(ori)({ cmd: 'journey.start', message: 'hello from ori' })
    expect(reply.ok).toBe(true)
    const id = reply.ok ? String(reply.id) : ''
    await eventually(() => expect(journeyOf(ori, id)?.state).toBe('complete'), 10000)
    const done = journeyOf(ori, id)!
    expect(done.hops.map((h) => h.nara).slice(0, 3).sort()).toEqual(['rel-a', 'rel-b', 'rel-c'])
    expect(done.hops.map((h) => h.nara)[3]).toBe('ori')
    expect(done.hops.map((h) => h.stamp)).toEqual(['🌟', '🎉', '🚀', '💫'])
    // Every relay took part, and heard the journey_complete on the plaza.
    await eventually(() => {
      for (const r of relays) expect(journeyOf(r, id)).toMatchObject({ role: 'relay', state: 'complete', originator: 'ori' })
    }, 5000)
    const onPlane = await plane.get<JourneyView>(keys.journeys)
    expect(onPlane.map((s) => s.value.state)).toEqual(['complete'])
    bridge.close()
    expect(ori.drops.get('world_forward_failed')).toBe(0)
  }, 30000)

  it('the postcard goes first to the peer we hold in highest clout (Go ChooseNextNara), not at random', async () => {
    const nodes = await fourNodes()
    const [ori, , b, c] = nodes as [NaraNode, NaraNode, NaraNode, NaraNode]
    // Stash-stored service events make their actor helpful in ori's eyes: rel-c most, rel-b less, rel-a nothing.
    let ts = BigInt(Date.now()) * 1_000_000n
    const helped = (by: NaraNode, times: number) => {
      for (let i = 0; i < times; i++) {
        const e = signEvent(newSocialEvent({ type: 'service', actor: by.name, target: 'ori', reason: 'stash-stored' }, ts++), by.name, by.identity.signer!)
        expect(ori.addEvent(e, 'verified')).toBe('added')
      }
    }
    helped(c, 3)
    helped(b, 1)
    const clout = ori.social.clout()
    expect(clout.get('rel-c')!).toBeGreaterThan(clout.get('rel-b')!)
    expect(clout.get('rel-b')!).toBeGreaterThan(0)
    expect(clout.has('rel-a')).toBe(false)
    for (let k = 0; k < 3; k++) {
      const started = await ori.world.start(`postcard ${k}`)
      expect(started.ok).toBe(true)
      const id = started.ok ? started.id : ''
      await eventually(() => expect(journeyOf(ori, id)?.state).toBe('complete'), 10000)
      expect(journeyOf(ori, id)!.hops[0]!.nara).toBe('rel-c')
    }
  }, 40000)

  it('refuses broken chains, loops, replays, strangers posing as us and oversized postcards, by counted reason', async () => {
    const nodes = await fourNodes()
    const [ori, a, b] = nodes as [NaraNode, NaraNode, NaraNode]
    const idOf = (n: NaraNode) => n.identity
    const fresh = (originator: string, message = 'hi'): WorldMessage => ({ id: worldMessageId(originator, message, 1n), message, originator, hops: [] })
    const hop = (m: WorldMessage, n: NaraNode) => addHop(m, n.name, idOf(n).signer!, 1_770_000_000, '🌟')

    // Broken chain: a's hop signed with a stranger's key.
    const forged = addHop(fresh('rel-b'), 'rel-a', testIdentity('mallory').signer!, 1, '🌟')
    expect(ori.world.receive(forged)).toMatchObject({ ok: false })
    expect(ori.drops.get('world_bad_chain')).toBe(1)
    // Loop: a nara twice in the chain, or the postcard already carries our own hop.
    const twice = hop(hop(hop(fresh('rel-b'), a), ori), a)
    expect(b.world.receive(twice).ok).toBe(false)
    expect(ori.world.receive(hop(hop(fresh('rel-b'), ori), a)).ok).toBe(false)
    expect(b.drops.get('world_loop') + ori.drops.get('world_loop')).toBe(2)
    // A journey "of ours" that we never started.
    expect(ori.world.receive(hop(fresh('ori'), a)).ok).toBe(false)
    expect(ori.drops.get('world_not_ours')).toBe(1)
    // Oversized.
    expect(ori.world.receive(fresh('rel-b', 'x'.repeat(5000))).ok).toBe(false)
    expect(ori.drops.get('world_too_long')).toBe(1)
    // Over HTTP: a broken chain answers 400 with the reason, a replay of a relayed postcard too.
    const url = ori.directory.meshIPOf('rel-a')!
    const client = meshes.of(ori).mesh!.client
    const forgedC = addHop(fresh('rel-b'), 'rel-c', testIdentity('mallory').signer!, 1, '🌟')
    const r400 = await client.relayWorld(`http://${url}:7433`, 'rel-a', forgedC)
    expect(r400.ok && r400.value.status).toBe(400)
    expect(a.drops.get('world_bad_chain')).toBe(1)
    const good = hop(fresh('rel-b', 'replayed'), ori)
    const first = await client.relayWorld(`http://${url}:7433`, 'rel-a', good)
    expect(first.ok && first.value.status).toBe(200)
    const again = await client.relayWorld(`http://${url}:7433`, 'rel-a', good)
    expect(again.ok && again.value.status).toBe(400)
    expect(a.drops.get('world_replay')).toBe(1)
    // The relayed postcard verifies hop by hop with the nodes' keys.
    expect(verifyWorldMessage(hop(good, a), (n) => nodes.find((x) => x.name === n)?.identity.signer!.publicKey).valid).toBe(true)
  }, 30000)

  it('a journey we passed on that never completes times out after 5 minutes with a journey-timeout observation', () => {
    const clock = new ManualClock(1_770_000_000_000)
    const n = makeNode('lonely', 'mqtt://127.0.0.1:1', {}, { clock })
    const m: WorldMessage = { id: worldMessageId('far-away', 'hi', 1n), message: 'hi', originator: 'far-away', hops: [] }
    expect(n.world.receive(m)).toEqual({ ok: true })
    const timeouts = () => n.ledger.query({ services: ['social'] }).filter((e) => e.svc === 'social' && e.social.reason === 'journey-timeout' && e.social.target === 'far-away')
    n.world.tick()
    expect(timeouts()).toHaveLength(0)
    clock.advance(JOURNEY_TIMEOUT_MS + 1000)
    n.world.tick()
    n.world.tick()
    expect(timeouts()).toHaveLength(1)
    expect(timeouts()[0]!.emitter).toBe('lonely')
  })
})
