/**
 * Ledger memory: RSS and heap after filling a ledger with 20k / 80k / 320k realistic
 * events, each in a fresh child process so numbers are not polluted by other suites.
 * Goals: the hog profile (320k events) fits in 160 MB RSS once settled, and a stored event
 * costs ≤ 200 bytes of memory: heapUsed plus ArrayBuffers (where the packed store keeps its
 * columns and records) over the empty child's, per stored event. Baseline: an empty child.
 */
import { execFile } from 'node:child_process'
import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { BenchResult } from '../types'

export const name = 'ledger-memory'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..')
const SIZES = [20_000, 80_000, 320_000]
const RSS_GOAL_MB = 160
const HEAP_PER_EVENT_GOAL = 200
const MB = 1024 * 1024

interface ChildReport {
  events: number
  stored: number
  /** Once settled (the child waits until RSS stops falling). */
  rssBytes: number
  /** Right after filling, before V8 gives its grown young generation back. */
  rssFilledBytes: number
  heapUsedBytes: number
  arrayBufferBytes: number
}

function measure(events: number, mode: '' | 'floor' = ''): Promise<ChildReport> {
  return new Promise((resolvePromise, reject) => {
    execFile(
      process.execPath,
      ['--expose-gc', '--import', 'tsx', 'bench/memory-child.ts', String(events), ...(mode ? [mode] : [])],
      { cwd: root, maxBuffer: 1024 * 1024, timeout: 300_000 },
      (error, stdout, stderr) => {
        if (error) return reject(new Error(`memory child ${events} failed: ${stderr || error.message}`))
        try {
          resolvePromise(JSON.parse(stdout.trim().split('\n').pop() ?? '') as ChildReport)
        } catch {
          reject(new Error(`memory child ${events} printed no report: ${stdout}`))
        }
      }
    )
  })
}

export async function run(): Promise<BenchResult[]> {
  const empty = await measure(0)
  const baseline = { metric: 'empty child RSS', value: empty.rssBytes / MB, unit: 'MB' }
  const results: BenchResult[] = []
  const emptyBytes = empty.heapUsedBytes + empty.arrayBufferBytes
  for (const n of SIZES) {
    const r = await measure(n)
    const rssMb = r.rssBytes / MB
    const isGoal = n === 320_000
    results.push({
      suite: name,
      metric: `RSS with ${n / 1000}k events, settled`,
      value: rssMb,
      unit: 'MB',
      baseline,
      ratio: rssMb / baseline.value,
      ...(isGoal ? { goal: `≤ ${RSS_GOAL_MB} MB RSS`, goalMet: rssMb <= RSS_GOAL_MB } : {})
    })
    results.push({ suite: name, metric: `RSS with ${n / 1000}k events, right after filling`, value: r.rssFilledBytes / MB, unit: 'MB', baseline, ratio: r.rssFilledBytes / MB / baseline.value })
    results.push({ suite: name, metric: `heapUsed + ArrayBuffers with ${n / 1000}k events`, value: (r.heapUsedBytes + r.arrayBufferBytes) / MB, unit: 'MB' })
    const perEvent = (r.heapUsedBytes + r.arrayBufferBytes - emptyBytes) / r.stored
    results.push({
      suite: name,
      metric: `memory per stored event, heap + ArrayBuffers (${n / 1000}k)`,
      value: perEvent,
      unit: 'B/event',
      baseline: { metric: 'empty child heapUsed + ArrayBuffers', value: emptyBytes / MB, unit: 'MB' },
      ...(isGoal ? { goal: `≤ ${HEAP_PER_EVENT_GOAL} B/event`, goalMet: perEvent <= HEAP_PER_EVENT_GOAL } : {})
    })
    results.push({ suite: name, metric: `of which JS heap per stored event (${n / 1000}k)`, value: (r.heapUsedBytes - empty.heapUsedBytes) / r.stored, unit: 'B/event' })
  }
  const last = SIZES[SIZES.length - 1]!
  const floor = await measure(last, 'floor')
  const floorPerEvent = (floor.heapUsedBytes + floor.arrayBufferBytes - emptyBytes) / floor.stored
  results.push({
    suite: name,
    metric: `for comparison, the least an event-object store could cost (${last / 1000}k): fresh id + sig strings and the ts bigint only, in flat arrays`,
    value: floorPerEvent,
    unit: 'B/event',
    baseline: { metric: 'empty child heapUsed + ArrayBuffers', value: emptyBytes / MB, unit: 'MB' },
    goal: 'informational: the packed store keeps whole events below what their id, signature and ts alone cost as JS values'
  })
  return results
}
