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
  /** Called when we self-select: send our howdy with this Seq, skipping `mentioned`. */
  respond: (target: string, seq: number, mentioned: ReadonlySet<string>) => void
}

export class HowdyCoordinator {
  private readonly active = new Map<string, Coordinator>()
  private readonly max: number

  constructor(private readonly opts: HowdyCoordinatorOptions) {
    this.max = opts.max ?? HOWDY_MAX
  }

  onHeyThere(target: string): void {
    this.cancel(target)
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
    c.responded = true
    c.seen++
    this.opts.respond(target, c.seen, c.mentioned)
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
