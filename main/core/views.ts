/**
 * What the node publishes on its data plane (RFC-0910), and what every view (Svelte UI,
 * tray, notifications, CLI) reads. Pure types and key builders: no Node or Electron imports,
 * so the renderer can share this file.
 *
 * Namespace (key expressions, Zenoh semantics):
 *   nara/local/self                   SelfView
 *   nara/local/neighbours/{name}      NeighbourView
 *   nara/local/newspapers/{name}      NewspaperView      (latest per nara)
 *   nara/local/zines/{peer}           ZineExchangeView   (every exchange; latest per peer via get)
 *   nara/local/events/{svc}           EventView          (every accepted ledger event; refused statements once, flagged `rejected`)
 *   nara/local/stats                  StatsView
 *   nara/local/lifecycle              LifecycleView      (join/leave/quit progress)
 *   nara/local/checkpoints/{subject}  CheckpointView     (every stored checkpoint; history via get)
 *   nara/local/rounds/{subject}       CheckpointRoundView (a consensus round as it happens)
 *   nara/local/journeys/{id}          JourneyView        (world journeys we started or relayed)
 *   nara/local/stash                  StashView          (who holds ours, whose we hold)
 * Names are single key chunks: a name containing '/', '*', '$', '#', '?' or starting with '@'
 * is percent-encoded by `keyChunk` so it can never widen a subscription.
 */

export type PeerStatus = 'ONLINE' | 'OFFLINE' | 'MISSING'
/**
 * How a peer's mesh address was learnt: from its own plaza words (hey_there, newspaper, howdy),
 * from another nara's howdy, from a zine, from our subnet scan, from the local Tailscale
 * client's peer list, or from its /ping answer.
 */
export type MeshFoundVia = 'hey_there' | 'newspaper' | 'howdy' | 'howdy-neighbour' | 'zine' | 'subnet-scan' | 'tailscale' | 'ping' | 'mdns'
export type Trust = 'verified' | 'unsigned' | 'bad-signature' | 'unknown-key'
export type NodeState = 'offline' | 'joining' | 'online' | 'leaving'

export interface PersonalityView {
  Agreeableness: number
  Sociability: number
  Chill: number
}

export interface AuraView {
  primary: string
  secondary: string
}

export interface SelfView {
  name: string
  id: string
  publicKey: string
  bonded: boolean
  personality: PersonalityView
  aura: AuraView
  flair: string
  /** Our barrio's emoji, as our newspaper's LicensePlate. */
  licensePlate: string
  barrio: string
  /** The trend we follow ('' when none). */
  trend: string
  state: NodeState
  transport: 'mqtt' | 'gossip' | 'hybrid'
  broker: string | null
  meshIP: string
  meshListen: string | null
  startedAtMs: number
  neighboursOnline: number
}

export interface NeighbourView {
  name: string
  id: string
  publicKey: string
  status: PeerStatus
  /** Last evidence of life (ms). */
  lastSeenMs: number
  firstSeenMs: number
  /** Start time ("first seen" on the network) in Unix seconds, 0 when unknown. */
  startTime: number
  restarts: number
  /** Seconds up in its current run (since the restart we know of, else our first sighting); 0 unless ONLINE. */
  uptimeSeconds: number
  personality: PersonalityView | null
  flair: string
  aura: AuraView | null
  version: string
  chattiness: number
  buzz: number
  meshIP: string
  /**
   * How we hear about this nara: its own messages on the plaza, direct mesh contact (it answered a
   * ping or exchanged a zine with us), both, or only through other naras' zines and howdys.
   */
  transport: 'plaza' | 'mesh' | 'both' | 'relayed'
  /** Where its mesh IP came from; null while we know none. */
  foundVia: MeshFoundVia | null
  trust: Trust
  lastPingRttMs: number | null
  coordinates: { x: number; y: number; height: number; error: number } | null
  /** Its barrio as we derive it (from its published coordinates, else its monthly vibe); absent outside a node. */
  barrio?: { name: string; emoji: string; method: 'grid' | 'vibe' }
  /** Another key claimed this bound name (trust-model.md): shown as a warning; absent when none did. */
  keyWarning?: string
  /** Restarts and uptime anchored on the newest finalised checkpoint about this nara; null without one. */
  checkpoint: NeighbourCheckpoint | null
}

export interface NeighbourCheckpoint {
  /** Unix s of the newest checkpoint. */
  asOfTime: number
  /** Checkpoint restarts + restarts seen since. */
  restarts: number
  /** Checkpoint uptime + online time since (s). */
  totalUptime: number
  startTime: number
}

export interface NewspaperView {
  from: string
  receivedAtMs: number
  trust: Trust
  /** Top-level Status keys whose value changed since the previous newspaper of this nara. */
  changed: string[]
  status: Record<string, unknown>
}

export type ZineVerdict = 'ok' | 'bad-signature' | 'unauthenticated' | 'error' | 'timeout'

