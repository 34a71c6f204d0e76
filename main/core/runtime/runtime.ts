/**
 * The one runtime every shell builds: node, plaza (embedded here, embedded for the LAN, or a
 * broker), mesh, nervous system, soul source, settings, join flow. `nara run` and the Electron
 * main construct it with their adapters (settings store, keychain opener, logger) and options;
 * neither composes the node itself. Its decisions — first-run status, join, settings, leave and
 * rejoin — are control-plane commands served on every carrier; its join progress and phase are
 * data-plane keys (`nara/local/join`, `nara/local/runtime`), so a window that connects late asks
 * for them (snapshot, then stream) instead of depending on a push it may have missed.
 */
import { EventEmitter } from 'node:events'
import { systemClock, systemRandom, type Clock } from '../clock'
import { silentLogger, type Logger } from '../config'
import type { ControlReply } from '../control'
import type { Carrier } from '../bus/carriers/carrier'
import { DataPlane } from '../bus/dataPlane'
import { guardCarrier, type LeakCheck } from '../bus/ns-secrets'
import { serveBus } from '../bus/serveBus'
import type { CommandRouter } from '../bus/control/router'
import type { ExtraHandlers } from '../bus/control/router'
import { fail } from '../bus/control/router'
import { createNervousSystem, type CarrierKind, type NervousSystem } from '../bus/nervousSystem'
import { NodeMesh } from '../mesh/nodeMesh'
import { startMeshMdns, type MeshMdns } from '../mesh/mdns'
import type makeMdns from 'multicast-dns'
import { NaraNode } from '../node'
import type { Identity } from '../protocol/identity'
import { keys, type LifecycleView } from '../views'
import { awaitJoinOutcome, explainJoinError, joinEventFor, JoinFlow, nameTakenMessage, type JoinState, type TimedStep } from './join-flow'
import { NAME_PROBE_AFTER_CONNECT_MS, probeName } from '../plaza/nameProbe'
import { explainKeychainError, mqttAccount, probeKeychain, soulAccount, type KeychainStatus, type SecretStore } from './keychain'
import { planMesh, type MeshPlan } from './mesh-plan'
import { describePlaza } from './network-choice'
import type { RuntimePhase, RuntimeView } from './view'

export type { RuntimePhase, RuntimeView } from './view'
import { nodeConfigFor, type ConfigOverlay } from './node-host'
import { SecretRegistry } from './secrecy'
import { changeNeedsRejoin, mergeSettings, type Settings } from './settings-schema'
import type { SettingsStore } from './settings-store'
import { chooseJoinSoul, resolveStartupSoul, soulIdentity, type SoulContext } from './soul-store'

export interface Machine {
  hostname: string
  fingerprint: () => Uint8Array
  /** A tailnet address of this machine ('' when none). */
  detectMeshIP: () => string
}

export interface RuntimeOptions {
  settings: SettingsStore
  machine: Machine
  /** Opens the OS keychain; absent: there is none (the soul is given or native and never stored). */
  openKeychain?: () => Promise<SecretStore>
  /** A soul from --soul or NARA_SOUL (never stored). */
  givenSoul?: { text: string; source: 'argument' | 'environment' } | null
  /** Without a keychain, run on the native soul right away (`nara run` without --config). */
  nativeWithoutKeychain?: boolean
  /** A broker password given on the command line (memory only). */
  mqttPassword?: string
  overlay?: ConfigOverlay
  meshScanCidr?: string
  log?: Logger
  secrets?: SecretRegistry
  clock?: Clock
  joinTimeouts?: Partial<Record<TimedStep, number>>
  /** How long a join from the first-run screen waits for the plaza's answer before it gives up. */
  joinConfirmMs?: number
  /** Ask the plaza whether the name is held before a first-run join (plaza/nameProbe.ts); false = never ask. */
  nameProbe?: false | { connectMs?: number; answerMs?: number }
  /** The control socket (`$XDG_RUNTIME_DIR/nara/<name>.sock`); false = none. */
  controlSocket?: { env?: Record<string, string | undefined> } | false
  /** Advertise and find mesh peers by multicast DNS (LANs without a tailnet); `socket` for tests. */
  mdns?: boolean | { socket?: makeMdns.Options; everyMs?: number }
  /** Refuse to start a node whose name another running node (dev or packaged build) holds. */
  oneInstancePerSoul?: boolean
  /** Per renderer-carrier handlers (Electron: soul.export through a native dialog). */
  rendererExtra?: ExtraHandlers
}

