/**
 * The stash among our own nodes (Go `services/stash`): one node seals a JSON document and three
 * confidants hold it in RAM; the node restarts with nothing and gets it back from them. Forged,
 * oversized, replayed and over-budget stashes are refused with a counted reason.
 */
import { afterEach, describe, expect, it } from 'vitest'
import type { NaraNode } from '../main/core/node'
import { buildRuntimeMessage, encodeRuntimeMessage, type RuntimeMessage } from '../main/core/protocol/runtimeMessage'
import { sealStash } from '../main/core/stash/crypto'
import { HOLD_BUDGET_BYTES, MAX_STASH_BYTES, ownerLimit } from '../main/core/stash/service'
import { createCommandRouter } from '../main/core/bus/control/router'
import { DataPlane } from '../main/core/bus/dataPlane'
import { bridgeNode } from '../main/core/bus/nodeBridge'
import { keys, type StashView } from '../main/core/views'
import { eventually, testIdentity } from './support/nodes'
import { MeshNodes } from './support/meshNodes'
import { startMosquitto } from './support/brokers'

const meshes = new MeshNodes()
afterEach(() => meshes.stopAll())

const meshNode = (name: string, ip: string) => meshes.add(name, ip, meshes.broker!.url, { node: { presence: { keepAlivePingMs: 0 }, stashCallTimeoutMs: 5000 } })

const NAMES = ['owner', 'conf-a', 'conf-b', 'conf-c']
const ip = (i: number) => `127.0.52.${i + 2}`

async function network(): Promise<NaraNode[]> {
  meshes.broker = await startMosquitto()
  const nodes = NAMES.map((n, i) => meshNode(n, ip(i)).node)
  await Promise.all(nodes.map((n) => n.start()))
  await eventually(() => {
    for (const n of nodes) expect(n.directory.onlineMeshPeers().length, n.name).toBe(NAMES.length - 1)
    for (const n of nodes) for (const v of n.neighbours()) expect(v.id, `${n.name} knows ${v.name}'s ID`).not.toBe('')
  }, 10000)
  return nodes
}

