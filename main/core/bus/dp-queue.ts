/**
 * A fixed-capacity FIFO that drops its oldest item when full (data-plane semantics: a slow
 * reader loses old samples, never blocks the writer). Also the ring buffer behind the bridge's
 * "recent N per topic" snapshots. Pure and browser-safe.
 */
export class DropOldestQueue<T> {
  private readonly items: (T | undefined)[]
  private head = 0
  private count = 0
  /** Items pushed out unread because the queue was full. */
  dropped = 0

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`queue capacity must be a positive integer, got ${capacity}`)
    this.items = new Array<T | undefined>(capacity)
  }

  get length(): number {
    return this.count
  }

  /** Appends; returns true when the oldest item had to be dropped to make room. */
  push(item: T): boolean {
    const tail = (this.head + this.count) % this.capacity
    this.items[tail] = item
    if (this.count < this.capacity) {
      this.count++
      return false
    }
    this.head = (this.head + 1) % this.capacity
    this.dropped++
    return true
  }

  shift(): T | undefined {
    if (this.count === 0) return undefined
    const item = this.items[this.head]
    this.items[this.head] = undefined
    this.head = (this.head + 1) % this.capacity
    this.count--
    return item
  }

  /** Oldest first. */
  toArray(): T[] {
    const out: T[] = []
    for (let i = 0; i < this.count; i++) out.push(this.items[(this.head + i) % this.capacity] as T)
    return out
  }

  clear(): void {
    this.items.fill(undefined)
    this.head = 0
    this.count = 0
  }
}