export interface ZineExchangeView {
  peer: string
  /** out: we started the round; in: the peer posted to us. */
  direction: 'out' | 'in'
  atMs: number
  eventsIn: number
  eventsOut: number
  newEvents: number
  knownEvents: number
  badEvents: number
  bytesIn: number
  bytesOut: number
  latencyMs: number
  verdict: ZineVerdict
  reason?: string
}

export interface EventView {
  id: string
  /** Nanoseconds as a decimal string (exceeds 2^53). */
  ts: string
  svc: string
  emitter: string
  trust: Trust
  summary: string
  json: string
  /** Set when the node refused this statement (trust-model.md): why. Refused events are never stored. */
  rejected?: string
}

export interface StatsView {
  ledgerSize: number
  ledgerByService: Record<string, number>
  dropped: Record<string, number>
  plazaConnected: boolean
  meshPeers: number
}

export interface LifecycleView {
  step: 'keychain' | 'connect' | 'hey_there' | 'howdy' | 'online' | 'leaving' | 'left' | 'error'
  message: string
  atMs: number
}

/** A finalised checkpoint as stored in our ledger (events.md §2.7). */
export interface CheckpointView {
  id: string
  subject: string
  subjectId: string
  /** Unix seconds the values hold for. */
  asOfTime: number
  round: number
  restarts: number
  totalUptime: number
  startTime: number
  previousId: string
  voterIds: string[]
  /** True when one of the signatures is ours (we voted for it, or proposed it). */
  signedByUs: boolean
}

export interface CheckpointRoundVote {
  attester: string
  approved: boolean
  atMs: number
}

/** One consensus round (plaza.md §6.2), seen from this node: a proposal and the votes on it. */
export interface CheckpointRoundView {
  subject: string
  asOfTime: number
  round: number
  /** The proposal's values. */
  restarts: number
  totalUptime: number
  startTime: number
  startedAtMs: number
  votes: CheckpointRoundVote[]
  /** Our vote on someone else's round: approved or not; null when we did not vote (and why in `note`). */
  ourVote: boolean | null
  /** True when we are the proposer. */
  mine: boolean
  outcome: 'open' | 'finalised' | 'failed'
  note: string
}

/** A world journey (postcard) we started or passed on. */
export interface JourneyView {
  id: string
  originator: string
  message: string
  role: 'originator' | 'relay'
  /** stuck: no next nara took it from us; timed-out: no journey_complete within 5 min. */
  state: 'travelling' | 'complete' | 'stuck' | 'timed-out'
  hops: { nara: string; timestamp: number; stamp: string }[]
  startedAtMs: number
  updatedAtMs: number
}

/** Our stash and our role as a confidant (never the stash's content). */
export interface StashView {
  hasStash: boolean
  bytes: number
  /** Unix s of our current version. */
  updatedAt: number
  /** The confidant that handed it back after a restart, or null. */
  recoveredFrom: string | null
  /** Confidants holding ours. */
  heldBy: string[]
  /** Stashes we hold for others (sealed: we cannot read them). */
  holding: { owner: string; bytes: number; storedAt: number }[]
  holdingBytes: number
  budgetBytes: number
  ownerLimit: number
}

const UNSAFE_CHUNK = /[/*$#?%]|^@/g

/** Encodes a peer name so it is exactly one literal key-expression chunk. */
export function keyChunk(name: string): string {
  if (name === '') return '%00'
  return name.replace(UNSAFE_CHUNK, (c) => '%' + c.charCodeAt(0).toString(16).padStart(2, '0'))
}

export function chunkName(chunk: string): string {
  if (chunk === '%00') return ''
  return chunk.replace(/%([0-9a-f]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)))
}

export const keys = {
  self: 'nara/local/self',
  stats: 'nara/local/stats',
  lifecycle: 'nara/local/lifecycle',
  neighbour: (name: string) => `nara/local/neighbours/${keyChunk(name)}`,
  neighbours: 'nara/local/neighbours/*',
  newspaper: (name: string) => `nara/local/newspapers/${keyChunk(name)}`,
  newspapers: 'nara/local/newspapers/*',
  zine: (peer: string) => `nara/local/zines/${keyChunk(peer)}`,
  zines: 'nara/local/zines/*',
  event: (svc: string) => `nara/local/events/${keyChunk(svc)}`,
  events: 'nara/local/events/*',
  checkpoint: (subject: string) => `nara/local/checkpoints/${keyChunk(subject)}`,
  checkpoints: 'nara/local/checkpoints/*',
  round: (subject: string) => `nara/local/rounds/${keyChunk(subject)}`,
  rounds: 'nara/local/rounds/*',
  journey: (id: string) => `nara/local/journeys/${keyChunk(id)}`,
  journeys: 'nara/local/journeys/*',
  stash: 'nara/local/stash',
  /** The runtime's join flow (steps with deadlines), published by main/core/runtime. */
  join: 'nara/local/join',
  /** The runtime's phase: first run, running, which network, whether the mesh runs. */
  runtime: 'nara/local/runtime'
} as const
