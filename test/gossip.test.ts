/**
 * Gossip between real mesh nodes over real HTTP on loopback (127.0.42.x, reference port 7433).
 */
import { afterEach, describe, expect, it } from 'vitest'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { systemClock } from '../main/core/clock'
import { newSocialEvent, signEvent, newChauEvent } from '../main/core/protocol/events'
import { StandaloneMeshNode } from '../main/core/mesh/standalone'
import { chattinessRateMs, pickTargets } from '../main/core/mesh/gossip'
import { seededRandom } from '../main/core/clock'
import { buildOwnZine } from '../main/core/mesh/merge'
import { encodeZineBody } from '../main/core/mesh/wire'

const nodes: StandaloneMeshNode[] = []
const servers: Server[] = []

function node(name: string, ip: string, scanCidr?: string, extra: Partial<ConstructorParameters<typeof StandaloneMeshNode>[0]> = {}): StandaloneMeshNode {
  const n = new StandaloneMeshNode({
    name,
    listen: { host: ip, port: 7433 },
    transport: 'gossip',
    config: { scanCidr: scanCidr ?? `${ip}/32`, discovery: { firstDelayMs: 3_600_000 }, gossip: { firstDelayMs: 3_600_000 } },
    ...extra
  })
  nodes.push(n)
  return n
}

/** Waits until every answered zine has been merged on the receiving side. */
const settle = (): Promise<unknown> => Promise.all(nodes.map((n) => n.mesh.server.idle()))

function tease(from: StandaloneMeshNode, target: string) {
  return signEvent(newSocialEvent({ type: 'tease', actor: from.name, target, reason: 'high-restarts' }, systemClock.nowNs()), from.name, from.signer)
}

afterEach(async () => {
  await Promise.all(nodes.splice(0).map((n) => n.stop()))
  await Promise.all(servers.splice(0).map((s) => new Promise<void>((r) => s.close(() => r()))))
})

