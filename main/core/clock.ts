/**
 * One clock and one random source for the whole node, injectable so tests never sleep
 * and behaviours with jitter are reproducible.
 */
import { mulberry32 } from './mulberry32'

export interface Clock {
  /** Unix time in milliseconds. */
  nowMs(): number
  /** Unix time in nanoseconds (event `ts`), lossless. */
  nowNs(): bigint
  setTimeout(fn: () => void, ms: number): TimerHandle
  clearTimeout(handle: TimerHandle): void
}

export interface TimerHandle {
  readonly id: number
}

export interface Random {
  /** Uniform integer in [0, n). */
  intn(n: number): number
  /** Uniform float in [0, 1). */
  float(): number
}

/** Fisher–Yates in place with `random`; returns the same array. */
export function shuffle<T>(xs: T[], random: Pick<Random, 'intn'>): T[] {
  for (let i = xs.length - 1; i > 0; i--) {
    const j = random.intn(i + 1)
    ;[xs[i], xs[j]] = [xs[j] as T, xs[i] as T]
  }
  return xs
}

let nextTimerId = 1

export const systemClock: Clock = (() => {
  const timers = new Map<number, NodeJS.Timeout>()
  // Anchor ns time to hrtime so successive events in one millisecond still get distinct ts.
  const anchorNs = BigInt(Date.now()) * 1_000_000n
  const anchorHr = process.hrtime.bigint()
  return {
    nowMs: () => Date.now(),
    nowNs: () => anchorNs + (process.hrtime.bigint() - anchorHr),
    setTimeout(fn, ms) {
      const id = nextTimerId++
      const t = setTimeout(() => {
        timers.delete(id)
        fn()
      }, ms)
      t.unref?.()
      timers.set(id, t)
      return { id }
    },
    clearTimeout(handle) {
      const t = timers.get(handle.id)
      if (t) clearTimeout(t)
      timers.delete(handle.id)
    }
  }
})()

export const systemRandom: Random = {
  intn: (n) => Math.floor(Math.random() * n),
  float: () => Math.random()
}

/** A manual clock for tests: time moves only when `advance` is called; due timers fire in order. */
export class ManualClock implements Clock {
  private ms: number
  private readonly timers = new Map<number, { at: number; fn: () => void }>()

  constructor(startMs = 1_768_800_000_000) {
    this.ms = startMs
  }

  nowMs(): number {
    return this.ms
  }

  nowNs(): bigint {
    return BigInt(this.ms) * 1_000_000n
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const id = nextTimerId++
    this.timers.set(id, { at: this.ms + Math.max(0, ms), fn })
    return { id }
  }

  clearTimeout(handle: TimerHandle): void {
    this.timers.delete(handle.id)
  }

  /** Moves time forward, firing every timer that falls due, earliest first. */
  advance(ms: number): void {
    const target = this.ms + ms
    for (;;) {
      let nextId: number | undefined
      let nextAt = Infinity
      for (const [id, t] of this.timers) {
        if (t.at <= target && t.at < nextAt) {
          nextAt = t.at
          nextId = id
        }
      }
      if (nextId === undefined) break
      const timer = this.timers.get(nextId)!
      this.timers.delete(nextId)
      this.ms = Math.max(this.ms, timer.at)
      timer.fn()
    }
    this.ms = target
  }

  pendingTimers(): number {
    return this.timers.size
  }
}

/** Deterministic random source for tests (mulberry32). */
export function seededRandom(seed: number): Random {
  const float = mulberry32(seed)
  return { float, intn: (n) => Math.floor(float() * n) }
}
