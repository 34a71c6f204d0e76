/**
 * Remembers (name, timestamp, signature) of accepted mesh requests for as long as their
 * timestamp could still pass the clock-tolerance check, so a captured request cannot be
 * played back. Keyed on the signature's decoded bytes, never its text: a second spelling of
 * the same signature is the same request. The reference has no such cache; it is our addition.
 */
export class ReplayCache {
  private readonly seen = new Map<string, number>()

  /** windowMs: how long a timestamp stays acceptable (tolerance on both sides). */
  constructor(
    private readonly windowMs: number,
    private readonly maxEntries = 100_000
  ) {}

  /** Records the request; false when it was already seen (a replay). */
  checkAndRemember(name: string, timestampMs: number, signature: Uint8Array, nowMs: number): boolean {
    this.evict(nowMs)
    const key = `${name}\u0000${timestampMs}\u0000${Buffer.from(signature.buffer, signature.byteOffset, signature.byteLength).toString('hex')}`
    if (this.seen.has(key)) return false
    if (this.seen.size >= this.maxEntries) {
      // Under a flood, forget the oldest entries rather than grow without bound.
      const oldest = this.seen.keys().next()
      if (!oldest.done) this.seen.delete(oldest.value)
    }
    this.seen.set(key, timestampMs)
    return true
  }

  get size(): number {
    return this.seen.size
  }

  private evict(nowMs: number): void {
    // Entries are inserted roughly in timestamp order; drop from the front while expired.
    for (const [key, ts] of this.seen) {
      if (nowMs - ts > this.windowMs) this.seen.delete(key)
      else break
    }
  }
}
