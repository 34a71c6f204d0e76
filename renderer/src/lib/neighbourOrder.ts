/**
 * The Neighbours view's rows: filtered and sorted once when the filter or the sort changes,
 * then kept in order one changed nara at a time (a newspaper moves one row, it does not
 * re-sort 4,096). Counts per status are kept the same way.
 */
import type { NeighbourView, PeerStatus } from '../../../main/core/views'
import { liveUptimeSeconds } from './figures'
import { SortedIndex } from './sortedIndex'

export type SortKey = 'status' | 'name' | 'lastSeen' | 'uptime' | 'restarts'

export interface RowSpec {
  /** Already trimmed and lower-cased; '' shows everybody. */
  readonly query: string
  readonly status: 'all' | PeerStatus
  readonly sortBy: SortKey
  /** The clock the uptime sort reads (rows are rebuilt when it moves). */
  readonly nowMs: number
}

/** One row: the neighbour and the figures it is sorted by, taken when it last changed. */
export interface NeighbourRow {
  readonly view: NeighbourView
  readonly heardMs: number
  readonly uptimeS: number
}

export interface NeighbourSource {
  readonly neighbours: ReadonlyMap<string, NeighbourView>
  lastHeardMs(n: NeighbourView): number
}

const RANK: Record<PeerStatus, number> = { ONLINE: 0, MISSING: 1, OFFLINE: 2 }
const byName = (a: NeighbourRow, b: NeighbourRow): number => (a.view.name < b.view.name ? -1 : a.view.name > b.view.name ? 1 : 0)

/** Every order ends with the name, so it is total: a row's place follows from its figures. */
export const ROW_ORDER: Record<SortKey, (a: NeighbourRow, b: NeighbourRow) => number> = {
  status: (a, b) => RANK[a.view.status] - RANK[b.view.status] || byName(a, b),
  name: byName,
  lastSeen: (a, b) => b.heardMs - a.heardMs || byName(a, b),
  uptime: (a, b) => b.uptimeS - a.uptimeS || byName(a, b),
  restarts: (a, b) => b.view.restarts - a.view.restarts || byName(a, b)
}

export function rowMatches(n: NeighbourView, spec: RowSpec): boolean {
  return (spec.status === 'all' || n.status === spec.status) && (spec.query === '' || n.name.toLowerCase().includes(spec.query) || n.flair.toLowerCase().includes(spec.query))
}

/** More changed names than this in one flush are cheaper to sort from scratch. */
const BULK_UPDATE = 256

const sameSpec = (a: RowSpec, b: RowSpec): boolean => a.query === b.query && a.status === b.status && a.sortBy === b.sortBy && a.nowMs === b.nowMs

export class NeighbourOrder {
  private spec: RowSpec | null = null
  private index: SortedIndex<NeighbourRow> | null = null
  private readonly statusOf = new Map<string, PeerStatus>()
  private readonly tally: Record<PeerStatus, number> = { ONLINE: 0, MISSING: 0, OFFLINE: 0 }

  constructor(private readonly source: NeighbourSource) {
    this.update([...source.neighbours.keys()])
  }

  /** Filters and sorts everything again, only when `spec` differs from the last one. */
  apply(spec: RowSpec): void {
    if (this.index && this.spec && sameSpec(this.spec, spec)) return
    this.spec = spec
    this.index = new SortedIndex((r) => r.view.name, ROW_ORDER[spec.sortBy])
    this.rebuild(this.index, spec)
  }

  /** Re-reads the named naras from the source: each one costs a binary search, not a sort. */
  update(names: readonly string[]): void {
    for (const name of names) this.count(name, this.source.neighbours.get(name)?.status)
    const { index, spec } = this
    if (!index || !spec) return
    // A snapshot names everybody at once: one sort beats thousands of inserts into the middle.
    if (names.length > BULK_UPDATE) return this.rebuild(index, spec)
    for (const name of names) {
      const n = this.source.neighbours.get(name)
      if (n && rowMatches(n, spec)) index.upsert(this.row(n, spec))
      else index.remove(name)
    }
  }

  /** The rows in order (the same array, changed in place: copy it to keep a snapshot). */
  get rows(): readonly NeighbourRow[] {
    return this.index?.rows ?? []
  }

  /** Neighbours per status, whatever the filter. */
  get counts(): Readonly<Record<PeerStatus, number>> {
    return { ...this.tally }
  }

  get total(): number {
    return this.statusOf.size
  }

  private rebuild(index: SortedIndex<NeighbourRow>, spec: RowSpec): void {
    const rows: NeighbourRow[] = []
    for (const n of this.source.neighbours.values()) if (rowMatches(n, spec)) rows.push(this.row(n, spec))
    index.reset(rows)
  }

  private count(name: string, now: PeerStatus | undefined): void {
    const before = this.statusOf.get(name)
    if (before === now) return
    if (before !== undefined) this.tally[before]--
    if (now === undefined) this.statusOf.delete(name)
    else {
      this.tally[now]++
      this.statusOf.set(name, now)
    }
  }

  private row(n: NeighbourView, spec: RowSpec): NeighbourRow {
    return { view: n, heardMs: this.source.lastHeardMs(n), uptimeS: spec.sortBy === 'uptime' ? liveUptimeSeconds(n, spec.nowMs) : 0 }
  }
}
