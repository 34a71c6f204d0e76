/** The Neighbours view's rows kept in order incrementally: always equal to a full filter + sort. */
import { describe, expect, it } from 'vitest'
import { seededRandom, type Random } from '../main/core/clock'
import type { NeighbourView, PeerStatus } from '../main/core/views'
import { liveUptimeSeconds } from '../renderer/src/lib/figures'
import { NeighbourOrder, type RowSpec, type SortKey } from '../renderer/src/lib/neighbourOrder'
import { SortedIndex } from '../renderer/src/lib/sortedIndex'

interface Item {
  id: string
  score: number
}
const byScore = (a: Item, b: Item): number => a.score - b.score || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)

describe('SortedIndex', () => {
  it('equals a full sort after thousands of random upserts and removals', () => {
    const rnd = seededRandom(14)
    const index = new SortedIndex<Item>((x) => x.id, byScore)
    const truth = new Map<string, Item>()
    index.reset([{ id: 'k0', score: 3 }, { id: 'k1', score: 1 }, { id: 'k0', score: 7 }])
    truth.set('k0', { id: 'k0', score: 7 }).set('k1', { id: 'k1', score: 1 })
    for (let step = 0; step < 5000; step++) {
      const id = `k${rnd.intn(300)}`
      if (rnd.intn(10) === 0) {
        expect(index.remove(id)).toBe(truth.delete(id))
      } else {
        // Few distinct scores: many ties, broken by the key; some updates keep the score.
        const prev = truth.get(id)
        const item = { id, score: prev && rnd.intn(3) === 0 ? prev.score : rnd.intn(40) }
        index.upsert(item)
        truth.set(id, item)
      }
      if (step % 250 === 0 || step === 4999) {
        expect(index.rows).toEqual([...truth.values()].sort(byScore))
        expect(index.size).toBe(truth.size)
      }
    }
    for (const id of truth.keys()) expect(index.has(id)).toBe(true)
    expect(index.has('nobody')).toBe(false)
    expect(index.remove('nobody')).toBe(false)
  })

  it('an update that keeps the order replaces the item in place; one that does not moves it', () => {
    const index = new SortedIndex<Item>((x) => x.id, byScore)
    index.reset([1, 2, 3, 4].map((score) => ({ id: `k${score}`, score })))
    const same = { id: 'k2', score: 2 }
    index.upsert(same)
    expect(index.rows[1]).toBe(same)
    index.upsert({ id: 'k2', score: 9 })
    expect(index.rows.map((x) => x.id)).toEqual(['k1', 'k3', 'k4', 'k2'])
    index.upsert({ id: 'k0', score: 0 })
    expect(index.rows.map((x) => x.id)).toEqual(['k0', 'k1', 'k3', 'k4', 'k2'])
  })

  it('an item changed behind its back is still found by its key, never duplicated', () => {
    const index = new SortedIndex<Item>((x) => x.id, byScore)
    const stored = [1, 2, 3, 4, 5].map((score) => ({ id: `k${score}`, score }))
    index.reset(stored)
    stored[0]!.score = 99 // mutated after it was stored: a binary search for it now misses
    index.upsert({ id: 'k1', score: 3.5 })
    expect(index.rows.map((x) => x.id)).toEqual(['k2', 'k3', 'k1', 'k4', 'k5'])
    expect(index.remove('k1')).toBe(true)
    expect(index.rows.map((x) => x.id)).toEqual(['k2', 'k3', 'k4', 'k5'])
  })
})

// The view's order before it was incremental: filter everything, then sort everything.
const RANK: Record<PeerStatus, number> = { ONLINE: 0, MISSING: 1, OFFLINE: 2 }
function fullSort(source: FakeSource, spec: RowSpec): string[] {
  const byName = (a: NeighbourView, b: NeighbourView): number => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)
  const cmp: Record<SortKey, (a: NeighbourView, b: NeighbourView) => number> = {
    status: (a, b) => RANK[a.status] - RANK[b.status] || byName(a, b),
    name: byName,
    lastSeen: (a, b) => source.lastHeardMs(b) - source.lastHeardMs(a) || byName(a, b),
    uptime: (a, b) => liveUptimeSeconds(b, spec.nowMs) - liveUptimeSeconds(a, spec.nowMs) || byName(a, b),
    restarts: (a, b) => b.restarts - a.restarts || byName(a, b)
  }
  return [...source.neighbours.values()]
    .filter((n) => (spec.status === 'all' || n.status === spec.status) && (spec.query === '' || n.name.toLowerCase().includes(spec.query) || n.flair.toLowerCase().includes(spec.query)))
    .sort(cmp[spec.sortBy])
    .map((n) => n.name)
}

