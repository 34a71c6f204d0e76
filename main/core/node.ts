/**
 * NaraNode: one nara. Composes identity, the RAM ledger and online projection, the plaza
 * transport and the presence modules (presence/*), owns the lifecycle (start, join, leave,
 * stop) and the timers, and publishes what it learns as the views in views.ts. The mesh plugs
 * in through `attachMesh`; the data plane bridges the emitted events; the control plane calls
 * the NodeControl methods.
 */
import { EventEmitter } from 'node:events'
import { hostname } from 'node:os'
import { systemClock, systemRandom, type Clock, type Random, type TimerHandle } from './clock'
import type { NodeControl, StatusReply } from './control'
import { silentLogger, type Logger, type NodeConfig } from './config'
import { Ledger } from './ledger/ledger'
import { OnlineProjection } from './presence/projection'
import { OpinionIndex } from './presence/opinions'
import { Neighbourhood, type NeighbourRecord } from './presence/neighbourhood'
import { HowdyCoordinator } from './presence/howdy'
import { Buzz, chattiness as computeChattiness } from './presence/cadence'
import { initialCoordinates, readHostStats, readLoadPerCore } from './presence/selfStatus'
import type { AddOutcome, MeshPing, PlazaSignal, PresenceCore } from './presence/core'
import { applyBulkPresence } from './presence/bulkIntake'
import { buildChau } from './presence/chau'
import { buildHeyThere, HeyThereSender } from './presence/heyThere'
import { LedgerRecovery } from './presence/ledgerRecovery'
import { keepAlivePing, PingVerifier } from './presence/meshPings'
import { PlazaKeepAlive } from './presence/plazaKeepAlive'
import { NewspaperService } from './presence/newspaperService'
import { PeerDirectory } from './presence/peerDirectory'
import { eventView, neighbourView, peerStatus } from './presence/peerViews'
import { keepInMemory } from './presence/personalityFilter'
import { PlazaHandlers } from './presence/plazaHandlers'
import { CheckpointService, type CheckpointTimings } from './checkpoints/service'
import { WorldJourneys } from './world/journeys'
import { SocialLife, type SocialTimings } from './social/service'
import { StashService } from './stash/service'
import type { RuntimeMessage } from './protocol/runtimeMessage'
import type { WorldMessage } from './protocol/world'
import { Reconciler } from './presence/reconciliation'
import { Sightings } from './presence/sightings'
import { StartTimeVotes } from './presence/startTime'
import { DropCounter } from './plaza/drops'
import { PlazaTransport } from './plaza/transport'
import { PlazaInbox } from './plaza/inbox'
import { checkTimeNs } from './presence/trust'
import { TOPIC, subscriptionsFor } from './plaza/topics'
import { parseBrokerUrl } from './plaza/brokerUrl'
import { startEmbeddedPlaza, type EmbeddedPlaza } from './plaza/embeddedBroker'
import { determineIdentity, type Identity } from './protocol/identity'
import { hardwareFingerprint, readHostId, readMacs } from './protocol/hardware'
import { baseFlair } from './protocol/personality'
import { computeAura } from './protocol/aura'
import { encodeEvent } from './protocol/events'
import type { Signer } from './protocol/crypto'
import type { Coordinates, HostStats, NaraObservation, SyncEvent, SyncEventOf } from './protocol/types'
import type {
  CheckpointRoundView, CheckpointView, JourneyView, LifecycleView, StashView, NeighbourView, NewspaperView, NodeState, PeerStatus, SelfView, StatsView, Trust, ZineExchangeView, EventView
} from './views'

export type { PlazaSignal } from './presence/core'

export interface NaraNodeEvents {
  peer: [NeighbourView]
  newspaper: [NewspaperView]
  zine: [ZineExchangeView]
  event: [EventView]
  self: [SelfView]
  lifecycle: [LifecycleView]
  stats: [StatsView]
  plaza: [PlazaSignal]
  checkpoint: [CheckpointView]
  round: [CheckpointRoundView]
  journey: [JourneyView]
  stash: [StashView]
}

