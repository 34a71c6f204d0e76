/**
 * Plaza messages are handled in short slices, yielding to the event loop between them: one
 * TCP read can carry thousands of publishes, and handling them all in one go would keep the
 * control socket, the mesh and timers waiting (a burst once held control requests > 1 s).
 * Bounded: past `capacity` waiting messages, new ones are dropped and counted.
 */
import type { DropCounter } from './drops'

export const INBOX_SLICE_MS = 8
export const INBOX_CAPACITY = 20_000

export class PlazaInbox {
  private queue: Array<{ topic: string; payload: Buffer }> = []
  private head = 0
  private scheduled: NodeJS.Immediate | null = null

  constructor(
    private readonly handle: (topic: string, payload: Buffer) => void,
    private readonly drops: DropCounter,
    private readonly capacity = INBOX_CAPACITY,
    private readonly sliceMs = INBOX_SLICE_MS
  ) {}

  get pending(): number {
    return this.queue.length - this.head
  }

  push(topic: string, payload: Buffer): void {
    if (this.pending >= this.capacity) return this.drops.count('plaza_inbox_full', topic)
    this.queue.push({ topic, payload })
    if (!this.scheduled) this.scheduled = setImmediate(() => this.drain())
  }

  /** Forgets what is waiting (stop): nothing is handled after the node is gone. */
  clear(): void {
    if (this.scheduled) clearImmediate(this.scheduled)
    this.scheduled = null
    this.queue = []
    this.head = 0
  }

  private drain(): void {
    this.scheduled = null
    const start = performance.now()
    while (this.head < this.queue.length) {
      const m = this.queue[this.head]!
      this.queue[this.head++] = undefined as never
      this.handle(m.topic, m.payload)
      if (performance.now() - start >= this.sliceMs) break
    }
    if (this.head >= this.queue.length) {
      this.queue = []
      this.head = 0
    } else {
      if (this.head > 4096) {
        this.queue = this.queue.slice(this.head)
        this.head = 0
      }
      this.scheduled = setImmediate(() => this.drain())
    }
  }
}
