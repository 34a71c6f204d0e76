/**
 * Plugs the mesh into a NaraNode (its `MeshAttachment` seam): the node's neighbourhood is the
 * directory, its ledger/projection/event views store what arrives, and exchanges are reported
 * through `node.emitZine`. On leave, the chau the node just stored rides one last bounded round.
 */
import type { NaraNode, MeshAttachment } from '../node'
import type { SyncEvent, SyncEventOf } from '../protocol/types'
import type { WorldMessage } from '../protocol/world'
import type { RuntimeMessage } from '../protocol/runtimeMessage'
import type { MeshHost, TransportMode } from './host'
import { Mesh, type MeshConfig } from './mesh'
import type { HostPort } from './address'
import { keepInMemory } from '../presence/personalityFilter'
import { VerifyPool, type BatchSignatureChecker } from '../bus/control/verifyPool'

export interface NodeMeshOptions {
  listen: HostPort
  transport: TransportMode
  scanCidr?: string
  /** Bound on the final (farewell) round. */
  farewellTimeoutMs?: number
  config?: Partial<MeshConfig>
}

export function meshHostFor(node: NaraNode, verifier?: BatchSignatureChecker): MeshHost {
  return {
    verifier,
    self: { name: node.identity.name, id: node.identity.id, signer: node.identity.signer! },
    clock: node.clock,
    random: node.random,
    ledger: node.ledger,
    directory: node.directory,
    meshIP: () => node.config.meshIP,
    chattiness: () => node.chattiness,
    isBooting: () => node.booting,
    store: (event, trust) => node.addEvent(event, trust, 'mesh'),
    onExchange: (view) => node.emitZine(view),
    worldRelay: (m) => node.world.receive(m),
    meshMessage: (m) => node.stash.receive(m),
    coordinates: () => node.vivaldiCoordinates,
    keepsInMemory: (e) => keepInMemory(e, node.identity.personality)
  }
}

export class NodeMesh implements MeshAttachment {
  mesh: Mesh | null = null
  private bound: HostPort | null = null
  /** Zines and sync pages are verified on every core; its threads exist only while busy. */
  private verifyPool: VerifyPool | null = null

  constructor(private readonly opts: NodeMeshOptions) {}

  get listen(): string | null {
    const a = this.bound ?? this.opts.listen
    return `${a.host}:${a.port}`
  }

  get serving(): boolean {
    return this.mesh !== null && this.bound !== null
  }

  peerCount(): number {
    return this.mesh?.host.directory.onlineMeshPeers().length ?? 0
  }

  async start(node: NaraNode): Promise<void> {
    if (this.mesh) return
    this.verifyPool = new VerifyPool()
    this.mesh = new Mesh(meshHostFor(node, this.verifyPool), {
      listen: this.opts.listen,
      transport: this.opts.transport,
      scanCidr: this.opts.scanCidr,
      ...this.opts.config
    })
    this.bound = await this.mesh.start()
  }

  /** GET /ping at the peer's mesh address; only an answer from that very peer counts. */
  async ping(name: string, timeoutMs: number): Promise<{ rttMs: number } | null> {
    const mesh = this.mesh
    const url = mesh?.baseUrlOf(name)
    if (!mesh || !url) return null
    const r = await mesh.client.ping(url, timeoutMs)
    return r.ok && r.value.from === name ? { rttMs: r.value.rttMs } : null
  }

  async sendDM(name: string, e: SyncEvent): Promise<boolean> {
    const r = await this.mesh?.sendDM(name, e)
    return !!r && r.ok && r.value.success
  }

  sendMessage(name: string, m: RuntimeMessage): Promise<boolean> {
    return this.mesh ? this.mesh.sendMessage(name, m) : Promise.resolve(false)
  }

  relayWorld(name: string, m: WorldMessage): Promise<boolean> {
    return this.mesh ? this.mesh.relayWorld(name, m) : Promise.resolve(false)
  }

  /** The reference runs a final gossip round right after its chau (bounded). */
  async farewell(chau: SyncEventOf<'chau'>): Promise<void> {
    void chau // already in the ledger: our zine of the last 5 minutes carries it
    const mesh = this.mesh
    if (!mesh || mesh.transport === 'mqtt') return
    mesh.gossip.stop()
    mesh.discovery.stop()
    await mesh.gossip.runRound({ force: true, timeoutMs: this.opts.farewellTimeoutMs ?? 1500 })
  }

  async stop(): Promise<void> {
    const mesh = this.mesh
    const pool = this.verifyPool
    this.mesh = null
    this.verifyPool = null
    if (mesh) await mesh.stop()
    await pool?.close()
  }
}