/** The seam the mesh plugs into. */
export interface MeshAttachment {
  /** Called once the node runs; the mesh may use every public method of the node. */
  start(node: NaraNode): Promise<void>
  /** Our signed chau, before the plaza disconnects, so a last zine can carry it. */
  farewell?(chau: SyncEventOf<'chau'>): Promise<void>
  stop(): Promise<void>
  /** Listen address for SelfView.meshListen. */
  readonly listen?: string | null
  /** True once the mesh server is bound (our mesh IP is advertised only then); absent = serving. */
  readonly serving?: boolean
  /** Number of mesh peers for StatsView. */
  peerCount?(): number
  /** GET /ping to a peer's mesh address (presence evidence); null when it did not answer as that peer. */
  ping?(name: string, timeoutMs: number): Promise<{ rttMs: number } | null>
  /** POST /world/relay to a peer; true when it took the postcard. */
  relayWorld?(name: string, m: WorldMessage): Promise<boolean>
  /** POST /dm of one signed event; true when the peer accepted it. */
  sendDM?(name: string, e: SyncEvent): Promise<boolean>
  /** POST /mesh/message of one runtime message; true when the peer answered 200. */
  sendMessage?(name: string, m: RuntimeMessage): Promise<boolean>
}

/** Presence knobs that are not reference timings (tests shrink or disable them). */
export interface PresenceOptions {
  /** Own signed ping evidence about a mesh peer every this many ms (Go: 30 s); 0 disables. */
  keepAlivePingMs?: number
  /** Signed plaza evidence for Go projections (presence/plazaKeepAlive.ts); false only to show what Go sees without it. */
  plazaKeepAlive?: boolean
}

export const KEEPALIVE_PING_EVERY_MS = 30_000
/** How far a quiet node stretches its reconciliation tick, as a multiple of tickMs. */
export const IDLE_TICK_FACTOR = 5

export interface NaraNodeOptions {
  config: NodeConfig
  /** Resolved identity (tests, desktop shell with a keychain soul); otherwise derived from config + this machine. */
  identity?: Identity
  clock?: Clock
  random?: Random
  log?: Logger
  ledger?: Ledger
  hostStats?: () => HostStats
  presence?: PresenceOptions
  /** Checkpoint consensus timings (tests shrink them); Go's by default. */
  checkpoints?: Partial<CheckpointTimings>
  /** Trend / tease timings (tests shrink them); Go's by default. */
  social?: Partial<SocialTimings>
  /** How long a stash call waits for its reply (Go: 30 s). */
  stashCallTimeoutMs?: number
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
  /** Restart / first-seen observations by subject: the network's opinion about each peer. */
  private readonly opinions = new OpinionIndex()
  readonly neighbourhood: Neighbourhood
  readonly drops: DropCounter
  /** Peers as the mesh and bulk intake see them (one object for both). */
  readonly directory: PeerDirectory
  private readonly signer: Signer
  private readonly hostStats: () => HostStats
  private readonly hostLoad: () => number
  private readonly buzz = new Buzz()
  private readonly coordinates: Coordinates
  private readonly startedAtMs: number
  private readonly lastPeerStatus = new Map<string, PeerStatus>()
  private readonly flags = new Map<string, number>()
  /** Stored events that do not count for presence (trust-model.md): readable, relayed, never believed. */
  private readonly hearsay = new Set<string>()
  private readonly rejectedShown = new Set<string>()
  /** Broker deliveries, handled in slices so bursts never starve the control socket. */
  private readonly inbox: PlazaInbox
  private readonly keepAliveEveryMs: number
  private readonly plazaKeepAliveOn: boolean

  private readonly core: PresenceCore
  private readonly howdy: HowdyCoordinator
  private readonly sightings: Sightings
  private readonly hello: HeyThereSender
  /** Signed plaza evidence Go ledgers keep, so Go peers see us ONLINE without a mesh. */
  readonly plazaKeepAlive: PlazaKeepAlive
  private readonly papers: NewspaperService
  private readonly handlers: PlazaHandlers
  private readonly verifier: PingVerifier
  private readonly reconciler: Reconciler
  private readonly startTimeVotes = new StartTimeVotes()
  private readonly ledgerRecovery: LedgerRecovery
  readonly checkpoints: CheckpointService
  readonly world: WorldJourneys
  readonly social: SocialLife
  readonly stash: StashService

