/**
 * The mesh, assembled: server + client + gossip rounds + discovery, wired to a host node.
 * Transport modes (zines-and-mesh.md §11): the server always runs; gossip rounds in gossip and
 * hybrid; the discovery loop only in gossip.
 */
import type { SyncEvent } from '../protocol/types'
import type { WorldMessage } from '../protocol/world'
import type { RuntimeMessage } from '../protocol/runtimeMessage'
import { MeshClient, type ClientResult } from './client'
import { DiscoveryService, type DiscoveredPeer, type DiscoveryOptions } from './discovery'
import { GossipService, type GossipOptions } from './gossip'
import { MeshSyncService } from './meshSync'
import type { MeshHost, TransportMode } from './host'
import { MeshServer } from './server'
import { MeshStats } from './stats'
import {
  cidrContains,
  DEFAULT_MESH_PORT,
  DEFAULT_SCAN_CIDR,
  isLoopback,
  parseCidr,
  peerBaseUrl,
  TAILNET_CIDR,
  type HostPort
} from './address'

export interface MeshConfig {
  /** Where the server listens (default 0.0.0.0:7433). */
  listen: HostPort
  transport: TransportMode
  /** The subnet scanned in gossip mode; also trusted for unknown-sender key discovery. */
  scanCidr?: string
  /** Port peers listen on when their MeshIP has none (default 7433). */
  peerPort?: number
  gossip?: GossipOptions
  discovery?: Pick<DiscoveryOptions, 'firstDelayMs' | 'everyMs' | 'timeoutMs' | 'concurrency' | 'tailnet'>
  /** Source address for outgoing requests; default: the listen host when it is a specific address. */
  localAddress?: string
  maxZineBody?: number
  /** Boot recovery and background sync over /events/sync (hybrid and gossip); default on. */
  pull?: { enabled?: boolean; bootDelayMs?: number }
}

export const FINAL_ROUND_TIMEOUT_MS = 3_000

export class Mesh {
  readonly stats = new MeshStats()
  readonly client: MeshClient
  readonly server: MeshServer
  readonly gossip: GossipService
  readonly discovery: DiscoveryService
  readonly pull: MeshSyncService
  private started = false

  constructor(
    readonly host: MeshHost,
    readonly config: MeshConfig
  ) {
    const listenHost = config.listen.host
    const specific = listenHost !== '' && listenHost !== '0.0.0.0' && listenHost !== '::'
    this.client = new MeshClient({
      name: host.self.name,
      signer: host.self.signer,
      clock: host.clock,
      stats: this.stats,
      publicKeyOf: (n) => host.directory.publicKeyOf(n),
      localAddress: config.localAddress ?? (specific ? listenHost : undefined)
    })
    const trusted = [parseCidr(config.scanCidr ?? DEFAULT_SCAN_CIDR), parseCidr(TAILNET_CIDR)].filter((c) => c !== null)
    this.server = new MeshServer({
      host,
      stats: this.stats,
      listen: config.listen,
      maxZineBody: config.maxZineBody,
      // The reference only discovers unknown senders from 100.64.*; we trust our mesh CIDR and loopback.
      allowKeyDiscovery: (addr) => isLoopback(addr) || trusted.some((c) => cidrContains(c, addr)),
      pingForKey: (addr, name) => this.keyFromPing(addr, name)
    })
    this.gossip = new GossipService(host, this.client, this.stats, config.gossip)
    this.discovery = new DiscoveryService(host, this.client, this.stats, {
      cidr: config.scanCidr ?? DEFAULT_SCAN_CIDR,
      port: config.peerPort ?? DEFAULT_MESH_PORT,
      ...config.discovery
    })
    this.pull = new MeshSyncService(host, this.client, this.stats, {
      gossipMode: config.transport === 'gossip',
      bootDelayMs: config.pull?.bootDelayMs,
      memoryModeOf: (n) => host.directory.memoryModeOf?.(n),
      baseUrlOf: (n) => this.baseUrlOf(n)
    })
  }

  private pullOn(): boolean {
    return this.config.transport !== 'mqtt' && this.config.pull?.enabled !== false
  }

  get transport(): TransportMode {
    return this.config.transport
  }

  /** Starts the server, then the loops the transport mode calls for. */
  async start(): Promise<HostPort> {
    const bound = await this.server.start()
    this.started = true
    if (this.config.transport !== 'mqtt') this.gossip.start()
    if (this.config.transport === 'gossip') this.discovery.start()
    if (this.pullOn()) this.pull.start()
    return bound
  }

  /**
   * Stops loops and the server. `finalRound` first runs one last gossip round (bounded), so a
   * chau already in the ledger travels in a zine, as the reference does after its chau.
   */
  async stop(opts: { finalRound?: boolean; timeoutMs?: number } = {}): Promise<void> {
    this.gossip.stop()
    this.discovery.stop()
    this.pull.stop()
    if (opts.finalRound && this.started && this.config.transport !== 'mqtt') {
      await this.gossip.runRound({ force: true, timeoutMs: opts.timeoutMs ?? FINAL_ROUND_TIMEOUT_MS })
    }
    this.started = false
    await this.server.stop()
    this.client.close()
  }

  baseUrlOf(name: string): string | null {
    const ip = this.host.directory.meshIPOf(name)
    return ip ? peerBaseUrl(ip, this.config.peerPort ?? DEFAULT_MESH_PORT) : null
  }

  /** Delivers one signed event straight to `name` (reference DMs: best effort, 15 s). */
  async sendDM(name: string, event: SyncEvent): Promise<ClientResult<{ status: number; success: boolean }>> {
    const url = this.baseUrlOf(name)
    if (!url) return { ok: false, error: { code: 'client_network', reason: `no mesh address for ${name}` } }
    return this.client.sendDM(url, name, event)
  }

  /** Hands a world postcard to `name` (POST /world/relay); true when it answered 200. */
  async relayWorld(name: string, m: WorldMessage): Promise<boolean> {
    const url = this.baseUrlOf(name)
    if (!url) return false
    const r = await this.client.relayWorld(url, name, m)
    return r.ok && r.value.status === 200
  }

  /** A runtime message to `name` (POST /mesh/message); true when it answered 200. */
  async sendMessage(name: string, m: RuntimeMessage): Promise<boolean> {
    const url = this.baseUrlOf(name)
    if (!url) return false
    const r = await this.client.postMessage(url, name, m)
    return r.ok && r.value.status === 200
  }

  scan(): Promise<DiscoveredPeer[]> {
    return this.discovery.scan()
  }

  private async keyFromPing(addr: string, name: string): Promise<Uint8Array | null> {
    const url = peerBaseUrl(addr, this.config.peerPort ?? DEFAULT_MESH_PORT)
    if (!url) return null
    const r = await this.client.ping(url, 2_000)
    if (!r.ok || r.value.from !== name) {
      this.stats.count('auth.discovery_failed')
      return null
    }
    this.host.directory.learn({ name, publicKey: r.value.public_key, meshIP: r.value.mesh_ip || addr, via: 'ping' }, { direct: true })
    this.stats.count('auth.discovered')
    return this.host.directory.publicKeyOf(name)
  }
}
