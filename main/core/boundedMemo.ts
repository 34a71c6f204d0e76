/**
 * Remembered results of a pure computation asked for over and over (parsed keys, hashes, encoded
 * bytes, signature verdicts), never more than `max` of them. When full, the oldest entry gives way
 * (Map order is insertion order): clearing everything at once would make a working set just over
 * the bound compute every entry again.
 */
export class BoundedMemo<K, V> {
  private readonly entries = new Map<K, V>()

  constructor(readonly max: number) {
    if (!(max >= 1)) throw new RangeError('a memo holds at least one entry')
  }

  get size(): number {
    return this.entries.size
  }

  /** The remembered value, or `compute(key)` remembered now. */
  get(key: K, compute: (key: K) => V): V {
    const hit = this.entries.get(key)
    if (hit !== undefined || this.entries.has(key)) return hit as V
    const value = compute(key)
    if (this.entries.size >= this.max) this.entries.delete(this.entries.keys().next().value as K)
    this.entries.set(key, value)
    return value
  }

  /** The remembered value only (undefined when not remembered). */
  peek(key: K): V | undefined {
    return this.entries.get(key)
  }

  has(key: K): boolean {
    return this.entries.has(key)
  }

  clear(): void {
    this.entries.clear()
  }
}
