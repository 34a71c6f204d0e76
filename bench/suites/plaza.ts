/**
 * A simulated plaza of 1,000 naras against one node: every nara says hey_there once and
 * publishes signed newspapers at the reference cadence (`30 + 270×(100−Chattiness)/100` s,
 * Chattiness drawn per nara) over a 10-minute window, compressed in time: the real payload
 * bytes are fed through the node's plaza entry point (decode, verify over raw Status bytes,
 * merge, projection, views) as fast as possible. CPU share = CPU seconds spent / the
 * 600 real seconds the traffic represents. Baseline: the same loop delivering to a no-op
 * handler. Goal: < 10 % of one core.
 */
import { ManualClock, seededRandom } from '../../main/core/clock'
import { resolveConfig } from '../../main/core/config'
import { NaraNode } from '../../main/core/node'
import { newspaperIntervalMs } from '../../main/core/presence/cadence'
import { signerFromSeed, sha256 } from '../../main/core/protocol/crypto'
import { encodeEvent, newHeyThereEvent, signEvent } from '../../main/core/protocol/events'
import { determineIdentity } from '../../main/core/protocol/identity'
import { buildNewspaper } from '../../main/core/protocol/newspaper'
import { zeroStatus } from '../../main/core/protocol/status'
import type { BenchResult } from '../types'

export const name = 'plaza'

const NARAS = 1000
const WINDOW_S = 600
const GOAL = 0.1

interface Msg {
  topic: string
  payload: Buffer
}

function cpuSeconds(): number {
  const u = process.cpuUsage()
  return (u.user + u.system) / 1e6
}

function buildTraffic(clock: ManualClock): Msg[] {
  const rnd = seededRandom(910)
  const heys: Msg[] = []
  const papers: { at: number; msg: Msg }[] = []
  for (let i = 0; i < NARAS; i++) {
    const nm = `sim${i}`
    const seed = sha256(`bench-plaza:${nm}`)
    const signer = signerFromSeed(seed)
    const hey = signEvent(newHeyThereEvent({ From: nm, PublicKey: signer.publicKeyBase64, MeshIP: `100.64.${i >> 8}.${i & 255}`, ID: `id${i}` }, clock.nowNs()), nm, signer)
    heys.push({ topic: 'nara/plaza/hey_there', payload: Buffer.from(encodeEvent(hey)) })
    const chattiness = rnd.intn(101)
    const every = newspaperIntervalMs(chattiness) / 1000
    const phase = rnd.float() * every
    for (let t = phase; t < WINDOW_S; t += every) {
      const s = zeroStatus()
      s.Flair = '💎'
      s.HostStats = { ...s.HostStats, Uptime: 3600 + Math.floor(t), LoadAvg: 0.1, MemAllocMB: 20 }
      s.Chattiness = chattiness
      s.Buzz = rnd.intn(183)
      s.Personality = { Agreeableness: rnd.intn(100), Sociability: rnd.intn(100), Chill: rnd.intn(100) }
      s.Aura = { primary: '#AABBCC', secondary: '#112233' }
      s.Version = '0.2.0'
      s.PublicKey = signer.publicKeyBase64
      s.ID = `id${i}`
      s.MeshEnabled = true
      s.MeshIP = `100.64.${i >> 8}.${i & 255}`
      s.coordinates = { x: rnd.float(), y: rnd.float(), height: 0.00001, error: 1 }
      s.transport_mode = 'hybrid'
      const paper = buildNewspaper(nm, s, signer)
      papers.push({ at: t, msg: { topic: `nara/newspaper/${nm}`, payload: Buffer.from(paper.payload) } })
    }
  }
  papers.sort((a, b) => a.at - b.at)
  return [...heys, ...papers.map((p) => p.msg)]
}

export async function run(): Promise<BenchResult[]> {
  const clock = new ManualClock(Date.now())
  const traffic = buildTraffic(clock)
  const cfg = resolveConfig({ name: 'benchnode', transport: 'mqtt' }, {})
  if (!cfg.ok) throw new Error(cfg.errors.join('; '))
  const identity = determineIdentity({ nameArg: 'benchnode', soulArg: '', hostname: 'bench', fingerprint: sha256('bench') })

  // Baseline: the same delivery loop into a handler that does nothing.
  let sink = 0
  const noop = (_t: string, p: Buffer): void => {
    sink += p.length & 1
  }
  const b0 = cpuSeconds()
  for (const m of traffic) noop(m.topic, m.payload)
  const baselineCpu = cpuSeconds() - b0

  const node = new NaraNode({ config: cfg.config, identity, clock, random: seededRandom(1), hostStats: () => zeroStatus().HostStats })
  let peers = 0
  node.on('peer', () => peers++)
  const c0 = cpuSeconds()
  for (const m of traffic) node.receive(m.topic, m.payload)
  const nodeCpu = cpuSeconds() - c0
  const share = nodeCpu / WINDOW_S
  const baseShare = baselineCpu / WINDOW_S
  if (node.neighbours().length !== NARAS) throw new Error(`node learned ${node.neighbours().length} of ${NARAS} naras`)
  const papersN = traffic.length - NARAS
  void sink
  void peers
  return [
    {
      suite: name,
      metric: `CPU share, 1,000 naras (${NARAS} hey_there + ${papersN} newspapers per ${WINDOW_S} s)`,
      value: share * 100,
      unit: '% of one core',
      baseline: { metric: 'same loop, no-op handler', value: baseShare * 100, unit: '% of one core' },
      ratio: baseShare > 0 ? share / baseShare : undefined,
      goal: '< 10 % of one core',
      goalMet: share < GOAL
    },
    {
      suite: name,
      metric: 'CPU per plaza message',
      value: (nodeCpu / traffic.length) * 1e6,
      unit: 'µs'
    }
  ]
}
