/**
 * NaraNode: one nara. Composes identity, the RAM ledger and online projection, the plaza
 * transport and the presence behaviours (hey_there, howdy, chau, newspapers), and publishes
 * what it learns as the views in views.ts. The mesh (zines over HTTP) plugs in through
 * `attachMesh`; the data plane bridges the emitted events; the control plane calls the
 * NodeControl methods.
 */
import { EventEmitter } from 'node:events'
import { hostname } from 'node:os'
import { systemClock, systemRandom, type Clock, type Random, type TimerHandle } from './clock'
import type { NodeControl, StatusReply } from './control'
import { silentLogger, type Logger, type NodeConfig } from './config'
import { Ledger } from './ledger/ledger'
import { OnlineProjection, missingThresholdSeconds } from './presence/projection'
import { Neighbourhood, type NeighbourRecord } from './presence/neighbourhood'
import { HowdyCoordinator, selectNeighborsForHowdy, HOWDY_MAX_NEIGHBOURS } from './presence/howdy'
import { Buzz, chattiness as computeChattiness, newspaperIntervalMs } from './presence/cadence'
import { buildSelfStatus, initialCoordinates, readHostStats } from './presence/selfStatus'
import { socialEventIsMeaningful } from './presence/socialFilter'
import { DropCounter } from './plaza/drops'
import { PlazaTransport, type WillMessage } from './plaza/transport'
import { TOPIC, classifyTopic, ledgerResponseTopic, newspaperTopic, subscriptionsFor } from './plaza/topics'
import { parseBrokerUrl } from './plaza/brokerUrl'
import { startEmbeddedPlaza, type EmbeddedPlaza } from './plaza/embeddedBroker'
import { determineIdentity, type Identity } from './protocol/identity'
import { hardwareFingerprint, readHostId, readMacs } from './protocol/hardware'
import { baseFlair } from './protocol/personality'
import { computeAura } from './protocol/aura'
import {
  decodeEvent, encodeEvent, eventSignatureVerdict, isSigned, newChauEvent, newHeyThereEvent,
  newSocialEvent, signEvent, verifyCheckpointEvent
} from './protocol/events'
import { buildNewspaper, decodeNewspaper, verifyNewspaper } from './protocol/newspaper'
import { buildHowdy, decodeHowdy, encodeHowdy, verifyHowdy } from './protocol/howdy'
import { decodeProposal, decodeVote, verifyAttestation, type Attestation } from './protocol/checkpoint'
import { decodeLedgerRequest, decodeLedgerResponse, encodeLedgerResponse, legacyToSocialEvent, socialEventToLegacy } from './protocol/ledgerMessages'
import { parsePublicKey, type Signer } from './protocol/crypto'
import type { Coordinates, HostStats, NaraObservation, NaraStatus, SyncEvent, SyncEventOf } from './protocol/types'
import type {
  EventView, LifecycleView, NeighbourView, NewspaperView, NodeState, PeerStatus, SelfView, StatsView, Trust, ZineExchangeView
} from './views'

export interface NaraNodeEvents {
  peer: [NeighbourView]
  newspaper: [NewspaperView]
  zine: [ZineExchangeView]
  event: [EventView]
  self: [SelfView]
  lifecycle: [LifecycleView]
  stats: [StatsView]
}

/** The seam the mesh (engineer G) plugs into. */
export interface MeshAttachment {
  /** Called once the node runs; the mesh may use every public method of the node. */
  start(node: NaraNode): Promise<void>
  /** Our signed chau, before the plaza disconnects, so a last zine can carry it. */
  farewell?(chau: SyncEventOf<'chau'>): Promise<void>
  stop(): Promise<void>
  /** Listen address for SelfView.meshListen. */
  readonly listen?: string | null
  /** Number of mesh peers for StatsView. */
  peerCount?(): number
}

export interface NaraNodeOptions {
  config: NodeConfig
  /** Resolved identity (tests, desktop shell with a keychain soul); otherwise derived from config + this machine. */
  identity?: Identity
  clock?: Clock
  random?: Random
  log?: Logger
  ledger?: Ledger
  hostStats?: () => HostStats
}

type Via = 'plaza' | 'mesh'

export class NaraNode extends EventEmitter<NaraNodeEvents> implements NodeControl {
  readonly identity: Identity
  readonly config: NodeConfig
  readonly clock: Clock
  readonly random: Random
  readonly log: Logger
  readonly ledger: Ledger
  readonly projection = new OnlineProjection()
  readonly neighbourhood: Neighbourhood
  readonly drops: DropCounter
  private readonly signer: Signer
  private readonly hostStats: () => HostStats
  private readonly howdy: HowdyCoordinator
  private readonly buzz = new Buzz()
  private readonly coordinates: Coordinates
  private readonly startedAtMs: number
  private readonly newspaperViews = new Map<string, NewspaperView>()
  private readonly checkpointMessages: { kind: 'propose' | 'vote'; attestation: Attestation; valid: boolean; atMs: number }[] = []
  private readonly lastPeerStatus = new Map<string, PeerStatus>()
  private readonly flags = new Map<string, number>()

  private transport: PlazaTransport | null = null
  private embedded: EmbeddedPlaza | null = null
  private brokerUrl: string | null = null
  private mesh: MeshAttachment | null = null
  private state: NodeState = 'offline'
  private timers = new Set<TimerHandle>()
  private tickTimer: TimerHandle | null = null
  private newspaperTimer: TimerHandle | null = null
  private lastHeyThereMs = -Infinity
  private connHeyThere: SyncEventOf<'hey-there'> | null = null
  private announcedThisJoin = false
  private ledgerVersion = 0
  private lastBuzzDecayMs: number
  private currentChattiness = 100
  private lastStatsJson = ''
  private startPromise: Promise<void> | null = null
  /** Plaza messages processed (accepted or dropped): a sync point for tests and a stat. */
  plazaMessagesHandled = 0

