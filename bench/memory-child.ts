/**
 * Child process for the memory suite: fills one ledger with N realistic events decoded
 * from JSON text (so every string is a fresh heap string, as off the wire), keeps adding
 * 5% more so pruning has run, then reports heap, ArrayBuffer and settled RSS figures after
 * a full GC as one JSON line.
 *
 *   node --expose-gc --import tsx bench/memory-child.ts <N> [floor]     (N = 0: empty baseline)
 *
 * `floor` keeps, instead of a ledger, only what every stored event must hold as JavaScript
 * values in the event-object model: a fresh id string, a fresh signature string and the ts
 * bigint, each in a flat array (no objects, no indexes): the least the current model can cost.
 */
import { seededRandom } from '../main/core/clock'
import { Ledger } from '../main/core/ledger/ledger'
import { decodeEvent } from '../main/core/protocol/events'
import { detachString } from '../main/core/detachString'
import { naraNames, realisticEventTexts } from './support/events'

const n = Number(process.argv[2] ?? '0')
if (!Number.isSafeInteger(n) || n < 0) {
  console.error('usage: memory-child.ts <events>')
  process.exit(2)
}

const gc = (globalThis as { gc?: () => void }).gc
const collect = (): void => {
  for (let i = 0; i < 3; i++) gc?.()
}

const rnd = seededRandom(42)
const names = naraNames(1500, rnd)
const floorOnly = process.argv[3] === 'floor'
const ledger = new Ledger({ capacity: Math.max(n, 1) })
let added = 0
let decoded = 0
const kept: { ids: string[]; sigs: string[]; ts: bigint[] } = { ids: [], sigs: [], ts: [] }
if (floorOnly) {
  const texts = realisticEventTexts(names, rnd)
  while (kept.ids.length < n) {
    const r = decodeEvent(texts.next().value as string)
    decoded++
    if (!r.ok) continue
    kept.ids.push(detachString(r.value.id))
    kept.sigs.push(detachString(r.value.sig ?? ''))
    kept.ts.push(r.value.ts)
  }
  added = kept.ids.length
} else if (n > 0) {
  const texts = realisticEventTexts(names, rnd)
  const target = Math.ceil(n * 1.05)
  while (decoded < target * 3 && added < target) {
    const text = texts.next().value as string
    const r = decodeEvent(text)
    decoded++
    if (r.ok && ledger.add(r.value) === 'added') added++
  }
}
collect()
const filled = process.memoryUsage()

/**
 * A tray app spends its life idle between messages, and V8 gives the young generation's
 * grown semi-spaces back only once the isolate has been idle a while. RSS is read again each
 * second until it stops falling (at most 30 s): the steady figure a user's system monitor shows.
 */
async function settledRss(): Promise<number> {
  let last = process.memoryUsage().rss
  for (let i = 0; i < 30; i++) {
    await new Promise((r) => setTimeout(r, 1000))
    collect()
    const now = process.memoryUsage().rss
    if (now > last - 256 * 1024 && i >= 3) return Math.min(now, last)
    last = Math.min(now, last)
  }
  return last
}

void settledRss().then((rss) => {
  const mem = process.memoryUsage()
  process.stdout.write(
    JSON.stringify({
      events: n,
      stored: floorOnly ? kept.ids.length : ledger.size,
      added,
      decoded,
      rssBytes: rss,
      rssFilledBytes: filled.rss,
      heapUsedBytes: mem.heapUsed,
      arrayBufferBytes: mem.arrayBuffers,
      externalBytes: mem.external,
      gc: gc !== undefined,
      counts: ledger.countsByService(),
      keptAlive: kept.ids.length
    }) + '\n'
  )
})
