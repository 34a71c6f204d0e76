/**
 * A mesh-only nara: ledger + peer book + mesh, no plaza. Used by the mesh tests and the zine
 * bench; the desktop node composes the same Mesh with its own presence instead.
 */
import { randomBytes } from 'node:crypto'
import { systemClock, systemRandom, type Clock, type Random } from '../clock'
import { signerFromSeed } from '../protocol/crypto'
import { newHeyThereEvent, signEvent } from '../protocol/events'
import type { SyncEvent } from '../protocol/types'
import { Ledger } from '../ledger/ledger'
import type { ZineExchangeView } from '../views'
import type { MergedEvent, MeshHost, TransportMode } from './host'
import { Mesh, type MeshConfig } from './mesh'
import { PeerBook } from './peerBook'
import type { HostPort } from './address'

export interface StandaloneOptions {
  name: string
  listen: HostPort
  /** Advertised MeshIP (default: listen host, with ":port" when not 7433). */
  meshIP?: string
  transport?: TransportMode
  seed?: Uint8Array
  clock?: Clock
  random?: Random
  chattiness?: number
  booting?: boolean
  config?: Partial<MeshConfig>
}

export class StandaloneMeshNode {
  readonly ledger = new Ledger({ capacity: 80_000 })
  readonly peers: PeerBook
  readonly mesh: Mesh
  readonly host: MeshHost
  readonly exchanges: ZineExchangeView[] = []
  readonly merged: MergedEvent[] = []

  constructor(readonly opts: StandaloneOptions) {
    const clock = opts.clock ?? systemClock
    const signer = signerFromSeed(opts.seed ?? randomBytes(32))
    this.peers = new PeerBook(clock, opts.name, opts.transport === 'gossip' ? 3600 : 300)
    const meshIP = opts.meshIP ?? (opts.listen.port === 7433 ? opts.listen.host : `${opts.listen.host}:${opts.listen.port}`)
    this.host = {
      self: { name: opts.name, id: '', signer },
      clock,
      random: opts.random ?? systemRandom,
      ledger: this.ledger,
      directory: this.peers,
      meshIP: () => meshIP,
      chattiness: () => opts.chattiness ?? 50,
      isBooting: () => opts.booting ?? false,
      onExchange: (v) => this.exchanges.push(v),
      onMerged: (m) => this.merged.push(...m)
    }
    this.mesh = new Mesh(this.host, { listen: opts.listen, transport: opts.transport ?? 'gossip', ...opts.config })
  }

  get name(): string {
    return this.opts.name
  }

  get signer() {
    return this.host.self.signer
  }

  get meshIP(): string {
    return this.host.meshIP()
  }

  /** Stores our signed hey-there (as the reference does at start in gossip mode). */
  announce(): SyncEvent {
    const e = signEvent(
      newHeyThereEvent({ From: this.name, PublicKey: this.signer.publicKeyBase64, MeshIP: this.meshIP }, this.host.clock.nowNs()),
      this.name,
      this.signer
    )
    this.ledger.add(e)
    return e
  }

  start(): Promise<HostPort> {
    return this.mesh.start()
  }

  stop(finalRound = false): Promise<void> {
    return this.mesh.stop({ finalRound })
  }
}
