/**
 * Gossip rounds (zines-and-mesh.md §5.4): every chattinessRate(30, 300) s, send our zine of the
 * last 5 minutes to 3–5 random ONLINE mesh peers and merge what they answer. A successful
 * exchange is evidence that the peer is alive.
 */
import { shuffle, type TimerHandle } from '../clock'
import type { ZineExchangeView, ZineVerdict } from '../views'
import type { MeshHost } from './host'
import type { MeshClient } from './client'
import type { MeshStats } from './stats'
import { buildOwnZine, mergeEvents, zineHasChauFrom } from './merge'
import { peerBaseUrl } from './address'
import { verifyZine } from './wire'

export const FIRST_ROUND_DELAY_MS = 30_000

/** The reference's chattinessRate(min, max): min + (max − min)·(100 − chattiness)/100 seconds. */
export function chattinessRateMs(chattiness: number, minS = 30, maxS = 300): number {
  const c = Math.max(0, Math.min(100, chattiness))
  return Math.round((minS + ((maxS - minS) * (100 - c)) / 100) * 1000)
}

/** 3 + rand(0..2) targets, capped at the candidate count, picked by shuffle. */
export function pickTargets(candidates: readonly string[], random: { intn(n: number): number }, short = false): string[] {
  const want = short ? 1 + random.intn(2) : 3 + random.intn(3)
  const pool = shuffle([...candidates], random)
  return pool.slice(0, Math.min(want, pool.length))
}

export interface GossipOptions {
  firstDelayMs?: number
  /** Interval between rounds; default chattinessRate(30, 300) from the host's chattiness. */
  intervalMs?: () => number
  exchangeTimeoutMs?: number
  /** Default: the ledger's memory mode is 'short' (Go's isShortMemoryMode). */
  shortMemory?: boolean
}

export class GossipService {
  private timer: TimerHandle | null = null
  private running = false
  private rounds = 0

  constructor(
    private readonly host: MeshHost,
    private readonly client: MeshClient,
    private readonly stats: MeshStats,
    private readonly opts: GossipOptions = {}
  ) {}

  get roundsRun(): number {
    return this.rounds
  }

  start(): void {
    if (this.running) return
    this.running = true
    this.schedule(this.opts.firstDelayMs ?? FIRST_ROUND_DELAY_MS)
  }

  stop(): void {
    this.running = false
    if (this.timer) this.host.clock.clearTimeout(this.timer)
    this.timer = null
  }

  private schedule(ms: number): void {
    this.timer = this.host.clock.setTimeout(() => {
      this.timer = null
      void this.runRound().finally(() => {
        if (this.running) this.schedule(this.opts.intervalMs?.() ?? chattinessRateMs(this.host.chattiness()))
      })
    }, ms)
  }

  /** One round; `force` gossips even with nothing recent (the final round always has our chau). */
  async runRound(opts: { force?: boolean; timeoutMs?: number } = {}): Promise<ZineExchangeView[]> {
    this.rounds++
    const zine = buildOwnZine(this.host)
    if (zine.events.length === 0 && !opts.force) {
      this.stats.count('gossip.skipped_empty')
      return []
    }
    const targets = pickTargets(this.host.directory.onlineMeshPeers(), this.host.random, this.opts.shortMemory ?? this.host.ledger.mode === 'short')
    this.stats.count('gossip.rounds')
    return Promise.all(targets.map((name) => this.exchangeWith(name, undefined, opts.timeoutMs)))
  }

  /**
   * One outgoing exchange with `peer` (by name, or at an explicit base URL when the name is
   * not yet known). Never throws; the result is also reported through the host.
   */
  async exchangeWith(peer: string | undefined, baseUrl?: string, timeoutMs?: number): Promise<ZineExchangeView> {
    const url = baseUrl ?? peerBaseUrl(this.host.directory.meshIPOf(peer ?? '') ?? '')
    const zine = buildOwnZine(this.host)
    const started = Date.now()
    const view = (verdict: ZineVerdict, extra: Partial<ZineExchangeView> = {}): ZineExchangeView => {
      const v: ZineExchangeView = {
        peer: peer ?? '',
        direction: 'out',
        atMs: this.host.clock.nowMs(),
        eventsIn: 0,
        eventsOut: zine.events.length,
        newEvents: 0,
        knownEvents: 0,
        badEvents: 0,
        bytesIn: 0,
        bytesOut: 0,
        latencyMs: Date.now() - started,
        verdict,
        ...extra
      }
      this.stats.count(`gossip.out.${verdict}`)
      this.host.onExchange?.(v)
      return v
    }
    if (!url) return view('error', { reason: 'no mesh address' })
    const r = await this.client.exchangeZine(url, peer, zine, timeoutMs ?? this.opts.exchangeTimeoutMs)
    if (!r.ok) {
      const e = r.error
      const verdict: ZineVerdict =
        e.code === 'client_timeout' ? 'timeout' : e.status === 401 ? 'unauthenticated' : e.status === 403 || e.code === 'client_response_bad_signature' ? 'bad-signature' : 'error'
      return view(verdict, { reason: e.reason })
    }
    const theirs = r.value.zine
    const name = peer ?? theirs.from
    const key = this.host.directory.publicKeyOf(theirs.from)
    const common = { peer: name, eventsIn: theirs.events.length, bytesIn: r.value.raw.bytesIn, bytesOut: r.value.raw.bytesOut }
    if (peer !== undefined && theirs.from !== peer) {
      this.stats.reject('client_bad_response', `zine from ${theirs.from}, expected ${peer}`)
      return view('error', { ...common, reason: `answer from ${theirs.from}` })
    }
    if (key && !verifyZine(theirs, key)) {
      this.stats.reject('zine_response_bad_signature', `zine from ${theirs.from}`)
      return view('bad-signature', { ...common, reason: 'invalid zine signature' })
    }
    const report = await mergeEvents(this.host, theirs.events, 'zine', theirs.from, this.stats)
    if (!zineHasChauFrom(theirs)) this.host.directory.recordOnline(theirs.from, theirs.created_at)
    return view('ok', {
      ...common,
      newEvents: report.added,
      knownEvents: report.duplicate,
      badEvents: report.badSignature + theirs.rejected.length
    })
  }
}
