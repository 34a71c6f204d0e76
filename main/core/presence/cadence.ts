/** Go's `chattinessRate(min, max)`: integer arithmetic, Chattiness clamped to 0..100. */
export function chattinessRate(min: number, max: number, chattiness: number): number {
  const c = Math.min(100, Math.max(0, Math.trunc(chattiness)))
  return min + Math.trunc(((max - min) * (100 - c)) / 100)
}

/** Newspaper interval in ms: `30 + 270×(100−Chattiness)/100` seconds (newspaper.md §4.1). */
export function newspaperIntervalMs(chattiness: number): number {
  return chattinessRate(30, 300, chattiness) * 1000
}

/**
 * Local buzz (social_buzz.go): starts at 100, clamped to [0, 182], bumped by plaza activity,
 * −30 every 10 s. `weighted` mixes in what online peers report.
 */
export class Buzz {
  private value = 100
  bump(n: number): void {
    this.value = Math.min(182, Math.max(0, this.value + n))
  }
  decay(): void {
    this.bump(-30)
  }
  get local(): number {
    return this.value
  }
  weighted(onlinePeerBuzz: readonly number[]): number {
    let sum = 0
    let max = 0
    for (const b of onlinePeerBuzz) {
      sum += b
      if (b > max) max = b
    }
    const avg = onlinePeerBuzz.length ? sum / onlinePeerBuzz.length : 0
    return Math.min(182, Math.trunc(this.value * 0.5) + Math.trunc(avg * 0.2) + Math.trunc(max * 0.3))
  }
}

/** sensors.go: booting → 100; forced value if 0..100; else weighted buzz + (1−load)×20, capped at 100. */
export function chattiness(opts: { booting: boolean; forced?: number | undefined; weightedBuzz: number; load: number }): number {
  if (opts.booting) return 100
  if (opts.forced !== undefined && opts.forced >= 0 && opts.forced <= 100) return Math.trunc(opts.forced)
  let c = opts.weightedBuzz
  if (opts.load < 1) c += Math.trunc((1 - opts.load) * 20)
  return Math.min(100, Math.max(0, c))
}