interface RuntimeEvents {
  /** A new node and its nervous system (startup, join, settings change). */
  node: [NaraNode, NervousSystem]
  progress: [LifecycleView, JoinState]
  view: [RuntimeView]
}

export class NaraRuntime extends EventEmitter<RuntimeEvents> {
  readonly settings: SettingsStore
  readonly secrets: SecretRegistry
  readonly joinFlow: JoinFlow
  private readonly log: Logger
  private readonly clock: Clock
  /** One data plane for the runtime's life: front ends stay connected while nodes are swapped. */
  readonly dataPlane: DataPlane
  private readonly routers = new WeakMap<NervousSystem, Map<CarrierKind, CommandRouter>>()
  private carriersServed = 0
  private keychain: KeychainStatus = { available: false, reason: 'The keychain has not been opened yet.' }
  private nativeWithoutStorage: boolean
  private current: { node: NaraNode; ns: NervousSystem; identity: Identity; started: boolean; mdns?: MeshMdns } | null = null
  private dashboardUrl: string | null = null
  private phase: RuntimePhase = 'starting'
  private problem: string | null = null
  private mesh: MeshPlan = { on: false, meshIP: '', why: 'not started' }
  private lastProgress: LifecycleView | null = null
  /** A broker password given on the first-run screen where no keychain can keep it. */
  private sessionPassword: string | null = null
  private queue: Promise<unknown> = Promise.resolve()
  /** Ends name probes still waiting when the runtime stops. */
  private readonly probes = new AbortController()

  constructor(private readonly opts: RuntimeOptions) {
    super()
    this.settings = opts.settings
    this.secrets = opts.secrets ?? new SecretRegistry()
    this.log = opts.log ?? silentLogger
    this.clock = opts.clock ?? systemClock
    this.nativeWithoutStorage = opts.nativeWithoutKeychain ?? false
    this.secrets.add(opts.mqttPassword)
    this.dataPlane = new DataPlane({ clock: this.clock })
    this.dataPlane.declareQueryable(keys.join, (q) => void (this.lastProgress && q.reply(keys.join, this.lastProgress)))
    this.dataPlane.declareQueryable(keys.runtime, (q) => q.reply(keys.runtime, this.view()))
    this.joinFlow = new JoinFlow({
      clock: this.clock,
      ...(opts.joinTimeouts ? { timeouts: opts.joinTimeouts } : {}),
      onProgress: (progress, state) => {
        this.lastProgress = progress
        this.dataPlane.put(keys.join, progress)
        this.emit('progress', progress, state)
      }
    })
  }

  get node(): NaraNode | null {
    return this.current?.node ?? null
  }
  get nervousSystem(): NervousSystem | null {
    return this.current?.ns ?? null
  }

  /** The dashboard link `nara status` shows again; kept here so every node this runtime builds reports it. */
  setDashboardUrl(url: string | null): void {
    this.dashboardUrl = url
    this.current?.ns.setDashboardUrl(url)
  }
  get keychainAvailable(): boolean {
    return this.keychain.available
  }

  view(): RuntimeView {
    const m = this.mesh
    return {
      phase: this.phase,
      keychain: this.keychain.available,
      network: describePlaza(this.settings.get()),
      mesh: m.on ? { on: true, listen: `${m.listen.host}:${m.listen.port}`, meshIP: m.meshIP, warning: m.warning } : { on: false, note: 'why' in m ? m.why : m.error },
      problem: this.problem
    }
  }

