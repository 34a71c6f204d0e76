/**
 * Our own start time from howdy votes (presence.md §6, Go `presence_starttime.go` +
 * `consensusByUptime`): each howdy addressed to us carries the sender's observation of us
 * (`You.start_time`), weighted by the sender's OS uptime.
 */

export interface WeightedValue {
  value: number
  weight: number
}

export const START_TIME_TOLERANCE_S = 60

/**
 * Sort by value; cluster greedily (within `tolerance` of the cluster's first value); order
 * clusters by summed weight, heaviest first; the median (upper middle) of the first cluster
 * with at least two values, else of the heaviest. Ties keep the lower values first (Go's
 * sorts are unstable there, so any order is as faithful).
 */
export function consensusByUptime(values: readonly WeightedValue[], tolerance = START_TIME_TOLERANCE_S): number {
  if (values.length === 0) return 0
  const sorted = [...values].sort((a, b) => a.value - b.value)
  const clusters: { values: number[]; weight: number }[] = []
  let start = Number.NaN
  for (const v of sorted) {
    const current = clusters[clusters.length - 1]
    if (current && v.value - start <= tolerance) {
      current.values.push(v.value)
      current.weight += v.weight
    } else {
      clusters.push({ values: [v.value], weight: v.weight })
      start = v.value
    }
  }
  clusters.sort((a, b) => b.weight - a.weight)
  const pick = clusters.find((c) => c.values.length >= 2) ?? clusters[0]!
  return pick.values[Math.floor(pick.values.length / 2)]!
}

/** Votes collected during boot; Go applies them once opinions form, not at the first vote. */
/** Votes kept: howdys addressed to us keep coming after boot, and anyone can send one. */
export const MAX_START_TIME_VOTES = 256

export class StartTimeVotes {
  private readonly votes: WeightedValue[] = []

  /** A howdy's `You.start_time` (0 = no opinion, skipped) weighted by `Me.HostStats.Uptime`. */
  add(startTime: number | undefined, senderUptime: number): void {
    if (!startTime || !Number.isFinite(startTime) || startTime <= 0) return
    if (this.votes.length >= MAX_START_TIME_VOTES) return
    this.votes.push({ value: Math.trunc(startTime), weight: Number.isFinite(senderUptime) && senderUptime > 0 ? senderUptime : 0 })
  }

  get count(): number {
    return this.votes.length
  }

  consensus(): number {
    return consensusByUptime(this.votes)
  }
}
