/**
 * Mesh timing behaviour on real sockets (127.0.47.x): a client never signs two requests with
 * the same timestamp (a peer's replay cache would refuse the second), and a server answers a
 * zine before it starts the long merge of the events it received.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { request } from 'node:http'
import { signMeshRequest } from '../main/core/protocol/meshAuth'
import { ManualClock, seededRandom } from '../main/core/clock'
import { newSocialEvent, signEvent } from '../main/core/protocol/events'
import { StandaloneMeshNode } from '../main/core/mesh/standalone'
import type { SyncEvent } from '../main/core/protocol/types'

const nodes: StandaloneMeshNode[] = []
afterEach(async () => {
  await Promise.all(nodes.splice(0).map((n) => n.stop()))
})

const T0_MS = 1_768_800_000_000

function node(name: string, ip: string, clock: ManualClock): StandaloneMeshNode {
  // hybrid: no discovery scan (it would ping outside loopback)
  const n = new StandaloneMeshNode({ name, listen: { host: ip, port: 7433 }, clock, transport: 'hybrid', random: seededRandom(1), config: { gossip: { firstDelayMs: 3_600_000 } } })
  nodes.push(n)
  return n
}

async function pair(clock: ManualClock, a: string, b: string): Promise<[StandaloneMeshNode, StandaloneMeshNode]> {
  const alice = node('alice', a, clock)
  const bob = node('bob', b, clock)
  await alice.start()
  await bob.start()
  alice.peers.learn({ name: 'bob', publicKey: bob.signer.publicKeyBase64, meshIP: b })
  bob.peers.learn({ name: 'alice', publicKey: alice.signer.publicKeyBase64, meshIP: a })
  return [alice, bob]
}

describe('mesh client signing timestamps', () => {
  it('back-to-back DMs within one millisecond are all accepted (no self-inflicted replay)', async () => {
    const clock = new ManualClock(T0_MS) // time stands still: every request in the same ms
    const [alice, bob] = await pair(clock, '127.0.47.1', '127.0.47.2')
    const events = Array.from({ length: 4 }, (_, i) =>
      signEvent(newSocialEvent({ type: 'tease', actor: 'alice', target: 'bob', reason: `r${i}` }, BigInt(T0_MS) * 1_000_000n + BigInt(i)), 'alice', alice.signer)
    )
    for (const e of events) expect(await alice.mesh.sendDM('bob', e)).toEqual({ ok: true, value: { status: 200, success: true } })
    expect(bob.mesh.stats.rejected('auth_replay')).toBe(0)
    for (const e of events) expect(bob.ledger.has(e.id)).toBe(true)
  })

  it('a request really replayed is still refused', async () => {
    const clock = new ManualClock(T0_MS)
    const [, bob] = await pair(clock, '127.0.47.3', '127.0.47.4')
    const alice = nodes[0]!
    const headers = signMeshRequest('alice', alice.signer, 'POST', '/mesh/message', T0_MS)
    const send = (): Promise<number> =>
      new Promise<number>((resolve, reject) => {
        const req = request({ host: '127.0.47.4', port: 7433, method: 'POST', path: '/mesh/message', headers: { ...headers }, agent: false }, (res) => {
          res.resume()
          res.on('end', () => resolve(res.statusCode ?? 0))
        })
        req.on('error', reject)
        req.end('{}')
      })
    expect(await send()).toBe(200)
    expect(await send()).toBe(401)
    expect(bob.mesh.stats.rejected('auth_replay')).toBe(1)
  })
})

describe('mesh server zine handling order', () => {
  it('the peer has our answer before the merge of its events begins', async () => {
    const clock = new ManualClock(T0_MS)
    const [alice, bob] = await pair(clock, '127.0.47.5', '127.0.47.6')
    for (let i = 0; i < 600; i++) {
      const e = signEvent(newSocialEvent({ type: 'tease', actor: 'alice', target: `n${i}`, reason: 'random' }, BigInt(T0_MS - 60_000 + i) * 1_000_000n), 'alice', alice.signer)
      alice.ledger.add(e)
    }
    const stored: SyncEvent[] = []
    const add = bob.ledger.add.bind(bob.ledger)
    bob.ledger.add = (e, opts) => {
      stored.push(e)
      return add(e, opts)
    }
    const view = await alice.mesh.gossip.exchangeWith('bob', 'http://127.0.47.6:7433')
    expect(view.verdict).toBe('ok')
    expect(stored).toHaveLength(0) // answered, merge not started yet
    await bob.mesh.server.idle()
    expect(stored).toHaveLength(600)
    expect(bob.exchanges.find((v) => v.direction === 'in')?.newEvents).toBe(600)
  })
})
