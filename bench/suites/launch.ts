/**
 * Launch: from process start (spawn of the built CLI, `nara run --ui`, as a user starts it) to all
 * 20 neighbours of a running plaza shown ONLINE on the node's data plane (read through the UI's
 * WebSocket bus, as the dashboard does), and from process start to the control socket answering
 * a `status` request. The running plaza is 20 real nodes on mosquitto with the reference timings.
 *
 * Baseline: the protocol floor as configured. A newcomer learns its neighbours from the howdys
 * that answer its hey_there; the hey_there waits up to heyThereJitterMs (Go: 5 s) after connect
 * and each howdy up to howdyJitterMs (Go: 3 s) after that, so the floor is their sum. Goal: p95
 * ≤ floor + 1 s. Also reported: spawn → hey_there seen on the plaza, the part that is ours alone.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import mqtt from 'mqtt'
import WebSocket from 'ws'
import { GO_TIMINGS, resolveConfig } from '../../main/core/config'
import { NaraNode } from '../../main/core/node'
import { connectBus, type WebSocketCtor } from '../../main/core/bus/carriers/wsClient'
import { RemoteDataPlane } from '../../main/core/bus/dataPlane'
import { SpReqClient } from '../../main/core/bus/nng/client'
import { controlSocketPath } from '../../main/core/bus/nng/socketPath'
import { sha256 } from '../../main/core/protocol/crypto'
import { determineIdentity } from '../../main/core/protocol/identity'
import { keys, type NeighbourView } from '../../main/core/views'
import { startMosquitto } from '../../test/support/brokers'
import type { BenchResult } from '../types'
import { percentile } from '../support/stats'
import { builtCli } from '../support/cli'

export const name = 'launch'

const NEIGHBOURS = 20
const LAUNCHES = 8
const TIMEOUT_MS = 30_000
const SLACK_MS = 1000
const root = resolve(process.cwd())

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

async function runningPlaza(brokerUrl: string): Promise<NaraNode[]> {
  const nodes: NaraNode[] = []
  for (let i = 0; i < NEIGHBOURS; i++) {
    const nm = `launch-plaza-${i}`
    const cfg = resolveConfig({ name: nm, broker: brokerUrl, transport: 'mqtt' }, {})
    if (!cfg.ok) throw new Error(cfg.errors.join('; '))
    const identity = determineIdentity({ nameArg: nm, soulArg: '', hostname: 'bench', fingerprint: sha256(nm) })
    const node = new NaraNode({ config: cfg.config, identity })
    await node.start()
    nodes.push(node)
  }
  return nodes
}

interface Launch {
  shownMs: number
  controlMs: number
  heyThereMs: number
}

/** Waits for a stderr line matching `re`; resolves its first group. */
function lineFrom(child: ChildProcess, re: RegExp): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    let buf = ''
    const onData = (d: Buffer): void => {
      buf += d.toString('utf8')
      const m = re.exec(buf)
      if (m) {
        child.stderr?.off('data', onData)
        resolvePromise(m[1]!)
      }
    }
    child.stderr?.on('data', onData)
    child.once('exit', (code) => reject(new Error(`nara run exited (${code}) before printing ${re}: ${buf}`)))
  })
}

async function controlAnswers(path: string, started: number): Promise<number> {
  const deadline = started + TIMEOUT_MS
  while (Date.now() < deadline) {
    try {
      const client = await SpReqClient.dial(path, { timeoutMs: 500 })
      try {
        const reply = (await client.requestJson({ cmd: 'status' })) as { ok?: boolean }
        if (reply.ok) return Date.now() - started
      } finally {
        client.close()
      }
    } catch {
      // not there yet
    }
    await sleep(10)
  }
  throw new Error('control socket never answered')
}

async function neighboursShown(link: string, started: number, expected: Set<string>): Promise<number> {
  const url = new URL(link)
  const Ws = class extends WebSocket {
    constructor(u: string) {
      super(u, { origin: url.origin })
    }
  } as unknown as WebSocketCtor
  const conn = connectBus(url.origin.replace('http', 'ws') + '/bus', url.hash.slice('#token='.length), { WebSocket: Ws })
  const remote = new RemoteDataPlane(conn.data)
  try {
    const deadline = started + TIMEOUT_MS
    while (Date.now() < deadline) {
      const replies = await remote.get<NeighbourView>(keys.neighbours, { timeoutMs: 2000 }).catch(() => [])
      let online = 0
      for (const r of replies) if (expected.has(r.value.name) && r.value.status === 'ONLINE') online++
      if (online === expected.size) return Date.now() - started
      await sleep(20)
    }
    throw new Error('neighbours never all shown')
  } finally {
    conn.close()
  }
}

