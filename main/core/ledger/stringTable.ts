/**
 * The packed ledger's shared strings: names, keys and enum values that repeat across events
 * are stored once and referred to by a small integer. Reference-counted, so a string leaves
 * when the last stored event naming it does, and a flood of one-off names cannot outlive
 * the events that brought them.
 */
import { detachString } from '../detachString'

export class StringTable {
  private readonly strings: (string | undefined)[] = []
  private readonly refs: number[] = []
  private readonly index = new Map<string, number>()
  private readonly free: number[] = []

  /** Takes one reference to `s` and returns its number. */
  acquire(s: string): number {
    let i = this.index.get(s)
    if (i === undefined) {
      // A fresh flat copy: a parser's sliced string would keep its whole JSON text alive.
      const own = detachString(s)
      i = this.free.pop()
      if (i === undefined) {
        i = this.strings.length
        this.strings.push(own)
        this.refs.push(0)
      } else this.strings[i] = own
      this.index.set(own, i)
    }
    this.refs[i]!++
    return i
  }

  release(i: number): void {
    const n = this.refs[i]! - 1
    this.refs[i] = n
    if (n > 0) return
    this.index.delete(this.strings[i]!)
    this.strings[i] = undefined
    this.free.push(i)
  }

  /** The string behind a live number. */
  at(i: number): string {
    return this.strings[i]!
  }

  /** The number of `s` when some stored event holds it, else -1 (takes no reference). */
  find(s: string): number {
    return this.index.get(s) ?? -1
  }

  /** Strings currently held. */
  get size(): number {
    return this.index.size
  }
}
