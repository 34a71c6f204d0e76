/**
 * Howdy coordination (presence.md §3.3): at most ~10 welcomes per newcomer. Every hey_there
 * starts a coordinator with a 0–2999 ms self-selection delay; every howdy seen for the same
 * newcomer (before its signature is checked, as Go does) counts towards the limit and marks
 * the names it mentioned so we do not repeat them.
 */
import type { Clock, Random, TimerHandle } from '../clock'
import type { NeighborInfo } from '../protocol/types'
import type { NeighbourRecord } from './neighbourhood'

export const HOWDY_MAX = 10
export const HOWDY_JITTER_MS = 3000
export const HOWDY_LIFETIME_MS = 30_000
export const HOWDY_MAX_NEIGHBOURS = 10
/** Go's `selectNeighborsForHowdy` in short-memory mode. */
export const HOWDY_MAX_NEIGHBOURS_SHORT = 5

export function howdyNeighbourLimit(memoryMode: string): number {
  return memoryMode === 'short' ? HOWDY_MAX_NEIGHBOURS_SHORT : HOWDY_MAX_NEIGHBOURS
}
/**
 * Newcomers being welcomed at once. Each hey_there names one and holds two timers for 30 s,
 * so a flood of made-up names is capped here: the oldest coordination gives way.
 */
export const HOWDY_MAX_ACTIVE = 256
/**
 * Our welcomes per window. A howdy carries our observations of every peer, so answering each of
 * a flood of cheap hey_theres would turn a few hundred bytes in into hundreds of KB out. Other
 * naras still welcome a newcomer we skip (coordination only counts howdys actually seen).
 */
export const HOWDY_RATE = { max: 30, windowMs: 10_000 }

interface Coordinator {
  seen: number
  responded: boolean
  mentioned: Set<string>
  timer: TimerHandle | null
  expiry: TimerHandle
}

export interface HowdyCoordinatorOptions {
  clock: Clock
  random: Random
  jitterMs?: number
  max?: number
  lifetimeMs?: number
  maxActive?: number
  rate?: { max: number; windowMs: number }
  /** Called when we self-select: send our howdy with this Seq, skipping `mentioned`. */
  respond: (target: string, seq: number, mentioned: ReadonlySet<string>) => void
}

export class HowdyCoordinator {
  private readonly active = new Map<string, Coordinator>()
  private readonly max: number
  private readonly maxActive: number
  /** Coordinations dropped to stay within `maxActive`. */
  evictions = 0
  /** Welcomes we skipped because we had answered `rate.max` times within `rate.windowMs`. */
  rateLimited = 0
  private readonly recentResponses: number[] = []

  constructor(private readonly opts: HowdyCoordinatorOptions) {
    this.max = opts.max ?? HOWDY_MAX
    this.maxActive = Math.max(1, opts.maxActive ?? HOWDY_MAX_ACTIVE)
  }

  get activeCount(): number {
    return this.active.size
  }

  onHeyThere(target: string): void {
    this.cancel(target)
    while (this.active.size >= this.maxActive) {
      const oldest = this.active.keys().next()
      if (oldest.done) break
      this.cancel(oldest.value)
      this.evictions++
    }
    const c: Coordinator = {
      seen: 0,
      responded: false,
      mentioned: new Set(),
      timer: null,
      expiry: this.opts.clock.setTimeout(() => this.cancel(target), this.opts.lifetimeMs ?? HOWDY_LIFETIME_MS)
    }
    c.timer = this.opts.clock.setTimeout(() => this.fire(target), this.opts.random.intn(this.opts.jitterMs ?? HOWDY_JITTER_MS))
    this.active.set(target, c)
  }

  /** Every howdy on the plaza, whatever its signature. */
  onHowdySeen(to: string, from: string, neighbourNames: readonly string[]): void {
    const c = this.active.get(to)
    if (!c) return
    c.seen++
    c.mentioned.add(from)
    for (const n of neighbourNames) c.mentioned.add(n)
    if (c.seen >= this.max && c.timer) {
      this.opts.clock.clearTimeout(c.timer)
      c.timer = null
    }
  }

  seenFor(target: string): number | undefined {
    return this.active.get(target)?.seen
  }

  /** Howdys counted for `target` (ours included) and whether we answered; undefined without a coordinator. */
  stateOf(target: string): { seen: number; responded: boolean } | undefined {
    const c = this.active.get(target)
    return c && { seen: c.seen, responded: c.responded }
  }

  stop(): void {
    for (const name of [...this.active.keys()]) this.cancel(name)
  }

  private fire(target: string): void {
    const c = this.active.get(target)
    if (!c) return
    c.timer = null
    if (c.responded || c.seen >= this.max) return
    if (!this.takeResponseSlot()) {
      this.rateLimited++
      return
    }
    c.responded = true
    c.seen++
    this.opts.respond(target, c.seen, c.mentioned)
  }

  private takeResponseSlot(): boolean {
    const rate = this.opts.rate ?? HOWDY_RATE
    const now = this.opts.clock.nowMs()
    while (this.recentResponses.length && now - this.recentResponses[0]! >= rate.windowMs) this.recentResponses.shift()
    if (this.recentResponses.length >= rate.max) return false
    this.recentResponses.push(now)
    return true
  }

  private cancel(target: string): void {
    const c = this.active.get(target)
    if (!c) return
    if (c.timer) this.opts.clock.clearTimeout(c.timer)
    this.opts.clock.clearTimeout(c.expiry)
    this.active.delete(target)
  }
}

/**
 * `selectNeighborsForHowdy`: everyone we know except self, the newcomer and names already
 * mentioned; ONLINE first, then least recently active; at most `max`.
 */
export function selectNeighborsForHowdy(
  records: readonly NeighbourRecord[],
  self: string,
  target: string,
  mentioned: ReadonlySet<string>,
  max = HOWDY_MAX_NEIGHBOURS
): NeighborInfo[] {
  return records
    .filter((r) => r.name !== self && r.name !== target && !mentioned.has(r.name))
    .sort((a, b) => {
      const ao = a.observation.online === 'ONLINE' ? 0 : 1
      const bo = b.observation.online === 'ONLINE' ? 0 : 1
      if (ao !== bo) return ao - bo
      return (a.observation.last_seen ?? 0) - (b.observation.last_seen ?? 0)
    })
    .slice(0, max)
    .map((r) => ({ Name: r.name, PublicKey: r.publicKey, MeshIP: r.meshIP, ID: r.id, Observation: { ...r.observation } }))
}