  /** Opens the keychain, finds the soul and starts the node — or waits on the first-run screen. */
  async start(): Promise<RuntimePhase> {
    if (this.opts.openKeychain) {
      const open = this.opts.openKeychain
      this.keychain = await probeKeychain(open).catch((e: unknown) => ({ available: false as const, reason: explainKeychainError(e) }))
    } else {
      this.keychain = { available: false, reason: 'No keychain is used here.' }
    }
    const startup = await resolveStartupSoul(this.soulContext(), this.keychain)
    if (startup.kind === 'ready') {
      const r = await this.launch(startup.identity, true)
      // A configuration the node cannot run with (e.g. a bad --mesh-cidr) stops the start here.
      if (!r.ok && !this.current) throw new Error(r.error)
      return this.phase
    }
    // First run: an idle node (not started) carries the bus so the window can ask and answer.
    this.phase = startup.kind === 'first-run' ? 'first-run' : startup.kind === 'no-keychain' ? 'no-keychain' : 'invalid-soul'
    this.problem = startup.kind === 'invalid' ? startup.message : startup.kind === 'no-keychain' && !this.keychain.available ? this.keychain.reason : null
    const idle = await this.launch(soulIdentity(this.soulContext(), ''), false)
    if (!idle.ok) throw new Error(idle.error)
    return this.phase
  }

  /**
   * A carrier from a front end (Electron MessagePort, dashboard WebSocket, in-process), served for
   * its whole life by the runtime's data plane and the current node's router — a join or a
   * settings change swaps the node underneath without dropping it (a reply still reaches it).
   * Frames to a renderer or the WebSocket pass every soul this runtime has held.
   */
  attach(carrier: Carrier<string>, kind: CarrierKind): () => void {
    const guard: LeakCheck = { leaks: (v) => this.secrets.leaks(v) || (this.current?.ns.guard.leaks(v) ?? false) }
    const link = kind === 'local' ? carrier : guardCarrier(carrier, guard, () => this.log.warn(`withheld a frame to a ${kind}: it contained a secret`))
    const stop = serveBus(link, { dataPlane: this.dataPlane, router: (req) => this.route(kind, req), peer: `${kind}#${++this.carriersServed}` })
    link.onClose(stop)
    return stop
  }

  private route(kind: CarrierKind, request: unknown): Promise<ControlReply> {
    const ns = this.current?.ns
    if (!ns) return Promise.resolve(fail('The nara is starting; try again in a moment.'))
    let byKind = this.routers.get(ns)
    if (!byKind) this.routers.set(ns, (byKind = new Map()))
    let router = byKind.get(kind)
    if (!router) byKind.set(kind, (router = ns.routerFor(kind, kind === 'renderer' ? this.opts.rendererExtra : {})))
    return router(request)
  }

  /** The runtime's commands, served on every carrier and on the control socket. */
  handlers(): ExtraHandlers {
    return {
      'first-run.status': () => this.firstRunStatus(),
      'first-run.join': (req) => this.serial(() => this.firstRunJoin(req)),
      'settings.get': () => ({ ok: true, settings: this.settings.get(), keychain: this.keychain.available, runtime: this.view() }),
      'settings.set': (req) => this.serial(() => this.applySettings(req.settings)),
      'mqtt.password.set': async (req) => {
        if (!this.keychain.available) return fail(this.keychain.reason)
        const s = this.settings.get()
        this.secrets.add(req.password)
        await this.keychain.store.set(mqttAccount(s.mqttUser, s.brokerUrl), req.password)
        return { ok: true }
      },
      join: async () => {
        if (!this.current?.started) return fail('Choose how to join first (the Join screen).')
        if (this.current.node.nodeState === 'offline') this.followJoin()
        return { ok: true, state: await this.current.node.join() }
      },
      leave: async () => {
        const n = this.current?.node
        if (!n) return { ok: true, state: 'offline' }
        this.joinFlow.dispatch({ type: 'cancel' })
        return { ok: true, state: await n.leave() }
      }
    }
  }

