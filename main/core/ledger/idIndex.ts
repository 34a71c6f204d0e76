/**
 * Event ids of the packed ledger: each slot's id as its 16 raw bytes (ids are 32 lower-case
 * hex characters, checked before storing), and an open-addressing hash table from id to
 * slot (at most 70 % full). Together ≈ 16 + 4–8 bytes per event where a Map of id strings costs ≈ 90. The hash is
 * keyed per process so nobody can choose ids that pile up in one bucket.
 */
import { randomBytes } from 'node:crypto'

const WORDS = 4
const EMPTY = -1

/** A lower-case hex digit's value, or 0x10 for anything else. */
function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30
  if (c >= 0x61 && c <= 0x66) return c - 0x57
  return 0x10
}

export class IdIndex {
  private words = new Uint32Array(0)
  private bytes = Buffer.alloc(0)
  private table = new Int32Array(16).fill(EMPTY)
  private mask = 15
  private count = 0
  private readonly probe = new Uint32Array(WORDS)
  private readonly probeBytes = Buffer.from(this.probe.buffer)
  private readonly seed = randomBytes(16).readUInt32LE(0) | 1

  /** Makes room for slots below `slots`. */
  growSlots(slots: number): void {
    if (slots * WORDS <= this.words.length) return
    const next = new Uint32Array(slots * WORDS)
    next.set(this.words)
    this.words = next
    this.bytes = Buffer.from(next.buffer)
  }

  get size(): number {
    return this.count
  }

  /** The id stored at `slot`. */
  idAt(slot: number): string {
    return this.bytes.toString('hex', slot * 16, slot * 16 + 16)
  }

  /** Slot of `id`, or -1. */
  find(id: string): number {
    if (!this.load(id)) return -1
    const p = this.probe
    for (let i = this.hash(p[0]!, p[1]!, p[2]!, p[3]!) & this.mask; ; i = (i + 1) & this.mask) {
      const slot = this.table[i]!
      if (slot === EMPTY) return -1
      const w = slot * WORDS
      if (this.words[w] === p[0] && this.words[w + 1] === p[1] && this.words[w + 2] === p[2] && this.words[w + 3] === p[3]) return slot
    }
  }

  /** Records `id` (not yet present; 32 lower-case hex) at `slot`. */
  insert(slot: number, id: string): void {
    if (!this.load(id)) throw new RangeError('event id is not 32 lower-case hex characters')
    this.words.set(this.probe, slot * WORDS)
    if ((this.count + 1) * 10 > this.table.length * 7) this.rehash(this.table.length * 2)
    this.place(slot)
    this.count++
  }

  /** Forgets the id at `slot` (backward-shift deletion keeps every probe run unbroken). */
  remove(slot: number): void {
    const t = this.table
    let i = this.bucketOf(slot)
    while (t[i] !== slot) i = (i + 1) & this.mask
    for (let j = (i + 1) & this.mask; t[j] !== EMPTY; j = (j + 1) & this.mask) {
      const home = this.bucketOf(t[j]!)
      // Move j back into the hole at i when its home bucket does not lie in (i, j].
      if (((j - home) & this.mask) >= ((j - i) & this.mask)) {
        t[i] = t[j]!
        i = j
      }
    }
    t[i] = EMPTY
    this.count--
  }

  /**
   * Parses `id` into the probe words (the bytes in order, as `idAt` reads them back); false
   * unless it is exactly 32 lower-case hex characters. A loop rather than a RegExp and
   * Buffer#write: it runs for every event offered and every id looked up.
   */
  private load(id: string): boolean {
    if (id.length !== 32) return false
    const p = this.probeBytes
    for (let i = 0; i < 16; i++) {
      const hi = hexValue(id.charCodeAt(2 * i))
      const lo = hexValue(id.charCodeAt(2 * i + 1))
      if ((hi | lo) & 0x10) return false
      p[i] = (hi << 4) | lo
    }
    return true
  }

  private bucketOf(slot: number): number {
    const w = slot * WORDS
    return this.hash(this.words[w]!, this.words[w + 1]!, this.words[w + 2]!, this.words[w + 3]!) & this.mask
  }

  private hash(a: number, b: number, c: number, d: number): number {
    let h = Math.imul(a ^ this.seed, 0x9e3779b1)
    h = Math.imul(h ^ (h >>> 15) ^ b, 0x85ebca77)
    h = Math.imul(h ^ (h >>> 13) ^ c, 0xc2b2ae3d)
    h = Math.imul(h ^ (h >>> 16) ^ d, 0x27d4eb2f)
    return (h ^ (h >>> 15)) >>> 0
  }

  private place(slot: number): void {
    let i = this.bucketOf(slot)
    while (this.table[i] !== EMPTY) i = (i + 1) & this.mask
    this.table[i] = slot
  }

  private rehash(size: number): void {
    const old = this.table
    this.table = new Int32Array(size).fill(EMPTY)
    this.mask = size - 1
    for (const slot of old) if (slot !== EMPTY) this.place(slot)
  }
}
