import { EventEmitter } from 'node:events'
import { describe, expect, it } from 'vitest'
import { DataPlane, subscribeWithSnapshot, type Sample } from '../main/core/bus/dataPlane'
import { bridgeNode, type BridgeableNode } from '../main/core/bus/nodeBridge'
import type { NaraNode } from '../main/core/node'
import { neighbour, selfView } from './support/views'
import { keys, type EventView, type NeighbourView, type NewspaperView, type SelfView, type StatsView, type ZineExchangeView } from '../main/core/views'

// NaraNode (engineer F) must fit the bridge's interface (checked by tsc).
export type NaraNodeFitsBridge = NaraNode extends BridgeableNode ? true : never
const _fits: NaraNodeFitsBridge = true
void _fits

/** A small real node stand-in: an EventEmitter with the getters the bridge reads. */
class FakeNode extends EventEmitter implements BridgeableNode {
  peers = new Map<string, NeighbourView>()
  papers: NewspaperView[] = []
  state: SelfView['state'] = 'online'

  selfView(): SelfView {
    return selfView('me', this.state, this.peers.size)
  }
  neighbours(): NeighbourView[] {
    return [...this.peers.values()]
  }
  newspapers(): NewspaperView[] {
    return this.papers
  }
  stats(): StatsView {
    return { ledgerSize: 7, ledgerByService: { social: 7 }, dropped: {}, plazaConnected: true, meshPeers: 0 }
  }

  seePeer(name: string, status: NeighbourView['status'] = 'ONLINE'): void {
    const v = neighbour(name, status)
    this.peers.set(name, v)
    this.emit('peer', v)
  }
}

const paper = (from: string, n: number): NewspaperView => ({ from, receivedAtMs: n, trust: 'verified', changed: [], status: { n } })
const ev = (svc: string, n: number): EventView => ({ id: `${svc}-${n}`, ts: String(n), svc, emitter: 'x', trust: 'verified', summary: '', json: '{}' })
const zine = (peer: string, n: number): ZineExchangeView => ({
  peer,
  direction: 'out',
  atMs: n,
  eventsIn: n,
  eventsOut: 0,
  newEvents: 0,
  knownEvents: 0,
  badEvents: 0,
  bytesIn: 0,
  bytesOut: 0,
  latencyMs: 1,
  verdict: 'ok'
})

describe('node bridge: snapshot then stream', () => {
  it('a view opened late gets the current neighbours, then the live stream', async () => {
    const node = new FakeNode()
    const plane = new DataPlane()
    bridgeNode(node, plane)
    node.seePeer('alice')
    node.seePeer('bob', 'MISSING')

    const view = new Map<string, string>()
    const order: string[] = []
    const sub = subscribeWithSnapshot<NeighbourView>(plane, keys.neighbours, (s) => {
      view.set(s.key, s.value.status)
      order.push(`${s.value.name}:${s.value.status}`)
    })
    expect(await sub.ready).toEqual({ snapshot: 2 })
    node.seePeer('carol')
    node.seePeer('bob', 'ONLINE')
    expect(order).toEqual(['alice:ONLINE', 'bob:MISSING', 'carol:ONLINE', 'bob:ONLINE'])
    expect(view.get(keys.neighbour('bob'))).toBe('ONLINE')
  })

  it('answers self, stats, lifecycle and latest newspapers / zines per peer', async () => {
    const node = new FakeNode()
    node.papers = [paper('alice', 1)] // known before the bridge attached
    const plane = new DataPlane()
    bridgeNode(node, plane)
    node.emit('newspaper', paper('bob', 2))
    node.emit('newspaper', paper('bob', 3))
    node.emit('zine', zine('alice', 1))
    node.emit('zine', zine('alice', 2))
    node.emit('lifecycle', { step: 'online', message: 'hi', atMs: 5 })

    expect((await plane.get<SelfView>(keys.self))[0]?.value.name).toBe('me')
    expect((await plane.get<StatsView>(keys.stats))[0]?.value.ledgerSize).toBe(7)
    expect((await plane.get(keys.lifecycle))[0]?.value).toEqual({ step: 'online', message: 'hi', atMs: 5 })
    const papers = await plane.get<NewspaperView>(keys.newspapers)
    expect(papers.map((r) => [r.key, r.value.status.n])).toEqual([
      [keys.newspaper('alice'), 1],
      [keys.newspaper('bob'), 3]
    ])
    const zines = await plane.get<ZineExchangeView>(keys.zines, { consolidation: 'none' })
    expect(zines.map((r) => r.value.atMs)).toEqual([2]) // latest per peer only
    // a narrow query only gets its own key
    expect((await plane.get(keys.newspaper('bob'))).map((r) => r.key)).toEqual([keys.newspaper('bob')])
  })

  it('keeps the recent N events per service in a ring (oldest forgotten)', async () => {
    const node = new FakeNode()
    const plane = new DataPlane()
    bridgeNode(node, plane, { eventsPerService: 3 })
    for (let i = 1; i <= 5; i++) node.emit('event', ev('social', i))
    node.emit('event', ev('ping', 1))
    const all = await plane.get<EventView>(keys.events, { consolidation: 'none' })
    expect(all.map((r) => r.value.id)).toEqual(['social-3', 'social-4', 'social-5', 'ping-1'])
    const latest = await plane.get<EventView>(keys.events)
    expect(latest.map((r) => r.value.id).sort()).toEqual(['ping-1', 'social-5'])
    const social = await plane.get<EventView>(keys.event('social'), { consolidation: 'none' })
    expect(social).toHaveLength(3)
  })

  it('streams every node event on its key', () => {
    const node = new FakeNode()
    const plane = new DataPlane()
    const bridge = bridgeNode(node, plane)
    const got: Sample[] = []
    plane.subscribe('nara/local/**', (s) => void got.push(s))
    node.seePeer('alice')
    node.emit('newspaper', paper('alice', 1))
    node.emit('zine', zine('alice', 1))
    node.emit('event', ev('social', 1))
    node.emit('self', node.selfView())
    node.emit('lifecycle', { step: 'leaving', message: '', atMs: 1 })
    node.emit('stats', node.stats())
    expect(got.map((s) => s.key)).toEqual([
      'nara/local/neighbours/alice',
      'nara/local/newspapers/alice',
      'nara/local/zines/alice',
      'nara/local/events/social',
      'nara/local/self',
      'nara/local/lifecycle',
      'nara/local/stats'
    ])
    expect(bridge.stats.published).toBe(7)
  })

  it('a hostile peer name stays one literal chunk and cannot widen a subscription', async () => {
    const node = new FakeNode()
    const plane = new DataPlane()
    bridgeNode(node, plane)
    const alice: string[] = []
    plane.subscribe(keys.neighbour('alice'), (s) => void alice.push(s.key))
    node.seePeer('alice/*')
    node.seePeer('@alice')
    node.seePeer('**')
    node.seePeer('')
    expect(alice).toEqual([])
    const keysSeen = (await plane.get(keys.neighbours)).map((r) => r.key)
    expect(keysSeen).toHaveLength(4)
    for (const k of keysSeen) expect(k.split('/')).toHaveLength(4)
  })

  it('close() detaches from the node and withdraws the snapshots', async () => {
    const node = new FakeNode()
    const plane = new DataPlane()
    const bridge = bridgeNode(node, plane)
    expect(node.listenerCount('peer')).toBe(1)
    bridge.close()
    for (const e of ['peer', 'newspaper', 'zine', 'event', 'self', 'lifecycle', 'stats']) expect(node.listenerCount(e)).toBe(0)
    expect(await plane.get('nara/local/**')).toEqual([])
  })
})
