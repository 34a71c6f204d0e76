/**
 * What this node knows about each peer: its last reported status (merged as Go's
 * `setValuesFrom`), identity (key, ID, mesh IP), our own observation of it (presence.md §1),
 * how we hear about it and how far we trust what it signs.
 */
import type { NaraObservation, NaraStatus } from '../protocol/types'
import { parsePublicKey } from '../protocol/crypto'
import type { Opinion } from './projection'
import type { MeshFoundVia, Trust } from '../views'
import { AdmissionLimiter, SKEW, rememberClaimant } from './trust'

export interface NeighbourRecord {
  name: string
  status: NaraStatus | null
  publicKey: string
  id: string
  meshIP: string
  meshEnabled: boolean
  /** Our own observation (times in seconds). */
  observation: NaraObservation
  trust: Trust
  /** Trust from the newspaper path wins over hey_there/howdy once a newspaper arrived. */
  trustFromNewspaper: boolean
  firstSeenMs: number
  lastSeenMs: number
  /**
   * Local sighting history, never sent to peers (unlike `observation`, which howdys share):
   * when we first had direct evidence of this peer in this process, and when its current run
   * began as we saw it (that first sighting, or the last restart we witnessed). Seconds; 0 = never.
   */
  firstSightingSec: number
  runSinceSec: number
  viaPlaza: boolean
  viaMesh: boolean
  /**
   * True once a statement signed with `publicKey` verified (trust.ts): from then on no other
   * key replaces it, and the record is kept ahead of unbound names when the table is full.
   */
  keyBound: boolean
  /** Other keys that claimed this name after it was bound (newest last, bounded). */
  claimants: string[]
  /** When we saw it go (verified chau or will, ms): only later evidence brings it back. */
  goneAtMs: number
  /** Where the current mesh IP came from ('' while none). */
  meshFoundVia: MeshFoundVia | ''
  /** When its last verified newspaper arrived (ms; 0 = none): it listens, even while no timed evidence shows it alive. */
  lastPaperMs: number
}

export interface IdentityHint {
  publicKey?: string | undefined
  meshIP?: string | undefined
  id?: string | undefined
  /** Where a mesh IP in this hint comes from. */
  via?: MeshFoundVia | undefined
}

/**
 * Peer names are chosen by whoever publishes on the plaza, so the table is bounded: past this
 * many records the least recently touched one is forgotten (a real peer that speaks again is
 * simply learnt again). Far above the size of the public network.
 */
export const MAX_NEIGHBOURS = 4096

/**
 * A bound peer known at least this long is "established": when room must be made among bound
 * names, the newest bound names go before it (a flood binds each invented name to the
 * flooder's own key, so binding alone cannot be what protects a peer).
 */
export const ESTABLISHED_AFTER_MS = 60_000

const isEstablished = (r: NeighbourRecord, nowMs: number): boolean => nowMs - r.firstSeenMs >= ESTABLISHED_AFTER_MS

export class Neighbourhood {
  private readonly records = new Map<string, NeighbourRecord>()
  /**
   * Names in recency order (every `ensure` moves one to the end); `records` keeps first-seen
   * order. Unbound names and names bound to a verified key are kept apart, so room is made
   * among the unbound first: a flood of invented names cannot push out the peers we know.
   */
  private readonly recency = new Set<string>()
  private readonly boundRecency = new Set<string>()
  /**
   * The bound names not yet established when last touched, in the same recency order: where
   * room is made second. Kept apart so that finding the stalest of them does not walk every
   * established peer (at a full table, that walk ran for each new name). A record only ever
   * ages into being established, so names that have are dropped as the walk meets them.
   */
  private readonly youngBoundRecency = new Set<string>()
  private readonly keyCache = new Map<string, { b64: string; key: Buffer | null }>()
  private readonly idIndex = new Map<string, string>()
  private readonly evictListeners: Array<(name: string) => void> = []
  /** Records forgotten to stay within `maxRecords`. */
  evictions = 0
  /** Claims of an ID already bound to another live name (refused). */
  idConflicts = 0
  /** Attempts to replace a bound key (refused; the claimant is remembered on the record). */
  keyConflicts = 0

  constructor(
    private readonly selfName: string,
    private readonly maxRecords = MAX_NEIGHBOURS
  ) {}

  get size(): number {
    return this.records.size
  }

