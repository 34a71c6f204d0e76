/**
 * Mesh peer discovery for gossip-only mode (zines-and-mesh.md §10): ping every host of a
 * CIDR and every peer the local Tailscale client lists (50 at a time, 2 s each, skipping
 * ourselves), import responders with where they were found, and vouch for quiet newcomers with
 * a signed `seen` event (via "mesh").
 */
import type { TimerHandle } from '../clock'
import { newSeenEvent, signEvent } from '../protocol/events'
import { storeEvent, type MeshHost } from './host'
import type { MeshClient } from './client'
import type { MeshStats } from './stats'
import { cidrHosts, DEFAULT_MESH_PORT, meshHost, parseCidr, peerBaseUrl } from './address'
import { ZINE_WINDOW_NS } from './merge'
import { tailnetPeers, type TailnetPeer } from './tailnetPeers'
import type { MeshFoundVia } from '../views'

export const SCAN_CONCURRENCY = 50
export const SCAN_TIMEOUT_MS = 2_000
export const DISCOVERY_FIRST_MS = 35_000
export const DISCOVERY_EVERY_MS = 5 * 60_000
const VOUCH_COOLDOWN_MS = 2 * 60_000

export interface DiscoveredPeer {
  name: string
  meshIP: string
  publicKey: string
  rttMs: number
  via: Extract<MeshFoundVia, 'subnet-scan' | 'tailscale' | 'mdns'>
}

export interface DiscoveryOptions {
  cidr: string
  port?: number
  concurrency?: number
  timeoutMs?: number
  firstDelayMs?: number
  everyMs?: number
  /** The local Tailscale client's peers (default: `tailscale status --json`); null to skip. */
  tailnet?: (() => Promise<TailnetPeer[]>) | null
}

/** Runs `fn` over `items` with at most `limit` in flight. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length)
  let next = 0
  const worker = async (): Promise<void> => {
    for (;;) {
      const i = next++
      if (i >= items.length) return
      out[i] = await fn(items[i]!)
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker))
  return out
}

export class DiscoveryService {
  private timer: TimerHandle | null = null
  private running = false
  private readonly lastVouchMs = new Map<string, number>()

  constructor(
    private readonly host: MeshHost,
    private readonly client: MeshClient,
    private readonly stats: MeshStats,
    private readonly opts: DiscoveryOptions
  ) {}

  /** Immediately, then after 35 s, then every 5 min (gossip mode only). */
  start(): void {
    if (this.running) return
    this.running = true
    void this.scan()
    const loop = (ms: number): void => {
      this.timer = this.host.clock.setTimeout(() => {
        void this.scan().finally(() => {
          if (this.running) loop(this.opts.everyMs ?? DISCOVERY_EVERY_MS)
        })
      }, ms)
    }
    loop(this.opts.firstDelayMs ?? DISCOVERY_FIRST_MS)
  }

  stop(): void {
    this.running = false
    if (this.timer) this.host.clock.clearTimeout(this.timer)
    this.timer = null
  }

  /** One scan of the configured CIDR; returns the peers that answered. */
  async scan(): Promise<DiscoveredPeer[]> {
    const cidr = parseCidr(this.opts.cidr)
    if (!cidr) {
      this.stats.count('discovery.bad_cidr')
      return []
    }
    const port = this.opts.port ?? DEFAULT_MESH_PORT
    const self = meshHost(this.host.meshIP())
    const targets = new Map<string, DiscoveredPeer['via']>()
    for (const ip of cidrHosts(cidr, 4096)) targets.set(ip, 'subnet-scan')
    const listed = this.opts.tailnet === null ? [] : await (this.opts.tailnet ?? tailnetPeers)().catch(() => [])
    for (const p of listed) targets.set(p.ip, 'tailscale')
    targets.delete(self)
    if (listed.length) this.stats.count('discovery.tailnet_listed', listed.length)
    this.stats.count('discovery.scans')
    const results = await mapLimit([...targets], this.opts.concurrency ?? SCAN_CONCURRENCY, ([ip, via]) => this.ping(port === DEFAULT_MESH_PORT ? ip : `${ip}:${port}`, via))
    const found = results.filter((p): p is DiscoveredPeer => p !== null)
    for (const p of found) this.importPeer(p)
    this.stats.count('discovery.found', found.length)
    return found
  }

  /** One address heard of elsewhere (an mDNS announcement): imported only if its /ping answers. */
  async probe(meshIP: string): Promise<DiscoveredPeer | null> {
    const p = await this.ping(meshIP, 'mdns')
    if (p) this.importPeer(p)
    this.stats.count(p ? 'discovery.probe_found' : 'discovery.probe_silent')
    return p
  }

  private async ping(meshIP: string, via: DiscoveredPeer['via']): Promise<DiscoveredPeer | null> {
    const url = peerBaseUrl(meshIP)
    if (!url) return null
    const r = await this.client.ping(url, this.opts.timeoutMs ?? SCAN_TIMEOUT_MS)
    if (!r.ok || r.value.from === this.host.self.name) return null
    return { name: r.value.from, meshIP, publicKey: r.value.public_key, rttMs: r.value.rttMs, via }
  }

  private importPeer(p: DiscoveredPeer): void {
    const dir = this.host.directory
    dir.learn({ name: p.name, publicKey: p.publicKey, meshIP: p.meshIP, via: p.via }, { overwrite: true })
    dir.recordOnline(p.name, 0)
    this.maybeVouch(p.name)
  }

  /** A signed `seen` event when the subject has been quiet for 5 min and we did not vouch in 2 min. */
  private maybeVouch(subject: string): void {
    const nowMs = this.host.clock.nowMs()
    const last = this.lastVouchMs.get(subject)
    if (last !== undefined && nowMs - last < VOUCH_COOLDOWN_MS) return
    const cut = this.host.clock.nowNs() - ZINE_WINDOW_NS
    if (this.host.ledger.since(cut).some((e) => e.ts >= cut && e.emitter === subject)) return
    const self = this.host.self
    const seen = signEvent(newSeenEvent({ observer: self.name, subject, via: 'mesh' }, this.host.clock.nowNs()), self.name, self.signer)
    const result = storeEvent(this.host, seen, 'verified')
    this.lastVouchMs.set(subject, nowMs)
    this.host.onMerged?.([{ event: seen, trust: 'verified', result }], 'discovery', subject)
    this.stats.count('discovery.vouched')
  }
}
