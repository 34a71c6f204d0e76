/**
 * Pulling events over the mesh as the reference does (boot_recovery.go, boot_sync.go):
 *
 * - Boot recovery: 30 s after start (at once in gossip mode when peers are already known; up to
 *   two retries 30 s and 60 s apart when nobody is), `capacity / page` sample calls to
 *   POST /events/sync spread round-robin over the ONLINE mesh peers (at most 4 in short memory),
 *   10 in flight (3 in short memory); when more than half fail, one legacy sliced request per
 *   peer instead (each its slice of the events about the online peers and us, at least 100).
 *   Without mesh peers the plaza's ledger requests remain.
 * - Background sync: first after 0–4 min, then every 30 ± 5 min, a `recent` call (limit 100) to
 *   one or two random ONLINE mesh peers not in short-memory mode; pings are kept, observations
 *   and social events only from the last 24 h and when our personality keeps them.
 */
import type { TimerHandle } from '../clock'
import type { SyncEvent } from '../protocol/types'
import type { MeshHost } from './host'
import type { SyncRequest } from './wire'
import type { MeshClient } from './client'
import { mergeEvents } from './merge'
import type { MeshStats } from './stats'
import { mapLimit } from './discovery'

export const BOOT_RECOVERY_DELAY_MS = 30_000
export const BACKGROUND_SYNC_BASE_MS = 30 * 60_000
export const RECENT_KEEP_NS = 24n * 3600n * 1_000_000_000n
/** Go's `BootRecoveryTargetEvents`: what the legacy slices add up to. */
export const BOOT_RECOVERY_TARGET_EVENTS = 50_000

export interface SamplePlan {
  pageSize: number
  /** One peer name per call, round-robin. */
  calls: string[]
  concurrency: number
}

/** Pure: the sample calls for our memory mode over `peers` (already in preference order). */
export function planBootRecovery(mode: string, peers: readonly string[]): SamplePlan {
  const short = mode === 'short'
  const [capacity, pageSize] = short ? [5000, 1000] : mode === 'hog' ? [80_000, 5000] : [50_000, 5000]
  const use = peers.slice(0, short ? 4 : peers.length)
  const calls: string[] = []
  if (use.length) for (let i = 0; i < capacity / pageSize; i++) calls.push(use[i % use.length]!)
  return { pageSize, calls, concurrency: short ? 3 : 10 }
}

/** Pure: what a background `recent` answer may add (boot_sync.go). */
export function keepFromBackgroundSync(e: SyncEvent, nowNs: bigint): boolean {
  if (e.svc === 'ping') return true
  if (e.svc === 'observation' || e.svc === 'social') return e.ts >= nowNs - RECENT_KEEP_NS
  return false
}

export interface MeshSyncOptions {
  gossipMode: boolean
  bootDelayMs?: number
  /** The peer's memory mode from its newspapers, when known (short-memory peers are skipped). */
  memoryModeOf?: (name: string) => string | undefined
  baseUrlOf: (name: string) => string | null
}

export interface BootRecoveryReport {
  peers: number
  calls: number
  failed: number
  added: number
  /** Sample mode failed for more than half the calls: the legacy sliced requests ran. */
  legacy: boolean
}

export class MeshSyncService {
  private timer: TimerHandle | null = null
  private running = false
  /** Last boot recovery (null until it ran): a stat and a sync point for tests. */
  lastBootRecovery: BootRecoveryReport | null = null
  backgroundRounds = 0

  constructor(
    private readonly host: MeshHost,
    private readonly client: MeshClient,
    private readonly stats: MeshStats,
    private readonly opts: MeshSyncOptions
  ) {}

  start(): void {
    if (this.running) return
    this.running = true
    const now = this.host.directory.onlineMeshPeers().length > 0 && this.opts.gossipMode
    this.after(now ? 0 : (this.opts.bootDelayMs ?? BOOT_RECOVERY_DELAY_MS), () => this.bootAttempt(0))
  }

  stop(): void {
    this.running = false
    if (this.timer) this.host.clock.clearTimeout(this.timer)
    this.timer = null
  }