  /** Called with each name forgotten to make room, so per-peer state elsewhere can follow. */
  onEvict(cb: (name: string) => void): void {
    this.evictListeners.push(cb)
  }

  get(name: string): NeighbourRecord | undefined {
    return this.records.get(name)
  }

  all(): NeighbourRecord[] {
    return [...this.records.values()]
  }

  names(): string[] {
    return [...this.records.keys()]
  }

  nameForId(id: string): string | undefined {
    return this.idIndex.get(id)
  }

  ensure(name: string, nowMs: number): NeighbourRecord {
    let r = this.records.get(name)
    const order = r?.keyBound ? this.boundRecency : this.recency
    order.delete(name)
    order.add(name)
    if (r?.keyBound && this.youngBoundRecency.delete(name) && !isEstablished(r, nowMs)) this.youngBoundRecency.add(name)
    if (!r) {
      this.makeRoom(nowMs)
      r = {
        name, status: null, publicKey: '', id: '', meshIP: '', meshEnabled: false, observation: {},
        trust: 'unsigned', trustFromNewspaper: false, firstSeenMs: nowMs, lastSeenMs: 0, firstSightingSec: 0, runSinceSec: 0,
        viaPlaza: false, viaMesh: false, keyBound: false, claimants: [], goneAtMs: 0, meshFoundVia: '', lastPaperMs: 0
      }
      this.records.set(name, r)
    }
    return r
  }

  /** New names once the table is half full (plaza and mesh alike). */
  readonly admission = new AdmissionLimiter()

  /** May `name` take a slot? Known names always; new ones at a limited rate once the table is half full. */
  admits(name: string, nowMs: number): boolean {
    if (this.records.has(name) || this.records.size * 2 < Math.max(1, this.maxRecords)) return true
    return this.admission.tryAdmit(nowMs)
  }

  private makeRoom(nowMs: number): void {
    while (this.records.size >= Math.max(1, this.maxRecords)) {
      const victim = this.oldestIn(this.recency) ?? this.oldestYoungBound(nowMs) ?? this.oldestIn(this.boundRecency)
      if (victim === undefined) return
      this.forget(victim)
    }
  }

  private oldestIn(order: Set<string>): string | undefined {
    for (const name of order) if (name !== this.selfName && this.records.has(name)) return name
    return undefined
  }

  private oldestYoungBound(nowMs: number): string | undefined {
    for (const name of this.youngBoundRecency) {
      const r = this.records.get(name)
      if (!r || isEstablished(r, nowMs)) this.youngBoundRecency.delete(name)
      else if (name !== this.selfName) return name
    }
    return undefined
  }

  /**
   * The statement signed by `keyB64` verified (trust.ts decided it may bind): binds the name
   * when it is unbound. A different key for a bound name is refused and remembered as a claimant.
   */
  bindKey(name: string, keyB64: string, nowMs: number): 'bound' | 'same' | 'conflict' {
    const r = this.ensure(name, nowMs)
    if (r.keyBound) {
      if (r.publicKey === keyB64) return 'same'
      this.noteClaimant(r, keyB64)
      return 'conflict'
    }
    r.publicKey = keyB64
    r.keyBound = true
    this.recency.delete(name)
    this.boundRecency.add(name)
    if (!isEstablished(r, nowMs)) this.youngBoundRecency.add(name)
    return 'bound'
  }

  /** A statement carrying another key for a bound name: counted and kept for the warning. */
  noteClaimant(r: NeighbourRecord, keyB64: string): void {
    this.keyConflicts++
    r.claimants = rememberClaimant(r.claimants, keyB64)
  }

  private forget(name: string): void {
    const r = this.records.get(name)
    this.records.delete(name)
    this.recency.delete(name)
    this.boundRecency.delete(name)
    this.youngBoundRecency.delete(name)
    this.keyCache.delete(name)
    if (r?.id && this.idIndex.get(r.id) === name) this.idIndex.delete(r.id)
    this.evictions++
    for (const cb of this.evictListeners) cb(name)
  }

  /** Parsed public key for a name (cached), or null when unknown/malformed. */
  keyOf(name: string): Buffer | null {
    const r = this.records.get(name)
    if (!r || !r.publicKey) return null
    const cached = this.keyCache.get(name)
    if (cached && cached.b64 === r.publicKey) return cached.key
    const key = parsePublicKey(r.publicKey)
    this.keyCache.set(name, { b64: r.publicKey, key })
    return key
  }