  constructor(opts: NaraNodeOptions) {
    super()
    this.setMaxListeners(50)
    this.config = opts.config
    this.clock = opts.clock ?? systemClock
    this.random = opts.random ?? systemRandom
    this.log = opts.log ?? silentLogger
    this.identity = opts.identity ?? identityFromConfig(opts.config)
    if (!this.identity.signer || this.identity.soulError) {
      throw new Error(`soul: ${this.identity.soulError?.reason ?? 'cannot derive a signing key'}`)
    }
    this.signer = this.identity.signer
    this.ledger = opts.ledger ?? new Ledger({ hasKnownKey: (n) => n === this.identity.name || !!this.neighbourhood?.get(n)?.publicKey })
    this.ledgerVersion = this.ledger.version
    this.neighbourhood = new Neighbourhood(this.identity.name)
    this.drops = new DropCounter((reason, detail) => this.log.debug(`drop ${reason}${detail ? `: ${detail}` : ''}`))
    this.hostStats = opts.hostStats ?? readHostStats
    this.coordinates = initialCoordinates(() => this.random.float())
    this.startedAtMs = this.clock.nowMs()
    this.lastBuzzDecayMs = this.startedAtMs
    this.howdy = new HowdyCoordinator({
      clock: this.clock,
      random: this.random,
      jitterMs: this.config.timings.howdyJitterMs,
      lifetimeMs: this.config.timings.howdyLifetimeMs,
      respond: (target, seq, mentioned) => void this.sendHowdy(target, seq, mentioned)
    })
  }

  get name(): string {
    return this.identity.name
  }

  get nodeState(): NodeState {
    return this.state
  }

  get plazaConnected(): boolean {
    return this.transport?.connected ?? false
  }

  /** The broker this node speaks to (embedded or remote), without credentials. */
  get broker(): string | null {
    return this.brokerUrl
  }

  get plaza(): PlazaTransport | null {
    return this.transport
  }

  /** Current Chattiness 0..100 (drives the mesh gossip interval). */
  get chattiness(): number {
    return this.currentChattiness
  }

  /** Own uptime under the booting threshold (presence.md §1). */
  get booting(): boolean {
    return this.clock.nowMs() - this.startedAtMs < this.config.timings.bootingMs
  }

  // ---------------------------------------------------------------------------------------
  // Lifecycle

  /** Resolves the plaza (embedded or remote), starts the timers and joins. */
  start(): Promise<void> {
    if (!this.startPromise) this.startPromise = this.doStart()
    return this.startPromise
  }

  private async doStart(): Promise<void> {
    this.scheduleTick()
    if (this.config.transport !== 'gossip') await this.preparePlaza()
    if (this.mesh) await this.mesh.start(this)
    await this.join()
  }

  private async preparePlaza(): Promise<void> {
    const b = this.config.broker
    let url: string
    if (b.kind === 'embedded') {
      this.lifecycle('connect', `starting the embedded plaza on ${b.host}:${b.port}`)
      this.embedded = await startEmbeddedPlaza(b.host, b.port)
      url = this.embedded.url
      this.log.info(this.embedded.owned ? `embedded plaza listening on ${this.embedded.url}` : `joined the plaza already on ${this.embedded.url}`)
    } else {
      url = b.broker.url
    }
    const parsed = parseBrokerUrl(url)
    if (!parsed.ok) throw new Error(parsed.error.reason)
    this.brokerUrl = parsed.value.url
    this.transport = new PlazaTransport({
      broker: parsed.value,
      clientId: this.identity.name,
      username: this.config.mqttUser,
      password: this.config.mqttPass,
      subscriptions: subscriptionsFor(this.identity.name),
      clock: this.clock,
      random: this.random,
      drops: this.drops,
      reconnect: this.config.timings.reconnect,
      maxPayloadBytes: this.config.maxPayloadBytes,
      will: () => this.buildWill(),
      debug: (m) => this.log.debug(m)
    })
    this.transport.on('message', (topic, payload) => this.onPlazaMessage(topic, payload))
    this.transport.on('connect', () => this.onPlazaConnect())
    this.transport.on('disconnect', (reason) => {
      this.lifecycle('connect', `plaza ${reason}; reconnecting`)
      this.emitSelf()
    })
  }

  /** Join the plaza (or, gossip-only, just go online). */
  async join(): Promise<NodeState> {
    if (this.state === 'online' || this.state === 'joining') return this.state
    this.setState('joining')
    this.announcedThisJoin = false
    if (!this.transport) {
      if (this.config.transport === 'gossip') {
        if (!this.config.readOnly) this.addEvent(this.buildHeyThere(this.clock.nowNs()), 'verified', 'mesh')
        this.setState('online')
        this.lifecycle('online', 'online (gossip only)')
        return this.state
      }
      await this.preparePlaza()
    }
    this.lifecycle('connect', `connecting to ${this.brokerUrl ?? 'the plaza'}`)
    const connected = await this.transport!.start()
    if (!connected) this.lifecycle('connect', 'plaza not reachable yet; retrying in the background')
    return this.state
  }

