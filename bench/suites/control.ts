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
import { encodeEvent } from '../../main/core/protocol/events'
import type { SyncEvent } from '../../main/core/protocol/types'
import { createIngestPipeline } from '../../main/core/bus/control/ingest'
import { createCommandRouter } from '../../main/core/bus/control/router'
import { inprocPair } from '../../main/core/bus/carriers/inproc'
import { controlClient, multiplex, serveControl } from '../../main/core/bus/carriers/mux'
import { startControlSocket } from '../../main/core/bus/nng/controlSocket'
import { SpReqClient } from '../../main/core/bus/nng/client'
import { benchIdentities, ledgerIngestStages, naraNames, signedEvents } from '../support/events'
import type { BenchResult } from '../types'
import { median } from '../support/stats'
import { resolveConfig } from '../../main/core/config'
import { NaraNode } from '../../main/core/node'
import { DropCounter } from '../../main/core/plaza/drops'
import { PlazaInbox } from '../../main/core/plaza/inbox'
import { sha256 } from '../../main/core/protocol/crypto'
import { determineIdentity } from '../../main/core/protocol/identity'
import { newHeyThereEvent, signEvent } from '../../main/core/protocol/events'
import { zeroStatus } from '../../main/core/protocol/status'

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
    stages: ledgerIngestStages(keys, ledger)
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

const BURST = 2_000
const BURST_EVERY_MS = 20
const BURST_ROUND_TRIPS = 300

/**
 * `nara status` round trips over the IPC socket while the node takes plaza bursts (2,000
 * signed hey_theres every 20 ms, as one TCP read can deliver): `sliced` goes through the
 * node's PlazaInbox, `direct` handles each burst in one go (what the transport did before).
 */
async function roundTripsUnderBursts(dir: string, mode: 'idle' | 'sliced' | 'direct'): Promise<{ rate: number; maxMs: number }> {
  const cfg = resolveConfig({ name: 'benchnode', transport: 'mqtt' }, {})
  if (!cfg.ok) throw new Error(cfg.errors.join('; '))
  const identity = determineIdentity({ nameArg: 'benchnode', soulArg: '', hostname: 'bench', fingerprint: sha256('bench') })
  const node = new NaraNode({ config: cfg.config, identity, random: seededRandom(2), hostStats: () => zeroStatus().HostStats })
  const ids = benchIdentities(8)
  const names = naraNames(BURST, seededRandom(3))
  const burst = names.map((n, i) => {
    const who = ids[i % ids.length]!
    const e = signEvent(newHeyThereEvent({ From: n, PublicKey: who.signer.publicKeyBase64, MeshIP: '', ID: '' }, systemClock.nowNs()), n, who.signer)
    return Buffer.from(encodeEvent(e))
  })
  const inbox = new PlazaInbox((t, p) => node.receive(t, p), new DropCounter())
  const sock = await startControlSocket(node, 'burst', { env: { XDG_RUNTIME_DIR: dir } })
  const client = await SpReqClient.dial(sock.path, { resendMs: 60_000 })
  // Bursts start once the client is connected, so the first one (2,000 names never seen: the
  // costly one; later bursts repeat them) always lands among the measured round trips.
  let bursts = 0
  const timer =
    mode === 'idle'
      ? null
      : setInterval(() => {
          bursts++
          for (const p of burst) mode === 'sliced' ? inbox.push('nara/plaza/hey_there', p) : node.receive('nara/plaza/hey_there', p)
        }, BURST_EVERY_MS)
  try {
    const req = JSON.stringify({ cmd: 'status' })
    let maxMs = 0
    const t0 = performance.now()
    let trips = 0
    for (; trips < BURST_ROUND_TRIPS || (timer && bursts < 3); trips++) {
      const s = performance.now()
      await client.request(req)
      maxMs = Math.max(maxMs, performance.now() - s)
    }
    return { rate: trips / ((performance.now() - t0) / 1000), maxMs }
  } finally {
    if (timer) clearInterval(timer)
    inbox.clear()
    client.close()
    await sock.close()
    await node.stop(0)
  }
}

/** A result measured against a same-run baseline in the same unit. */
function against(metric: string, value: number, baseline: { metric: string; value: number; unit: string }): BenchResult {
  return { suite: name, metric, value, unit: baseline.unit, baseline, ratio: value / baseline.value }
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
  let idle = { rate: 0, maxMs: 0 }
  let sliced = { rate: 0, maxMs: 0 }
  let direct = { rate: 0, maxMs: 0 }
  try {
    inproc = await inprocRoundTrips()
    ipc = await ipcRoundTrips(dir)
    idle = await roundTripsUnderBursts(dir, 'idle')
    sliced = await roundTripsUnderBursts(dir, 'sliced')
    direct = await roundTripsUnderBursts(dir, 'direct')
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
    },
    { suite: name, metric: 'status round trips over IPC, plaza idle', value: idle.rate, unit: 'round trips/s' },
    {
      ...against('slowest status round trip under plaza bursts, sliced inbox', sliced.maxMs, { metric: 'slowest status round trip under plaza bursts, handled in one go', value: direct.maxMs, unit: 'ms' }),
      goal: 'ratio < 1.0 (slicing keeps control requests moving during bursts)',
      goalMet: sliced.maxMs < direct.maxMs
    },
    {
      ...against('status round trips over IPC under plaza bursts, sliced inbox', sliced.rate, { metric: 'status round trips over IPC, plaza idle', value: idle.rate, unit: 'round trips/s' }),
      goal: 'informational (share of idle responsiveness kept under bursts)'
    }
  ]
}