  /** The name bound to a nara ID, or null. */
  nameOfId(id: string): string | null {
    return this.idIndex.get(id) ?? null
  }

  keyOfId(id: string): Buffer | null {
    const name = this.idIndex.get(id)
    return name === undefined ? null : this.keyOf(name)
  }

  /** 'overwrite' (MQTT hey_there, howdy neighbours) or 'fill' (zine hey-there: only empty fields). */
  importIdentity(name: string, hint: IdentityHint, nowMs: number, mode: 'overwrite' | 'fill'): NeighbourRecord {
    const r = this.ensure(name, nowMs)
    const take = (cur: string, next: string | undefined): string =>
      next ? (mode === 'overwrite' || cur === '' ? next : cur) : cur
    // Hearsay (howdy neighbours, zines, pings) may suggest a key for an unbound name only.
    if (r.keyBound && hint.publicKey && hint.publicKey !== r.publicKey) this.noteClaimant(r, hint.publicKey)
    else if (!r.keyBound) r.publicKey = take(r.publicKey, hint.publicKey)
    const mesh = take(r.meshIP, hint.meshIP)
    if (mesh !== r.meshIP) {
      r.meshIP = mesh
      r.meshEnabled = mesh !== ''
      r.meshFoundVia = mesh === '' ? '' : (hint.via ?? r.meshFoundVia)
    }
    this.setId(r, take(r.id, hint.id))
    return r
  }

  /** Go `setValuesFrom` merge rules (newspaper.md §5). */
  mergeStatus(name: string, s: NaraStatus, nowMs: number, via: MeshFoundVia = 'newspaper'): NeighbourRecord {
    const r = this.ensure(name, nowMs)
    const prev = r.status
    const merged: NaraStatus = prev ? { ...prev } : { ...s, Observations: null }
    merged.LicensePlate = s.LicensePlate
    merged.Trend = s.Trend
    merged.TrendEmoji = s.TrendEmoji
    merged.Personality = s.Personality
    merged.Chattiness = s.Chattiness
    merged.Buzz = s.Buzz
    merged.MeshEnabled = s.MeshEnabled
    merged.MeshIP = s.MeshIP
    if (s.Flair) merged.Flair = s.Flair
    if (s.Version) merged.Version = s.Version
    if (s.PublicUrl) merged.PublicUrl = s.PublicUrl
    if (s.PublicKey) merged.PublicKey = s.PublicKey
    if (s.ID) merged.ID = s.ID
    if (s.memory_mode) merged.memory_mode = s.memory_mode
    if (s.transport_mode) merged.transport_mode = s.transport_mode
    if (Object.values(s.HostStats).some((v) => v !== 0)) merged.HostStats = s.HostStats
    if (s.Aura.primary) merged.Aura = s.Aura
    if (s.memory_budget_mb) merged.memory_budget_mb = s.memory_budget_mb
    if (s.memory_max_events) merged.memory_max_events = s.memory_max_events
    if (s.coordinates) merged.coordinates = s.coordinates
    if (s.Observations) merged.Observations = { ...(prev?.Observations ?? {}), ...s.Observations }
    r.status = merged
    if (merged.MeshIP !== r.meshIP) r.meshFoundVia = merged.MeshIP === '' ? '' : via
    r.meshIP = merged.MeshIP
    r.meshEnabled = merged.MeshEnabled
    if (merged.PublicKey && !r.keyBound) r.publicKey = merged.PublicKey
    if (r.keyBound) merged.PublicKey = r.publicKey
    this.setId(r, merged.ID)
    return r
  }

  /**
   * One index entry per record: a peer that changes its ID leaves no stale entry behind.
   * An ID is SHA-256(soul ‖ name), so two live names can never rightly share one: the first
   * name bound to an ID keeps it (trust on first use), and a later claim by another name is
   * refused and counted — otherwise anyone could take over an ID's key for checkpoint votes.
   */
  private setId(r: NeighbourRecord, id: string): void {
    if (!id) return
    const owner = this.idIndex.get(id)
    if (owner !== undefined && owner !== r.name && this.records.has(owner)) {
      this.idConflicts++
      return
    }
    if (r.id !== id && r.id && this.idIndex.get(r.id) === r.name) this.idIndex.delete(r.id)
    r.id = id
    this.idIndex.set(id, r.name)
  }

