import { describe, expect, it } from 'vitest'
import { Puller, Pusher } from '../main/core/bus/control/pipeline'
import { createIngestPipeline, type IngestStages } from '../main/core/bus/control/ingest'
import { signerFromSeed, parsePublicKey, parseSignature } from '../main/core/protocol/crypto'
import { err, ok } from '../main/core/result'
import { settle } from './control-fixtures'

function gate(): { wait: Promise<void>; open: () => void } {
  let open!: () => void
  const wait = new Promise<void>((r) => (open = r))
  return { wait, open }
}

describe('PIPELINE push/pull', () => {
  it('push round-robin: each message goes to exactly one puller, in turn', async () => {
    const got: string[] = []
    const pusher = new Pusher<number>()
    for (const name of ['a', 'b', 'c']) pusher.addPuller(new Puller<number>(name, 10, (m) => void got.push(`${name}${m}`)))
    for (let i = 0; i < 6; i++) await pusher.push(i)
    await pusher.idle()
    expect(got).toEqual(['a0', 'b1', 'c2', 'a3', 'b4', 'c5'])
  })

  it('back-pressure: when every puller is full, push waits (counted) and tryPush refuses; nothing is lost', async () => {
    const gates = [gate(), gate()]
    const done: string[] = []
    const pusher = new Pusher<number>()
    pusher.addPuller(new Puller<number>('slow', 1, async (m) => {
      await gates[0]!.wait
      done.push(`slow${m}`)
    }))
    pusher.addPuller(new Puller<number>('slower', 1, async (m) => {
      await gates[1]!.wait
      done.push(`slower${m}`)
    }))
    await pusher.push(0) // slow is busy with 0 (still queued until done)
    await pusher.push(1) // slower is busy with 1
    expect(pusher.tryPush(99)).toBe(false)
    expect(pusher.stats.refused).toBe(1)
    let pushed2 = false
    const p2 = pusher.push(2).then(() => (pushed2 = true))
    await settle()
    expect(pushed2).toBe(false)
    expect(pusher.stats.blocked).toBe(1)
    gates[1]!.open() // slower frees up first: message 2 must go there
    await p2
    expect(pushed2).toBe(true)
    gates[0]!.open()
    await pusher.idle()
    expect(done.sort()).toEqual(['slow0', 'slower1', 'slower2'])
    const snap = pusher.snapshot()
    expect(snap.pullers.map((p) => p.processed)).toEqual([1, 2])
    expect(snap.push.pushed).toBe(3)
  })

  it('waiting pushers are served in order once room appears', async () => {
    const g = gate()
    const order: number[] = []
    const pusher = new Pusher<number>()
    pusher.addPuller(new Puller<number>('one', 1, async (m) => {
      await g.wait
      order.push(m)
    }))
    await pusher.push(0)
    const waits = [pusher.push(1), pusher.push(2), pusher.push(3)]
    g.open()
    await Promise.all(waits)
    await pusher.idle()
    expect(order).toEqual([0, 1, 2, 3])
    expect(pusher.stats.blocked).toBe(3)
  })

  it('inFlight 2: the next message starts before the first finishes; both count against the capacity', async () => {
    const gates = [gate(), gate(), gate(), gate()]
    const started: number[] = []
    const done: number[] = []
    const pusher = new Pusher<number>()
    const p = new Puller<number>('window', 3, async (m) => {
      started.push(m)
      await gates[m]!.wait
      done.push(m)
    }, 2)
    pusher.addPuller(p)
    for (const m of [0, 1, 2]) await pusher.push(m)
    await settle()
    expect(started).toEqual([0, 1])
    expect(p.stats().queued).toBe(3)
    expect(pusher.tryPush(3)).toBe(false)
    gates[0]!.open()
    await settle()
    expect(started).toEqual([0, 1, 2])
    expect(pusher.tryPush(3)).toBe(true)
    for (const g of gates.slice(1)) g.open()
    await pusher.idle()
    expect(done).toEqual([0, 1, 2, 3])
    expect(p.stats()).toMatchObject({ processed: 4, queued: 0 })
    expect(() => new Puller<number>('x', 1, () => undefined, 2)).toThrow(RangeError)
  })

  it('a failing work item is counted and the puller continues', async () => {
    const pusher = new Pusher<number>()
    const seen: number[] = []
    pusher.addPuller(new Puller<number>('p', 4, (m) => {
      if (m === 1) throw new Error('bad')
      seen.push(m)
    }))
    for (const m of [0, 1, 2]) await pusher.push(m)
    await pusher.idle()
    expect(seen).toEqual([0, 2])
    expect(pusher.snapshot().pullers[0]!.failed).toBe(1)
  })
})

interface Ev {
  id: string
  pk: Buffer
  sig: Buffer
  msg: string
}

function makeStages(ledger: Map<string, Ev>, projected: string[]): IngestStages<string, Ev> {
  return {
    decode(raw) {
      let v: unknown
      try {
        v = JSON.parse(raw)
      } catch {
        return err('malformed_json', 'not JSON')
      }
      const o = v as Record<string, unknown>
      if (typeof o.id !== 'string' || typeof o.msg !== 'string' || typeof o.pk !== 'string' || typeof o.sig !== 'string') {
        return err('missing_field', 'fields')
      }
      const pk = parsePublicKey(o.pk)
      const sig = parseSignature(o.sig)
      if (!pk || !sig) return err('bad_base64', 'key or signature')
      return ok({ id: o.id, msg: o.msg, pk, sig })
    },
    verifyJob: (e) => ({ publicKey: e.pk, message: Buffer.from(e.msg), signature: e.sig }),
    id: (e) => e.id,
    ledgerAdd(e) {
      if (ledger.has(e.id)) return 'duplicate'
      ledger.set(e.id, e)
      return 'added'
    },
    project: (e) => void projected.push(e.id)
  }
}

describe('inbound event pipeline (decode → verify → dedupe → ledger → projections)', () => {
  const signer = signerFromSeed(Buffer.alloc(32, 7))
  const event = (i: number, tamper = false): string => {
    const msg = `event-${i}`
    const sig = signer.sign(msg)
    if (tamper) sig[0] = (sig[0] as number) ^ 1
    return JSON.stringify({ id: `id-${i}`, msg, pk: signer.publicKeyBase64, sig: sig.toString('base64') })
  }

  for (const workers of [0, 2]) {
    it(`verifies, dedupes and counts rejections with ${workers} worker thread(s)`, async () => {
      const ledger = new Map<string, Ev>()
      const projected: string[] = []
      const pipe = createIngestPipeline({ stages: makeStages(ledger, projected), workers, queueCapacity: 2 })
      try {
        const batch1 = Array.from({ length: 50 }, (_, i) => event(i))
        const batch2 = [event(3), event(50, true), '{not json', JSON.stringify({ id: 'x' }), event(51)]
        const batch3 = Array.from({ length: 50 }, (_, i) => event(100 + i))
        await pipe.ingest(batch1)
        await pipe.ingest(batch2)
        await pipe.ingest(batch3)
        await pipe.drain()
        const s = pipe.stats()
        expect(s.received).toBe(105)
        expect(s.added).toBe(101)
        expect(s.duplicates).toBe(1)
        expect(s.rejected).toEqual({ bad_signature: 1, malformed_json: 1, missing_field: 1 })
        expect(ledger.size).toBe(101)
        expect(ledger.has('id-50')).toBe(false)
        expect(projected).toHaveLength(101)
      } finally {
        await pipe.close()
      }
    })
  }
})