  async firstRunStatus(): Promise<ControlReply> {
    const s = await resolveStartupSoul(this.soulContext(), this.keychain)
    const base = { phase: this.phase, keychain: this.keychain.available, runtime: this.view() }
    if (this.phase === 'running' && this.current) return { ok: true, ...base, kind: 'ready', name: this.current.identity.name }
    return s.kind === 'ready' ? { ok: true, ...base, kind: 'ready', name: s.identity.name, source: s.source } : { ok: true, ...base, ...s }
  }

  /** Say chau and release everything within the budget. */
  async stop(budgetMs = 1500): Promise<void> {
    this.joinFlow.dispose()
    this.probes.abort()
    const c = this.current
    this.current = null
    if (!c) return
    await c.mdns?.stop()
    await c.node.stop(budgetMs)
    await c.ns.close()
  }

  // --- inside ------------------------------------------------------------------------------

  private serial<T>(work: () => Promise<T>): Promise<T> {
    const p = this.queue.then(work, work)
    this.queue = p.catch(() => undefined)
    return p
  }

  private soulContext(name = this.settings.get().name): SoulContext {
    const given = this.opts.givenSoul
    return {
      name,
      hostname: this.opts.machine.hostname,
      fingerprint: this.opts.machine.fingerprint,
      argvSoul: given?.source === 'argument' ? given.text : null,
      envSoul: given?.source === 'environment' ? given.text : null,
      nativeWithoutStorage: this.nativeWithoutStorage || this.settings.get().soulSource === 'native-unstored'
    }
  }

  private followJoin(): void {
    this.joinFlow.dispatch({ type: 'start', broker: this.brokerOf(this.settings.get()) })
    this.joinFlow.dispatch({ type: 'soul-ready' })
  }

  private brokerOf(s: Settings): string {
    return s.plaza === 'broker' ? s.brokerUrl : 'mqtt://127.0.0.1:1883'
  }

  private publishView(): void {
    const v = this.view()
    this.dataPlane.put(keys.runtime, v)
    this.emit('view', v)
  }

  /** Builds node + mesh + nervous system for the identity; starts it when asked. */
  private async launch(who: Identity, start: boolean, settings = this.settings.get(), trialPassword?: string): Promise<{ ok: true } | { ok: false; error: string }> {
    const password = await this.passwordFor(settings, trialPassword)
    this.secrets.add(who.soulText)
    this.secrets.add(password)
    const plan = planMesh({ listen: settings.meshListen, meshIP: settings.meshIP, transport: settings.transport, detect: this.opts.machine.detectMeshIP, scanCidr: this.opts.meshScanCidr })
    if ('error' in plan) return { ok: false, error: plan.error }
    const cfg = nodeConfigFor(settings, who, password, plan.on ? plan.meshIP : '', this.opts.overlay)
    if (!cfg.ok) return { ok: false, error: cfg.errors.join('; ') }
    await this.retire()
    const node = new NaraNode({ config: cfg.config, identity: who, log: this.log, clock: this.clock })
    const mesh = plan.on && start ? new NodeMesh({ listen: plan.listen, transport: settings.transport, ...(plan.scanCidr ? { scanCidr: plan.scanCidr } : {}) }) : null
    if (mesh) node.attachMesh(mesh)
    this.mesh = plan
    const ns = createNervousSystem(node, { logger: this.log, secrets: this.secrets, extra: this.handlers(), dataPlane: this.dataPlane })
    ns.setDashboardUrl(this.dashboardUrl)
    node.on('plaza', (signal) => {
      this.joinFlow.dispatch(joinEventFor(signal))
      if (signal.kind === 'lost') void this.stepOffIfNameTaken(node, settings)
    })
    node.on('lifecycle', (step) => {
      if (step.step === 'left') {
        this.joinFlow.dispatch({ type: 'cancel' })
        this.lastProgress = step
        this.dataPlane.put(keys.join, step)
      }
    })
    this.current = { node, ns, identity: who, started: start }
    if (start) this.phase = 'running'
    this.emit('node', node, ns)
    this.publishView()
    if (this.opts.controlSocket !== false) {
      const taken = await ns.startControlSocket(who.name, { env: this.opts.controlSocket?.env ?? process.env }).then(
        (sock) => void this.log.info(`control socket: ${sock.path}`),
        (e: unknown) => {
          const msg = e instanceof Error ? e.message : String(e)
          this.log.warn(`control socket unavailable: ${msg}`)
          return /already listening/.test(msg) ? msg : undefined
        }
      )
      // The socket is keyed on the name in the user's runtime dir: dev and packaged builds share it.
      if (taken && this.opts.oneInstancePerSoul && start) {
        this.problem = `Another Nara already runs "${who.name}" on this computer (${taken.replace(/^a node is already listening on /, '')}). Quit it first: two nodes with one soul would fight on the plaza.`
        this.current.started = false
        this.publishView()
        return { ok: false, error: this.problem }
      }
    }
    if (!start) return { ok: true }
    this.followJoin()
    await node.start().catch((e: unknown) => {
      this.joinFlow.dispatch({ type: 'connect-failed', error: e })
      this.problem = explainJoinError(e, this.brokerOf(settings))
      this.publishView()
    })
    if (mesh && plan.on && this.opts.mdns && this.current?.node === node) this.current.mdns = this.announce(who.name, plan, mesh)
    return { ok: true }
  }

