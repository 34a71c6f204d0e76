/**
 * A self-contained MeshDirectory: names → key, mesh IP and the latest evidence of life.
 * Used by a mesh-only node and by tests; the full node adapts its neighbourhood instead.
 */
import type { Clock } from '../clock'
import { parsePublicKey } from '../protocol/crypto'
import type { LearnedPeer, MeshDirectory } from './host'

interface Entry {
  name: string
  publicKey: Uint8Array | null
  meshIP: string
  online: 'ONLINE' | 'OFFLINE' | ''
  lastSeenS: number
}

export class PeerBook implements MeshDirectory {
  private readonly peers = new Map<string, Entry>()

  constructor(
    private readonly clock: Clock,
    private readonly selfName: string,
    /** Evidence older than this no longer counts as ONLINE (presence.md §5.2: 300 s, 3600 s gossip). */
    private readonly thresholdS = 300
  ) {}

  publicKeyOf(name: string): Uint8Array | null {
    return this.peers.get(name)?.publicKey ?? null
  }

  meshIPOf(name: string): string | null {
    const ip = this.peers.get(name)?.meshIP
    return ip ? ip : null
  }

  isKnown(name: string): boolean {
    return this.peers.has(name)
  }

  isOnline(name: string): boolean {
    const e = this.peers.get(name)
    if (!e || e.online !== 'ONLINE') return false
    return this.clock.nowMs() / 1000 - e.lastSeenS <= this.thresholdS
  }

  onlineMeshPeers(): string[] {
    return [...this.peers.values()].filter((e) => e.meshIP !== '' && this.isOnline(e.name)).map((e) => e.name)
  }

  learn(peer: LearnedPeer, opts: { overwrite?: boolean; direct?: boolean } = {}): void {
    if (peer.name === '' || peer.name === this.selfName) return
    const key = peer.publicKey ? parsePublicKey(peer.publicKey) : null
    const existing = this.peers.get(peer.name)
    if (!existing) {
      this.peers.set(peer.name, { name: peer.name, publicKey: key, meshIP: peer.meshIP, online: '', lastSeenS: 0 })
      return
    }
    if (key && (opts.overwrite || !existing.publicKey)) existing.publicKey = key
    if (peer.meshIP && (opts.overwrite || !existing.meshIP)) existing.meshIP = peer.meshIP
  }

  recordOnline(name: string, tSeconds: number): void {
    if (name === '' || name === this.selfName) return
    const now = this.clock.nowMs() / 1000
    const t = tSeconds > 0 ? tSeconds : now
    const recent = now - t < this.thresholdS
    let e = this.peers.get(name)
    if (!e) {
      if (!recent) return
      e = { name, publicKey: null, meshIP: '', online: '', lastSeenS: 0 }
      this.peers.set(name, e)
    }
    if (recent) e.online = 'ONLINE'
    e.lastSeenS = Math.max(e.lastSeenS, t)
  }

  markOffline(name: string): void {
    const e = this.peers.get(name)
    if (e && e.online === 'ONLINE') e.online = 'OFFLINE'
  }

  names(): string[] {
    return [...this.peers.keys()]
  }
}
