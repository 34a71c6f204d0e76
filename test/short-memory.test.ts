/**
 * Short-memory mode as the reference honours it: a howdy names at most 5 neighbours (10
 * otherwise) and a gossip round picks 1–2 targets (3–5 otherwise). Real node, real broker,
 * manual clock.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { ManualClock, seededRandom } from '../main/core/clock'
import { GO_TIMINGS } from '../main/core/config'
import { Ledger } from '../main/core/ledger/ledger'
import { resolveMemoryProfile } from '../main/core/ledger/memoryProfile'
import { pickTargets } from '../main/core/mesh/gossip'
import { encodeEvent, newHeyThereEvent, signEvent } from '../main/core/protocol/events'
import { decodeHowdy } from '../main/core/protocol/howdy'
import { recordingBroker } from './interop-harness'
import { eventually, makeNode, testIdentity } from './support/nodes'

const cleanups: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const f of cleanups.splice(0).reverse()) await f().catch(() => {})
})

function heyThere(name: string, tsMs: number): Buffer {
  const id = testIdentity(name)
  return Buffer.from(encodeEvent(signEvent(newHeyThereEvent({ From: name, PublicKey: id.publicKeyBase64, MeshIP: '', ID: id.id }, BigInt(tsMs) * 1_000_000n), name, id.signer!)))
}

async function howdyNeighbourCount(mode: 'short' | 'medium'): Promise<number> {
  const broker = await recordingBroker()
  cleanups.push(() => broker.stop())
  const clock = new ManualClock()
  const node = makeNode(`mem-${mode}`, broker.url, { transport: 'mqtt', timings: { ...GO_TIMINGS } }, {
    clock,
    random: seededRandom(3),
    ledger: new Ledger({ profile: resolveMemoryProfile(mode) }),
    presence: { keepAlivePingMs: 0 }
  })
  cleanups.push(() => node.stop(2000))
  await node.start()
  clock.advance(5000)
  for (let i = 0; i < 12; i++) node.receive('nara/plaza/hey_there', heyThere(`old${i}`, clock.nowMs()))
  clock.advance(31_000) // their howdy coordinations end
  node.receive('nara/plaza/hey_there', heyThere('newbie', clock.nowMs()))
  clock.advance(3000)
  const toNewbie = () => broker.published.filter((p) => p.topic === 'nara/plaza/howdy').map((p) => decodeHowdy(p.payload)).find((d) => d.ok && d.value.To === 'newbie')
  await eventually(() => expect(toNewbie()).toBeDefined())
  const d = toNewbie()!
  if (!d.ok) throw new Error(d.error.reason)
  return d.value.Neighbors?.length ?? 0
}

describe('short-memory mode', () => {
  it('a howdy names 5 neighbours in short memory, 10 otherwise', async () => {
    expect(await howdyNeighbourCount('short')).toBe(5)
    expect(await howdyNeighbourCount('medium')).toBe(10)
  })

  it('gossip picks 1–2 targets in short memory, 3–5 otherwise', () => {
    const peers = ['a', 'b', 'c', 'd', 'e', 'f', 'g']
    const r = seededRandom(9)
    const short = new Set<number>()
    const normal = new Set<number>()
    for (let i = 0; i < 200; i++) {
      short.add(pickTargets(peers, r, true).length)
      normal.add(pickTargets(peers, r, false).length)
    }
    expect([...short].sort()).toEqual([1, 2])
    expect([...normal].sort()).toEqual([3, 4, 5])
  })
})