  /** Say chau and go quiet (the node object stays usable; join() again later). */
  async leave(): Promise<NodeState> {
    if (this.state === 'offline') return this.state
    this.setState('leaving')
    this.lifecycle('leaving', 'saying chau')
    this.clearNewspaperTimer()
    for (const t of this.timers) this.clock.clearTimeout(t)
    this.timers.clear()
    this.howdy.stop()
    if (!this.config.readOnly) {
      const chau = signEvent(
        newChauEvent({ From: this.identity.name, PublicKey: this.identity.publicKeyBase64, ID: this.identity.id }, this.clock.nowNs()),
        this.identity.name,
        this.signer
      )
      this.addEvent(chau, 'verified', 'plaza')
      if (this.transport?.connected) await this.transport.publish(TOPIC.chau, encodeEvent(chau))
      if (this.mesh?.farewell) await this.mesh.farewell(chau).catch((e: unknown) => this.log.warn(`mesh farewell: ${String(e)}`))
    }
    // Clean DISCONNECT: the broker discards our last will, so a normal quit says chau once.
    if (this.transport) {
      await this.transport.stop()
      this.transport.removeAllListeners()
      this.transport = null
    }
    this.setState('offline')
    this.lifecycle('left', 'left the plaza')
    return this.state
  }

  /** chau, then release everything, bounded by `budgetMs` (default 2 s). */
  async stop(budgetMs = 2000): Promise<void> {
    const work = (async () => {
      await this.leave().catch((e: unknown) => this.log.warn(`leave: ${String(e)}`))
      if (this.mesh) await this.mesh.stop().catch((e: unknown) => this.log.warn(`mesh stop: ${String(e)}`))
    })()
    let budget: NodeJS.Timeout | undefined
    await Promise.race([work, new Promise<void>((r) => (budget = setTimeout(r, Math.max(0, budgetMs - 200))))])
    clearTimeout(budget)
    if (this.transport) {
      this.transport.abort()
      this.transport = null
    }
    if (this.tickTimer) this.clock.clearTimeout(this.tickTimer)
    this.tickTimer = null
    this.howdy.stop()
    if (this.embedded) {
      await this.embedded.close()
      this.embedded = null
    }
    this.startPromise = null
  }

  /** Test hook: the process "dies" — the socket drops without DISCONNECT, so the broker sends our will. */
  crash(): void {
    this.transport?.abort()
    this.transport = null
    if (this.tickTimer) this.clock.clearTimeout(this.tickTimer)
    this.tickTimer = null
    this.clearNewspaperTimer()
    this.howdy.stop()
    for (const t of this.timers) this.clock.clearTimeout(t)
    this.timers.clear()
    this.state = 'offline'
  }

  attachMesh(mesh: MeshAttachment): void {
    this.mesh = mesh
  }

  // ---------------------------------------------------------------------------------------
  // Outbound presence

  private buildHeyThere(ts: bigint): SyncEventOf<'hey-there'> {
    return signEvent(
      newHeyThereEvent({ From: this.identity.name, PublicKey: this.identity.publicKeyBase64, MeshIP: this.config.meshIP, ID: this.identity.id }, ts),
      this.identity.name,
      this.signer
    )
  }

  /**
   * Built for every connection attempt: the will is a signed chau stamped at connect time, and
   * that connection's first hey_there is stamped 1 ns earlier, so in every projection the will
   * (if the broker ever sends it) is newer than the hello of the session it ends, yet older than
   * the hey_there of any later session.
   */
  private buildWill(): WillMessage | null {
    if (this.config.readOnly) return null
    const t = this.clock.nowNs()
    this.connHeyThere = this.buildHeyThere(t)
    const chau = signEvent(
      newChauEvent({ From: this.identity.name, PublicKey: this.identity.publicKeyBase64, ID: this.identity.id }, t + 1n),
      this.identity.name,
      this.signer
    )
    return { topic: TOPIC.chau, payload: encodeEvent(chau) }
  }

  private onPlazaConnect(): void {
    this.lifecycle('connect', `connected to ${this.brokerUrl}`)
    this.emitSelf()
    const first = !this.announcedThisJoin
    this.announcedThisJoin = true
    this.later(this.random.intn(Math.max(1, this.config.timings.heyThereJitterMs)), () => {
      // Newspaper first on join, so Go peers index our ID (zines-and-mesh.md §2).
      if (first) this.publishNewspaper()
      this.sendHeyThere(this.connHeyThere)
      this.connHeyThere = null
      if (first) this.scheduleNewspaper()
      if (this.state === 'joining') {
        this.setState('online')
        this.lifecycle('online', 'online on the plaza')
      }
    })
  }

  /** Rate-limited as Go (skip when the last one is ≤ 5 s old). */
  sendHeyThere(prebuilt: SyncEventOf<'hey-there'> | null = null): boolean {
    if (this.config.readOnly || !this.transport?.connected) return false
    const now = this.clock.nowMs()
    if (now - this.lastHeyThereMs <= this.config.timings.heyThereMinIntervalMs) return false
    this.lastHeyThereMs = now
    const e = prebuilt ?? this.buildHeyThere(this.clock.nowNs())
    this.addEvent(e, 'verified', 'plaza')
    this.buzz.bump(2)
    void this.transport.publish(TOPIC.heyThere, encodeEvent(e))
    this.lifecycle('hey_there', 'said hey_there')
    return true
  }

