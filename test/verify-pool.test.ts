/**
 * The node's verify pool: real worker threads, real Ed25519. A batch is split over the workers
 * and answered in job order exactly as the calling thread would answer it; small batches never
 * start a thread; the threads stop when quiet; and a mesh merge through it stores what an
 * inline merge stores, with its signatures checked off the main thread.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { ManualClock } from '../main/core/clock'
import { VerifyPool } from '../main/core/bus/control/verifyPool'
import { inlineVerifier, packJobs, type VerifyJob } from '../main/core/bus/control/verifyWorkers'
import { sha256, signerFromSeed } from '../main/core/protocol/crypto'
import { mergeEvents } from '../main/core/mesh/merge'
import { meshHostFor } from '../main/core/mesh/nodeMesh'
import { MeshStats } from '../main/core/mesh/stats'
import { newSocialEvent, signEvent } from '../main/core/protocol/events'
import type { SyncEvent } from '../main/core/protocol/types'
import { makeNode, testIdentity } from './support/nodes'

const pools: VerifyPool[] = []
afterEach(async () => {
  for (const p of pools.splice(0)) await p.close()
})
const pool = (opts: ConstructorParameters<typeof VerifyPool>[0]): VerifyPool => {
  const p = new VerifyPool(opts)
  pools.push(p)
  return p
}

/** `n` jobs from two signers: every 5th tampered, every 11th with a short key, every 13th signed by the other key. */
function jobs(n: number): VerifyJob[] {
  const a = signerFromSeed(sha256('pool-a'))
  const b = signerFromSeed(sha256('pool-b'))
  return Array.from({ length: n }, (_, i) => {
    const message = sha256(`message ${i}`)
    const signature = Buffer.from(a.sign(message))
    if (i % 5 === 0) signature[7] = (signature[7] as number) ^ 0x20
    const publicKey = i % 11 === 0 ? a.publicKey.subarray(0, 31) : i % 13 === 0 ? b.publicKey : a.publicKey
    return { publicKey, message, signature }
  })
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

describe('verify pool', () => {
  it('splits a batch over its workers and answers job by job as the calling thread does', async () => {
    const p = pool({ workers: 2, inlineBelow: 16 })
    const js = jobs(301)
    const expected = await inlineVerifier.verifyBatch(packJobs(js))
    const got = await p.verify(js)
    expect([...got]).toEqual([...expected])
    // the fixture really mixes verdicts: 1 in 5 tampered, plus short and wrong keys
    expect(expected.reduce((a, b) => a + b, 0)).toBeGreaterThan(150)
    expect(expected.reduce((a, b) => a + b, 0)).toBeLessThan(250)
    expect(p.stats()).toEqual({ offThread: 301, inline: 0, threads: 2 })
  })

  it('keeps a small batch on the calling thread and starts no thread for it', async () => {
    const p = pool({ workers: 2, inlineBelow: 64 })
    const js = jobs(20)
    expect([...(await p.verify(js))]).toEqual([...(await inlineVerifier.verifyBatch(packJobs(js)))])
    expect(p.stats()).toEqual({ offThread: 0, inline: 20, threads: 0 })
  })

  it('stops its threads after a quiet spell and starts them again when needed', async () => {
    const p = pool({ workers: 2, inlineBelow: 8, idleMs: 40 })
    await p.verify(jobs(40))
    expect(p.stats().threads).toBe(2)
    for (let i = 0; i < 100 && p.stats().threads > 0; i++) await sleep(20)
    expect(p.stats().threads).toBe(0)
    const js = jobs(40)
    expect([...(await p.verify(js))]).toEqual([...(await inlineVerifier.verifyBatch(packJobs(js)))])
    expect(p.stats()).toMatchObject({ offThread: 80, threads: 2 })
  })

  it('still answers after close, on the calling thread', async () => {
    const p = pool({ workers: 2, inlineBelow: 8 })
    await p.verify(jobs(16))
    await p.close()
    const js = jobs(30)
    expect([...(await p.verify(js))]).toEqual([...(await inlineVerifier.verifyBatch(packJobs(js)))])
    expect(p.stats()).toEqual({ offThread: 16, inline: 30, threads: 0 })
  })

  it('a zine merged through the pool stores what an inline merge stores; its signatures are checked off the main thread', async () => {
    const clock = new ManualClock()
    const author = testIdentity('quill')
    const batch = (tag: string): SyncEvent[] =>
      Array.from({ length: 120 }, (_, i) => {
        const e = signEvent(newSocialEvent({ type: 'tease', actor: 'quill', target: `peer-${tag}-${i}`, reason: 'comeback' }, clock.nowNs() - BigInt(i + 1) * 1_000_000n), 'quill', author.signer!)
        // every 8th event tampered after signing: same id and signature, other payload
        return i % 8 === 0 ? ({ ...e, social: { ...e.social, reason: 'random' } } as SyncEvent) : e
      })
    const merge = async (tag: string, verifier?: VerifyPool) => {
      const node = makeNode('keeper', 'mqtt://127.0.0.1:1', {}, { clock })
      node.neighbourhood.importIdentity('quill', { publicKey: author.publicKeyBase64 }, clock.nowMs(), 'overwrite')
      const events = batch(tag)
      const report = await mergeEvents(meshHostFor(node, verifier), events, 'zine', 'quill', new MeshStats())
      return { report, stored: events.filter((e) => node.ledger.has(e.id)).length }
    }
    const p = pool({ workers: 2, inlineBelow: 16 })
    const viaPool = await merge('a', p)
    const inline = await merge('b')
    expect(p.stats()).toMatchObject({ offThread: 120, inline: 0 })
    for (const r of [viaPool, inline]) {
      expect(r.report.badSignature).toBe(15)
      expect(r.report.added).toBe(105)
      expect(r.stored).toBe(105)
    }
  })
})