  /** The broker password for these settings: given for this attempt, on the command line, for this session, or kept in the keychain. */
  private async passwordFor(settings: Settings, trial?: string): Promise<string | null> {
    const stored = async (): Promise<string | null> =>
      settings.mqttUser && this.keychain.available ? this.keychain.store.get(mqttAccount(settings.mqttUser, settings.brokerUrl)).catch(() => null) : null
    return trial ?? this.opts.mqttPassword ?? this.sessionPassword ?? (await stored())
  }

  /**
   * Does another nara hold `name` on the broker these settings reach? Asked before we connect
   * under the name (which would throw the holder off the plaza). Our own running node under that
   * name is not asked about: the join replaces it.
   */
  private async nameTaken(name: string, settings: Settings, trialPassword?: string): Promise<boolean> {
    if (this.current?.started && this.current.identity.name === name) return false
    return this.heldElsewhere(name, settings, trialPassword)
  }

  /**
   * The broker closed our connection. If another nara now answers under our name, it took our
   * client id (a session takeover): reconnecting would throw it off and be thrown off in turn,
   * for ever. We leave the plaza and say why instead. A network drop or a broker restart leaves
   * nobody answering, and the node reconnects as before.
   */
  private async stepOffIfNameTaken(node: NaraNode, settings: Settings): Promise<void> {
    if (!(await this.heldElsewhere(node.name, settings, undefined, NAME_PROBE_AFTER_CONNECT_MS))) return
    // Reconnected meanwhile (and thrown the holder off): its return drops us again and we ask again then.
    if (this.current?.node !== node || node.nodeState === 'offline' || node.plazaConnected) return
    await node.leave()
    const broker = this.brokerOf(settings)
    this.problem = `${nameTakenMessage(node.name, broker)} This nara left the plaza instead of throwing it off again.`
    this.lastProgress = { step: 'error', message: this.problem, atMs: this.clock.nowMs() }
    this.dataPlane.put(keys.join, this.lastProgress)
    this.publishView()
  }

