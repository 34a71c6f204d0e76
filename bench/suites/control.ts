/**
 * Control-plane benches (RFC-0910):
 * - pipeline ingest: signed events through decode → verify → dedupe → ledger with verification
 *   spread over 2 worker threads, against the same pipeline with 1 worker (baseline). Wall-clock
 *   events/s, since the point of workers is parallel time; rounds alternate to share load noise.
 * - REQ/REP round trips/s over the NNG IPC socket, against the in-process carrier (baseline).
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { seededRandom, systemClock } from '../../main/core/clock'
import type { NodeControl, StatusReply } from '../../main/core/control'
import { Ledger } from '../../main/core/ledger/ledger'
import { resolveMemoryProfile } from '../../main/core/ledger/memoryProfile'
import { decodeEvent, encodeEvent, eventSigningDigest } from '../../main/core/protocol/events'
import type { SyncEvent } from '../../main/core/protocol/types'
import { createIngestPipeline } from '../../main/core/bus/control/ingest'
import { createCommandRouter } from '../../main/core/bus/control/router'
import { inprocPair } from '../../main/core/bus/carriers/inproc'
import { controlClient, multiplex, serveControl } from '../../main/core/bus/carriers/mux'
import { startControlSocket } from '../../main/core/bus/nng/controlSocket'
import { SpReqClient } from '../../main/core/bus/nng/client'
import { benchIdentities, naraNames, signedEvents } from '../support/events'
import type { BenchResult } from '../types'
import { median } from '../support/stats'

export const name = 'control'

const EVENTS = 12_000
const BATCH = 200
const ROUNDS = 3
const ROUND_TRIPS = 2_000

async function ingestRate(texts: string[], keys: Map<string, Buffer>, workers: number): Promise<number> {
  const ledger = new Ledger({ profile: resolveMemoryProfile('medium') })
  const pipe = createIngestPipeline<string, SyncEvent>({
    workers,
    queueCapacity: 4,
    stages: {
      decode: (t) => decodeEvent(t),
      verifyJob: (e) => {
        const publicKey = keys.get(e.emitter ?? '')
        return publicKey && e.sig ? { publicKey, message: eventSigningDigest(e), signature: Buffer.from(e.sig, 'base64') } : null
      },
      id: (e) => e.id,
      ledgerAdd: (e) => ledger.add(e),
      project: () => undefined
    }
  })
  try {
    // Warm the threads and key caches outside the timed part.
    await pipe.ingest(texts.slice(0, BATCH))
    await pipe.drain()
    const t0 = performance.now()
    for (let i = BATCH; i < texts.length; i += BATCH) await pipe.ingest(texts.slice(i, i + BATCH))
    await pipe.drain()
    const s = pipe.stats()
    if ((s.rejected.bad_signature ?? 0) > 0) throw new Error('valid events failed verification')
    return (texts.length - BATCH) / ((performance.now() - t0) / 1000)
  } finally {
    await pipe.close()
  }
}

function benchNode(): NodeControl {
  return {
    status: () => ({ name: 'bench', ledgerSize: 0, plazaConnected: false, uptimeMs: 0 }) as unknown as StatusReply,
    peers: () => [],
    join: async () => 'online',
    leave: async () => 'offline'
  }
}

async function inprocRoundTrips(): Promise<number> {
  const [a, b] = inprocPair()
  serveControl(multiplex(b).control, createCommandRouter(benchNode()))
  const client = controlClient(multiplex(a).control, { clock: systemClock, resendMs: 60_000 })
  const t0 = performance.now()
  for (let i = 0; i < ROUND_TRIPS; i++) await client.request({ cmd: 'status' })
  const rate = ROUND_TRIPS / ((performance.now() - t0) / 1000)
  client.close()
  a.close()
  return rate
}

async function ipcRoundTrips(dir: string): Promise<number> {
  const sock = await startControlSocket(benchNode(), 'bench', { env: { XDG_RUNTIME_DIR: dir } })
  const client = await SpReqClient.dial(sock.path, { resendMs: 60_000 })
  try {
    const req = JSON.stringify({ cmd: 'status' })
    const t0 = performance.now()
    for (let i = 0; i < ROUND_TRIPS; i++) await client.request(req)
    return ROUND_TRIPS / ((performance.now() - t0) / 1000)
  } finally {
    client.close()
    await sock.close()
  }
}

export async function run(): Promise<BenchResult[]> {
  const rnd = seededRandom(910)
  const ids = benchIdentities(8)
  const texts = signedEvents(EVENTS, ids, naraNames(200, rnd), rnd).map(encodeEvent)
  const keys = new Map(ids.map((i) => [i.name, i.publicKey]))

  const one: number[] = []
  const two: number[] = []
  for (let r = 0; r < ROUNDS; r++) {
    one.push(await ingestRate(texts, keys, 1))
    two.push(await ingestRate(texts, keys, 2))
  }
  const base1 = median(one)
  const rate2 = median(two)

  const dir = mkdtempSync(join(tmpdir(), 'nara-bench-'))
  let inproc = 0
  let ipc = 0
  try {
    inproc = await inprocRoundTrips()
    ipc = await ipcRoundTrips(dir)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }

  const ingestBaseline = { metric: 'pipeline ingest, 1 verify worker', value: base1, unit: 'events/s' }
  const rtBaseline = { metric: 'REQ/REP round trips, in-process carrier', value: inproc, unit: 'round trips/s' }
  return [
    { suite: name, ...ingestBaseline },
    {
      suite: name,
      metric: 'pipeline ingest, 2 verify workers',
      value: rate2,
      unit: 'events/s',
      baseline: ingestBaseline,
      ratio: rate2 / base1,
      goal: 'ratio > 1.0 (workers pay off; needs ≥ 2 idle cores)',
      goalMet: rate2 / base1 > 1
    },
    { suite: name, ...rtBaseline },
    {
      suite: name,
      metric: 'REQ/REP round trips over NNG IPC socket',
      value: ipc,
      unit: 'round trips/s',
      baseline: rtBaseline,
      ratio: ipc / inproc,
      goal: 'informational (IPC framing + syscalls vs in-process)'
    }
  ]
}