class FakeSource {
  readonly neighbours = new Map<string, NeighbourView>()
  readonly papers = new Map<string, number>()
  lastHeardMs(n: NeighbourView): number {
    return Math.max(n.lastSeenMs, this.papers.get(n.name) ?? 0)
  }
}

const STATUSES: PeerStatus[] = ['ONLINE', 'MISSING', 'OFFLINE']
function neighbour(name: string, rnd: Random): NeighbourView {
  return {
    name,
    status: STATUSES[rnd.intn(3)]!,
    lastSeenMs: 1_000_000 + rnd.intn(50) * 1000,
    uptimeSeconds: rnd.intn(20),
    startTime: rnd.intn(2),
    restarts: rnd.intn(4),
    flair: ['🌵 cactus', '🦦 otter', 'Moon'][rnd.intn(3)]!
  } as NeighbourView
}

describe('NeighbourOrder', () => {
  const specs: RowSpec[] = [
    { query: '', status: 'all', sortBy: 'status', nowMs: 0 },
    { query: '', status: 'all', sortBy: 'lastSeen', nowMs: 0 },
    { query: '', status: 'ONLINE', sortBy: 'name', nowMs: 0 },
    { query: 'otter', status: 'all', sortBy: 'restarts', nowMs: 0 },
    { query: 'nb-1', status: 'MISSING', sortBy: 'lastSeen', nowMs: 0 },
    { query: '', status: 'all', sortBy: 'uptime', nowMs: 1_040_000 }
  ]

  for (const spec of specs) {
    it(`rows equal a full filter + sort after random updates (${spec.sortBy}, ${spec.status}, "${spec.query}")`, () => {
      const rnd = seededRandom(spec.sortBy.length * 31 + spec.query.length)
      const source = new FakeSource()
      for (let i = 0; i < 200; i++) source.neighbours.set(`nb-${i}`, neighbour(`nb-${i}`, rnd))
      const order = new NeighbourOrder(source)
      order.apply(spec)
      expect(order.rows.map((r) => r.view.name)).toEqual(fullSort(source, spec))
      for (let flush = 0; flush < 300; flush++) {
        const touched: string[] = []
        for (let k = rnd.intn(5); k >= 0; k--) {
          const name = `nb-${rnd.intn(260)}` // now and then a newcomer
          if (rnd.intn(2) === 0) source.neighbours.set(name, neighbour(name, rnd))
          else source.papers.set(name, 1_000_000 + rnd.intn(60) * 1000) // only its latest paper moved
          touched.push(name)
        }
        order.update(touched)
        order.apply(spec) // the same spec: no rebuild
        expect(order.rows.map((r) => r.view.name)).toEqual(fullSort(source, spec))
      }
      // A snapshot-sized flush (everybody changed at once) is sorted afresh, to the same result.
      for (let i = 0; i < 400; i++) source.neighbours.set(`nb-${i}`, neighbour(`nb-${i}`, rnd))
      order.update([...source.neighbours.keys()])
      expect(order.rows.map((r) => r.view.name)).toEqual(fullSort(source, spec))
      for (const r of order.rows) expect(r.heardMs).toBe(source.lastHeardMs(r.view))
      const counts = { ONLINE: 0, MISSING: 0, OFFLINE: 0 }
      for (const n of source.neighbours.values()) counts[n.status]++
      expect(order.counts).toEqual(counts)
      expect(order.total).toBe(source.neighbours.size)
    })
  }

  it('a new filter, sort or uptime clock rebuilds the rows; names unknown to the source drop out', () => {
    const rnd = seededRandom(3)
    const source = new FakeSource()
    for (let i = 0; i < 50; i++) source.neighbours.set(`nb-${i}`, neighbour(`nb-${i}`, rnd))
    const order = new NeighbourOrder(source)
    expect(order.rows).toEqual([]) // nothing until a spec is applied
    expect(order.total).toBe(50)
    let spec: RowSpec = { query: '', status: 'all', sortBy: 'uptime', nowMs: 1_000_000 }
    order.apply(spec)
    expect(order.rows.map((r) => r.view.name)).toEqual(fullSort(source, spec))
    spec = { ...spec, nowMs: 1_060_000 }
    order.apply(spec)
    expect(order.rows.map((r) => r.view.name)).toEqual(fullSort(source, spec))
    spec = { ...spec, status: 'OFFLINE', sortBy: 'name' }
    order.apply(spec)
    expect(order.rows.map((r) => r.view.name)).toEqual(fullSort(source, spec))
    source.neighbours.delete('nb-3')
    order.update(['nb-3', 'never-seen'])
    expect(order.rows.some((r) => r.view.name === 'nb-3')).toBe(false)
    expect(order.total).toBe(49)
  })
})
