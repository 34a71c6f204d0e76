/**
 * Real NaraNodes with the mesh attached (127.0.44.x, port 7433): gossip-only A–B–C, and hybrid
 * nodes on an in-process aedes broker plus the mesh converging to the same recent ledger.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { newPingEvent, signEvent, newSocialEvent } from '../main/core/protocol/events'
import type { NaraNode } from '../main/core/node'
import type { ZineExchangeView } from '../main/core/views'
import { eventually } from './support/nodes'
import { MeshNodes } from './support/meshNodes'
import { startAedes } from './support/brokers'

const meshes = new MeshNodes()
afterEach(() => meshes.stopAll())

const meshNode = (name: string, ip: string, transport: 'gossip' | 'hybrid', brokerUrl: string, scanCidr: string) => meshes.add(name, ip, brokerUrl, { transport, scanCidr })

const recentIds = (n: NaraNode): string[] => {
  const cut = n.clock.nowNs() - 300n * 1_000_000_000n
  return n.ledger.since(cut).map((e) => e.id).sort()
}

describe('mesh inside NaraNode', () => {
  it('gossip-only A–B–C: an event made at A reaches C through B within two rounds', async () => {
    const a = meshNode('node-a', '127.0.44.2', 'gossip', 'mqtt://127.0.0.1:1', '127.0.44.3/32')
    const b = meshNode('node-b', '127.0.44.3', 'gossip', 'mqtt://127.0.0.1:1', '127.0.44.3/32')
    const c = meshNode('node-c', '127.0.44.4', 'gossip', 'mqtt://127.0.0.1:1', '127.0.44.3/32')
    await b.node.start()
    await a.node.start()
    await c.node.start()
    // discovery ran at start: A and C found B (and only B)
    await eventually(() => {
      expect(a.mesh.mesh!.host.directory.onlineMeshPeers()).toEqual(['node-b'])
      expect(c.mesh.mesh!.host.directory.onlineMeshPeers()).toEqual(['node-b'])
    })
    const zines: ZineExchangeView[] = []
    c.node.on('zine', (v) => zines.push(v))
    const sig = a.node.identity.signer!
    const event = signEvent(newSocialEvent({ type: 'tease', actor: 'node-a', target: 'node-c', reason: 'comeback' }, a.node.clock.nowNs()), 'node-a', sig)
    a.node.addEvent(event, 'verified', 'plaza')
    await a.mesh.mesh!.gossip.runRound() // round 1: A → B
    await b.mesh.mesh!.server.idle()
    expect(b.node.ledger.has(event.id)).toBe(true)
    await c.mesh.mesh!.gossip.runRound() // round 1: C → B
    expect(c.node.ledger.has(event.id)).toBe(true)
    expect(zines.some((z) => z.peer === 'node-b' && z.direction === 'out' && z.verdict === 'ok' && z.newEvents > 0)).toBe(true)
    // A and C never exchanged directly; the node shows B ONLINE via the mesh
    expect(zines.every((z) => z.peer === 'node-b')).toBe(true)
    expect(c.node.peers().find((p) => p.name === 'node-b')).toMatchObject({ status: 'ONLINE' })
    // How C knows them, as its views say: B by direct mesh contact, A only through B's zines;
    // neither ever spoke on a plaza, and both are trusted because their events verify.
    const seen = (name: string) => c.node.peers().find((p) => p.name === name)
    expect(seen('node-b')).toMatchObject({ transport: 'mesh', trust: 'verified' })
    expect(seen('node-a')).toMatchObject({ transport: 'relayed', trust: 'verified' })
  })

  it('hybrid: nodes on a broker and a mesh converge to the same ledger for the last 5 minutes', async () => {
    meshes.broker = await startAedes()
    const a = meshNode('hy-a', '127.0.44.12', 'hybrid', meshes.broker.url, '127.0.44.13/32')
    const b = meshNode('hy-b', '127.0.44.13', 'hybrid', meshes.broker.url, '127.0.44.12/32')
    await a.node.start()
    await b.node.start()
    // the plaza teaches each node the other's mesh IP (hey_there) and marks it ONLINE
    await eventually(() => {
      expect(a.mesh.mesh!.host.directory.onlineMeshPeers()).toContain('hy-b')
      expect(b.mesh.mesh!.host.directory.onlineMeshPeers()).toContain('hy-a')
    })
    // events that only the mesh carries (pings are not on the plaza)
    const pa = signEvent(newPingEvent({ observer: 'hy-a', target: 'hy-b', rtt: 1.5 }, a.node.clock.nowNs()), 'hy-a', a.node.identity.signer!)
    const pb = signEvent(newPingEvent({ observer: 'hy-b', target: 'hy-a', rtt: 2.5 }, b.node.clock.nowNs()), 'hy-b', b.node.identity.signer!)
    a.node.addEvent(pa, 'verified', 'plaza')
    b.node.addEvent(pb, 'verified', 'plaza')
    // a round each way; new local observations (first-seen) may need one more pass
    for (let round = 0; round < 5; round++) {
      await a.mesh.mesh!.gossip.runRound()
      await b.mesh.mesh!.gossip.runRound()
      await Promise.all([a.mesh.mesh!.server.idle(), b.mesh.mesh!.server.idle()])
      if (recentIds(a.node).join() === recentIds(b.node).join()) break
      await new Promise((r) => setTimeout(r, 100))
    }
    expect(recentIds(a.node)).toEqual(recentIds(b.node))
    expect(recentIds(a.node).length).toBeGreaterThanOrEqual(4)
    expect(a.node.ledger.has(pb.id) && b.node.ledger.has(pa.id)).toBe(true)
  })

  it('on leave the chau travels in a last zine', async () => {
    const a = meshNode('bye-a', '127.0.44.22', 'gossip', 'mqtt://127.0.0.1:1', '127.0.44.23/32')
    const b = meshNode('bye-b', '127.0.44.23', 'gossip', 'mqtt://127.0.0.1:1', '127.0.44.22/32')
    await b.node.start()
    await a.node.start()
    await eventually(() => expect(a.mesh.mesh!.host.directory.onlineMeshPeers()).toEqual(['bye-b']))
    await a.node.leave()
    await b.mesh.mesh!.server.idle()
    expect(b.node.ledger.since(0n).some((e) => e.svc === 'chau' && e.chau.From === 'bye-a')).toBe(true)
  })
})
