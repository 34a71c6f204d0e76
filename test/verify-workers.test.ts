/** Verify workers take a batch as one packed buffer; malformed jobs verify false, others keep their place. */
import { afterEach, describe, expect, it } from 'vitest'
import { availableParallelism } from 'node:os'
import { signerFromSeed, sha256 } from '../main/core/protocol/crypto'
import { WorkerVerifier, inlineVerifier, packJobs, type VerifyJob } from '../main/core/bus/control/verifyWorkers'
import { machineVerifyWorkers } from '../main/core/bus/control/ingest'

const open: WorkerVerifier[] = []
afterEach(async () => {
  for (const w of open.splice(0)) await w.close()
})

function jobs(): VerifyJob[] {
  const a = signerFromSeed(sha256('pack-a'))
  const b = signerFromSeed(sha256('pack-b'))
  const msg = (t: string): Buffer => Buffer.from(t)
  const good = (s: typeof a, t: string): VerifyJob => ({ publicKey: s.publicKey, message: msg(t), signature: s.sign(msg(t)) })
  const tampered = good(b, 'tampered')
  tampered.signature = Buffer.from(tampered.signature)
  tampered.signature[3] = (tampered.signature[3] as number) ^ 1
  return [
    good(a, 'first'),
    { ...good(a, 'short key'), publicKey: a.publicKey.subarray(0, 31) },
    good(b, ''),
    { ...good(b, 'long sig'), signature: Buffer.concat([b.sign(msg('long sig')), Buffer.alloc(1)]) },
    tampered,
    { ...good(a, 'wrong key'), publicKey: b.publicKey },
    good(b, 'x'.repeat(5000))
  ]
}

describe('verify workers', () => {
  it('packs records end to end and leaves malformed jobs empty', () => {
    const js = jobs()
    const p = packJobs(js)
    expect(p.ends).toHaveLength(js.length)
    expect(p.ends[0]).toBe(96 + 5)
    expect(p.ends[1]).toBe(p.ends[0]) // short key: empty record
    expect(p.ends[2]).toBe(p.ends[1]! + 96)
    expect(p.ends[3]).toBe(p.ends[2]) // long signature: empty record
    expect(p.bytes.length).toBe(p.ends[js.length - 1])
  })

  it('answers exactly as the inline verifier, job by job', async () => {
    const w = new WorkerVerifier()
    open.push(w)
    const js = jobs()
    const expected = await inlineVerifier.verifyBatch(packJobs(js))
    expect([...expected]).toEqual([1, 0, 1, 0, 0, 0, 1])
    expect([...(await w.verifyBatch(packJobs(js)))]).toEqual([...expected])
    expect([...(await w.verifyBatch(packJobs([])))]).toEqual([])
  })

  it('sizes to the machine', () => {
    expect(machineVerifyWorkers()).toBe(Math.max(1, availableParallelism()))
  })
})
