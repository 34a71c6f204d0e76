/**
 * One presence path for events arriving in bulk (presence.md §2.3, §4.3, §5.1): the mesh
 * merge (mergeEvents over the node's MeshHost) and NaraNode.ingestEvents must leave two
 * identical nodes in identical states.
 */
import { describe, expect, it } from 'vitest'
import { ManualClock } from '../main/core/clock'
import { mergeEvents, eventTrust } from '../main/core/mesh/merge'
import { meshHostFor } from '../main/core/mesh/nodeMesh'
import { MeshStats } from '../main/core/mesh/stats'
import { encodeEvent, newChauEvent, newHeyThereEvent, newSocialEvent, signEvent } from '../main/core/protocol/events'
import type { SyncEvent } from '../main/core/protocol/types'
import type { NaraNode } from '../main/core/node'
import { makeNode, testIdentity } from './support/nodes'

const S = 1_000_000_000n

function hello(name: string, ts: bigint, meshIP: string): SyncEvent {
  const id = testIdentity(name)
  return signEvent(newHeyThereEvent({ From: name, PublicKey: id.publicKeyBase64, MeshIP: meshIP, ID: id.id }, ts), name, id.signer!)
}

function chau(name: string, ts: bigint): SyncEvent {
  const id = testIdentity(name)
  return signEvent(newChauEvent({ From: name, PublicKey: id.publicKeyBase64, ID: id.id }, ts), name, id.signer!)
}

function twin(clock: ManualClock, bootingMs: number): NaraNode {
  // never started: bulk intake needs no plaza
  return makeNode('keeper', 'mqtt://127.0.0.1:1', { timings: { bootingMs } }, { clock })
}

function batch(clock: ManualClock): SyncEvent[] {
  const now = clock.nowNs()
  const forged = { ...hello('mallory', now - 2n * S, '127.0.9.9'), sig: hello('zed', now, '').sig } as SyncEvent
  const tease = signEvent(newSocialEvent({ type: 'tease', actor: 'xu', target: 'zed', reason: 'comeback' }, now - 10n * S), 'xu', testIdentity('xu').signer!)
  return [hello('zed', now - 5n * S, '127.0.9.1'), chau('yan', now - 3n * S), hello('wes', now - 9n * S, ''), chau('wes', now - 8n * S), forged, tease]
}

function snapshot(n: NaraNode): unknown {
  return {
    peers: n.neighbours().map((v) => ({ name: v.name, status: v.status, publicKey: v.publicKey, meshIP: v.meshIP, transport: v.transport })).sort((a, b) => a.name.localeCompare(b.name)),
    ledger: n.ledger.all().map((e) => encodeEvent(e)).sort()
  }
}

/** Both nodes already know yan (ONLINE) and xu's key. */
function prime(n: NaraNode, clock: ManualClock): void {
  n.ingestEvents([{ event: hello('yan', clock.nowNs() - 60n * S, ''), trust: 'verified' }])
  n.neighbourhood.importIdentity('xu', { publicKey: testIdentity('xu').publicKeyBase64 }, clock.nowMs(), 'overwrite')
}

describe('bulk intake: one path for zines and ingestEvents', () => {
  for (const [label, bootingMs] of [['after boot', 0], ['while booting', 120_000]] as const) {
    it(`mergeEvents (mesh) and NaraNode.ingestEvents give the same peers and ledger (${label})`, async () => {
      const clock = new ManualClock()
      const viaMesh = twin(clock, bootingMs)
      const direct = twin(clock, bootingMs)
      prime(viaMesh, clock)
      prime(direct, clock)
      clock.advance(30_000)
      const events = batch(clock)
      const host = meshHostFor(viaMesh)
      await mergeEvents(host, events, 'zine', 'peer', new MeshStats())
      direct.ingestEvents(events.map((event) => ({ event, trust: eventTrust(event, meshHostFor(direct)) })))
      expect(snapshot(direct)).toEqual(snapshot(viaMesh))

      const s = snapshot(direct) as { peers: { name: string; status: string; meshIP: string; publicKey: string }[] }
      const peer = (name: string): { status: string; meshIP: string; publicKey: string } | undefined => s.peers.find((p) => p.name === name)
      // hey-there identity imported (fill); a forged hello's identity is not (its emitter may still count as seen, as in Go)
      expect(peer('zed')).toMatchObject({ meshIP: '127.0.9.1', publicKey: testIdentity('zed').publicKeyBase64 })
      expect(peer('mallory')?.publicKey ?? '').toBe('')
      expect(peer('mallory')?.meshIP ?? '').toBe('')
      // every event is stored except the badly signed one (trust-model.md: a forgery is not ours to relay)
      for (const e of events) expect(direct.ledger.has(e.id)).toBe(eventTrust(e, meshHostFor(direct)) !== 'bad-signature')
      expect(direct.ledger.has(events[4]!.id)).toBe(false)
      expect(direct.drops.get('event_bad_signature')).toBe(1)
      // yan's chau is newer than anything else about yan; wes said chau after its hello
      expect(peer('yan')?.status).toBe('OFFLINE')
      expect(peer('wes')?.status).toBe('OFFLINE')
      // first-seen observations only after boot
      expect(direct.ledger.all().some((e) => e.svc === 'observation' && e.observation.type === 'first-seen')).toBe(bootingMs === 0)
      // the tease's emitter counts as seen by our own observation (not while booting)
      expect(direct.neighbourhood.get('xu')!.observation.online === 'ONLINE').toBe(bootingMs === 0)
    })
  }

  it('a chau is skipped when a newer hey-there from the same nara is in the batch or the ledger', () => {
    const clock = new ManualClock()
    const n = twin(clock, 0)
    const now = clock.nowNs()
    n.ingestEvents([{ event: hello('uma', now - 20n * S, ''), trust: 'verified' }])
    n.ingestEvents([
      { event: chau('uma', now - 10n * S), trust: 'verified' },
      { event: hello('uma', now - 5n * S, ''), trust: 'verified' }
    ])
    expect(n.neighbourhood.get('uma')!.observation.online).toBe('ONLINE')
    expect(n.neighbour('uma')?.status).toBe('ONLINE')
  })
})