  private ownStatus(full: boolean): NaraStatus {
    const byService = this.ledger.countsByService()
    const observations: Record<string, NaraObservation> | null = full
      ? Object.fromEntries(this.neighbourhood.all().map((r) => [r.name, { ...r.observation }]))
      : null
    const uptimeS = Math.floor((this.clock.nowMs() - this.startedAtMs) / 1000)
    return buildSelfStatus({
      flair: baseFlair(this.identity.name, this.identity.soulText, this.identity.bonded, this.identity.personality),
      hostStats: this.hostStats(),
      chattiness: this.currentChattiness,
      buzz: this.weightedBuzz(),
      personality: this.identity.personality,
      aura: computeAura(this.identity.soulText, this.identity.name, this.identity.personality, BigInt(uptimeS)),
      publicKey: this.identity.publicKeyBase64,
      id: this.identity.id,
      meshIP: this.config.meshIP,
      coordinates: this.coordinates,
      transportMode: this.config.transport,
      ledger: { total: this.ledger.size, byService, critical: this.ledger.criticalCount(), mode: this.ledger.mode, maxEvents: this.ledger.capacity },
      observations
    })
  }

  publishNewspaper(): boolean {
    if (this.config.readOnly || !this.transport?.connected) return false
    const paper = buildNewspaper(this.identity.name, this.ownStatus(false), this.signer)
    void this.transport.publish(newspaperTopic(this.identity.name), paper.payload)
    return true
  }

  private scheduleNewspaper(): void {
    this.clearNewspaperTimer()
    const wait = newspaperIntervalMs(this.currentChattiness)
    this.newspaperTimer = this.clock.setTimeout(() => {
      this.newspaperTimer = null
      if (this.state !== 'online' && this.state !== 'joining') return
      this.publishNewspaper()
      this.scheduleNewspaper()
    }, wait)
  }

  private clearNewspaperTimer(): void {
    if (this.newspaperTimer) this.clock.clearTimeout(this.newspaperTimer)
    this.newspaperTimer = null
  }

  private sendHowdy(target: string, seq: number, mentioned: ReadonlySet<string>): void {
    if (this.config.readOnly || !this.transport?.connected) return
    const neighbours = selectNeighborsForHowdy(this.neighbourhood.all(), this.identity.name, target, mentioned, HOWDY_MAX_NEIGHBOURS)
    const h = buildHowdy(
      {
        from: this.identity.name,
        to: target,
        seq,
        you: { ...(this.neighbourhood.get(target)?.observation ?? {}) },
        neighbors: neighbours.length ? neighbours : null,
        me: this.ownStatus(true)
      },
      this.signer
    )
    void this.transport.publish(TOPIC.howdy, encodeHowdy(h))
  }

  // ---------------------------------------------------------------------------------------
  // Inbound plaza

  /** Entry point for plaza bytes: the transport calls it; in-process carriers and benches may too. */
  receive(topic: string, payload: Buffer): void {
    if (payload.length > this.config.maxPayloadBytes) return this.drops.count('too_large', `${topic}: ${payload.length} bytes`)
    this.onPlazaMessage(topic, payload)
  }

  private onPlazaMessage(topic: string, payload: Buffer): void {
    try {
      this.dispatch(topic, payload)
    } catch (e) {
      this.drops.count('handler_error', `${topic}: ${e instanceof Error ? e.message : String(e)}`)
    }
    this.plazaMessagesHandled++
  }

  private dispatch(topic: string, payload: Buffer): void {
    const t = classifyTopic(topic)
    switch (t.kind) {
      case 'hey_there':
        return this.onHeyThere(payload)
      case 'chau':
        return this.onChau(payload)
      case 'howdy':
        return this.onHowdy(payload)
      case 'newspaper':
        return this.onNewspaper(t.name, payload)
      case 'social':
        return this.onSocial(payload)
      case 'ledger_request':
        return this.onLedgerRequest(payload)
      case 'ledger_response':
        return this.onLedgerResponse(payload)
      case 'checkpoint_propose':
      case 'checkpoint_vote':
        return this.onCheckpointMessage(t.kind === 'checkpoint_propose' ? 'propose' : 'vote', payload)
      case 'checkpoint_final':
        return this.onCheckpointFinal(payload)
      case 'journey_complete':
      case 'stash_refresh':
        this.flag(`ignored_${t.kind}`)
        return
      default:
        this.drops.count('unknown_topic', topic)
    }
  }

  private decodeSyncEvent<S extends SyncEvent['svc']>(payload: Buffer, svc: S, topic: string): SyncEventOf<S> | null {
    const d = decodeEvent(payload, { maxBytes: this.config.maxPayloadBytes })
    if (!d.ok) {
      this.drops.count(`${topic}_${d.error.code}`, d.error.reason)
      return null
    }
    if (d.value.svc !== svc) {
      this.drops.count(`${topic}_wrong_svc`, d.value.svc)
      return null
    }
    return d.value as SyncEventOf<S>
  }

