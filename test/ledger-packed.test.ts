/**
 * The ledger's packed storage: every stored event comes back exactly (values, fields present,
 * bytes on the wire) whether it is still a kept object or rebuilt from its record; shared
 * strings leave with the last event naming them; the id index agrees with a Map under random
 * inserts and removals; and a node's presence views, updated as events leave, equal a full replay.
 */
import { describe, expect, it } from 'vitest'
import { ManualClock, seededRandom } from '../main/core/clock'
import { Ledger } from '../main/core/ledger/ledger'
import { IdIndex } from '../main/core/ledger/idIndex'
import { EventStore } from '../main/core/ledger/eventStore'
import { involvedNames, pruningPriority } from '../main/core/ledger/eventRules'
import { StringTable } from '../main/core/ledger/stringTable'
import { RecordWriter } from '../main/core/ledger/eventRecord'
import { OnlineProjection } from '../main/core/presence/projection'
import {
  encodeEvent,
  newChauEvent,
  newCheckpointEvent,
  newHeyThereEvent,
  newObservationEvent,
  newPingEvent,
  newSeenEvent,
  newSocialEvent,
  signEvent
} from '../main/core/protocol/events'
import type { SyncEvent } from '../main/core/protocol/types'
import { makeNode, testIdentity } from './support/nodes'

const T0 = 1_768_000_000_000_000_000n

function withPayloadSignature(e: SyncEvent, signature: string): SyncEvent {
  if (e.svc === 'hey-there') return { ...e, hey_there: { ...e.hey_there, Signature: signature } }
  if (e.svc === 'chau') return { ...e, chau: { ...e.chau, Signature: signature } }
  return e
}

/** Events whose values stress the record format: odd strings, floats, big and negative numbers, arrays, empty strings. */
function oddEvents(): SyncEvent[] {
  const sig64 = Buffer.alloc(64, 7).toString('base64')
  return [
    { ...newSocialEvent({ type: 'tease', actor: 'a\ud800b', target: 'ü☃😀', reason: '' }, T0 + 1n), emitter: 'a\ud800b', sig: sig64 },
    { ...newSocialEvent({ type: 'gossip', actor: 'x', target: 'y', reason: 'r', witness: 'w' }, T0 + 2n), emitter: 'x', emitter_id: 'id-x', sig: 'not base64 at all' },
    { ...newPingEvent({ observer: 'x', target: 'y', rtt: 12.75 }, T0 + 3n), emitter: 'x', sig: 'QUJD' },
    { ...newPingEvent({ observer: 'x', target: 'z', rtt: 0.001 }, T0 + 4n), emitter: 'x', sig: 'QUI=' },
    newPingEvent({ observer: 'y', target: 'z', rtt: 2 ** 60 }, T0 + 5n),
    newObservationEvent({ observer: 'x', subject: 'y', type: 'restart', importance: 3, start_time: 1_760_000_000, restart_num: 0, last_restart: -5, is_backfill: true, observer_uptime: 0.5 }, T0 + 6n),
    newObservationEvent({ observer: 'x', subject: 'y', type: 'status-change', importance: 2, online_state: 'MISSING', cluster_name: '', observer_uptime: -0 }, T0 + 7n),
    newSeenEvent({ observer: 'y', subject: 'z', via: 'mesh' }, T0 + 8n),
    withPayloadSignature({ ...newHeyThereEvent({ From: 'z', PublicKey: 'K'.repeat(43) + '=', MeshIP: '', ID: 'id' }, T0 + 9n), emitter: 'z', sig: sig64 }, sig64),
    withPayloadSignature({ ...newChauEvent({ From: 'z', PublicKey: 'pk', ID: 'id' }, T0 + 10n), emitter: 'z', sig: sig64 }, 'QUJD'),
    newCheckpointEvent(
      {
        version: 2,
        subject: 'y',
        subject_id: 'yid',
        previous_checkpoint_id: 'prev',
        observation: { restarts: 3, total_uptime: 1e15 + 0.5, start_time: 1_760_000_000, online: 'ONLINE' },
        as_of_time: 1_768_000_000,
        round: 1,
        voter_ids: ['v1', 'v2', 'v1'],
        signatures: [sig64, 'odd sig', '']
      },
      T0 + 11n
    )
  ]
}