describe('gossip', () => {
  it('chattinessRate and target picking follow the reference', () => {
    expect(chattinessRateMs(100)).toBe(30_000)
    expect(chattinessRateMs(0)).toBe(300_000)
    expect(chattinessRateMs(50)).toBe(165_000)
    const r = seededRandom(1)
    for (let i = 0; i < 50; i++) {
      const t = pickTargets(['a', 'b', 'c', 'd', 'e', 'f', 'g'], r)
      expect(t.length).toBeGreaterThanOrEqual(3)
      expect(t.length).toBeLessThanOrEqual(5)
      expect(new Set(t).size).toBe(t.length)
    }
    expect(pickTargets(['a', 'b'], r)).toHaveLength(2)
  })

  it('TestGossipRound: two naras exchange zines and merge each other\'s events', async () => {
    const alice = node('alice', '127.0.42.2', '127.0.42.3/32')
    const bob = node('bob', '127.0.42.3')
    await alice.start()
    await bob.start()
    alice.announce()
    bob.announce()
    const ea = tease(alice, 'bob')
    const eb = tease(bob, 'alice')
    alice.ledger.add(ea)
    bob.ledger.add(eb)
    // alice only knows bob's address (a scan of bob's /32 finds him); bob learns alice when she posts.
    await alice.mesh.scan()
    expect(alice.peers.onlineMeshPeers()).toEqual(['bob'])
    const views = await alice.mesh.gossip.runRound()
    expect(views).toHaveLength(1)
    expect(views[0]).toMatchObject({ peer: 'bob', direction: 'out', verdict: 'ok', badEvents: 0 })
    expect(views[0]!.newEvents).toBeGreaterThanOrEqual(2)
    await settle()
    expect(alice.ledger.has(eb.id)).toBe(true)
    expect(bob.ledger.has(ea.id)).toBe(true)
    // bob discovered alice's key from her /ping (loopback allowed), saw her, and reported the exchange.
    expect(bob.mesh.stats.counter('auth.discovered')).toBe(1)
    expect(bob.peers.isOnline('alice')).toBe(true)
    const inView = bob.exchanges.find((v) => v.direction === 'in')
    expect(inView).toMatchObject({ peer: 'alice', verdict: 'ok' })
    expect(inView!.newEvents).toBeGreaterThanOrEqual(2)
    expect(inView!.bytesIn).toBeGreaterThan(0)
    // bob's hey-there in the zine taught alice his mesh IP and key; a second round only carries known events.
    const again = await alice.mesh.gossip.runRound()
    expect(again[0]).toMatchObject({ verdict: 'ok', newEvents: 0 })
    expect(again[0]!.knownEvents).toBeGreaterThan(0)
  })

  it('A–B–C chain: an event made at A reaches C through B\'s zines within two rounds', async () => {
    const a = node('ayla', '127.0.42.11', '127.0.42.12/32')
    const b = node('bodo', '127.0.42.12', '127.0.42.12/32')
    const c = node('cleo', '127.0.42.13', '127.0.42.12/32')
    for (const n of [a, b, c]) {
      await n.start()
      n.announce()
    }
    await a.mesh.scan()
    await c.mesh.scan()
    const event = tease(a, 'cleo')
    a.ledger.add(event)
    // round 1: everyone gossips once (A → B, then C → B)
    await a.mesh.gossip.runRound()
    await settle()
    await c.mesh.gossip.runRound()
    await settle()
    expect(c.ledger.has(event.id)).toBe(true)
    // A and C never talked to each other.
    expect(a.exchanges.every((v) => v.peer === 'bodo')).toBe(true)
    expect(c.exchanges.every((v) => v.peer === 'bodo')).toBe(true)
    expect(b.exchanges.filter((v) => v.direction === 'in').map((v) => v.peer).sort()).toEqual(['ayla', 'cleo'])
    // and A hears about C through B in round 2.
    await b.mesh.gossip.runRound()
    await settle()
    expect(a.ledger.since(0n).some((e) => e.svc === 'hey-there' && e.hey_there.From === 'cleo')).toBe(true)
  })

  it('rounds run on their own timer (first round after the configured delay)', async () => {
    const a = node('timer-a', '127.0.42.21', '127.0.42.22/32', {})
    const b = node('timer-b', '127.0.42.22')
    ;(a.mesh.config.gossip as { firstDelayMs: number }).firstDelayMs = 50
    a.announce()
    await b.start()
    await a.mesh.scan()
    await a.start()
    const event = tease(a, 'timer-b')
    a.ledger.add(event)
    const deadline = Date.now() + 3000
    while (!b.ledger.has(event.id) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20))
    expect(b.ledger.has(event.id)).toBe(true)
    expect(a.mesh.gossip.roundsRun).toBeGreaterThanOrEqual(1)
  })

  it('no events → no round; the final round carries our chau', async () => {
    const a = node('chau-a', '127.0.42.31', '127.0.42.32/32')
    const b = node('chau-b', '127.0.42.32')
    await a.start()
    await b.start()
    expect(await a.mesh.gossip.runRound()).toEqual([])
    expect(a.mesh.stats.counter('gossip.skipped_empty')).toBe(1)
    await a.mesh.scan()
    a.announce()
    await a.mesh.gossip.runRound()
    await settle()
    expect(b.peers.isOnline('chau-a')).toBe(true)
    const chau = signEvent(newChauEvent({ From: 'chau-a', PublicKey: a.signer.publicKeyBase64 }, systemClock.nowNs()), 'chau-a', a.signer)
    a.ledger.add(chau)
    await a.stop(true)
    await settle()
    expect(b.ledger.has(chau.id)).toBe(true)
    expect(b.peers.isOnline('chau-a')).toBe(false)
  })

  it('compresses only between peers that advertise it, and the bytes shrink', async () => {
    const a = node('zip-a', '127.0.42.41', '127.0.42.42/32')
    const b = node('zip-b', '127.0.42.42')
    await a.start()
    await b.start()
    a.announce()
    for (let i = 0; i < 200; i++) a.ledger.add(tease(a, `peer-${i}`))
    await a.mesh.scan() // the /ping answer advertises gzip
    expect(a.mesh.client.peerAcceptsCompression('http://127.0.42.42:7433')).toBe(true)
    const plain = encodeZineBody(buildOwnZine(a.host)).length
    const [view] = await a.mesh.gossip.runRound()
    expect(view!.verdict).toBe('ok')
    await settle()
    expect(b.ledger.since(0n).length).toBeGreaterThanOrEqual(201)
    const inView = b.exchanges.find((v) => v.direction === 'in')!
    // the gzip body on the wire is much smaller than the JSON it carries
    expect(inView.bytesIn).toBe(view!.bytesOut)
    expect(inView.bytesIn * 2).toBeLessThan(plain)
  })

  it('a hanging peer times out and a peer answering garbage is rejected, both counted', async () => {
    const a = node('wary', '127.0.42.51')
    a.announce()
    await a.start()
    const hang = createServer(() => {
      /* never answers */
    })
    const garbage = createServer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' })
      res.end('{"from": 12, "nope')
    })
    servers.push(hang, garbage)
    await new Promise<void>((r) => hang.listen(0, '127.0.42.52', r))
    await new Promise<void>((r) => garbage.listen(0, '127.0.42.53', r))
    const hangUrl = `http://127.0.42.52:${(hang.address() as AddressInfo).port}`
    const garbageUrl = `http://127.0.42.53:${(garbage.address() as AddressInfo).port}`
    const slow = await a.mesh.gossip.exchangeWith('hangman', hangUrl, 300)
    expect(slow.verdict).toBe('timeout')
    expect(a.mesh.stats.rejected('client_timeout')).toBe(1)
    const junk = await a.mesh.gossip.exchangeWith('junk', garbageUrl, 2000)
    expect(junk.verdict).toBe('error')
    // unsigned response from an authenticated endpoint
    expect(a.mesh.stats.rejected('client_response_unsigned')).toBe(1)
    const dead = await a.mesh.gossip.exchangeWith('ghost', 'http://127.0.42.54:7433', 2000)
    expect(dead.verdict).toBe('error')
    expect(a.mesh.stats.rejected('client_network')).toBe(1)
    expect(a.exchanges).toHaveLength(3)
  })
})
