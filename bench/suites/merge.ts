/**
 * The node's own mesh merge (`mergeEvents`, what a zine or sync page goes through): 5,000 fresh
 * signed events from a known peer into a NaraNode, with the signature checks on the node's
 * verify pool (one worker per core, started once and warmed, as a running node has it), against
 * the same merge with every check inline on the main thread, in the same run. Wall clock and
 * CPU time; rounds alternate the two. Informational: the ingest goal is the pipeline's
 * (ingest-cores); this shows what the app's merge path gets from the extra cores.
 */
import { ManualClock, seededRandom } from '../../main/core/clock'
import { resolveConfig } from '../../main/core/config'
import { NaraNode } from '../../main/core/node'
import { VerifyPool } from '../../main/core/bus/control/verifyPool'
import { mergeEvents } from '../../main/core/mesh/merge'
import { meshHostFor } from '../../main/core/mesh/nodeMesh'
import { MeshStats } from '../../main/core/mesh/stats'
import { sha256, signerFromSeed } from '../../main/core/protocol/crypto'
import { determineIdentity } from '../../main/core/protocol/identity'
import { newSocialEvent, signEvent } from '../../main/core/protocol/events'
import { zeroStatus } from '../../main/core/protocol/status'
import type { SyncEvent } from '../../main/core/protocol/types'
import type { BenchResult } from '../types'
import { cpuSeconds, median } from '../support/stats'

export const name = 'merge'

const EVENTS = 5_000
const ROUNDS = 3
const REASONS = ['high-restarts', 'comeback', 'trend-abandon', 'random', 'nice-number']

const author = signerFromSeed(sha256('merge bench author'))

/** `EVENTS` teases signed by the author, each round's set new (nothing remembered from before). */
function events(clock: ManualClock, round: string): SyncEvent[] {
  return Array.from({ length: EVENTS }, (_, i) =>
    signEvent(
      newSocialEvent({ type: 'tease', actor: 'quill', target: `peer-${i % 300}`, reason: `${REASONS[i % REASONS.length]} ${round}` }, clock.nowNs() - BigInt(i + 1) * 1_000_000n),
      'quill',
      author
    )
  )
}

function freshNode(clock: ManualClock): NaraNode {
  const cfg = resolveConfig({ name: 'benchnode', transport: 'mqtt' }, {})
  if (!cfg.ok) throw new Error(cfg.errors.join('; '))
  const identity = determineIdentity({ nameArg: 'benchnode', soulArg: '', hostname: 'bench', fingerprint: sha256('merge bench') })
  const node = new NaraNode({ config: cfg.config, identity, clock, random: seededRandom(3), hostStats: () => zeroStatus().HostStats })
  node.neighbourhood.importIdentity('quill', { publicKey: author.publicKeyBase64 }, clock.nowMs(), 'overwrite')
  return node
}

async function mergeOnce(clock: ManualClock, round: string, pool?: VerifyPool): Promise<{ wallMs: number; cpuMs: number }> {
  const node = freshNode(clock)
  const batch = events(clock, round)
  const c0 = cpuSeconds()
  const t0 = performance.now()
  const report = await mergeEvents(meshHostFor(node, pool), batch, 'zine', 'quill', new MeshStats())
  const wallMs = performance.now() - t0
  const cpuMs = (cpuSeconds() - c0) * 1000
  if (report.added !== EVENTS || report.badSignature !== 0) throw new Error(`merge added ${report.added}/${EVENTS}, ${report.badSignature} bad`)
  return { wallMs, cpuMs }
}

export async function run(): Promise<BenchResult[]> {
  const clock = new ManualClock(Date.now())
  const pool = new VerifyPool({ workers: 'auto' })
  const inline: { wallMs: number; cpuMs: number }[] = []
  const pooled: { wallMs: number; cpuMs: number }[] = []
  try {
    await mergeOnce(clock, 'warm-inline')
    await mergeOnce(clock, 'warm-pool', pool)
    for (let r = 0; r < ROUNDS; r++) {
      inline.push(await mergeOnce(clock, `inline-${r}`))
      pooled.push(await mergeOnce(clock, `pool-${r}`, pool))
    }
  } finally {
    await pool.close()
  }
  const threads = pool.stats()
  const wallInline = median(inline.map((x) => x.wallMs))
  const wallPool = median(pooled.map((x) => x.wallMs))
  const cpuInline = median(inline.map((x) => x.cpuMs))
  const cpuPool = median(pooled.map((x) => x.cpuMs))
  const against = { metric: 'the same merge, every signature checked inline on the main thread', unit: 'ms' }
  return [
    {
      suite: name,
      metric: `node mesh merge of ${EVENTS.toLocaleString('en-US')} fresh signed events, verify pool (${threads.offThread.toLocaleString('en-US')} checks off-thread), wall clock`,
      value: wallPool,
      unit: 'ms',
      baseline: { ...against, value: wallInline },
      ratio: wallPool / wallInline,
      goal: 'informational (what the node’s merge gets from the other cores)'
    },
    {
      suite: name,
      metric: `node mesh merge of ${EVENTS.toLocaleString('en-US')} fresh signed events, verify pool, CPU time over all threads`,
      value: cpuPool,
      unit: 'ms',
      baseline: { ...against, value: cpuInline },
      ratio: cpuPool / cpuInline,
      goal: 'informational (the pool moves the work; it should not add to it)'
    }
  ]
}