  /**
   * Direct evidence of life at `tSec` (presence.md §5.1). Returns what Go would note: a first
   * sighting and/or a restart (any non-ONLINE → seen transition). Unknown names are imported
   * only when the evidence is recent or while booting. `opinion` (the ledger's consensus) fills
   * start time, restarts and last restart while our own start time for the peer is unknown.
   */
  recordSeen(
    name: string,
    tSec: number,
    nowMs: number,
    booting: boolean,
    opinion?: () => Opinion,
    /** The evidence's own time in ms when known more finely than `tSec` (event ts). */
    evidenceMs?: number
  ): { firstSeen: boolean; restart: boolean } | null {
    const nowSec = Math.floor(nowMs / 1000)
    const t = tSec > 0 ? tSec : nowSec
    const recent = nowSec - t < 300 && (t - nowSec) * 1000 <= SKEW.event.futureMs
    if (name === this.selfName) return null
    // Stale evidence (a backfilled or relayed event) manufactures no sighting, first-seen or restart.
    if (!recent && !booting) return null
    const known = this.records.get(name)
    // A peer we saw go comes back only on evidence that postdates its going (or its last sign of life).
    if (known && known.observation.online && known.observation.online !== 'ONLINE') {
      const fresh =
        known.observation.online === 'OFFLINE' ? (evidenceMs ?? t * 1000) > known.goneAtMs : t > (known.observation.last_seen ?? 0)
      if (!fresh) return null
    }
    const r = this.ensure(name, nowMs)
    const o = r.observation
    const firstSeen = !o.online && !booting
    if (firstSeen && !o.start_time) o.start_time = t
    // Still unknown (seen first while booting): what the network's observations say, as Go does.
    if (!o.start_time && opinion) {
      const op = opinion()
      if (op.startTime > 0) o.start_time = op.startTime
      if (!o.restarts && op.restarts > 0) o.restarts = op.restarts
      if (!o.last_restart && op.lastRestart > 0) o.last_restart = op.lastRestart
    }
    const restart = !!o.online && o.online !== 'ONLINE'
    if (restart) {
      o.last_restart = t
      o.restarts = (o.restarts ?? 0) + 1
    }
    if (recent) {
      o.online = 'ONLINE'
      // Old evidence (a backfilled event) says nothing about the run the peer is in now.
      if (!r.firstSightingSec) r.firstSightingSec = t
      if (!r.runSinceSec || restart) r.runSinceSec = t
    }
    o.last_seen = Math.max(o.last_seen ?? 0, t)
    r.lastSeenMs = Math.max(r.lastSeenMs, t * 1000)
    return { firstSeen, restart }
  }

  /**
   * An event this peer emitted verified under its key. A peer we never heard on the plaza has no
   * newspaper or hey_there to judge it by, so its verified events are what its trust rests on.
   * Returns true when that changed the record.
   */
  noteVerifiedEvent(name: string): boolean {
    const r = this.records.get(name)
    if (!r || r.viaPlaza || r.trust !== 'unsigned') return false
    r.trust = 'verified'
    return true
  }

  /** `goneAtMs`: when the peer went (its chau's time); evidence up to then cannot bring it back. */
  markOffline(name: string, nowMs: number, goneAtMs = nowMs): NeighbourRecord {
    const r = this.ensure(name, nowMs)
    r.observation.online = 'OFFLINE'
    r.observation.last_seen = Math.floor(nowMs / 1000)
    r.goneAtMs = Math.max(r.goneAtMs, goneAtMs)
    return r
  }

  /** Merge a howdy sender's observation of a neighbour into ours (presence.md §3.4). */
  mergeObservation(name: string, theirs: NaraObservation, nowMs: number): void {
    const o = this.ensure(name, nowMs).observation
    // Hearsay never dates a peer ahead of our clock (trust.ts skew window for howdys).
    const limit = Math.floor((nowMs + SKEW.howdy.futureMs) / 1000)
    if ([theirs.last_seen, theirs.start_time, theirs.last_restart].some((t) => (t ?? 0) > limit)) return
    if (!o.start_time && theirs.start_time) o.start_time = theirs.start_time
    if ((theirs.last_seen ?? 0) > (o.last_seen ?? 0)) o.last_seen = theirs.last_seen
    if ((theirs.restarts ?? 0) > (o.restarts ?? 0)) o.restarts = theirs.restarts
    if ((theirs.last_restart ?? 0) > (o.last_restart ?? 0)) o.last_restart = theirs.last_restart
    if (!o.online && theirs.online) o.online = theirs.online
  }
}
