/**
 * The reference network's data shapes, field for field (events.md, newspaper.md,
 * presence.md, zines-and-mesh.md). Optional fields are the Go `omitempty` ones; the codecs
 * in this folder are the only code that turns these into bytes and back.
 */

/** Event `svc` strings as the reference spells them (note the hyphen in hey-there). */
export type Service = 'social' | 'ping' | 'observation' | 'hey-there' | 'chau' | 'seen' | 'checkpoint'

export const SERVICES: readonly Service[] = ['social', 'ping', 'observation', 'hey-there', 'chau', 'seen', 'checkpoint']

export type SocialType = 'tease' | 'observed' | 'gossip' | 'observation' | 'service'

export interface SocialPayload {
  type: string
  actor?: string
  actor_id?: string
  target?: string
  target_id?: string
  reason?: string
  witness?: string
}

export interface PingPayload {
  observer?: string
  observer_id?: string
  target?: string
  target_id?: string
  /** Milliseconds (float). */
  rtt: number
}

export type OnlineState = 'ONLINE' | 'OFFLINE' | 'MISSING'
export type ObservationType = 'restart' | 'first-seen' | 'status-change'

export interface ObservationPayload {
  observer?: string
  observer_id?: string
  subject?: string
  subject_id?: string
  type: string
  importance: number
  is_backfill?: boolean
  /** Unix seconds. bigint where the JSON integer may exceed 2^53 is not expected; number is exact here. */
  start_time?: number
  restart_num?: number
  last_restart?: number
  online_state?: string
  cluster_name?: string
  observer_uptime?: number
}

/** Capitalised keys: the Go struct has no JSON tags. All keys always present. */
export interface HeyTherePayload {
  From: string
  PublicKey: string
  MeshIP: string
  ID: string
  Signature: string
}

export interface ChauPayload {
  From: string
  PublicKey: string
  ID: string
  Signature: string
}

export interface SeenPayload {
  observer?: string
  observer_id?: string
  subject?: string
  subject_id?: string
  via: string
}

/** NaraObservation: every key omitempty; times in seconds, RTTs in float ms. */
export interface NaraObservation {
  restarts?: number
  total_uptime?: number
  start_time?: number
  online?: string
  last_seen?: number
  last_restart?: number
  cluster_name?: string
  cluster_emoji?: string
  last_ping_rtt?: number
  avg_ping_rtt?: number
  last_ping_time?: number
}

export interface CheckpointPayload {
  version: number
  subject: string
  subject_id: string
  previous_checkpoint_id?: string
  observation: NaraObservation
  as_of_time: number
  round: number
  voter_ids?: string[]
  signatures?: string[]
}

interface SyncEventBase {
  /** 32 lower-case hex chars, as received (never recomputed on receipt). */
  id: string
  /** Unix nanoseconds; exceeds 2^53, so always a bigint. */
  ts: bigint
  emitter?: string
  emitter_id?: string
  sig?: string
}

/** Exactly one payload, chosen by `svc`: the type makes a missing or mismatched payload unrepresentable. */
export type SyncEvent =
  | (SyncEventBase & { svc: 'social'; social: SocialPayload })
  | (SyncEventBase & { svc: 'ping'; ping: PingPayload })
  | (SyncEventBase & { svc: 'observation'; observation: ObservationPayload })
  | (SyncEventBase & { svc: 'hey-there'; hey_there: HeyTherePayload })
  | (SyncEventBase & { svc: 'chau'; chau: ChauPayload })
  | (SyncEventBase & { svc: 'seen'; seen: SeenPayload })
  | (SyncEventBase & { svc: 'checkpoint'; checkpoint: CheckpointPayload })

export type SyncEventOf<S extends Service> = Extract<SyncEvent, { svc: S }>

export interface Personality {
  Agreeableness: number
  Sociability: number
  Chill: number
}

export interface HostStats {
  Uptime: number
  LoadAvg: number
  MemAllocMB: number
  MemSysMB: number
  MemHeapMB: number
  MemStackMB: number
  NumGoroutines: number
  NumGC: number
  ProcCPUPercent: number
}

export interface Aura {
  primary: string
  secondary: string
}

export interface Coordinates {
  x: number
  y: number
  height: number
  error: number
}

export type TransportMode = 'mqtt' | 'gossip' | 'hybrid'
export type MemoryMode = 'short' | 'medium' | 'hog' | 'custom'

/** NaraStatus in the reference's key order (newspaper.md §2). */
export interface NaraStatus {
  LicensePlate: string
  Flair: string
  HostStats: HostStats
  Chattiness: number
  Buzz: number
  /** `null` in newspapers (slim); the full map in howdy `Me`. */
  Observations: Record<string, NaraObservation> | null
  Trend: string
  TrendEmoji: string
  Personality: Personality
  Aura: Aura
  Version: string
  PublicUrl: string
  PublicKey: string
  ID: string
  MeshEnabled: boolean
  MeshIP: string
  coordinates?: Coordinates
  transport_mode?: string
  event_store_total?: number
  event_store_by_service?: Record<string, number>
  event_store_critical?: number
  memory_mode?: string
  memory_budget_mb?: number
  memory_max_events?: number
  stash_stored?: number
  stash_bytes?: number
  stash_confidants?: number
}

export interface NeighborInfo {
  Name: string
  PublicKey: string
  MeshIP: string
  ID: string
  Observation: NaraObservation
}

export interface HowdyEvent {
  From: string
  To: string
  Seq: number
  You: NaraObservation
  Neighbors: NeighborInfo[] | null
  Me: NaraStatus
  Signature: string
}

export interface Zine {
  from: string
  /** Unix seconds. */
  created_at: number
  events: SyncEvent[]
  signature: string
}

export const NARA_VERSION = '0.2.0'
