/**
 * Simulated plazas of 1,000 and 10,000 naras against one node: every nara says hey_there once
 * and publishes signed newspapers at the reference cadence (`30 + 270×(100−Chattiness)/100` s,
 * Chattiness drawn per nara) over a 10-minute window, compressed in time: the real payload
 * bytes are fed through the node's plaza entry point (decode, verify over raw Status bytes,
 * merge, projection, views) as fast as possible. CPU share = CPU seconds spent / the 600 real
 * seconds the traffic represents. CPU per message is split by kind (hey_there, newspaper).
 *
 * Baselines, same run: the same loop delivering to a no-op handler, and the physical floor of
 * a plaza message — one Ed25519 verify with Node's crypto (pre-parsed key, the same payload
 * bytes), since every newspaper and hey_there carries a signature that must be checked.
 * Goals: ≤ 50 µs of CPU per newspaper and per hey_there; a 10,000-nara plaza at < 5 % of a core
 * (the node keeps at most MAX_NEIGHBOURS = 4,096 records, evicting the stalest, but every
 * message of all 10,000 is still decoded and verified).
 */
import { verify as nodeVerify } from 'node:crypto'
import { ManualClock, seededRandom } from '../../main/core/clock'
import { resolveConfig } from '../../main/core/config'
import { NaraNode } from '../../main/core/node'
import { newspaperIntervalMs } from '../../main/core/presence/cadence'
import { MAX_NEIGHBOURS } from '../../main/core/presence/neighbourhood'
import { publicKeyObject, sha256 } from '../../main/core/protocol/crypto'
import { determineIdentity } from '../../main/core/protocol/identity'
import { zeroStatus } from '../../main/core/protocol/status'
import { heyThere, newspaper, simNaras, type SimNara } from '../support/plaza'
import type { BenchResult } from '../types'
import { cpuSeconds } from '../support/stats'

export const name = 'plaza'

const WINDOW_S = 600
const PER_MESSAGE_GOAL_US = 50
const SHARE_GOALS: Record<number, number> = { 1000: 10, 10_000: 5 }

interface Msg {
  topic: string
  payload: Buffer
  sim: SimNara
}

interface Traffic {
  heys: Msg[]
  papers: Msg[]
}

function buildTraffic(naras: number, clock: ManualClock): Traffic {
  const rnd = seededRandom(910)
  const sims = simNaras(naras, 'sim', rnd)
  const heys: Msg[] = []
  const papers: { at: number; msg: Msg }[] = []
  for (const sim of sims) {
    heys.push({ topic: 'nara/plaza/hey_there', payload: heyThere(sim, clock.nowNs()), sim })
    const every = newspaperIntervalMs(sim.chattiness) / 1000
    for (let t = rnd.float() * every; t < WINDOW_S; t += every) papers.push({ at: t, msg: { topic: `nara/newspaper/${sim.name}`, payload: newspaper(sim, t, rnd), sim } })
  }
  papers.sort((a, b) => a.at - b.at)
  return { heys, papers: papers.map((p) => p.msg) }
}

/**
 * The floor: one Ed25519 verify per message over a signature-sized message, with the key
 * object parsed once (as the node's key cache does). Signatures are made up, so verify
 * answers false after the same work; the message is the payload itself (newspaper signatures
 * cover the raw Status bytes, about the payload's size).
 */
function verifyFloorUs(msgs: Msg[]): number {
  const sig = Buffer.alloc(64, 7)
  const keys = msgs.map((m) => publicKeyObject(m.sim.signer.publicKey))
  for (let i = 0; i < Math.min(200, msgs.length); i++) nodeVerify(null, msgs[i]!.payload, keys[i]!, sig)
  const c0 = cpuSeconds()
  for (let i = 0; i < msgs.length; i++) nodeVerify(null, msgs[i]!.payload, keys[i]!, sig)
  return ((cpuSeconds() - c0) / msgs.length) * 1e6
}

async function plaza(naras: number): Promise<BenchResult[]> {
  const clock = new ManualClock(Date.now())
  const { heys, papers } = buildTraffic(naras, clock)
  const all = [...heys, ...papers]
  const cfg = resolveConfig({ name: 'benchnode', transport: 'mqtt' }, {})
  if (!cfg.ok) throw new Error(cfg.errors.join('; '))
  const identity = determineIdentity({ nameArg: 'benchnode', soulArg: '', hostname: 'bench', fingerprint: sha256('bench') })

  // Baseline: the same delivery loop into a handler that does nothing.
  let sink = 0
  const noop = (_t: string, p: Buffer): void => {
    sink += p.length & 1
  }
  const b0 = cpuSeconds()
  for (const m of all) noop(m.topic, m.payload)
  const baselineCpu = cpuSeconds() - b0
  const floorUs = verifyFloorUs(all)

  const node = new NaraNode({ config: cfg.config, identity, clock, random: seededRandom(1), hostStats: () => zeroStatus().HostStats })
  const h0 = cpuSeconds()
  for (const m of heys) node.receive(m.topic, m.payload)
  const heyCpu = cpuSeconds() - h0
  const p0 = cpuSeconds()
  for (const m of papers) node.receive(m.topic, m.payload)
  const paperCpu = cpuSeconds() - p0
  const nodeCpu = heyCpu + paperCpu
  const share = (nodeCpu / WINDOW_S) * 100
  const baseShare = (baselineCpu / WINDOW_S) * 100
  // The node keeps at most MAX_NEIGHBOURS records (a memory bound); it still checks every message.
  const kept = Math.min(naras, MAX_NEIGHBOURS)
  if (node.neighbours().length !== kept) throw new Error(`node kept ${node.neighbours().length} of ${naras} naras (expected ${kept})`)
  void sink
  const floor = { metric: 'one Ed25519 verify (Node crypto, key parsed once): the physical floor', value: floorUs, unit: 'µs' }
  const perMsg = (kind: string, cpu: number, n: number): BenchResult => {
    const us = (cpu / n) * 1e6
    return {
      suite: name,
      metric: `CPU per ${kind}, ${naras.toLocaleString('en-US')}-nara plaza (${n} messages)`,
      value: us,
      unit: 'µs',
      baseline: floor,
      ratio: us / floorUs,
      goal: `≤ ${PER_MESSAGE_GOAL_US} µs${floorUs > PER_MESSAGE_GOAL_US ? ' (below the verify floor: not reachable)' : ''}`,
      goalMet: us <= PER_MESSAGE_GOAL_US
    }
  }
  const goal = SHARE_GOALS[naras]
  return [
    {
      suite: name,
      metric: `CPU share, ${naras.toLocaleString('en-US')} naras (${heys.length} hey_there + ${papers.length} newspapers per ${WINDOW_S} s)`,
      value: share,
      unit: '% of one core',
      baseline: { metric: 'same loop, no-op handler', value: baseShare, unit: '% of one core' },
      ratio: baseShare > 0 ? share / baseShare : undefined,
      ...(goal !== undefined ? { goal: `< ${goal} % of one core`, goalMet: share < goal } : {})
    },
    perMsg('hey_there', heyCpu, heys.length),
    perMsg('newspaper', paperCpu, papers.length)
  ]
}

export async function run(): Promise<BenchResult[]> {
  return [...(await plaza(1000)), ...(await plaza(10_000))]
}