  private transport: PlazaTransport | null = null
  private embedded: EmbeddedPlaza | null = null
  private brokerUrl: string | null = null
  private mesh: MeshAttachment | null = null
  private state: NodeState = 'offline'
  private timers = new Set<TimerHandle>()
  private tickTimer: TimerHandle | null = null
  private tickDelayMs: number
  private keepAliveTimer: TimerHandle | null = null
  private announcedThisJoin = false
  /** Events the ledger dropped since the last `forgetRemoved` (collected as they go). */
  private removedEvents: SyncEvent[] = []
  private lastBuzzDecayMs: number
  private currentChattiness = 100
  private lastStatsJson = ''
  private startPromise: Promise<void> | null = null
  private selfStartTime = 0
  private bootOpinionFormed = false
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
    this.ledger.onRemoved((removed) => this.removedEvents.push(removed))
    this.neighbourhood = new Neighbourhood(this.identity.name)
    this.drops = new DropCounter((reason, detail) => this.log.debug(`drop ${reason}${detail ? `: ${detail}` : ''}`))
    this.neighbourhood.onEvict((name) => {
      this.lastPeerStatus.delete(name)
      this.drops.count('neighbour_evicted', name)
    })
    this.hostStats = opts.hostStats ?? readHostStats
    // The tick and our Flair read only the load: no process memory census for them.
    this.hostLoad = opts.hostStats ? () => this.hostStats().LoadAvg : readLoadPerCore
    this.coordinates = initialCoordinates(() => this.random.float())
    this.startedAtMs = this.clock.nowMs()
    this.lastBuzzDecayMs = this.startedAtMs
    this.tickDelayMs = this.config.timings.tickMs
    this.keepAliveEveryMs = opts.presence?.keepAlivePingMs ?? KEEPALIVE_PING_EVERY_MS
    this.inbox = new PlazaInbox((topic, payload) => this.onPlazaMessage(topic, payload), this.drops)
    this.plazaKeepAliveOn = opts.presence?.plazaKeepAlive ?? true