  private async heldElsewhere(name: string, settings: Settings, trialPassword?: string, answerMs?: number): Promise<boolean> {
    const o = this.opts.nameProbe
    if (o === false || settings.plaza !== 'broker') return false
    const password = await this.passwordFor(settings, trialPassword)
    const r = await probeName({
      broker: settings.brokerUrl,
      name,
      ...(settings.mqttUser ? { username: settings.mqttUser } : {}),
      ...(password ? { password } : {}),
      clock: this.clock,
      random: systemRandom,
      ...(o?.connectMs ? { connectMs: o.connectMs } : {}),
      ...(o?.answerMs || answerMs ? { answerMs: Math.max(o?.answerMs ?? 0, answerMs ?? 0) } : {}),
      signal: this.probes.signal
    })
    if (r.kind === 'unknown') this.log.debug(`name probe: ${r.why}`)
    return r.kind === 'taken'
  }

  /** mDNS: tell the LAN where our mesh listens; every peer heard of is pinged before it is trusted. */
  private announce(name: string, plan: Extract<MeshPlan, { on: true }>, mesh: NodeMesh): MeshMdns | undefined {
    const host = plan.listen.host === '0.0.0.0' || plan.listen.host === '' ? plan.meshIP : plan.listen.host
    if (!/^\d+\.\d+\.\d+\.\d+$/.test(host)) return undefined
    const o = typeof this.opts.mdns === 'object' ? this.opts.mdns : {}
    return startMeshMdns({
      name,
      meshIP: host,
      port: plan.listen.port,
      ...(o.everyMs ? { everyMs: o.everyMs } : {}),
      ...(o.socket ? { socket: o.socket } : {}),
      onPeer: (p) => void mesh.mesh?.discovery.probe(p.meshIP),
      onError: (e) => this.log.debug(`mdns: ${e.message}`)
    })
  }

  /** Stops the current node (chau if it was on the plaza) and its nervous system. */
  private async retire(): Promise<void> {
    const c = this.current
    if (!c) return
    this.current = null
    await c.mdns?.stop()
    await c.node.stop(1500)
    await c.ns.close() // its bridge leaves the runtime's data plane; the front ends stay
  }

