/**
 * Boot recovery and background sync over POST /events/sync, as the reference pulls them
 * (boot_recovery.go sample mode, boot_sync.go recent mode): pure plans, then two real mesh
 * nodes on loopback HTTP.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { systemClock } from '../main/core/clock'
import { keepFromBackgroundSync, planBootRecovery } from '../main/core/mesh/meshSync'
import { StandaloneMeshNode } from '../main/core/mesh/standalone'
import { newPingEvent, newSocialEvent, signEvent } from '../main/core/protocol/events'

const nodes: StandaloneMeshNode[] = []
afterEach(async () => {
  await Promise.all(nodes.splice(0).map((n) => n.stop()))
})

function node(name: string, ip: string, scan: string): StandaloneMeshNode {
  const n = new StandaloneMeshNode({
    name,
    listen: { host: ip, port: 7433 },
    transport: 'hybrid',
    config: { scanCidr: scan, discovery: { firstDelayMs: 3_600_000 }, gossip: { firstDelayMs: 3_600_000 }, pull: { bootDelayMs: 3_600_000 } }
  })
  nodes.push(n)
  return n
}

const H = 3600n * 1_000_000_000n

describe('planBootRecovery', () => {
  it('capacity / page calls, round-robin; short memory: 5 calls over at most 4 peers, 3 in flight', () => {
    expect(planBootRecovery('medium', ['a', 'b', 'c'])).toEqual({ pageSize: 5000, calls: ['a', 'b', 'c', 'a', 'b', 'c', 'a', 'b', 'c', 'a'], concurrency: 10 })
    expect(planBootRecovery('hog', ['a']).calls).toHaveLength(16)
    expect(planBootRecovery('short', ['a', 'b', 'c', 'd', 'e'])).toEqual({ pageSize: 1000, calls: ['a', 'b', 'c', 'd', 'a'], concurrency: 3 })
    expect(planBootRecovery('medium', []).calls).toEqual([])
  })

  it('background sync keeps pings of any age, observations and social events of the last 24 h, nothing else', () => {
    const now = 1_000_000n * H
    const social = (ts: bigint) => newSocialEvent({ type: 'tease', actor: 'a', target: 'b', reason: 'random' }, ts)
    expect(keepFromBackgroundSync(newPingEvent({ observer: 'a', target: 'b', rtt: 3 }, now - 100n * H), now)).toBe(true)
    expect(keepFromBackgroundSync(social(now - 23n * H), now)).toBe(true)
    expect(keepFromBackgroundSync(social(now - 25n * H), now)).toBe(false)
  })
})

describe('pulling from a mesh peer', () => {
  it('boot recovery samples a peer ten times and merges its events; background sync takes its recent ones', async () => {
    const alice = node('alice', '127.0.64.2', '127.0.64.3/32')
    const bob = node('bob', '127.0.64.3', '127.0.64.2/32')
    await alice.start()
    await bob.start()
    bob.announce()
    const now = systemClock.nowNs()
    const teases = Array.from({ length: 40 }, (_, i) => signEvent(newSocialEvent({ type: 'tease', actor: 'bob', target: `n${i}`, reason: 'comeback' }, now - BigInt(i) * 1_000_000n), 'bob', bob.signer))
    for (const e of teases) bob.ledger.add(e)
    await alice.mesh.scan()
    expect(alice.peers.onlineMeshPeers()).toEqual(['bob'])

    const report = await alice.mesh.pull.bootRecovery()
    expect(report).toMatchObject({ peers: 1, calls: 10, failed: 0, legacy: false })
    for (const e of teases) expect(alice.ledger.has(e.id)).toBe(true)

    const ping = signEvent(newPingEvent({ observer: 'bob', target: 'carol', rtt: 12 }, systemClock.nowNs()), 'bob', bob.signer)
    const stale = signEvent(newSocialEvent({ type: 'tease', actor: 'bob', target: 'old', reason: 'comeback' }, systemClock.nowNs() - 25n * H), 'bob', bob.signer)
    bob.ledger.add(ping)
    bob.ledger.add(stale)
    expect(await alice.mesh.pull.backgroundSync()).toBeGreaterThanOrEqual(1)
    expect(alice.ledger.has(ping.id)).toBe(true)
    expect(alice.ledger.has(stale.id)).toBe(false)

    // Our personality filter applies to what the background pulls (Go's AddEventFiltered).
    Object.assign(alice.mesh.host, { keepsInMemory: (e: { svc: string; social?: { reason?: string } }) => !(e.svc === 'social' && e.social?.reason === 'random') })
    const random = signEvent(newSocialEvent({ type: 'tease', actor: 'bob', target: 'zed', reason: 'random' }, systemClock.nowNs()), 'bob', bob.signer)
    const kept = signEvent(newSocialEvent({ type: 'tease', actor: 'bob', target: 'zed', reason: 'comeback' }, systemClock.nowNs()), 'bob', bob.signer)
    bob.ledger.add(random)
    bob.ledger.add(kept)
    await alice.mesh.pull.backgroundSync()
    expect(alice.ledger.has(kept.id)).toBe(true)
    expect(alice.ledger.has(random.id)).toBe(false)
  })

  it('an unreachable peer: every sample call fails, the legacy sliced request is tried too, nothing crashes', async () => {
    const alice = node('alice2', '127.0.64.4', '127.0.64.5/32')
    await alice.start()
    const bob = node('bob2', '127.0.64.5', '127.0.64.4/32')
    await bob.start()
    await alice.mesh.scan()
    await bob.stop()
    nodes.splice(nodes.indexOf(bob), 1)
    const report = await alice.mesh.pull.bootRecovery()
    expect(report).toMatchObject({ calls: 10, failed: 10, added: 0, legacy: true })
    expect(alice.mesh.stats.snapshot()['sync.boot_legacy']).toBe(1)
  })
})