    this.core = this.buildCore()
    this.directory = new PeerDirectory(this.core, (name, t) => this.recordMeshSighting(name, t))
    this.sightings = new Sightings(this.core)
    this.hello = new HeyThereSender(this.core)
    this.plazaKeepAlive = new PlazaKeepAlive(this.core, this.hello)
    this.papers = new NewspaperService(this.core, {
      hostStats: () => this.hostStats(),
      coordinates: this.coordinates,
      weightedBuzz: () => this.weightedBuzz(),
      selfObservation: () => this.selfObservation(),
      active: () => this.state === 'online' || this.state === 'joining',
      social: () => ({ licensePlate: this.social.licensePlate, trend: this.social.trend, flair: this.ownFlair() })
    })
    this.howdy = new HowdyCoordinator({
      clock: this.clock,
      random: this.random,
      jitterMs: this.config.timings.howdyJitterMs,
      lifetimeMs: this.config.timings.howdyLifetimeMs,
      respond: (target, seq, mentioned) => this.handlers.sendHowdy(target, seq, mentioned)
    })
    this.handlers = new PlazaHandlers(this.core, {
      sightings: this.sightings,
      heyThere: this.hello,
      howdy: this.howdy,
      newspaper: this.papers,
      startTimeVotes: this.startTimeVotes,
      emitNewspaper: (v) => this.emit('newspaper', v),
      checkpoints: { onProposal: (p) => this.checkpoints.onProposal(p), onVote: (v) => this.checkpoints.onVote(v) },
      journeyComplete: (c) => this.world.onCompletion(c),
      stashRefresh: (m) => this.stash.receive(m),
      heardHello: (_name, id) => this.stash.pushTo(id)
    })
    this.stash = new StashService(
      this.core,
      {
        seed: () => this.identity.soul!.seed,
        send: (toId, m) => {
          const name = this.neighbourhood.nameOfId(toId)
          return name && this.mesh?.sendMessage ? this.mesh.sendMessage(name, m) : Promise.resolve(false)
        },
        candidates: () => {
          const online = new Set(this.directory.onlineMeshPeers())
          return this.neighbours()
            .filter((v) => online.has(v.name) && v.id)
            .sort((a, b) => b.uptimeSeconds - a.uptimeSeconds)
            .map((v) => ({ name: v.name, id: v.id }))
        },
        emit: (v) => this.emit('stash', v),
        memoryMode: () => this.ledger.mode
      },
      opts.stashCallTimeoutMs
    )
    this.social = new SocialLife(
      this.core,
      {
        coordinates: this.coordinates,
        statusOf: (r) => this.peerStatus(r),
        sendDM: (name, e) => void this.mesh?.sendDM?.(name, e).catch(() => false),
        changed: () => this.emitSelf()
      },
      opts.social
    )
    this.world = new WorldJourneys(this.core, {
      onlinePeers: () => this.directory.onlineMeshPeers(),
      keyOf: (name) => (name === this.identity.name ? this.signer.publicKey : this.neighbourhood.keyOf(name)),
      clout: () => this.social.clout(),
      send: (name, m) => this.mesh?.relayWorld?.(name, m) ?? Promise.resolve(false),
      emit: (v) => this.emit('journey', v)
    })
    this.checkpoints = new CheckpointService(
      this.core,
      {
        ready: () => this.bootOpinionFormed,
        onlineOthers: () => this.neighbourhood.all().filter((r) => r.name !== this.identity.name && this.peerStatus(r) === 'ONLINE').length,
        emitRound: (v) => this.emit('round', { ...v, votes: [...v.votes] }),
        emitCheckpoint: (v) => this.emit('checkpoint', v)
      },
      opts.checkpoints
    )
    this.verifier = new PingVerifier(this.core)
    this.reconciler = new Reconciler(this.core, this.verifier)
    this.ledgerRecovery = new LedgerRecovery(this.core, () => this.mesh !== null)
  }

  private buildCore(): PresenceCore {
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const node = this
    return {
      identity: this.identity,
      signer: this.signer,
      config: this.config,
      clock: this.clock,
      random: this.random,
      log: this.log,
      ledger: this.ledger,
      projection: this.projection,
      neighbourhood: this.neighbourhood,
      drops: this.drops,
      buzz: this.buzz,
      startedAtMs: this.startedAtMs,
      coordinates: this.coordinates,
      isBooting: () => node.booting,
      chattiness: () => node.currentChattiness,
      plaza: () => node.transport,
      advertisedMeshIP: () => node.advertisedMeshIP,
      meshPing: (): MeshPing | null => {
        const m = node.mesh
        return m?.ping ? (name, timeoutMs) => m.ping!(name, timeoutMs) : null
      },
      addEvent: (e, trust) => node.addEvent(e, trust),
      // Our own observations are unsigned (as Go's) yet ours: they count for presence.
      addFilteredEvent: (e, trust) =>
        keepInMemory(e, node.identity.personality) ? node.store(e, trust, false, trust === 'verified' || node.isOwnObservation(e)) : 'filtered',
      addOwnObservation: (e) => node.store(e, 'unsigned', true, true),
      rejectEvent: (e, trust, reason, detail) => node.rejectEvent(e, trust, reason, detail),
      peerStatus: (r) => node.peerStatus(r),
      opinionOf: (name) => node.opinions.opinionOf(name),
      emitPeer: (name) => node.emitPeer(name),
      flag: (reason) => node.flag(reason),
      lifecycle: (step, message) => node.lifecycle(step, message),
      plazaSignal: (signal) => node.emit('plaza', signal),
      later: (ms, fn) => node.later(ms, fn)
    }
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

  /**
   * The mesh IP we put on the wire (hey_there, newspapers, howdys): only while an attached mesh
   * serves it, since every Go peer that reads it will dial it (pings, gossip, boot recovery).
   */
  get advertisedMeshIP(): string {
    return this.mesh && (this.mesh.serving ?? true) ? this.config.meshIP : ''
  }

  /** Our current Vivaldi coordinates (a copy; GET /coordinates answers them). */
  get vivaldiCoordinates(): Coordinates {
    return { ...this.coordinates }
  }

  /** Own uptime under the booting threshold (presence.md §1). */
  get booting(): boolean {
    return this.clock.nowMs() - this.startedAtMs < this.config.timings.bootingMs
  }

  /** Our start time on the network (Unix s): howdy consensus once boot ends, else our process start; 0 while unknown. */
  get startTime(): number {
    return this.selfStartTime
  }

  /** Howdy coordination for a newcomer (seen = howdys counted, ours included): a sync point for tests. */
  howdyCoordination(target: string): { seen: number; responded: boolean } | undefined {
    return this.howdy.stateOf(target)
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
    this.scheduleKeepAlive()
    if (this.config.transport !== 'gossip') await this.preparePlaza()
    if (this.mesh) await this.mesh.start(this)
    await this.join()
  }

  private async preparePlaza(): Promise<void> {
    const b = this.config.broker
    let url: string
    if (b.kind === 'embedded') {
      // A join after leave keeps the plaza we started: starting it again would find the port held
      // by ourselves, and the lost handle would keep the broker (and the process) alive after stop.
      if (!this.embedded) {
        this.lifecycle('connect', `starting the embedded plaza on ${b.host}:${b.port}`)
        this.embedded = await startEmbeddedPlaza(b.host, b.port)
        this.log.info(this.embedded.owned ? `embedded plaza listening on ${this.embedded.url}` : `joined the plaza already on ${this.embedded.url}`)
      }
      url = this.embedded.url
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
      debug: (m) => this.log.debug(m)
    })
    this.transport.on('message', (topic, payload) => this.inbox.push(topic, payload))
    this.transport.on('connect', () => this.onPlazaConnect())
    this.transport.on('failed', (error) => this.emit('plaza', { kind: 'connect-failed', error }))
    this.transport.on('disconnect', (reason) => {
      this.lifecycle('connect', `plaza ${reason}; reconnecting`)
      this.emit('plaza', { kind: 'lost' })
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
        if (!this.config.readOnly) this.addEvent(buildHeyThere(this.core, this.clock.nowNs()), 'verified', 'mesh')
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
    this.papers.stop()
    this.cancelTimers()
    this.howdy.stop()
    if (!this.config.readOnly) {
      const chau = buildChau(this.core, this.clock.nowNs())
      this.addEvent(chau, 'verified', 'plaza')
      if (this.transport?.connected) await this.transport.publish(TOPIC.chau, encodeEvent(chau))
      if (this.mesh?.farewell) await this.mesh.farewell(chau).catch((e: unknown) => this.log.warn(`mesh farewell: ${String(e)}`))
    }
    // Clean DISCONNECT after the chau (we set no MQTT will: see reference-notes, "No will").
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
    this.stopLoops()
    this.inbox.clear()
    this.howdy.stop()
    this.cancelTimers()
    if (this.embedded) {
      // Bounded like the rest of stop(): its sockets are destroyed, so this is quick; a stuck close must not hold the exit.
      let bound: NodeJS.Timeout | undefined
      await Promise.race([this.embedded.close(), new Promise<void>((r) => (bound = setTimeout(r, 500)))])
      clearTimeout(bound)
      this.embedded = null
    }
    this.startPromise = null
  }

  /** Test hook: the process "dies" — the socket drops without DISCONNECT and without a chau. */
  crash(): void {
    this.transport?.abort()
    this.transport = null
    this.inbox.clear()
    this.stopLoops()
    this.papers.stop()
    this.howdy.stop()
    this.cancelTimers()
    this.state = 'offline'
  }

  attachMesh(mesh: MeshAttachment): void {
    this.mesh = mesh
  }

  // ---------------------------------------------------------------------------------------
  // Outbound presence

  private onPlazaConnect(): void {
    this.lifecycle('connect', `connected to ${this.brokerUrl}`)
    this.emit('plaza', { kind: 'connected' })
    this.emitSelf()
    const first = !this.announcedThisJoin
    this.announcedThisJoin = true
    this.later(this.random.intn(Math.max(1, this.config.timings.heyThereJitterMs)), () => {
      // hey_there before the first newspaper, as Go does: a newspaper from a name a Go nara
      // does not know yet makes it ask "whodis" with a hey_there of its own (and its howdys).
      this.hello.send()
      if (first) this.papers.publish()
      if (first) this.papers.schedule()
      if (this.state === 'joining') {
        this.setState('online')
        this.lifecycle('online', 'online on the plaza')
      }
      if (first) this.ledgerRecovery.start()
    })
  }

  /** Rate-limited as Go (skip when the last one is ≤ 5 s old). */
  sendHeyThere(prebuilt: SyncEventOf<'hey-there'> | null = null): boolean {
    return this.hello.send(prebuilt)
  }

  publishNewspaper(): boolean {
    return this.papers.publish()
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
      this.handlers.dispatch(topic, payload)
    } catch (e) {
      this.drops.count('handler_error', `${topic}: ${e instanceof Error ? e.message : String(e)}`)
    }
    this.plazaMessagesHandled++
  }

  /** Finalised checkpoints stored since start (oldest first), optionally about one nara. */
  checkpointHistory(subject?: string): CheckpointView[] {
    return this.checkpoints.checkpoints(subject)
  }

  /** Consensus rounds seen since start (oldest first). */
  checkpointRounds(): CheckpointRoundView[] {
    return this.checkpoints.roundViews()
  }

  /** Control: send a postcard of ours around the world (over the mesh). */
  startJourney(message: string): Promise<{ ok: true; id: string } | { ok: false; reason: string }> {
    return this.world.start(message)
  }

  /** Control: seal a JSON document as our stash and hand it to confidants. */
  setStash(json: string): Promise<{ ok: true; confidants: string[] } | { ok: false; reason: string }> {
    return this.stash.set(json)
  }

  stashDocument(): string | null {
    return this.stash.document
  }

  stashView(): StashView {
    return this.stash.view()
  }

  /** World journeys we started or relayed since start. */
  journeys(): JourneyView[] {
    return this.world.views()
  }

  /** Control: propose our own checkpoint now instead of waiting for the daily schedule. */
  proposeCheckpoint(): { ok: boolean; reason?: string } {
    return this.checkpoints.proposeNow()
  }

  // ---------------------------------------------------------------------------------------
  // Shared with the mesh

  /**
   * Adds one event to the ledger, folds it into the projection and publishes its EventView.
   * Returns the ledger outcome.
   */
  addEvent(e: SyncEvent, trust: Trust, via: Via = 'plaza'): AddOutcome {
    void via
    return this.store(e, trust, false, trust === 'verified')
  }

  private isOwnObservation(e: SyncEvent): boolean {
    return e.svc === 'observation' && e.observation.observer === this.identity.name
  }

  /** A refused statement: counted with its reason and shown (never stored) on the Timeline as rejected. */
  rejectEvent(e: SyncEvent, trust: Trust, reason: string, detail = ''): void {
    this.drops.count(reason, detail)
    // Shown once per event: a statement refused again is only counted (views stay unique by id).
    if (this.rejectedShown.has(e.id)) return
    if (this.rejectedShown.size >= 1024) this.rejectedShown.delete(this.rejectedShown.values().next().value!)
    this.rejectedShown.add(e.id)
    this.emit('event', eventView(e, trust, reason))
  }

  /**
   * `counts`: whether the event may shape presence (verified, or our own observation). Others
   * are stored for reading and relaying, as the reference does, but the projection skips them.
   * A badly signed event is refused outright: a forged statement is not ours to pass on.
   */
  private store(e: SyncEvent, trust: Trust, dedupeContent: boolean, counts: boolean): AddOutcome {
    if (trust === 'bad-signature') {
      this.rejectEvent(e, trust, 'event_bad_signature', `${e.svc} ${e.id} from ${e.emitter ?? '?'}`)
      return 'rejected'
    }
    // Nothing dated ahead of our clock (beyond the skew window) is kept: it would pin a status for good.
    if (checkTimeNs(e.ts, this.clock.nowMs(), 'event') === 'future') {
      this.rejectEvent(e, trust, 'event_future_timestamp', `${e.svc} ${e.id} at ${e.ts}`)
      return 'rejected'
    }
    const res = this.ledger.addWithResult(e, { dedupeContent })
    if (res.outcome === 'rejected') {
      this.drops.count(`ledger_${res.reason}`, res.detail)
      return 'rejected'
    }
    if (res.outcome === 'duplicate') return 'duplicate'
    if (!counts) this.hearsay.add(e.id)
    this.forgetRemoved()
    // The ledger's own copy (shared strings), never the received object, is what stays referenced.
    const stored = this.ledger.get(e.id)
    if (stored) {
      if (counts) this.projection.apply(stored)
      this.opinions.apply(stored)
    }
    this.emit('event', eventView(e, trust))
    if (trust === 'verified' && e.emitter && this.neighbourhood.noteVerifiedEvent(e.emitter)) this.emitPeer(e.emitter)
    this.checkpoints.noteStored(e)
    return 'added'
  }

  /**
   * Brings the projections up to date with what the ledger dropped: each removed event leaves
   * the opinion index; names whose online state it had set are recomputed from the events
   * about them still stored (a full replay would give the same, at the cost of the whole ledger).
   */
  private forgetRemoved(): void {
    if (this.removedEvents.length === 0) return
    const removed = this.removedEvents
    this.removedEvents = []
    const names = new Set<string>()
    for (const r of removed) {
      this.hearsay.delete(r.id)
      this.opinions.forget(r)
      for (const n of this.projection.namesSetBy(r)) names.add(n)
    }
    if (names.size === 0) return
    const about = this.ledger.query({ subjects: [...names] }).filter((x) => !this.hearsay.has(x.id))
    this.projection.rebuild(names, about)
  }

  /**
   * Events that arrived in bulk (zines, sync responses): the same presence path the mesh
   * merge takes (presence/bulkIntake.ts), then every event is stored whatever its signature.
   */
  ingestEvents(events: readonly { event: SyncEvent; trust: Trust }[], from = ''): { added: number; duplicate: number; rejected: number } {
    void from
    const trustOf = new Map<SyncEvent, Trust>(events.map((x) => [x.event, x.trust]))
    applyBulkPresence(
      events.map((x) => x.event),
      {
        self: this.identity.name,
        booting: this.booting,
        nowMs: this.clock.nowMs(),
        directory: this.directory,
        trustOf: (e) => trustOf.get(e) ?? 'unsigned',
        hasNewerHeyThere: (f, ts) => this.ledger.hasNewerHeyThere(f, ts)
      }
    )
    const counts = { added: 0, duplicate: 0, rejected: 0 }
    for (const { event, trust } of events) counts[this.addEvent(event, trust, 'mesh')]++
    return counts
  }

  /** Direct evidence over the mesh (zine exchange, ping): the peer is alive at `tSec`. */
  recordMeshSighting(name: string, tSec = 0): void {
    this.sightings.seen(name, tSec)
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
  // Status and views

  /**
   * Most recent evidence wins, between the event projection (ledger) and our own direct
   * observations (newspapers, howdys, an MQTT chau received now). ONLINE decays to MISSING.
   */
  peerStatus(r: NeighbourRecord): PeerStatus {
    return peerStatus(r, this.projection, this.clock.nowNs(), this.config.transport)
  }

  neighbourView(r: NeighbourRecord): NeighbourView {
    const v = neighbourView(r, this.peerStatus(r), this.projection)
    const b = this.social.barrioOfPeer(r)
    v.barrio = { name: b.name, emoji: b.emoji, method: b.method }
    v.checkpoint = this.checkpoints.anchoredHistory(r.name)
    if (v.checkpoint && v.checkpoint.restarts > v.restarts) v.restarts = v.checkpoint.restarts
    return v
  }

  neighbours(): NeighbourView[] {
    return this.neighbourhood.all().filter((r) => r.name !== this.identity.name).map((r) => this.neighbourView(r))
  }

  neighbour(name: string): NeighbourView | null {
    const r = this.neighbourhood.get(name)
    return r ? this.neighbourView(r) : null
  }

  newspapers(): NewspaperView[] {
    return [...this.handlers.newspaperViews.values()]
  }

  selfView(): SelfView {
    const me = this.identity
    return {
      name: me.name,
      id: me.id,
      publicKey: me.publicKeyBase64,
      bonded: me.bonded,
      personality: { ...me.personality },
      aura: computeAura(me.soulText, me.name, me.personality, BigInt(Math.floor((this.clock.nowMs() - this.startedAtMs) / 1000))),
      flair: this.ownFlair(),
      licensePlate: this.social.licensePlate,
      barrio: this.social.barrioName,
      trend: this.social.trend.trend,
      state: this.state,
      transport: this.config.transport,
      broker: this.brokerUrl,
      meshIP: this.advertisedMeshIP,
      meshListen: this.mesh?.listen ?? null,
      startedAtMs: this.startedAtMs,
      // Counted from the records: building every neighbour's view (barrio, checkpoint history) only to count would cost each self update O(neighbours) views.
      neighboursOnline: this.neighbourhood.all().filter((r) => r.name !== this.identity.name && this.peerStatus(r) === 'ONLINE').length
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

  /** Our Flair as a Go nara's: identity part, then what our standing in the network earns. */
  private ownFlair(): string {
    const me = this.identity
    const awards = this.social.flairAwards(this.selfObservation(), { chattiness: this.currentChattiness, loadAvg: this.hostLoad() })
    return baseFlair(me.name, me.soulText, me.bonded, me.personality, this.social.trend.emoji) + awards
  }

  /** Our observation of ourselves, as it goes into howdy `Me.Observations`. */
  private selfObservation(): NaraObservation {
    const o: NaraObservation = { online: 'ONLINE' }
    if (this.selfStartTime) o.start_time = this.selfStartTime
    o.last_seen = Math.floor(this.clock.nowMs() / 1000)
    o.last_restart = Math.floor(this.startedAtMs / 1000)
    return o
  }

  /** Once boot ends: our start time from the howdy votes, else (Go) our last restart. */
  private formBootOpinion(): void {
    this.bootOpinionFormed = true
    const voted = this.startTimeVotes.consensus()
    this.selfStartTime = voted > 0 ? voted : Math.floor(this.startedAtMs / 1000)
    this.log.debug(`start time ${this.selfStartTime} (${this.startTimeVotes.count} howdy votes)`)
    this.emitSelf()
  }

  private emitPeer(name: string): void {
    if (name === this.identity.name) return
    const r = this.neighbourhood.get(name)
    if (!r) return
    // Known by name only (hearsay, a key learnt over the mesh): no status yet, so no MISSING before the first sighting.
    if (!r.observation.online && !this.projection.stateOf(name)) return
    const view = this.neighbourView(r)
    const previous = this.lastPeerStatus.get(name)
    this.lastPeerStatus.set(name, view.status)
    if (view.status === 'ONLINE') this.social.onPeerOnline(r, previous)
    this.emit('peer', view)
  }

  private weightedBuzz(): number {
    const online: number[] = []
    for (const r of this.neighbourhood.all()) if (r.status && r.observation.online === 'ONLINE') online.push(r.status.Buzz)
    return this.buzz.weighted(online)
  }

  /**
   * The 1 s reconciliation: observations follow the derived status, buzz decay, chattiness, stats.
   * An idle node should rarely wake, so after a tick that changed nothing the next one may come
   * up to IDLE_TICK_FACTOR × tickMs later (5 s with Go's 1 s), but only as far as no neighbour's
   * derived status changes by then (it is a pure function of the clock, so this is checked, not
   * guessed), and never while booting or across its end. Buzz decay catches up per 10 s step.
   */
  private scheduleTick(): void {
    this.tickTimer = this.clock.setTimeout(() => {
      this.tickTimer = null
      let quiet = false
      try {
        quiet = this.tick()
      } catch (e) {
        this.log.warn(`tick: ${String(e)}`)
      }
      this.tickDelayMs = quiet ? this.quietTickDelayMs() : this.config.timings.tickMs
      this.scheduleTick()
    }, this.tickDelayMs)
  }

  /** The longest stretch (in whole ticks, up to the factor) over which no derived status moves. */
  private quietTickDelayMs(): number {
    const base = this.config.timings.tickMs
    const now = this.clock.nowMs()
    let ticks = IDLE_TICK_FACTOR
    const bootEndsMs = this.startedAtMs + this.config.timings.bootingMs
    while (ticks > 1 && now < bootEndsMs + base && now + ticks * base >= bootEndsMs) ticks--
    for (; ticks > 1; ticks--) {
      const atNs = BigInt(now + ticks * base) * 1_000_000n
      let stable = true
      for (const r of this.neighbourhood.all()) {
        if (r.name === this.identity.name) continue
        if (peerStatus(r, this.projection, atNs, this.config.transport) !== this.lastPeerStatus.get(r.name)) {
          stable = false
          break
        }
      }
      if (stable) break
    }
    return ticks * base
  }

  /** One reconciliation pass; true when nothing changed (no status moved, not booting). */
  private tick(): boolean {
    const now = this.clock.nowMs()
    while (now - this.lastBuzzDecayMs >= 10_000) {
      this.buzz.decay()
      this.lastBuzzDecayMs += 10_000
    }
    const booting = this.booting
    if (!booting && !this.bootOpinionFormed) this.formBootOpinion()
    this.currentChattiness = computeChattiness({
      booting,
      forced: this.config.forceChattiness,
      weightedBuzz: this.weightedBuzz(),
      load: this.hostLoad()
    })
    let quiet = !booting && this.reconciler.runOnce().length === 0
    this.checkpoints.tick()
    this.world.tick()
    this.social.tick()
    this.stash.tick()
    if (this.state === 'online' && this.plazaKeepAliveOn) this.plazaKeepAlive.tick()
    for (const r of this.neighbourhood.all()) {
      if (r.name === this.identity.name) continue
      if (this.lastPeerStatus.get(r.name) !== this.peerStatus(r)) {
        this.emitPeer(r.name)
        quiet = false
      }
    }
    const stats = this.stats()
    const json = JSON.stringify(stats)
    if (json !== this.lastStatsJson) {
      this.lastStatsJson = json
      this.emit('stats', stats)
    }
    return quiet
  }

  /** Our own ping evidence every ~30 s, so Go peers keep us ONLINE (presence.md §5.4). */
  private scheduleKeepAlive(): void {
    if (this.keepAliveEveryMs <= 0) return
    this.keepAliveTimer = this.clock.setTimeout(() => {
      this.keepAliveTimer = null
      if (this.state === 'online') void keepAlivePing(this.core).catch((e: unknown) => this.log.debug(`keep-alive: ${String(e)}`))
      this.scheduleKeepAlive()
    }, this.keepAliveEveryMs)
  }

  private stopLoops(): void {
    if (this.tickTimer) this.clock.clearTimeout(this.tickTimer)
    this.tickTimer = null
    if (this.keepAliveTimer) this.clock.clearTimeout(this.keepAliveTimer)
    this.keepAliveTimer = null
  }

  private later(ms: number, fn: () => void): void {
    const h = this.clock.setTimeout(() => {
      this.timers.delete(h)
      fn()
    }, ms)
    this.timers.add(h)
  }

  private cancelTimers(): void {
    for (const t of this.timers) this.clock.clearTimeout(t)
    this.timers.clear()
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
