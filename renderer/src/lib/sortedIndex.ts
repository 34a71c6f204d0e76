/**
 * A list kept in order while single items change: one changed item costs a binary search and
 * at most one move, not a sort of every item. The comparator must be a total order (ties broken
 * by the key), so an item's current place can be found from the value stored for its key.
 */
export class SortedIndex<T> {
  private list: T[] = []
  private readonly byKey = new Map<string, T>()

  constructor(
    private readonly key: (item: T) => string,
    private readonly cmp: (a: T, b: T) => number
  ) {}

  /** The items in order. Mutated in place by upsert/remove: copy it to keep a snapshot. */
  get rows(): readonly T[] {
    return this.list
  }

  get size(): number {
    return this.list.length
  }

  has(key: string): boolean {
    return this.byKey.has(key)
  }

  /** Replaces everything (one full sort); a later item with the same key wins. */
  reset(items: Iterable<T>): void {
    this.byKey.clear()
    for (const item of items) this.byKey.set(this.key(item), item)
    this.list = [...this.byKey.values()].sort(this.cmp)
  }

  /** Adds `item` or replaces the item with its key, keeping the order. */
  upsert(item: T): void {
    const k = this.key(item)
    const prev = this.byKey.get(k)
    this.byKey.set(k, item)
    if (prev !== undefined) {
      const at = this.placeOf(prev, k)
      const before = at > 0 ? this.list[at - 1] : undefined
      const after = at + 1 < this.list.length ? this.list[at + 1] : undefined
      // Its sort key did not move it past a neighbour: replace in place, nothing shifts.
      if ((before === undefined || this.cmp(before, item) < 0) && (after === undefined || this.cmp(item, after) < 0)) {
        this.list[at] = item
        return
      }
      this.list.splice(at, 1)
    }
    this.list.splice(this.lowerBound(item), 0, item)
  }

  /** Removes the item with `key`; false when there was none. */
  remove(key: string): boolean {
    const prev = this.byKey.get(key)
    if (prev === undefined) return false
    this.list.splice(this.placeOf(prev, key), 1)
    this.byKey.delete(key)
    return true
  }

  /** The first index whose item does not sort before `item`. */
  private lowerBound(item: T): number {
    let lo = 0
    let hi = this.list.length
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if (this.cmp(this.list[mid]!, item) < 0) lo = mid + 1
      else hi = mid
    }
    return lo
  }

  private placeOf(stored: T, key: string): number {
    const at = this.lowerBound(stored)
    if (this.list[at] === stored) return at
    // A comparator that is not a total order (or an item mutated after it was stored) would
    // misplace it: find it by key rather than corrupt the list.
    const found = this.list.findIndex((x) => this.key(x) === key)
    if (found < 0) throw new Error(`SortedIndex: ${key} is known but not in the list`)
    return found
  }
}