  private onHeyThere(payload: Buffer): void {
    const e = this.decodeSyncEvent(payload, 'hey-there', 'hey_there')
    if (!e) return
    const p = e.hey_there
    if (!p.From) return this.drops.count('hey_there_no_from')
    if (p.From === this.identity.name) return
    let trust: Trust = 'unsigned'
    if (isSigned(e) && p.PublicKey) {
      const key = parsePublicKey(p.PublicKey)
      if (!key) return this.drops.count('hey_there_bad_public_key', p.From)
      const v = eventSignatureVerdict(e, key)
      if (!v.valid) return this.drops.count('hey_there_bad_signature', `${p.From}: ${v.reason}`)
      trust = 'verified'
    } else if (isSigned(e)) {
      trust = 'unknown-key'
    }
    const now = this.clock.nowMs()
    this.neighbourhood.recordSeen(p.From, Number(e.ts / 1_000_000_000n), now, this.booting)
    const r = this.neighbourhood.get(p.From)
    if (r) {
      // Go overwrites the key (a change is only logged); we only take an unauthenticated key when we have none.
      if (trust === 'verified' || !r.publicKey) {
        this.neighbourhood.importIdentity(p.From, { publicKey: p.PublicKey, meshIP: p.MeshIP, id: p.ID }, now, 'overwrite')
      }
      r.viaPlaza = true
      if (!r.trustFromNewspaper) r.trust = trust
    }
    this.addEvent(e, trust, 'plaza')
    this.buzz.bump(1)
    if (!this.config.readOnly) this.howdy.onHeyThere(p.From)
    this.emitPeer(p.From)
  }

  private onChau(payload: Buffer): void {
    const e = this.decodeSyncEvent(payload, 'chau', 'chau')
    if (!e) return
    const p = e.chau
    if (!p.From) return this.drops.count('chau_no_from')
    if (p.From === this.identity.name) return
    let trust: Trust = 'unsigned'
    if (isSigned(e)) {
      let key: Buffer | null
      if (p.PublicKey) {
        key = parsePublicKey(p.PublicKey)
        if (!key) return this.drops.count('chau_bad_public_key', p.From)
      } else {
        key = this.neighbourhood.keyOf(p.From)
      }
      if (key) {
        const v = eventSignatureVerdict(e, key)
        if (!v.valid) return this.drops.count('chau_bad_signature', `${p.From}: ${v.reason}`)
        trust = 'verified'
      } else {
        trust = 'unknown-key'
      }
    }
    const now = this.clock.nowMs()
    const known = this.neighbourhood.get(p.From)
    const wasOnline = known ? this.peerStatus(known) === 'ONLINE' : false
    if (known && trust === 'verified') {
      this.neighbourhood.importIdentity(p.From, { publicKey: p.PublicKey, id: p.ID }, now, 'overwrite')
    }
    this.addEvent(e, trust, 'plaza')
    this.neighbourhood.markOffline(p.From, now)
    this.buzz.bump(2)
    if (wasOnline && !this.booting && !this.config.readOnly) {
      const obs = signEvent(
        newSocialEvent({ type: 'observation', actor: this.identity.name, target: p.From, reason: 'offline' }, this.clock.nowNs()),
        this.identity.name,
        this.signer
      )
      this.addEvent(obs, 'verified', 'plaza')
    }
    this.emitPeer(p.From)
  }

  private onHowdy(payload: Buffer): void {
    const d = decodeHowdy(payload)
    if (!d.ok) return this.drops.count(`howdy_${d.error.code}`, d.error.reason)
    const h = d.value
    if (!h.From || h.From === this.identity.name) return
    // Coordination counts every howdy, before its signature is checked (as Go).
    this.howdy.onHowdySeen(h.To, h.From, (h.Neighbors ?? []).map((n) => n.Name))
    const v = verifyHowdy(h)
    if (!v.valid) return this.drops.count('howdy_bad_signature', `${h.From}: ${v.reason}`)
    const now = this.clock.nowMs()
    const r = this.neighbourhood.mergeStatus(h.From, { ...h.Me, Observations: null }, now)
    this.neighbourhood.recordSeen(h.From, 0, now, this.booting)
    r.viaPlaza = true
    if (!r.trustFromNewspaper) r.trust = 'verified'
    this.buzz.bump(1)
    if (h.To === this.identity.name) {
      this.lifecycle('howdy', `howdy from ${h.From}`)
      for (const n of h.Neighbors ?? []) {
        if (!n.Name || n.Name === this.identity.name) continue
        const existing = this.neighbourhood.get(n.Name)
        this.neighbourhood.importIdentity(n.Name, { publicKey: n.PublicKey, meshIP: n.MeshIP, id: n.ID }, now, existing?.publicKey ? 'fill' : 'overwrite')
        this.neighbourhood.mergeObservation(n.Name, n.Observation, now)
        this.emitPeer(n.Name)
      }
    }
    this.emitPeer(h.From)
  }

  private onNewspaper(name: string, payload: Buffer): void {
    if (name === this.identity.name) return
    const d = decodeNewspaper(payload, { maxBytes: this.config.maxPayloadBytes })
    if (!d.ok) return this.drops.count(`newspaper_${d.error.code}`, `${name}: ${d.error.reason}`)
    const paper = d.value
    if (paper.status.PublicKey && !parsePublicKey(paper.status.PublicKey)) return this.drops.count('newspaper_bad_public_key', name)
    if (paper.from && paper.from !== name) this.flag('newspaper_from_mismatch')
    const known = this.neighbourhood.get(name)
    const verdict = verifyNewspaper(paper, this.neighbourhood.keyOf(name))
    const trust: Trust = verdict.valid ? 'verified' : verdict.reason === 'unsigned' ? 'unsigned' : verdict.reason === 'no public key' ? 'unknown-key' : 'bad-signature'
    if (!verdict.valid) this.flag(`newspaper_${trust}`)
    const now = this.clock.nowMs()
    const keep = known && trust !== 'verified' && known.publicKey ? { key: known.publicKey, id: known.id } : null
    const r = this.neighbourhood.mergeStatus(name, paper.status, now)
    if (keep) {
      // Our policy: an unverified newspaper never rebinds a name to a different key.
      r.publicKey = keep.key
      if (keep.id) r.id = keep.id
    }
    r.trust = trust
    r.trustFromNewspaper = true
    r.viaPlaza = true
    this.neighbourhood.recordSeen(name, 0, now, this.booting)
    if (!known && this.currentChattiness > 0) this.sendHeyThere() // "whodis"
    const statusObj = JSON.parse(paper.statusRaw.toString('utf8')) as Record<string, unknown>
    const prevView = this.newspaperViews.get(name)
    const changed = prevView ? Object.keys(statusObj).filter((k) => JSON.stringify(statusObj[k]) !== JSON.stringify(prevView.status[k])) : Object.keys(statusObj)
    const view: NewspaperView = { from: name, receivedAtMs: now, trust, changed, status: statusObj }
    this.newspaperViews.set(name, view)
    this.emit('newspaper', view)
    this.emitPeer(name)
  }

