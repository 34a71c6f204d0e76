/** A Clock for browser-side code (clock.ts's systemClock touches `process`). */
import type { Clock, TimerHandle } from '../../clock'

export function browserClock(): Clock {
  const timers = new Map<number, ReturnType<typeof setTimeout>>()
  let next = 1
  return {
    nowMs: () => Date.now(),
    nowNs: () => BigInt(Date.now()) * 1_000_000n,
    setTimeout(fn, ms): TimerHandle {
      const id = next++
      timers.set(
        id,
        setTimeout(() => {
          timers.delete(id)
          fn()
        }, ms)
      )
      return { id }
    },
    clearTimeout(h) {
      const t = timers.get(h.id)
      if (t !== undefined) clearTimeout(t)
      timers.delete(h.id)
    }
  }
}