  private after(ms: number, fn: () => void | Promise<void>): void {
    if (!this.running) return
    this.timer = this.host.clock.setTimeout(() => {
      this.timer = null
      if (this.running) void Promise.resolve(fn()).catch(() => {})
    }, ms)
  }

  private async bootAttempt(attempt: number): Promise<void> {
    if (this.host.directory.onlineMeshPeers().length === 0 && attempt < 2) {
      this.after(30_000 * (attempt + 1), () => this.bootAttempt(attempt + 1))
      return
    }
    await this.bootRecovery()
    this.after(this.host.random.intn(5) * 60_000, () => this.backgroundLoop())
  }

  private async backgroundLoop(): Promise<void> {
    await this.backgroundSync()
    this.after(BACKGROUND_SYNC_BASE_MS + (this.host.random.intn(10) - 5) * 60_000, () => this.backgroundLoop())
  }

  /** One boot recovery pass (sample mode) over the ONLINE mesh peers. */
  async bootRecovery(): Promise<BootRecoveryReport> {
    const plan = planBootRecovery(this.host.ledger.mode, this.host.directory.onlineMeshPeers())
    const peers = [...new Set(plan.calls)]
    const report: BootRecoveryReport = { peers: peers.length, calls: plan.calls.length, failed: 0, added: 0, legacy: false }
    await mapLimit(plan.calls, plan.concurrency, async (peer) => {
      const events = await this.fetch(peer, { mode: 'sample', sample_size: plan.pageSize })
      if (!events) return void report.failed++
      report.added += (await mergeEvents(this.host, events, 'sync', peer, this.stats)).added
    })
    if (report.failed > plan.calls.length / 2) {
      report.legacy = true
      const subjects = [...this.host.directory.onlineMeshPeers(), this.host.self.name]
      const maxEvents = Math.max(100, Math.floor(BOOT_RECOVERY_TARGET_EVENTS / peers.length))
      await mapLimit(peers.map((p, i) => [p, i] as const), plan.concurrency, async ([peer, i]) => {
        const events = await this.fetch(peer, { subjects, slice_index: i, slice_total: peers.length, max_events: maxEvents })
        if (events) report.added += (await mergeEvents(this.host, events, 'sync', peer, this.stats)).added
      })
      this.stats.count('sync.boot_legacy')
    }
    this.stats.count('sync.boot_calls', report.calls)
    this.stats.count('sync.boot_failed', report.failed)
    this.lastBootRecovery = report
    return report
  }

  /** One background round: `recent` from one or two random eligible peers. */
  async backgroundSync(): Promise<number> {
    this.backgroundRounds++
    const r = this.host.random
    const eligible = this.host.directory.onlineMeshPeers().filter((n) => this.opts.memoryModeOf?.(n) !== 'short')
    if (eligible.length === 0) return 0
    for (let i = eligible.length - 1; i > 0; i--) {
      const j = r.intn(i + 1)
      ;[eligible[i], eligible[j]] = [eligible[j]!, eligible[i]!]
    }
    const count = eligible.length > 1 && r.float() > 0.5 ? 2 : 1
    let added = 0
    for (const peer of eligible.slice(0, count)) {
      const events = await this.fetch(peer, { mode: 'recent', limit: 100 })
      if (!events) continue
      const nowNs = this.host.clock.nowNs()
      const kept = events.filter((e) => keepFromBackgroundSync(e, nowNs) && (this.host.keepsInMemory?.(e) ?? true))
      added += (await mergeEvents(this.host, kept, 'sync', peer, this.stats)).added
    }
    this.stats.count('sync.background_added', added)
    return added
  }

  private async fetch(peer: string, req: Omit<Partial<SyncRequest>, 'from'>): Promise<SyncEvent[] | null> {
    const url = this.opts.baseUrlOf(peer)
    if (!url) return null
    const res = await this.client.sync(url, peer, { services: null, subjects: null, ...req }).catch(() => null)
    if (!res || !res.ok) return null
    return res.value.events ?? []
  }
}