describe('stash among our own nodes', () => {
  it('set by one node, held by three confidants, recovered by it after a restart', async () => {
    const nodes = await network()
    const [owner, ...confidants] = nodes as [NaraNode, ...NaraNode[]]
    const doc = JSON.stringify({ notes: ['remember the milk'], n: 42, html: '<b>&</b>' })
    const reply = await createCommandRouter(owner)({ cmd: 'stash.set', json: doc })
    expect(reply).toMatchObject({ ok: true })
    expect((reply.ok ? (reply.confidants as string[]) : []).sort()).toEqual(['conf-a', 'conf-b', 'conf-c'])
    for (const c of confidants) {
      const v = c.stashView()
      expect(v.holding.map((h) => h.owner)).toEqual(['owner'])
      expect(v.holding[0]!.bytes).toBe(Buffer.byteLength(doc) + 16) // sealed: plaintext + Poly1305 tag
    }
    expect(owner.stashView().heldBy).toEqual(['conf-a', 'conf-b', 'conf-c'])

    // Restart: a new process (a fresh node object, empty RAM) with the same soul and address.
    const old = meshes.running.shift()!
    await old.node.stop(2000)
    const again = meshNode('owner', ip(0)).node
    expect(again.stashDocument()).toBeNull()
    const plane = new DataPlane()
    const bridge = bridgeNode(again, plane)
    await again.start()
    await eventually(() => expect(again.stashDocument()).toBe(doc), 15000)
    expect(confidants.map((c) => c.name)).toContain(again.stashView().recoveredFrom)
    const onPlane = await plane.get<StashView>(keys.stash)
    expect(onPlane[0]?.value.hasStash).toBe(true)
    bridge.close()
    expect(await createCommandRouter(again)({ cmd: 'stash.get' })).toEqual({ ok: true, stash: doc })
  }, 40000)

  it('refuses forged, mismatched, oversized, replayed and over-budget stashes with a counted reason', async () => {
    const nodes = await network()
    const [owner, conf] = nodes as [NaraNode, NaraNode]
    const me = owner.identity
    const seed = me.soul!.seed
    const at = () => conf.clock.nowMs()
    const store = (ts: number, plain: Buffer, from = me, ownerId = me.id): RuntimeMessage => {
      const { nonce, ciphertext } = sealStash(seed, plain)
      return buildRuntimeMessage({ kind: 'stash:store', payload: { owner_id: ownerId, owner: from.name, nonce, ciphertext, ts } }, { from: from.name, fromId: from.id, toId: conf.identity.id, atMs: at() }, from.signer!)
    }
    const tsNow = Math.floor(Date.now() / 1000)
    conf.stash.receive(store(tsNow, Buffer.from('{"v":1}')))
    expect(conf.stashView().holding).toHaveLength(1)
    // Replayed: the same message again, and an older version.
    const first = store(tsNow + 1, Buffer.from('{"v":2}'))
    conf.stash.receive(first)
    conf.stash.receive(first)
    expect(conf.drops.get('stash_duplicate_message')).toBe(1)
    conf.stash.receive(store(tsNow - 100, Buffer.from('{"v":0}')))
    expect(conf.drops.get('stash_replayed')).toBe(1)
    // Oversized.
    conf.stash.receive(store(tsNow + 2, Buffer.alloc(MAX_STASH_BYTES + 1, 0x20)))
    expect(conf.drops.get('stash_too_large')).toBe(1)
    // Forged: signed by a stranger claiming the owner's ID.
    const mallory = testIdentity('mallory')
    conf.stash.receive(store(tsNow + 3, Buffer.from('{}'), { ...me, signer: mallory.signer } as typeof me))
    expect(conf.drops.get('stash_bad_signature')).toBe(1)
    // Someone else's stash stored by a known peer: refused (only the owner may store its own).
    const third = nodes[2]!.identity
    conf.stash.receive(store(tsNow + 4, Buffer.from('{}'), third, me.id))
    expect(conf.drops.get('stash_owner_mismatch')).toBe(1)
    // Stale: a message stamped long ago.
    const old = buildRuntimeMessage({ kind: 'stash:request', payload: { owner_id: me.id } }, { from: me.name, fromId: me.id, toId: conf.identity.id, atMs: at() - 3_600_000 }, me.signer!)
    conf.stash.receive(old)
    expect(conf.drops.get('stash_stale_message')).toBe(1)
    expect(conf.stashView().holding).toHaveLength(1)
    expect(conf.stashView().holdingBytes).toBeLessThanOrEqual(HOLD_BUDGET_BYTES)
    // Over budget: more owners than the memory mode allows; the held set stays bounded.
    const limit = ownerLimit(conf.ledger.mode)
    for (let i = 0; i < limit; i++) {
      const other = testIdentity(`owner-${i}`)
      conf.neighbourhood.importIdentity(other.name, { publicKey: other.publicKeyBase64, id: other.id }, at(), 'overwrite')
      conf.stash.receive(store(tsNow, Buffer.from('{}'), other, other.id))
    }
    expect(conf.stashView().holding).toHaveLength(limit)
    expect(conf.drops.get('stash_over_budget')).toBe(1)

    // stash_refresh on the plaza: the confidant pushes what it holds (the owner's newest version) back over the mesh.
    expect(owner.stashDocument()).toBeNull()
    const refresh = buildRuntimeMessage({ kind: 'stash-refresh', payload: { owner_id: me.id, owner: me.name } }, { from: me.name, fromId: me.id, atMs: at() }, me.signer!)
    conf.receive('nara/plaza/stash_refresh', Buffer.from(encodeRuntimeMessage(refresh)))
    await eventually(() => expect(owner.stashDocument()).toBe('{"v":2}'))
    expect(owner.stashView().recoveredFrom).toBe(conf.name)
  }, 40000)
})
