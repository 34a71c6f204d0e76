/**
 * What the mesh needs from the node around it. The node (NaraNode) implements these with its
 * neighbourhood, presence and ledger; `PeerBook` is a self-contained implementation for a
 * mesh-only node and for tests. Keeping the seam narrow lets the transport stay opinion-free.
 */
import type { Clock, Random } from '../clock'
import type { Signer } from '../protocol/crypto'
import type { SyncEvent } from '../protocol/types'
import type { MeshFoundVia, Trust, ZineExchangeView } from '../views'
import type { Ledger } from '../ledger/ledger'
import type { WorldMessage } from '../protocol/world'
import type { RuntimeMessage } from '../protocol/runtimeMessage'
import type { BatchSignatureChecker } from '../bus/control/verifyPool'

export type TransportMode = 'mqtt' | 'gossip' | 'hybrid'

export interface MeshSelf {
  readonly name: string
  readonly id: string
  readonly signer: Signer
}

/** The subset of the ledger (E's `Ledger`) the mesh reads and writes. */
export type MeshLedger = Pick<Ledger, 'add' | 'has' | 'since' | 'all' | 'query' | 'recent' | 'page' | 'hasNewerHeyThere' | 'mode'>

export interface LearnedPeer {
  name: string
  /** Base64 public key, '' when unknown. */
  publicKey: string
  meshIP: string
  /** Where this address came from (default: a zine). */
  via?: MeshFoundVia
}

/** The node's view of other naras, as far as the mesh is concerned. */
export interface MeshDirectory {
  publicKeyOf(name: string): Uint8Array | null
  /** The key bound to the name by a verified statement (trust-model.md); null when unbound. */
  boundKeyOf?(name: string): Uint8Array | null
  meshIPOf(name: string): string | null
  /** Names whose own observation is ONLINE and that have a mesh IP (gossip targets). */
  onlineMeshPeers(): string[]
  isKnown(name: string): boolean
  /**
   * Imports a peer learned from the mesh. For a known peer only empty key/IP are filled
   * (presence.md §2.3); `overwrite` lets a fresh /ping answer replace a stale mesh IP; `direct`
   * marks the peer's own answer (mesh contact) without replacing anything.
   */
  learn(peer: LearnedPeer, opts?: { overwrite?: boolean; direct?: boolean; bind?: boolean }): void
  /** The peer's memory mode from its newspapers, when known. */
  memoryModeOf?(name: string): string | undefined
  /** Direct evidence of life at `tSeconds` (presence.md §5.1). */
  recordOnline(name: string, tSeconds: number): void
  /** A chau merged from a zine (presence.md §4.3). */
  markOffline(name: string): void
  isOnline(name: string): boolean
}

export interface MergedEvent {
  event: SyncEvent
  trust: Trust
  result: 'added' | 'duplicate' | 'rejected'
}

export function storeEvent(host: MeshHost, event: SyncEvent, trust: Trust): 'added' | 'duplicate' | 'rejected' {
  return host.store ? host.store(event, trust) : host.ledger.add(event)
}

export type MergeSource = 'zine' | 'dm' | 'sync' | 'discovery'

export interface MeshHost {
  readonly self: MeshSelf
  readonly clock: Clock
  readonly random: Random
  readonly ledger: MeshLedger
  readonly directory: MeshDirectory
  /** Our advertised mesh IP ("" when none); may carry ":port" in test mode. */
  meshIP(): string
  /** 0–100; drives the gossip interval. */
  chattiness(): number
  /** True while own uptime < 120 s (presence.md §1). */
  isBooting(): boolean
  /**
   * Stores one event that arrived over the mesh (with its signature verdict); default:
   * `ledger.add`. The full node routes it through its projection and event views.
   */
  store?(event: SyncEvent, trust: Trust): 'added' | 'duplicate' | 'rejected'
  /**
   * Checks batches of event signatures off the main thread (the node's verify workers); absent,
   * every signature is checked inline during the merge.
   */
  readonly verifier?: BatchSignatureChecker
  /** Called after events from the mesh were offered to the ledger (for projections/views). */
  onMerged?(events: readonly MergedEvent[], source: MergeSource, peer: string): void
  /** Called for every zine exchange, both directions. */
  onExchange?(view: ZineExchangeView): void
  /** Go's personality filter (`AddEventFiltered`) for events we pull in the background; default: keep all. */
  keepsInMemory?(event: SyncEvent): boolean
  /** Optional Vivaldi coordinates for GET /coordinates. */
  coordinates?(): { x: number; y: number; height: number; error: number } | null
  /** POST /world/relay: a decoded postcard (world/journeys.ts); absent → 503 as an uninitialised Go nara. */
  worldRelay?(message: WorldMessage): { ok: true } | { ok: false; reason: string }
  /** POST /mesh/message: a decoded runtime message (stash/service.ts); absent → dropped. */
  meshMessage?(message: RuntimeMessage): void
}