async function launchOnce(i: number, brokerUrl: string, runtimeDir: string, heyThereAt: Map<string, number>, expected: Set<string>): Promise<Launch> {
  const nm = `launch-new-${i}`
  const started = Date.now()
  const child = spawn(process.execPath, [builtCli(), 'run', '--name', nm, '--broker', brokerUrl, '--ui', '127.0.0.1:0'], {
    cwd: root,
    env: { ...process.env, XDG_RUNTIME_DIR: runtimeDir },
    stdio: ['ignore', 'ignore', 'pipe']
  })
  try {
    const link = lineFrom(child, /dashboard: (http:\/\/127\.0\.0\.1:\d+\/#token=[\w-]+)/)
    const control = controlAnswers(controlSocketPath(nm, { env: { XDG_RUNTIME_DIR: runtimeDir } }), started)
    const shownMs = await neighboursShown(await link, started, expected)
    const controlMs = await control
    const hey = heyThereAt.get(nm)
    return { shownMs, controlMs, heyThereMs: hey === undefined ? NaN : hey - started }
  } finally {
    await new Promise<void>((r) => {
      if (child.exitCode !== null) return r()
      child.once('exit', () => r())
      child.kill('SIGTERM')
    })
  }
}

/** Baseline for the control socket: a bare Node process that listens on a Unix socket. */
async function bareSocketMs(dir: string, i: number): Promise<number> {
  const path = join(dir, `bare-${i}.sock`)
  const started = Date.now()
  const child = spawn(process.execPath, ['-e', `require('node:net').createServer((s) => s.end('ok')).listen(${JSON.stringify(path)})`], { stdio: 'ignore' })
  try {
    while (Date.now() < started + TIMEOUT_MS) {
      const ok = await new Promise<boolean>((r) => {
        const s = connect(path)
        s.once('data', () => (s.destroy(), r(true)))
        s.once('error', () => r(false))
      })
      if (ok) return Date.now() - started
      await sleep(10)
    }
    throw new Error('bare socket never answered')
  } finally {
    child.kill('SIGTERM')
  }
}

export async function run(): Promise<BenchResult[]> {
  builtCli()
  const broker = await startMosquitto()
  const runtimeDir = mkdtempSync(join(tmpdir(), 'nara-launch-'))
  const watcher = mqtt.connect(broker.url, { clientId: 'bench-launch-watch' })
  const heyThereAt = new Map<string, number>()
  watcher.on('message', (_t, payload) => {
    const from = /"From":"([^"]+)"/.exec(payload.toString('utf8'))?.[1]
    if (from && !heyThereAt.has(from)) heyThereAt.set(from, Date.now())
  })
  let plaza: NaraNode[] = []
  try {
    await new Promise<void>((r, j) => {
      watcher.once('connect', () => r())
      watcher.once('error', j)
    })
    await watcher.subscribeAsync('nara/plaza/hey_there')
    plaza = await runningPlaza(broker.url)
    const expected = new Set(plaza.map((n) => n.name))
    // The plaza settles: everyone's hey_there and howdys are out.
    await sleep(GO_TIMINGS.heyThereJitterMs + GO_TIMINGS.howdyJitterMs + 1000)
    const runs: Launch[] = []
    const bare: number[] = []
    for (let i = 0; i < LAUNCHES; i++) {
      runs.push(await launchOnce(i, broker.url, runtimeDir, heyThereAt, expected))
      bare.push(await bareSocketMs(runtimeDir, i))
    }
    const bareBase = { metric: 'bare Node process start → its Unix socket answers, p50', value: percentile(bare, 50), unit: 'ms' }
    const floor = GO_TIMINGS.heyThereJitterMs + GO_TIMINGS.howdyJitterMs
    const shown = runs.map((r) => r.shownMs)
    const control = runs.map((r) => r.controlMs)
    const hey = runs.map((r) => r.heyThereMs).filter(Number.isFinite)
    const floorBase = { metric: `protocol floor: hey_there jitter ${GO_TIMINGS.heyThereJitterMs} ms + howdy delay ${GO_TIMINGS.howdyJitterMs} ms (Go timings)`, value: floor, unit: 'ms' }
    const p95 = percentile(shown, 95)
    return [
      {
        suite: name,
        metric: `process start → all ${NEIGHBOURS} neighbours shown (data plane), p95 of ${runs.length} launches`,
        value: p95,
        unit: 'ms',
        baseline: floorBase,
        ratio: p95 / floor,
        goal: `p95 ≤ floor + ${SLACK_MS} ms`,
        goalMet: p95 <= floor + SLACK_MS
      },
      { suite: name, metric: `process start → all ${NEIGHBOURS} neighbours shown, p50`, value: percentile(shown, 50), unit: 'ms', baseline: floorBase },
      {
        suite: name,
        metric: 'process start → hey_there on the plaza (start-up + connect + drawn jitter), p50',
        value: percentile(hey, 50),
        unit: 'ms',
        baseline: { metric: 'mean drawn hey_there jitter', value: GO_TIMINGS.heyThereJitterMs / 2, unit: 'ms' }
      },
      { suite: name, metric: 'process start → control socket answers status, p50', value: percentile(control, 50), unit: 'ms', baseline: bareBase, ratio: percentile(control, 50) / bareBase.value },
      { suite: name, metric: 'process start → control socket answers status, p95', value: percentile(control, 95), unit: 'ms', baseline: bareBase }
    ]
  } finally {
    for (const n of plaza) await n.stop(500)
    await watcher.endAsync(true)
    await broker.stop()
    rmSync(runtimeDir, { recursive: true, force: true })
  }
}
