/**
 * What the presence modules share: the node's state (identity, ledger, neighbourhood…) and
 * the few node operations they call back into. NaraNode builds one and hands it to each
 * module, so the modules never reach for the node object itself.
 */
import type { Clock, Random } from '../clock'
import type { Logger, NodeConfig } from '../config'
import type { Ledger } from '../ledger/ledger'
import type { DropCounter } from '../plaza/drops'
import type { Identity } from '../protocol/identity'
import type { Signer } from '../protocol/crypto'
import type { Coordinates, SyncEvent } from '../protocol/types'
import type { LifecycleView, PeerStatus, Trust } from '../views'
import type { Buzz } from './cadence'
import type { Neighbourhood, NeighbourRecord } from './neighbourhood'
import type { OnlineProjection, Opinion } from './projection'

export type AddOutcome = 'added' | 'duplicate' | 'rejected'

/** What the plaza did for our join, step by step (the desktop's join flow follows these). */
export type PlazaSignal =
  | { kind: 'connected' }
  | { kind: 'connect-failed'; error: unknown }
  /** The broker sent our own hey_there back: we may publish on the plaza. */
  | { kind: 'hey-there-echoed' }
  /** A howdy addressed to us: somebody heard our hello. */
  | { kind: 'howdy'; from: string }
  /** The broker closed a connection we had (a network drop, a restart, or another client taking our name). */
  | { kind: 'lost' }

/** The plaza as the presence modules see it: a connected flag and QoS-correct publish. */
export interface PlazaPort {
  readonly connected: boolean
  publish(topic: string, payload: string): Promise<boolean>
}

/** A mesh round trip to a peer's GET /ping (whole milliseconds), or null when it failed. */
export type MeshPing = (name: string, timeoutMs: number) => Promise<{ rttMs: number } | null>

export interface PresenceCore {
  readonly identity: Identity
  readonly signer: Signer
  readonly config: NodeConfig
  readonly clock: Clock
  readonly random: Random
  readonly log: Logger
  readonly ledger: Ledger
  readonly projection: OnlineProjection
  readonly neighbourhood: Neighbourhood
  readonly drops: DropCounter
  readonly buzz: Buzz
  readonly startedAtMs: number
  /** Our Vivaldi coordinates (moved in place by maintenance pings; newspapers carry them). */
  readonly coordinates: Coordinates
  isBooting(): boolean
  chattiness(): number
  /** Our mesh IP as advertised: '' unless a mesh serves it. */
  advertisedMeshIP(): string
  /** The plaza transport when one exists (connected or not). */
  plaza(): PlazaPort | null
  /** The mesh's ping, when a mesh that can ping is attached. */
  meshPing(): MeshPing | null
  /** Store + project + publish the EventView. */
  addEvent(e: SyncEvent, trust: Trust): AddOutcome
  /** Go's filtered insert (`AddEventFiltered` + `socialEventIsMeaningful`): the personality may decline. */
  addFilteredEvent(e: SyncEvent, trust: Trust): AddOutcome | 'filtered'
  /** A statement refused by the trust model: counted under `reason` and shown (never stored) as rejected. */
  rejectEvent(e: SyncEvent, trust: Trust, reason: string, detail?: string): void
  /** Content-deduplicated insert for our own first-seen/restart observations (`AddEventWithDedup`). */
  addOwnObservation(e: SyncEvent): AddOutcome
  peerStatus(r: NeighbourRecord): PeerStatus
  /** The ledger's restart / first-seen consensus about a peer (presence.md §6). */
  opinionOf(name: string): Opinion
  emitPeer(name: string): void
  flag(reason: string): void
  lifecycle(step: LifecycleView['step'], message: string): void
  plazaSignal(signal: PlazaSignal): void
  /** A timer that leave/stop/crash cancel. */
  later(ms: number, fn: () => void): void
}