describe('packed ledger storage', () => {
  for (const hotWindow of [0, 4, 10_000]) {
    it(`gives back every stored value exactly, rebuilt or kept (hot window ${hotWindow})`, () => {
      const ledger = new Ledger({ capacity: 1000, hotWindow })
      const events = oddEvents()
      for (const e of events) expect(ledger.add(e), e.svc).toBe('added')
      expect(ledger.size).toBe(events.length)
      for (const e of events) {
        const stored = ledger.get(e.id)!
        expect(stored).not.toBe(e)
        expect(stored, e.svc).toEqual(e)
        if (e.svc === 'observation' && stored.svc === 'observation') expect(Object.is(stored.observation.observer_uptime, e.observation.observer_uptime)).toBe(true)
        expect(encodeEvent(stored), e.svc).toBe(encodeEvent(e))
      }
      expect(ledger.all().map((e) => e.id)).toEqual(events.map((e) => e.id))
    })
  }

  it('reads priority, restart and involved names from its columns exactly as the rules give them from the event', () => {
    const store = new EventStore(0)
    const events = [
      ...oddEvents(),
      newSocialEvent({ type: 'gossip', actor: 'x', target: 'x', witness: 'x' }, T0 + 20n),
      newSocialEvent({ type: 'gossip', actor: 'x', witness: 'w' }, T0 + 21n),
      newObservationEvent({ type: 'first-seen', importance: 3, subject: 'y' }, T0 + 22n)
    ]
    for (const e of events) {
      const slot = store.put(e)
      expect(store.involvedAt(slot), e.svc).toEqual(involvedNames(e))
      expect(store.priorityAt(slot), e.svc).toBe(pruningPriority(e))
      expect(store.isRestartAt(slot), e.svc).toBe(e.svc === 'observation' && e.observation.type === 'restart')
    }
  })

  it('shares each repeating string once and lets it go with the last event naming it', () => {
    const ledger = new Ledger({ capacity: 50, pruneSlack: 0, hotWindow: 0 })
    for (let i = 0; i < 5000; i++) ledger.add(newSocialEvent({ type: 'tease', actor: `one-off-${i}`, target: 'same', reason: 'random' }, T0 + BigInt(i)))
    expect(ledger.size).toBe(50)
    // 50 actors still stored + 'same', 'tease', 'random': nothing of the 4,950 pruned names remains.
    expect(ledger.sharedStringCount()).toBe(53)
    const table = new StringTable()
    const text = JSON.stringify({ a: 'wild-river-123', b: 'wild-river-123' })
    const a = table.acquire(text.slice(6, 20))
    expect(table.acquire(text.slice(27, 41))).toBe(a)
    expect(table.at(a)).toBe('wild-river-123')
    table.release(a)
    expect(table.find('wild-river-123')).toBe(a)
    table.release(a)
    expect(table.find('wild-river-123')).toBe(-1)
    expect(table.size).toBe(0)
  })

  it('keeps order, values and indexes through slot reuse and arena compaction', () => {
    const rnd = seededRandom(77)
    const ledger = new Ledger({ capacity: 300, hotWindow: 16 })
    const model = new Map<string, string>()
    const order: string[] = []
    for (let i = 0; i < 20_000; i++) {
      const t = T0 + BigInt(i) * 1000n
      const a = `n${rnd.intn(30)}`
      const b = `n${rnd.intn(30)}`
      const k = rnd.intn(3)
      const e = k === 0
        ? newPingEvent({ observer: a, target: b, rtt: rnd.intn(300) }, t)
        : k === 1
          ? newObservationEvent({ observer: a, subject: b, type: 'status-change', importance: 2, online_state: 'ONLINE' }, t)
          : newSocialEvent({ type: 'tease', actor: a, target: b, reason: 'x'.repeat(rnd.intn(200)) }, t)
      if (ledger.add(e) === 'added') {
        model.set(e.id, encodeEvent(e))
        order.push(e.id)
      }
    }
    const stored = ledger.all()
    expect(stored.length).toBe(ledger.size)
    const kept = new Set(stored.map((e) => e.id))
    // Survivors in the order they were added, each byte for byte as received.
    expect(stored.map((e) => e.id)).toEqual(order.filter((id) => kept.has(id)))
    for (const e of stored) expect(encodeEvent(e)).toBe(model.get(e.id))
    for (const id of order) expect(ledger.has(id)).toBe(kept.has(id))
    const counts = ledger.countsByService()
    expect(Object.values(counts).reduce((x, y) => x + y, 0)).toBe(ledger.size)
  })

  it('finds ids as a Map would, under random inserts and removals, and refuses malformed ones', () => {
    const rnd = seededRandom(5)
    const index = new IdIndex()
    const model = new Map<string, number>()
    const bySlot = new Map<number, string>()
    const freeSlots: number[] = []
    let next = 0
    const randomId = (): string => Array.from({ length: 32 }, () => '0123456789abcdef'[rnd.intn(16)]).join('')
    for (let i = 0; i < 30_000; i++) {
      if (rnd.intn(3) > 0 || model.size === 0) {
        const id = randomId()
        if (model.has(id)) continue
        const slot = freeSlots.pop() ?? next++
        index.growSlots(next)
        index.insert(slot, id)
        model.set(id, slot)
        bySlot.set(slot, id)
      } else {
        const slots = [...bySlot.keys()]
        const slot = slots[rnd.intn(slots.length)]!
        index.remove(slot)
        model.delete(bySlot.get(slot)!)
        bySlot.delete(slot)
        freeSlots.push(slot)
      }
    }
    expect(index.size).toBe(model.size)
    for (const [id, slot] of model) {
      expect(index.find(id)).toBe(slot)
      expect(index.idAt(slot)).toBe(id)
    }
    for (let i = 0; i < 1000; i++) expect(index.find(randomId())).toBe(model.get(randomId()) ?? -1)
    const some = [...model.keys()][0]!
    expect(index.find(some.toUpperCase())).toBe(-1)
    expect(index.find(some.slice(1))).toBe(-1)
    expect(index.find(`${some.slice(0, 31)}g`)).toBe(-1)
    expect(index.find('')).toBe(-1)
  })

  it('packs a string as raw bytes exactly when it is canonical Base64, and those bytes are what it decodes to', () => {
    const rnd = seededRandom(9)
    const canonical = (s: string): boolean => s !== '' && Buffer.from(s, 'base64').toString('base64') === s
    const cases: string[] = []
    for (let len = 1; len <= 70; len++) {
      const b64 = Buffer.from(Array.from({ length: len }, () => rnd.intn(256))).toString('base64')
      cases.push(b64)
      // one character changed anywhere: another letter, a URL-safe one, padding, a space, non-ASCII
      for (const c of ['A', '-', '_', '=', ' ', 'é', '\u0141', '/', '+']) {
        const at = rnd.intn(b64.length)
        cases.push(b64.slice(0, at) + c + b64.slice(at + 1))
      }
      cases.push(b64.replace(/=+$/, ''), `${b64}=`, `${b64}====`, b64.slice(1))
    }
    // stray bits under the padding: same bytes, another text
    cases.push('QQ==', 'QR==', 'QUI=', 'QUJ=', 'QUJD', '====', 'Q===', '')
    let raw = 0
    for (const s of cases) {
      const w = new RecordWriter()
      const packed = w.base64(s)
      expect(packed, JSON.stringify(s)).toBe(canonical(s))
      if (!packed) {
        expect(w.pos).toBe(0)
        continue
      }
      raw++
      const bytes = Buffer.from(s, 'base64')
      // tag, varint length, bytes
      expect(w.buf[0]).toBe(3)
      expect(w.buf[1]).toBe(bytes.length)
      expect(w.buf.subarray(2, w.pos).equals(bytes)).toBe(true)
    }
    expect(raw).toBeGreaterThan(70)
    expect(raw).toBeLessThan(cases.length / 2)
  })

  it('a node’s presence views, updated as the ledger drops events, equal a full replay of what is left', () => {
    const clock = new ManualClock()
    const node = makeNode('keeper', 'mqtt://127.0.0.1:1', {}, { clock, ledger: new Ledger({ capacity: 60, pruneSlack: 0.05 }) })
    const rnd = seededRandom(11)
    const names = ['ana', 'bo', 'cy', 'di', 'ed', 'flo']
    const counted = new Set<string>()
    const nowNs = (): bigint => BigInt(clock.nowMs()) * 1_000_000n
    let replays = 0
    for (let i = 0; i < 3000; i++) {
      clock.advance(1000)
      const a = names[rnd.intn(names.length)]!
      const b = names[rnd.intn(names.length)]!
      // Events land out of order, as zines deliver them.
      const t = nowNs() - BigInt(rnd.intn(600)) * 1_000_000_000n
      const id = testIdentity(a)
      const k = rnd.intn(6)
      const e: SyncEvent =
        k === 0 ? signEvent(newHeyThereEvent({ From: a, PublicKey: id.publicKeyBase64, MeshIP: '', ID: id.id }, t), a, id.signer!)
          : k === 1 ? signEvent(newChauEvent({ From: a, PublicKey: id.publicKeyBase64, ID: id.id }, t), a, id.signer!)
            : k === 2 ? newObservationEvent({ observer: a, subject: b, type: 'status-change', importance: 2, online_state: rnd.intn(2) ? 'MISSING' : 'OFFLINE' }, t)
              : k === 3 ? newSeenEvent({ observer: a, subject: b, via: 'mesh' }, t)
                : k === 4 ? newPingEvent({ observer: a, target: b, rtt: 5 }, t)
                  : newSocialEvent({ type: 'tease', actor: a, target: b, reason: 'random' }, t)
      const trust = rnd.intn(4) === 0 ? 'unsigned' : 'verified'
      if (node.addEvent(e, trust) === 'added' && trust === 'verified') counted.add(e.id)
      if (i % 50 === 49) {
        replays++
        const full = new OnlineProjection()
        full.replay(node.ledger.all().filter((x) => counted.has(x.id)))
        expect(node.projection.names().sort(), `after ${i + 1} events`).toEqual(full.names().sort())
        for (const n of full.names()) expect(node.projection.stateOf(n), `${n} after ${i + 1} events`).toEqual(full.stateOf(n))
      }
    }
    expect(replays).toBe(60)
    expect(node.ledger.version).toBeGreaterThan(100)
  })
})
