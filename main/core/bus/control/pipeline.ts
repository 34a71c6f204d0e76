/**
 * PIPELINE (nng_push(7)/nng_pull(7), sp-pipeline-01): a pusher hands each message to exactly
 * one puller, round-robin over pullers that have room. Queues are bounded: when every puller is
 * full, `push` waits for room (back-pressure, counted as `blocked`), while `tryPush` reports the
 * refusal instead (counted as `refused`). Nothing is ever dropped silently.
 */

export interface PullerStats {
  name: string
  received: number
  processed: number
  failed: number
  queued: number
}

export interface PushStats {
  pushed: number
  /** Pushes that had to wait because every puller was full. */
  blocked: number
  /** `tryPush` calls refused because every puller was full. */
  refused: number
}

/**
 * One consumer with a bounded queue. By default it works one message at a time, in order; with
 * `inFlight > 1` it starts the next messages before the earlier ones finish (a consumer whose work
 * waits on another thread keeps that thread busy while we handle a result). Messages in progress
 * count against the capacity.
 */
export class Puller<T> {
  private readonly queue: T[] = []
  private active = 0
  private received = 0
  private processed = 0
  private failed = 0
  private readonly idleWaiters: Array<() => void> = []
  /** Set by the pusher so it learns when room frees up. */
  onRoom: (() => void) | null = null

  constructor(
    readonly name: string,
    private readonly capacity: number,
    private readonly work: (msg: T) => Promise<void> | void,
    private readonly inFlight = 1
  ) {
    if (!(capacity >= 1)) throw new RangeError('puller capacity must be at least 1')
    if (!(inFlight >= 1 && inFlight <= capacity)) throw new RangeError('puller inFlight must be between 1 and its capacity')
  }

  hasRoom(): boolean {
    return this.queued < this.capacity
  }

  get queued(): number {
    return this.queue.length + this.active
  }

  /** Accepts a message if there is room. */
  offer(msg: T): boolean {
    if (!this.hasRoom()) return false
    this.queue.push(msg)
    this.received++
    this.start()
    return true
  }

  stats(): PullerStats {
    return { name: this.name, received: this.received, processed: this.processed, failed: this.failed, queued: this.queued }
  }

  /** Resolves once the queue is empty and nothing is in progress. */
  idle(): Promise<void> {
    if (this.queued === 0) return Promise.resolve()
    return new Promise((resolve) => this.idleWaiters.push(resolve))
  }

  private start(): void {
    while (this.active < this.inFlight && this.queue.length > 0) {
      this.active++
      void this.run(this.queue.shift() as T)
    }
  }

  private async run(msg: T): Promise<void> {
    try {
      await this.work(msg)
      this.processed++
    } catch {
      this.failed++
    }
    this.active--
    this.start()
    this.onRoom?.()
    if (this.queued === 0) for (const w of this.idleWaiters.splice(0)) w()
  }
}

export class Pusher<T> {
  readonly stats: PushStats = { pushed: 0, blocked: 0, refused: 0 }
  private readonly pullers: Puller<T>[] = []
  private next = 0
  /** Pushes waiting for room, served strictly first-come first-served. */
  private readonly waiting: Array<{ msg: T; resolve: () => void }> = []

  addPuller(p: Puller<T>): void {
    this.pullers.push(p)
    p.onRoom = () => this.wake()
    this.wake()
  }

  removePuller(p: Puller<T>): void {
    const i = this.pullers.indexOf(p)
    if (i >= 0) this.pullers.splice(i, 1)
    p.onRoom = null
  }

  get pullerCount(): number {
    return this.pullers.length
  }

  /** Round-robin to the next puller with room; false when all are full (or none exist). */
  tryPush(msg: T): boolean {
    if (this.offerRoundRobin(msg)) return true
    this.stats.refused++
    return false
  }

  /** Delivers to the next puller with room, waiting while every queue is full. */
  push(msg: T): Promise<void> {
    if (this.waiting.length === 0 && this.offerRoundRobin(msg)) return Promise.resolve()
    this.stats.blocked++
    return new Promise<void>((resolve) => this.waiting.push({ msg, resolve }))
  }

  /** Resolves when every puller has drained. */
  async idle(): Promise<void> {
    await Promise.all(this.pullers.map((p) => p.idle()))
  }

  snapshot(): { push: PushStats; pullers: PullerStats[] } {
    return { push: { ...this.stats }, pullers: this.pullers.map((p) => p.stats()) }
  }

  private offerRoundRobin(msg: T): boolean {
    const n = this.pullers.length
    for (let i = 0; i < n; i++) {
      const p = this.pullers[(this.next + i) % n] as Puller<T>
      if (p.offer(msg)) {
        this.next = (this.next + i + 1) % n
        this.stats.pushed++
        return true
      }
    }
    return false
  }

  private wake(): void {
    while (this.waiting.length > 0) {
      const head = this.waiting[0] as { msg: T; resolve: () => void }
      if (!this.offerRoundRobin(head.msg)) return
      this.waiting.shift()
      head.resolve()
    }
  }
}
