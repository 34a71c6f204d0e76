/**
 * Preloaded (`node --expose-gc --import ./bench/idle-probe.mjs <program> …`) into both children
 * of the idle suite: the built `nara run` as a user starts it, and the bare baseline. Plain
 * JavaScript, so nothing but the program itself runs in the process (no TypeScript loader).
 *
 * NARA_IDLE_PROBE holds {"settleS", "seconds", "report"}. After `settleS` it measures for
 * `seconds`: CPU time (process.cpuUsage, all threads, and split by thread name), timer wakeups,
 * RSS/heap settled at both ends (outside the window: the lowest of three readings after full
 * GCs), and the collections V8 ran inside the window; it writes one JSON report to `report` and
 * then asks the process to quit (SIGTERM: the node says chau as it would for a user).
 *
 * Wakeups: an async_hooks hook records the ids of Timeout and Immediate resources at init and
 * counts every `before` callback of those ids: one count each time the event loop runs a timer
 * or immediate callback (an interval counts once per firing). The probe's own window timer is
 * subtracted. Both children carry the same hook, so its (small) cost sits on both sides.
 * NARA_BENCH_DEBUG=1 adds where each firing timer was made (`timerSources` in the report).
 */
import { createHook, executionAsyncId } from 'node:async_hooks'
import { readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { constants, PerformanceObserver } from 'node:perf_hooks'
import { getHeapSpaceStatistics } from 'node:v8'

const { settleS, seconds, report } = JSON.parse(process.env.NARA_IDLE_PROBE ?? '{}')
if (!(settleS >= 0) || !(seconds > 0) || typeof report !== 'string') {
  process.stderr.write('idle-probe: NARA_IDLE_PROBE must be {"settleS": n, "seconds": n, "report": "path"}\n')
  process.exit(2)
}

const timerIds = new Map()
const sources = process.env.NARA_BENCH_DEBUG ? new Map() : null
let fired = 0
let measuring = false
createHook({
  init(id, type) {
    if (type === 'Timeout' || type === 'Immediate') timerIds.set(id, sources ? `${type} ${new Error().stack?.split('\n').slice(3, 9).join(' <')}` : '')
  },
  before(id) {
    const where = timerIds.get(id)
    if (where === undefined) return
    fired++
    if (sources && measuring) sources.set(where, (sources.get(where) ?? 0) + 1)
  },
  destroy(id) {
    timerIds.delete(id)
  }
}).enable()

// Collections inside the window, by kind, with their main-thread pause (the probe's own forced
// collections at both ends fall outside it).
const gcKinds = { [constants.NODE_PERFORMANCE_GC_MINOR]: 'minor', [constants.NODE_PERFORMANCE_GC_MAJOR]: 'major', [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental', [constants.NODE_PERFORMANCE_GC_WEAKCB]: 'weak' }
const gc = { minor: 0, major: 0, incremental: 0, weak: 0, pauseMs: 0 }
let gcWindow = [Infinity, -Infinity]
// The observer's own deliveries run as immediates: counted here, taken off the wakeups.
let probeFires = 0
new PerformanceObserver((list) => {
  if (measuring && timerIds.has(executionAsyncId())) probeFires++
  for (const e of list.getEntries()) {
    if (e.startTime < gcWindow[0] || e.startTime > gcWindow[1]) continue
    const kind = gcKinds[e.detail?.kind] ?? 'weak'
    gc[kind]++
    gc.pauseMs += e.duration
  }
}).observe({ entryTypes: ['gc'] })

// CPU seconds per thread name (Linux /proc; empty elsewhere): main thread, V8's compiler and GC
// helpers, libuv's pool, workers. Says where time the JS profile cannot see goes.
const threadCpu = () => {
  const out = {}
  try {
    const tick = 100 // USER_HZ on Linux
    for (const tid of readdirSync('/proc/self/task')) {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8')
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'))
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
      out[name] = (out[name] ?? 0) + (Number(f[11]) + Number(f[12])) / tick
    }
  } catch {
    // no /proc: the report simply has no per-thread split
  }
  return out
}
// Resident memory by mapping kind (Linux /proc/self/smaps, in MB): '[heap]' is malloc's brk
// arena, 'anon' the anonymous maps (V8's heap pages, larger mallocs), 'file' code and data of
// mapped files. Says which kind an RSS drift is made of.
const rssByKind = () => {
  const out = {}
  try {
    let kind = 'anon'
    for (const line of readFileSync('/proc/self/smaps', 'utf8').split('\n')) {
      const m = /^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ \S+\s*(.*)$/.exec(line)
      if (m) kind = m[1] === '' ? 'anon' : m[1].startsWith('[') ? m[1] : 'file'
      else if (line.startsWith('Rss:')) out[kind] = (out[kind] ?? 0) + Number(line.split(/\s+/)[1]) / 1024
    }
  } catch {
    // no /proc: no split
  }
  return out
}
const threadDelta = (a, b) => Object.fromEntries(Object.entries(b).map(([k, v]) => [k, Math.round((v - (a[k] ?? 0)) * 100) / 100]).filter(([, v]) => v > 0))

// Settled memory: the lowest of three readings, each after full collections and a second's
// pause. One reading right after a full GC varies by about a megabyte with how that collection
// happened to leave its pages (seen with nothing allocated in between); the floor does not.
const sleep = (ms) => new Promise((r) => setTimeout(r, ms))
const settledMemory = async () => {
  let best = null
  for (let round = 0; round < 3; round++) {
    for (let i = 0; i < 3; i++) globalThis.gc?.()
    await sleep(1000)
    const m = process.memoryUsage()
    if (!best || m.rss < best.rss) best = m
  }
  return best
}

setTimeout(async () => {
  const mem0 = await settledMemory()
  const maps0 = rssByKind()
  const spaces0 = getHeapSpaceStatistics()
  const cpu0 = process.cpuUsage()
  const threads0 = threadCpu()
  const fired0 = fired
  const probeFires0 = probeFires
  const t0 = performance.now()
  gcWindow = [t0, Infinity]
  measuring = true
  setTimeout(async () => {
    measuring = false
    gcWindow = [t0, performance.now()]
    const wallS = (performance.now() - t0) / 1000
    const cpu = process.cpuUsage(cpu0)
    const threads = threadDelta(threads0, threadCpu())
    // Probe timers inside the window: the window's own end, and the GC observer's deliveries.
    const wakeups = fired - fired0 - 1 - (probeFires - probeFires0)
    const mem1 = await settledMemory()
    const maps1 = rssByKind()
    const spaces1 = getHeapSpaceStatistics()
    const out = {
      wallS,
      cpuS: (cpu.user + cpu.system) / 1e6,
      userS: cpu.user / 1e6,
      systemS: cpu.system / 1e6,
      wakeups,
      rss0: mem0.rss,
      rss1: mem1.rss,
      heap0: mem0.heapUsed,
      heap1: mem1.heapUsed,
      gc,
      threads,
      // Growth over the window in MB: V8's view (heap committed, external, array buffers) and
      // resident memory by mapping kind.
      memoryGrowthMB: {
        heapTotal: (mem1.heapTotal - mem0.heapTotal) / 1048576,
        external: (mem1.external - mem0.external) / 1048576,
        arrayBuffers: (mem1.arrayBuffers - mem0.arrayBuffers) / 1048576,
        ...Object.fromEntries(Object.keys({ ...maps0, ...maps1 }).map((k) => [`rss ${k}`, (maps1[k] ?? 0) - (maps0[k] ?? 0)])),
        ...Object.fromEntries(spaces1.map((sp) => [`${sp.space_name} committed`, (sp.physical_space_size - (spaces0.find((x) => x.space_name === sp.space_name)?.physical_space_size ?? 0)) / 1048576]))
      },
      ...(sources ? { timerSources: [...sources].sort((a, b) => b[1] - a[1]).map(([where, n]) => `${n} × ${where}`) } : {})
    }
    writeFileSync(report, JSON.stringify(out) + '\n')
    process.kill(process.pid, 'SIGTERM')
  }, seconds * 1000)
}, settleS * 1000)
