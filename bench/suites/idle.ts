/**
 * What an idle tray app costs all day: one node (the runtime `nara run` composes) on a real
 * mosquitto with 50 neighbours publishing signed newspapers at the reference cadence
 * (`30 + 270×(100−Chattiness)/100` s, Chattiness drawn per nara), measured in a child process
 * after it settled: CPU share of one core, timer wakeups per second and RSS/heap drift.
 * Baseline, in the same run and the same window: a bare Node process holding one MQTT
 * connection to the same broker with the same options and subscriptions.
 *
 * The window is the issue's 10 minutes by default (`--idle-seconds 90` for a quick look: the
 * share then depends on where in the newspaper and keep-alive cycles the window falls). The node's boot phase (Go: 120 s) is set to the settle time so the
 * window measures the steady state rather than start-up; the settle (40 s) also outlasts the
 * howdy coordinations (30 s) the neighbours' arrival starts.
 *
 * Goals: ≤ 0.1 % of one core, ≤ 2 wakeups/s, no drift (RSS and heap after a full GC grow by no
 * more than the baseline's growth + 1 MB over the window).
 */
import { execFile } from 'node:child_process'
import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import mqtt from 'mqtt'
import { seededRandom } from '../../main/core/clock'
import { startMosquitto } from '../../test/support/brokers'
import { playNeighbours, simNaras } from '../support/plaza'
import type { BenchResult } from '../types'

export const name = 'idle'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..')
const NEIGHBOURS = 50
const SETTLE_S = 40
const DEFAULT_SECONDS = 600
const CPU_GOAL_PCT = 0.1
const WAKEUP_GOAL = 2
const DRIFT_SLACK_MB = 1
const MB = 1024 * 1024

/** `--idle-seconds N` on the bench command line (or NARA_BENCH_IDLE_SECONDS). */
export function idleSeconds(argv = process.argv, env = process.env): number {
  const i = argv.indexOf('--idle-seconds')
  const text = i >= 0 ? argv[i + 1] : (argv.find((a) => a.startsWith('--idle-seconds='))?.slice(15) ?? env.NARA_BENCH_IDLE_SECONDS)
  const n = Number(text ?? DEFAULT_SECONDS)
  if (!Number.isFinite(n) || n <= 0) throw new Error(`--idle-seconds '${text}' is not a positive number`)
  return n
}

interface ChildReport {
  mode: string
  wallS: number
  cpuS: number
  wakeups: number
  rss0: number
  rss1: number
  heap0: number
  heap1: number
}

function child(mode: 'node' | 'baseline', brokerUrl: string, nara: string, seconds: number): Promise<ChildReport> {
  return new Promise((resolvePromise, reject) => {
    execFile(
      process.execPath,
      // NARA_BENCH_PROF_DIR=dir: CPU profiles of both children, to see where idle time goes.
      [...(process.env.NARA_BENCH_PROF_DIR ? ['--cpu-prof', `--cpu-prof-dir=${process.env.NARA_BENCH_PROF_DIR}`] : []), '--expose-gc', '--import', 'tsx', 'bench/idle-child.ts', mode, brokerUrl, nara, String(SETTLE_S), String(seconds)],
      { cwd: root, maxBuffer: 1024 * 1024, timeout: (SETTLE_S + seconds + 60) * 1000 },
      (error, stdout, stderr) => {
        if (error) return reject(new Error(`idle ${mode} child failed: ${stderr || error.message}`))
        // NARA_BENCH_DEBUG=1: the child's list of where its firing timers were made.
        if (process.env.NARA_BENCH_DEBUG && stderr) process.stderr.write(`idle ${mode} child:\n${stderr}\n`)
        try {
          resolvePromise(JSON.parse(stdout.trim().split('\n').pop() ?? '') as ChildReport)
        } catch {
          reject(new Error(`idle ${mode} child printed no report: ${stdout} ${stderr}`))
        }
      }
    )
  })
}

export async function run(): Promise<BenchResult[]> {
  const seconds = idleSeconds()
  const broker = await startMosquitto()
  const sim = mqtt.connect(broker.url, { clientId: 'bench-idle-sim' })
  let players: ReturnType<typeof playNeighbours> | null = null
  try {
    await new Promise<void>((r, j) => {
      sim.once('connect', () => r())
      sim.once('error', j)
    })
    const nodeRun = child('node', broker.url, 'bench-idle-node', seconds)
    const baseRun = child('baseline', broker.url, 'bench-idle-base', seconds)
    // The neighbours arrive once both children are connected (a few seconds into the settle).
    await new Promise((r) => setTimeout(r, 5000))
    players = playNeighbours(sim, simNaras(NEIGHBOURS, 'idle-sim-', seededRandom(50)), seededRandom(51), 5000)
    const [n, b] = await Promise.all([nodeRun, baseRun])
    const pct = (r: ChildReport): number => (r.cpuS / r.wallS) * 100
    const perS = (r: ChildReport): number => r.wakeups / r.wallS
    const rssDrift = (r: ChildReport): number => (r.rss1 - r.rss0) / MB
    const heapDrift = (r: ChildReport): number => (r.heap1 - r.heap0) / MB
    const window = `${NEIGHBOURS} neighbours, ${Math.round(n.wallS)} s window`
    return [
      {
        suite: name,
        metric: `idle CPU share (${window})`,
        value: pct(n),
        unit: '% of one core',
        baseline: { metric: 'bare Node process, same broker connection', value: pct(b), unit: '% of one core' },
        ratio: pct(b) > 0 ? pct(n) / pct(b) : undefined,
        goal: `≤ ${CPU_GOAL_PCT} % of one core`,
        goalMet: pct(n) <= CPU_GOAL_PCT
      },
      {
        suite: name,
        metric: `timer wakeups (${window})`,
        value: perS(n),
        unit: 'wakeups/s',
        baseline: { metric: 'bare Node process, same broker connection', value: perS(b), unit: 'wakeups/s' },
        goal: `≤ ${WAKEUP_GOAL} wakeups/s`,
        goalMet: perS(n) <= WAKEUP_GOAL
      },
      {
        suite: name,
        metric: `RSS drift after full GC (${window}; RSS ${(n.rss1 / MB).toFixed(0)} MB)`,
        value: rssDrift(n),
        unit: 'MB',
        baseline: { metric: 'bare Node process RSS drift', value: rssDrift(b), unit: 'MB' },
        goal: `≤ baseline + ${DRIFT_SLACK_MB} MB`,
        goalMet: rssDrift(n) <= Math.max(0, rssDrift(b)) + DRIFT_SLACK_MB
      },
      {
        suite: name,
        metric: `heap drift after full GC (${window})`,
        value: heapDrift(n),
        unit: 'MB',
        baseline: { metric: 'bare Node process heap drift', value: heapDrift(b), unit: 'MB' },
        goal: `≤ baseline + ${DRIFT_SLACK_MB} MB`,
        goalMet: heapDrift(n) <= Math.max(0, heapDrift(b)) + DRIFT_SLACK_MB
      },
      { suite: name, metric: 'newspapers + hey_theres the neighbours sent', value: players.published(), unit: 'messages' }
    ]
  } finally {
    players?.stop()
    await sim.endAsync(true)
    await broker.stop()
  }
}