  private onSocial(payload: Buffer): void {
    const e = this.decodeSyncEvent(payload, 'social', 'social')
    if (!e) return
    if (e.social.actor === this.identity.name) return
    let trust: Trust = 'unsigned'
    if (isSigned(e)) {
      const key = this.neighbourhood.keyOf(e.emitter ?? '')
      if (key) {
        const v = eventSignatureVerdict(e, key)
        if (!v.valid) return this.drops.count('social_bad_signature', `${e.emitter}: ${v.reason}`)
        trust = 'verified'
      } else {
        trust = 'unknown-key'
      }
    }
    if (!socialEventIsMeaningful(e.social, this.identity.personality)) return this.flag('social_filtered_by_personality')
    this.addEvent(e, trust, 'plaza')
  }

  private onLedgerRequest(payload: Buffer): void {
    const d = decodeLedgerRequest(payload)
    if (!d.ok) return this.drops.count(`ledger_request_${d.error.code}`, d.error.reason)
    const from = d.value.From
    if (!from || from === this.identity.name) return
    if (this.config.readOnly || !this.transport?.connected) return
    const subjects = d.value.Subjects ?? []
    const events = this.ledger
      .query({ services: ['social'], subjects })
      .filter((e): e is SyncEventOf<'social'> => e.svc === 'social')
      .map(socialEventToLegacy)
    void this.transport.publish(ledgerResponseTopic(from), encodeLedgerResponse({ From: this.identity.name, Events: events.length ? events : null }))
  }

  private onLedgerResponse(payload: Buffer): void {
    const d = decodeLedgerResponse(payload)
    if (!d.ok) return this.drops.count(`ledger_response_${d.error.code}`, d.error.reason)
    for (const legacy of d.value.Events ?? []) {
      const e = legacyToSocialEvent(legacy)
      if (!socialEventIsMeaningful(e.social, this.identity.personality)) continue
      this.addEvent(e, 'unsigned', 'plaza')
    }
  }

  private onCheckpointMessage(kind: 'propose' | 'vote', payload: Buffer): void {
    const d = kind === 'propose' ? decodeProposal(payload) : decodeVote(payload)
    if (!d.ok) return this.drops.count(`checkpoint_${kind}_${d.error.code}`, d.error.reason)
    const a = d.value
    const key = this.neighbourhood.keyOfId(a.attester_id)
    const valid = !!key && verifyAttestation(a, key)
    if (key && !valid) return this.drops.count(`checkpoint_${kind}_bad_signature`, a.attester)
    this.checkpointMessages.push({ kind, attestation: a, valid, atMs: this.clock.nowMs() })
    if (this.checkpointMessages.length > 100) this.checkpointMessages.shift()
  }

  private onCheckpointFinal(payload: Buffer): void {
    const e = this.decodeSyncEvent(payload, 'checkpoint', 'checkpoint_final')
    if (!e) return
    if (e.checkpoint.subject === this.identity.name) return
    if ((e.checkpoint.signatures ?? []).length < 5) return this.drops.count('checkpoint_final_too_few_signatures', e.checkpoint.subject)
    const v = verifyCheckpointEvent(e, (id) => this.neighbourhood.keyOfId(id) ?? (id === this.identity.id ? this.signer.publicKey : null))
    if (!v.valid) return this.drops.count('checkpoint_final_unverified', `${e.checkpoint.subject}: ${v.validCount} of ${v.total} verify`)
    this.addEvent(e, 'verified', 'plaza')
  }

  /** Recent checkpoint proposals/votes seen on the plaza (for display). */
  checkpointActivity(): readonly { kind: 'propose' | 'vote'; attestation: Attestation; valid: boolean; atMs: number }[] {
    return this.checkpointMessages
  }

  // ---------------------------------------------------------------------------------------
  // Shared with the mesh (G)

  /**
   * Adds one event to the ledger, folds it into the projection and publishes its EventView.
   * Returns the ledger outcome.
   */
  addEvent(e: SyncEvent, trust: Trust, via: Via = 'plaza'): 'added' | 'duplicate' | 'rejected' {
    const res = this.ledger.addWithResult(e)
    if (res.outcome === 'rejected') {
      this.drops.count(`ledger_${res.reason}`, res.detail)
      return 'rejected'
    }
    if (res.outcome === 'duplicate') return 'duplicate'
    if (this.ledger.version !== this.ledgerVersion) {
      this.ledgerVersion = this.ledger.version
      this.projection.replay(this.ledger.all())
    } else {
      this.projection.apply(e)
    }
    void via
    this.emit('event', eventView(e, trust))
    return 'added'
  }