  /**
   * The first-run join: checks the choices, grows or imports the soul, and tries the plaza. Only
   * a join the plaza answered is kept: settings, soul and password are saved after that, and on
   * any failure the previous configuration is running again and nothing was written.
   */
  private async firstRunJoin(req: Extract<Parameters<NonNullable<ExtraHandlers['first-run.join']>>[0], object>): Promise<ControlReply> {
    const before = this.settings.get()
    const patch: Record<string, unknown> = { plaza: req.plaza, name: req.name }
    if (req.brokerUrl !== undefined) patch['brokerUrl'] = req.brokerUrl
    if (req.mqttUser !== undefined) patch['mqttUser'] = req.mqttUser
    const merged = mergeSettings(before, patch)
    if (!merged.ok) return { ok: false, error: 'Some choices are not valid', problems: merged.problems } as ControlReply
    const next = merged.settings
    if (next.plaza === 'broker' && req.mqttPassword && !next.mqttUser) return fail('A broker password needs a user name.')

    this.joinFlow.dispatch({ type: 'start', broker: this.brokerOf(next) })
    const soulFailed = (error: string): ControlReply => {
      this.joinFlow.dispatch({ type: 'soul-failed', reason: error })
      return fail(error)
    }
    const chosen = await chooseJoinSoul(this.soulContext(next.name), this.keychain, { ...req, name: next.name ?? '' }, this.opts.givenSoul != null)
    if (!chosen.ok) return soulFailed(chosen.error)
    const { identity: who, storeSoul } = chosen
    // The soul is ready; asking the plaza about the name is the first part of connecting to it.
    this.joinFlow.dispatch({ type: 'soul-ready' })
    if (await this.nameTaken(who.name, next, req.mqttPassword)) {
      // Nothing was launched or written: whatever ran before is still running.
      const state = this.joinFlow.dispatch({ type: 'name-taken', name: who.name })
      const error = state.step === 'error' ? state.message : nameTakenMessage(who.name, next.brokerUrl)
      // A running nara shows it as its problem line; the first-run screen has it in the reply and
      // keeps its own line (on the no-keychain screen, the keychain's reason).
      if (this.current?.started) {
        this.problem = error
        this.publishView()
      }
      return fail(error)
    }

    const wasRunning = this.current?.started === true ? this.current.identity : null
    if (req.mqttPassword) this.secrets.add(req.mqttPassword)
    const trial = await this.launch(who, true, next, req.mqttPassword)
    if (!trial.ok) {
      this.joinFlow.dispatch({ type: 'cancel' })
      return fail(trial.error)
    }
    const outcome = await awaitJoinOutcome(this.joinFlow, (f) => (this.on('progress', f), () => this.off('progress', f)), this.clock, this.opts.joinConfirmMs ?? 8000)
    if (!outcome.ok) {
      // Back to what worked before; nothing of this attempt is kept.
      this.problem = outcome.error
      if (wasRunning) await this.launch(wasRunning, true, before)
      else await this.launch(soulIdentity(this.soulContext(before.name), ''), false, before)
      if (!wasRunning) this.phase = this.keychain.available ? 'first-run' : 'no-keychain'
      this.joinFlow.dispatch({ type: 'cancel' })
      this.lastProgress = { step: 'error', message: outcome.error, atMs: this.clock.nowMs() }
      this.dataPlane.put(keys.join, this.lastProgress)
      this.publishView()
      return fail(outcome.error)
    }
    try {
      if (storeSoul && this.keychain.available) await this.keychain.store.set(soulAccount(who.name), storeSoul)
      if (req.mqttPassword && next.mqttUser) {
        // Without a keychain the password lives for this session only.
        if (this.keychain.available) await this.keychain.store.set(mqttAccount(next.mqttUser, next.brokerUrl), req.mqttPassword)
        else this.sessionPassword = req.mqttPassword
      }
    } catch (e) {
      this.problem = explainKeychainError(e)
    }
    const unstored = req.nativeWithoutStorage === true && !this.keychain.available
    if (unstored) this.nativeWithoutStorage = true
    // The choice (not the soul) is remembered, so the next start runs without asking again.
    const saved = this.settings.update({ ...patch, name: who.name, soulSource: unstored ? 'native-unstored' : 'keychain' })
    if (!saved.ok) return { ok: false, error: 'Some choices are not valid', problems: saved.problems } as ControlReply
    this.problem = null
    this.phase = 'running'
    this.publishView()
    return { ok: true, name: who.name, keychain: this.keychain.available }
  }

  /** Validated settings; a change of plaza, name, transport or mesh leaves, rebuilds and re-joins. */
  private async applySettings(patch: Record<string, unknown>): Promise<ControlReply> {
    const before = this.settings.get()
    const r = this.settings.update(patch)
    if (!r.ok) return { ok: false, error: 'Some settings are not valid', problems: r.problems } as ControlReply
    if (!changeNeedsRejoin(before, r.settings) || !this.current) {
      this.publishView()
      return { ok: true, settings: r.settings, rejoined: false }
    }
    const c = this.current
    const wasOn = c.started && (c.node.nodeState === 'online' || c.node.nodeState === 'joining')
    let who = c.identity
    if (before.name !== r.settings.name && !this.opts.givenSoul) {
      const s = await resolveStartupSoul(this.soulContext(r.settings.name), this.keychain)
      who = s.kind === 'ready' ? s.identity : soulIdentity(this.soulContext(r.settings.name), '')
      // A new name grows its native soul; kept in the keychain so the next start is the same nara.
      if (s.kind === 'first-run' && this.keychain.available && c.started) {
        await this.keychain.store.set(soulAccount(who.name), who.soulText).catch((e: unknown) => (this.problem = explainKeychainError(e)))
      }
    }
    const launched = await this.launch(who, wasOn || c.started)
    if (!launched.ok) {
      this.settings.update(before)
      await this.launch(c.identity, c.started, before)
      return fail(launched.error)
    }
    return { ok: true, settings: r.settings, rejoined: wasOn }
  }
}

export function createRuntime(opts: RuntimeOptions): NaraRuntime {
  return new NaraRuntime(opts)
}
