/**
 * The node's neighbourhood seen as a directory of peers: what the mesh needs (keys, mesh
 * IPs, gossip targets) and what bulk intake updates (identities, sightings, chau). One
 * object serves both `NaraNode.ingestEvents` and the mesh merge, so both take one path.
 */
import type { LearnedPeer, MeshDirectory } from '../mesh/host'
import type { PresenceCore } from './core'
import type { BulkDirectory } from './bulkIntake'

export class PeerDirectory implements MeshDirectory, BulkDirectory {
  constructor(
    private readonly core: PresenceCore,
    /** Direct evidence at `tSeconds` (the node's sightings path). */
    private readonly sighted: (name: string, tSeconds: number) => void
  ) {}

  publicKeyOf(name: string): Uint8Array | null {
    return this.core.neighbourhood.keyOf(name)
  }

  boundKeyOf(name: string): Uint8Array | null {
    return this.core.neighbourhood.get(name)?.keyBound ? this.core.neighbourhood.keyOf(name) : null
  }

  meshIPOf(name: string): string | null {
    return this.core.neighbourhood.get(name)?.meshIP || null
  }

  onlineMeshPeers(): string[] {
    return this.core.neighbourhood
      .all()
      .filter((r) => r.meshIP !== '' && r.name !== this.core.identity.name && this.core.peerStatus(r) === 'ONLINE')
      .map((r) => r.name)
  }

  memoryModeOf(name: string): string | undefined {
    return this.core.neighbourhood.get(name)?.status?.memory_mode
  }

  isKnown(name: string): boolean {
    return !!this.core.neighbourhood.get(name)
  }

  isOnline(name: string): boolean {
    const r = this.core.neighbourhood.get(name)
    return !!r && this.core.peerStatus(r) === 'ONLINE'
  }

  /**
   * Fills only empty key / mesh IP (presence.md §2.3); `overwrite` for a fresh /ping answer.
   * Only the peer's own answer (`overwrite` or `direct`) counts as mesh contact: a hey-there
   * relayed inside someone else's zine says nothing about how we reach this peer.
   */
  learn(peer: LearnedPeer, opts?: { overwrite?: boolean; direct?: boolean; bind?: boolean }): void {
    const c = this.core
    if (peer.name === c.identity.name || peer.name === '') return
    if (!c.neighbourhood.admits(peer.name, c.clock.nowMs())) return c.drops.count('mesh_admission_limited', peer.name)
    if (opts?.bind && peer.publicKey) c.neighbourhood.bindKey(peer.name, peer.publicKey, c.clock.nowMs())
    const r = c.neighbourhood.importIdentity(peer.name, { publicKey: peer.publicKey, meshIP: peer.meshIP, via: peer.via ?? 'zine' }, c.clock.nowMs(), opts?.overwrite ? 'overwrite' : 'fill')
    if (opts?.overwrite || opts?.direct) r.viaMesh = true
    c.emitPeer(peer.name)
  }

  recordOnline(name: string, tSeconds: number): void {
    if (name === this.core.identity.name) return
    if (!this.core.neighbourhood.admits(name, this.core.clock.nowMs())) return this.core.drops.count('mesh_admission_limited', name)
    this.sighted(name, tSeconds)
  }

  markOffline(name: string, goneAtMs?: number): void {
    this.core.neighbourhood.markOffline(name, this.core.clock.nowMs(), goneAtMs)
    this.core.emitPeer(name)
  }
}