  /**
   * Events that arrived inside zines or sync responses: stored whatever their signature (Go),
   * with the identity import and chau rules of presence.md §2.3 and §4.3.
   */
  ingestEvents(events: readonly { event: SyncEvent; trust: Trust }[], from = ''): { added: number; duplicate: number; rejected: number } {
    const counts = { added: 0, duplicate: 0, rejected: 0 }
    const now = this.clock.nowMs()
    for (const { event: e, trust } of events) {
      counts[this.addEvent(e, trust, 'mesh')]++
      if (e.svc === 'hey-there' && e.hey_there.From && e.hey_there.From !== this.identity.name && trust !== 'bad-signature') {
        const r = this.neighbourhood.importIdentity(e.hey_there.From, { publicKey: e.hey_there.PublicKey, meshIP: e.hey_there.MeshIP }, now, 'fill')
        r.viaMesh = true
        this.emitPeer(r.name)
      } else if (e.svc === 'chau' && e.chau.From && e.chau.From !== this.identity.name) {
        // Ignored while booting; skipped when a newer hey_there from the same nara is stored.
        if (this.booting || trust === 'bad-signature' || trust === 'unknown-key') continue
        if (this.ledger.hasNewerHeyThere(e.chau.From, e.ts)) continue
        const r = this.neighbourhood.get(e.chau.From)
        if (r && r.observation.online === 'ONLINE') {
          this.neighbourhood.markOffline(e.chau.From, now)
          this.emitPeer(e.chau.From)
        }
      }
    }
    void from
    return counts
  }

  /** Direct evidence over the mesh (zine exchange, ping): the peer is alive at `tSec`. */
  recordMeshSighting(name: string, tSec = 0): void {
    this.neighbourhood.recordSeen(name, tSec, this.clock.nowMs(), this.booting)
    const r = this.neighbourhood.get(name)
    if (r) {
      r.viaMesh = true
      this.emitPeer(name)
    }
  }

  /** The mesh reports each zine exchange through the node so every view has one source. */
  emitZine(view: ZineExchangeView): void {
    this.emit('zine', view)
  }

  // ---------------------------------------------------------------------------------------
  // Status derivation and views

  private thresholdFor(r: NeighbourRecord): number {
    return missingThresholdSeconds(r.status?.transport_mode, this.config.transport)
  }

  /**
   * Most recent evidence wins, between the event projection (ledger) and our own direct
   * observations (newspapers, howdys, an MQTT chau received now). ONLINE decays to MISSING.
   */
  peerStatus(r: NeighbourRecord): PeerStatus {
    const nowNs = this.clock.nowNs()
    const threshold = this.thresholdFor(r)
    const projected = this.projection.stateOf(r.name)
    const obsAtNs = BigInt(r.observation.last_seen ?? 0) * 1_000_000_000n
    const obs = r.observation.online
    if (projected && (projected.lastEventTs >= obsAtNs || !obs)) {
      return this.projection.statusOf(r.name, nowNs, threshold) ?? 'MISSING'
    }
    if (obs === 'OFFLINE') return 'OFFLINE'
    if (obs === 'ONLINE' && nowNs - obsAtNs <= BigInt(threshold) * 1_000_000_000n) return 'ONLINE'
    return 'MISSING'
  }

  neighbourView(r: NeighbourRecord): NeighbourView {
    const s = r.status
    const o = r.observation
    const lastSeenMs = Math.max(r.lastSeenMs, (o.last_seen ?? 0) * 1000, Number((this.projection.lastEventTs(r.name) ?? 0n) / 1_000_000n))
    return {
      name: r.name,
      id: r.id,
      publicKey: r.publicKey,
      status: this.peerStatus(r),
      lastSeenMs,
      firstSeenMs: r.firstSeenMs,
      startTime: o.start_time ?? 0,
      restarts: o.restarts ?? 0,
      uptimeSeconds: o.last_restart ? Math.max(0, (o.last_seen ?? 0) - o.last_restart) : o.start_time ? Math.max(0, (o.last_seen ?? 0) - o.start_time) : 0,
      personality: s ? { ...s.Personality } : null,
      flair: s?.Flair ?? '',
      aura: s && s.Aura.primary ? { ...s.Aura } : null,
      version: s?.Version ?? '',
      chattiness: s?.Chattiness ?? 0,
      buzz: s?.Buzz ?? 0,
      meshIP: r.meshIP,
      transport: r.viaPlaza && r.viaMesh ? 'both' : r.viaMesh ? 'mesh' : 'plaza',
      trust: r.trust,
      lastPingRttMs: o.last_ping_rtt ?? null,
      coordinates: s?.coordinates ? { ...s.coordinates } : null
    }
  }

  neighbours(): NeighbourView[] {
    return this.neighbourhood.all().filter((r) => r.name !== this.identity.name).map((r) => this.neighbourView(r))
  }

  neighbour(name: string): NeighbourView | null {
    const r = this.neighbourhood.get(name)
    return r ? this.neighbourView(r) : null
  }

  newspapers(): NewspaperView[] {
    return [...this.newspaperViews.values()]
  }

  selfView(): SelfView {
    return {
      name: this.identity.name,
      id: this.identity.id,
      publicKey: this.identity.publicKeyBase64,
      bonded: this.identity.bonded,
      personality: { ...this.identity.personality },
      aura: computeAura(this.identity.soulText, this.identity.name, this.identity.personality, BigInt(Math.floor((this.clock.nowMs() - this.startedAtMs) / 1000))),
      flair: baseFlair(this.identity.name, this.identity.soulText, this.identity.bonded, this.identity.personality),
      state: this.state,
      transport: this.config.transport,
      broker: this.brokerUrl,
      meshIP: this.config.meshIP,
      meshListen: this.mesh?.listen ?? null,
      startedAtMs: this.startedAtMs,
      neighboursOnline: this.neighbours().filter((n) => n.status === 'ONLINE').length
    }
  }

