/**
 * Child process for the idle suite. `node` mode runs the runtime `nara run` composes (node +
 * nervous system: data plane, bridge, router) on the given broker; `baseline` mode is a bare
 * Node process holding one MQTT connection with the same options and subscriptions. After
 * `settle` seconds it measures for `seconds`: CPU time (process.cpuUsage), timer wakeups and
 * RSS/heap after a full GC at both ends, then prints one JSON line.
 *
 * Wakeups: an async_hooks hook records the ids of Timeout and Immediate resources at init and
 * counts every `before` callback of those ids: one count each time the event loop runs a timer
 * or immediate callback (an interval counts once per firing). The harness's own timers (the
 * settle and window timers) are subtracted. Both modes carry the same hook, so its (small)
 * cost sits on both sides of the comparison.
 *
 *   node --expose-gc --import tsx bench/idle-child.ts <node|baseline> <brokerUrl> <name> <settleS> <seconds>
 */
import { createHook } from 'node:async_hooks'
import mqtt from 'mqtt'
import { resolveConfig } from '../main/core/config'
import { NaraNode } from '../main/core/node'
import { createNervousSystem } from '../main/core/bus/nervousSystem'
import { subscriptionsFor } from '../main/core/plaza/topics'

const [mode, brokerUrl = '', name = '', settleArg, secondsArg] = process.argv.slice(2)
const settleS = Number(settleArg)
const seconds = Number(secondsArg)
if ((mode !== 'node' && mode !== 'baseline') || !brokerUrl || !name || !(settleS >= 0) || !(seconds > 0)) {
  console.error('usage: idle-child.ts <node|baseline> <brokerUrl> <name> <settleS> <seconds>')
  process.exit(2)
}

const timerIds = new Map<number, string>()
let fired = 0
/** NARA_BENCH_DEBUG=1: where each firing timer was created, printed on stderr at the end. */
const debug = process.env.NARA_BENCH_DEBUG ? new Map<string, number>() : null
let measuring = false
createHook({
  init(id, type) {
    if (type === 'Timeout' || type === 'Immediate') timerIds.set(id, debug ? `${type} ${new Error().stack?.split('\n').slice(3, 9).join(' <')}` : '')
  },
  before(id) {
    const where = timerIds.get(id)
    if (where === undefined) return
    fired++
    if (debug && measuring) debug.set(where, (debug.get(where) ?? 0) + 1)
  },
  destroy(id) {
    timerIds.delete(id)
  }
}).enable()

const gc = (globalThis as { gc?: () => void }).gc
const settleMem = (): NodeJS.MemoryUsage => {
  for (let i = 0; i < 3; i++) gc?.()
  return process.memoryUsage()
}
const sleep = (s: number): Promise<void> => new Promise((r) => setTimeout(r, s * 1000))

async function startNode(): Promise<() => Promise<void>> {
  const cfg = resolveConfig({ name, broker: brokerUrl, transport: 'mqtt', timings: { bootingMs: settleS * 1000 } }, {})
  if (!cfg.ok) throw new Error(cfg.errors.join('; '))
  const node = new NaraNode({ config: cfg.config })
  const ns = createNervousSystem(node)
  await node.start()
  return async () => {
    await node.stop(1000)
    await ns.close()
  }
}

async function startBaseline(): Promise<() => Promise<void>> {
  const client = mqtt.connect(brokerUrl, { clientId: name, clean: true, keepalive: 30, reconnectPeriod: 0, queueQoSZero: false, protocolVersion: 4 })
  let received = 0
  client.on('message', () => received++)
  await new Promise<void>((resolve, reject) => {
    client.once('connect', () => resolve())
    client.once('error', reject)
  })
  await client.subscribeAsync(subscriptionsFor(name))
  return async () => {
    void received
    await client.endAsync(true)
  }
}

async function main(): Promise<void> {
  const stop = mode === 'node' ? await startNode() : await startBaseline()
  await sleep(settleS)
  const mem0 = settleMem()
  const cpu0 = process.cpuUsage()
  const fired0 = fired
  const t0 = performance.now()
  measuring = true
  await sleep(seconds)
  measuring = false
  if (debug) for (const [where, n] of [...debug].sort((a, b) => b[1] - a[1])) process.stderr.write(`${n} × ${where}\n`)
  const wallS = (performance.now() - t0) / 1000
  const cpu = process.cpuUsage(cpu0)
  // One harness timer fired inside the window: the window's own end.
  const wakeups = fired - fired0 - 1
  const mem1 = settleMem()
  await stop()
  process.stdout.write(
    JSON.stringify({
      mode,
      wallS,
      cpuS: (cpu.user + cpu.system) / 1e6,
      wakeups,
      rss0: mem0.rss,
      rss1: mem1.rss,
      heap0: mem0.heapUsed,
      heap1: mem1.heapUsed
    }) + '\n'
  )
  process.exit(0)
}

main().catch((e) => {
  console.error(e)
  process.exit(1)
})
