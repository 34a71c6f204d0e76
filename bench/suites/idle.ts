/**
 * What an idle tray app costs all day: the built `nara run`, started as a user starts it, on a
 * real mosquitto with 50 neighbours publishing signed newspapers at the reference cadence
 * (`30 + 270×(100−Chattiness)/100` s, Chattiness drawn per nara), measured after it settled: CPU
 * share of one core, timer wakeups per second and RSS/heap drift. Baseline, in the same run and
 * the same window: a bare Node process holding one MQTT connection to the same broker with the
 * same options and subscriptions. Both run under the same probe (`bench/idle-probe.mjs`), in
 * plain Node: no TypeScript loader in either process.
 *
 * The window is the issue's 10 minutes by default (`--idle-seconds 90` for a quick look: the
 * share then depends on where in the newspaper and keep-alive cycles the window falls). It
 * starts after the settle (130 s), which outlasts the node's boot phase (Go's 120 s) and the
 * howdy coordinations (30 s) the neighbours' arrival starts, so it measures the steady state.
 *
 * Goals: ≤ 0.1 % of one core, ≤ 2 wakeups/s, no drift (RSS and heap, settled after full GCs, grow by no
 * more than the baseline's growth + 1 MB over the window).
 */
import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import mqtt from 'mqtt'
import { seededRandom } from '../../main/core/clock'
import { subscriptionsFor } from '../../main/core/plaza/topics'
import { plazaClientOptions } from '../../main/core/plaza/transport'
import { startMosquitto } from '../../test/support/brokers'
import { builtCli } from '../support/cli'
import { playNeighbours, simNaras } from '../support/plaza'
import type { BenchResult } from '../types'

export const name = 'idle'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..')
const NEIGHBOURS = 50
const SETTLE_S = 130
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

interface ProbeReport {
  wallS: number
  cpuS: number
  userS: number
  systemS: number
  wakeups: number
  rss0: number
  rss1: number
  heap0: number
  heap1: number
  timerSources?: string[]
  /** CPU seconds in the window by thread name (Linux). */
  threads?: Record<string, number>
  /** Growth over the window in MB, by V8 figure and by mapping kind (Linux). */
  memoryGrowthMB?: Record<string, number>
  gc: { minor: number; major: number; incremental: number; weak: number; pauseMs: number }
}

/** The program each child runs under the probe. */
function program(mode: 'node' | 'baseline', brokerUrl: string, nara: string): string[] {
  return mode === 'node'
    ? [builtCli(), 'run', '--name', nara, '--broker', brokerUrl]
    : [join(root, 'bench/idle-baseline.mjs'), brokerUrl, JSON.stringify(plazaClientOptions({ clientId: nara })), JSON.stringify(subscriptionsFor(nara))]
}

function child(mode: 'node' | 'baseline', brokerUrl: string, nara: string, seconds: number, dir: string): Promise<ProbeReport> {
  const report = join(dir, `${mode}.json`)
  const probe = JSON.stringify({ settleS: SETTLE_S, seconds, report })
  const args = [
    // NARA_BENCH_PROF_DIR=dir: CPU profiles of both children, to see where idle time goes.
    ...(process.env.NARA_BENCH_PROF_DIR ? ['--cpu-prof', `--cpu-prof-dir=${process.env.NARA_BENCH_PROF_DIR}`] : []),
    '--expose-gc',
    '--import',
    join(root, 'bench/idle-probe.mjs'),
    ...program(mode, brokerUrl, nara)
  ]
  return new Promise((resolvePromise, reject) => {
    const p = spawn(process.execPath, args, {
      cwd: root,
      env: { ...process.env, NARA_IDLE_PROBE: probe, XDG_RUNTIME_DIR: dir },
      stdio: ['ignore', 'ignore', 'pipe']
    })
    let stderr = ''
    p.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)))
    const deadline = setTimeout(() => p.kill('SIGKILL'), (SETTLE_S + seconds + 60) * 1000)
    p.once('exit', (code, signal) => {
      clearTimeout(deadline)
      if (!existsSync(report)) return reject(new Error(`idle ${mode} child ended (${signal ?? code}) without a report: ${stderr}`))
      const r = JSON.parse(readFileSync(report, 'utf8')) as ProbeReport
      // NARA_BENCH_DEBUG=1: where the child's firing timers were made.
      if (r.timerSources) process.stderr.write(`idle ${mode} child:\n${r.timerSources.join('\n')}\n`)
      // Where the window's CPU went, by thread (the JS profile shows only the main thread's JS).
      if (r.threads && Object.keys(r.threads).length > 0) process.stderr.write(`idle ${mode} child, CPU s by thread: ${JSON.stringify(r.threads)}\n`)
      if (r.memoryGrowthMB) {
        const growth = Object.entries(r.memoryGrowthMB).filter(([, v]) => Math.abs(v) >= 0.01).map(([k, v]) => `${k} ${v.toFixed(2)}`)
        process.stderr.write(`idle ${mode} child, memory growth MB: ${growth.join(', ')}\n`)
      }
      resolvePromise(r)
    })
  })
}

export async function run(): Promise<BenchResult[]> {
  const seconds = idleSeconds()
  builtCli()
  const dir = mkdtempSync(join(tmpdir(), 'nara-bench-idle-'))
  const broker = await startMosquitto()
  const sim = mqtt.connect(broker.url, { clientId: 'bench-idle-sim' })
  let players: ReturnType<typeof playNeighbours> | null = null
  try {
    await new Promise<void>((r, j) => {
      sim.once('connect', () => r())
      sim.once('error', j)
    })
    const nodeRun = child('node', broker.url, 'bench-idle-node', seconds, dir)
    const baseRun = child('baseline', broker.url, 'bench-idle-base', seconds, dir)
    // The neighbours arrive once both children are connected (a few seconds into the settle).
    await new Promise((r) => setTimeout(r, 5000))
    players = playNeighbours(sim, simNaras(NEIGHBOURS, 'idle-sim-', seededRandom(50)), seededRandom(51), 5000)
    const [n, b] = await Promise.all([nodeRun, baseRun])
    const pct = (r: ProbeReport): number => (r.cpuS / r.wallS) * 100
    const perS = (r: ProbeReport): number => r.wakeups / r.wallS
    const rssDrift = (r: ProbeReport): number => (r.rss1 - r.rss0) / MB
    const heapDrift = (r: ProbeReport): number => (r.heap1 - r.heap0) / MB
    const window = `${NEIGHBOURS} neighbours, ${Math.round(n.wallS)} s window`
    return [
      {
        suite: name,
        metric: `idle CPU share, the built 'nara run' (${window}; user ${n.userS.toFixed(2)} s + system ${n.systemS.toFixed(2)} s; GCs in the window: ${n.gc.minor} minor, ${n.gc.major} major, ${n.gc.pauseMs.toFixed(0)} ms paused)`,
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
        metric: `RSS drift, settled (${window}; RSS ${(n.rss1 / MB).toFixed(0)} MB)`,
        value: rssDrift(n),
        unit: 'MB',
        baseline: { metric: 'bare Node process RSS drift', value: rssDrift(b), unit: 'MB' },
        goal: `≤ baseline + ${DRIFT_SLACK_MB} MB`,
        goalMet: rssDrift(n) <= Math.max(0, rssDrift(b)) + DRIFT_SLACK_MB
      },
      {
        suite: name,
        metric: `heap drift, settled (${window})`,
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
    rmSync(dir, { recursive: true, force: true })
  }
}