  stats(): StatsView {
    const dropped = this.drops.snapshot()
    for (const [k, v] of this.flags) dropped[`flag:${k}`] = v
    return {
      ledgerSize: this.ledger.size,
      ledgerByService: this.ledger.countsByService(),
      dropped,
      plazaConnected: this.plazaConnected,
      meshPeers: this.mesh?.peerCount?.() ?? 0
    }
  }

  // NodeControl
  status(): StatusReply {
    return { ...this.selfView(), ledgerSize: this.ledger.size, plazaConnected: this.plazaConnected, uptimeMs: this.clock.nowMs() - this.startedAtMs }
  }

  peers(): NeighbourView[] {
    return this.neighbours()
  }

  // ---------------------------------------------------------------------------------------
  // Internals

  private emitPeer(name: string): void {
    if (name === this.identity.name) return
    const r = this.neighbourhood.get(name)
    if (!r) return
    const view = this.neighbourView(r)
    this.lastPeerStatus.set(name, view.status)
    this.emit('peer', view)
  }

  private weightedBuzz(): number {
    const online: number[] = []
    for (const r of this.neighbourhood.all()) if (r.status && r.observation.online === 'ONLINE') online.push(r.status.Buzz)
    return this.buzz.weighted(online)
  }

  /** The 1 s reconciliation: status decay (MISSING), buzz decay, chattiness, stats. */
  private scheduleTick(): void {
    this.tickTimer = this.clock.setTimeout(() => {
      this.tickTimer = null
      try {
        this.tick()
      } catch (e) {
        this.log.warn(`tick: ${String(e)}`)
      }
      this.scheduleTick()
    }, this.config.timings.tickMs)
  }

  private tick(): void {
    const now = this.clock.nowMs()
    while (now - this.lastBuzzDecayMs >= 10_000) {
      this.buzz.decay()
      this.lastBuzzDecayMs += 10_000
    }
    this.currentChattiness = computeChattiness({
      booting: this.booting,
      forced: this.config.forceChattiness,
      weightedBuzz: this.weightedBuzz(),
      load: this.hostStats().LoadAvg
    })
    for (const r of this.neighbourhood.all()) {
      if (r.name === this.identity.name) continue
      const s = this.peerStatus(r)
      if (this.lastPeerStatus.get(r.name) !== s) {
        if (s === 'MISSING' && r.observation.online === 'ONLINE') r.observation.online = 'MISSING'
        this.emitPeer(r.name)
      }
    }
    const stats = this.stats()
    const json = JSON.stringify(stats)
    if (json !== this.lastStatsJson) {
      this.lastStatsJson = json
      this.emit('stats', stats)
    }
  }

  private later(ms: number, fn: () => void): void {
    const h = this.clock.setTimeout(() => {
      this.timers.delete(h)
      fn()
    }, ms)
    this.timers.add(h)
  }

  private flag(reason: string): void {
    this.flags.set(reason, (this.flags.get(reason) ?? 0) + 1)
    this.log.debug(`flag ${reason}`)
  }

  private setState(s: NodeState): void {
    if (this.state === s) return
    this.state = s
    this.emitSelf()
  }

  private emitSelf(): void {
    this.emit('self', this.selfView())
  }

  private lifecycle(step: LifecycleView['step'], message: string): void {
    this.log.debug(`${step}: ${message}`)
    this.emit('lifecycle', { step, message, atMs: this.clock.nowMs() })
  }
}

function identityFromConfig(config: NodeConfig): Identity {
  let fingerprint: Uint8Array
  try {
    fingerprint = hardwareFingerprint(readHostId(), readMacs())
  } catch {
    fingerprint = hardwareFingerprint(hostname(), [])
  }
  return determineIdentity({ nameArg: config.name, soulArg: config.soul, hostname: hostname().split('.')[0] ?? '', fingerprint })
}

function eventView(e: SyncEvent, trust: Trust): EventView {
  return { id: e.id, ts: e.ts.toString(), svc: e.svc, emitter: e.emitter ?? '', trust, summary: summarize(e), json: encodeEvent(e) }
}

function summarize(e: SyncEvent): string {
  switch (e.svc) {
    case 'hey-there':
      return `${e.hey_there.From} says hey there`
    case 'chau':
      return `${e.chau.From} says chau`
    case 'social':
      return `${e.social.actor ?? '?'} ${e.social.type} ${e.social.target ?? '?'}${e.social.reason ? ` (${e.social.reason})` : ''}`
    case 'ping':
      return `${e.ping.observer ?? '?'} pinged ${e.ping.target ?? '?'} in ${e.ping.rtt} ms`
    case 'seen':
      return `${e.seen.observer ?? '?'} saw ${e.seen.subject ?? '?'} via ${e.seen.via}`
    case 'observation':
      return `${e.observation.observer ?? '?'} observed ${e.observation.subject ?? '?'}: ${e.observation.type}${e.observation.online_state ? ` ${e.observation.online_state}` : ''}`
    case 'checkpoint':
      return `checkpoint for ${e.checkpoint.subject} (${(e.checkpoint.signatures ?? []).length} signatures)`
  }
}

