/**
 * The nervous system of one running node (RFC-0910): its data plane with the node bridged onto
 * it, the command router, the health SURVEY over the node's subsystems, lifecycle PUB/SUB, and
 * the two ways in from outside — carriers (Electron MessagePorts, the UI WebSocket, in-process)
 * and the NNG-compatible local control socket. `nara run` and the Electron main both build
 * exactly this, so every view talks to the same wiring.
 *
 * The soul never leaves through it: `soul.export` is refused on every carrier unless the shell
 * supplies its own handler for a renderer carrier (Electron: a native dialog and the clipboard),
 * and is always refused on the WebSocket; every reply and every frame to a renderer or the
 * WebSocket is checked against all encodings of the soul and withheld (counted) on a hit.
 */
import type { Clock } from '../clock'
import type { Logger } from '../config'
import type { ControlReply } from '../control'
import type { NaraNode } from '../node'
import type { LifecycleView, NodeState, SelfView } from '../views'
import type { Carrier } from './carriers/carrier'
import { createCommandRouter, fail, type CommandRouter, type ExtraHandlers } from './control/router'
import { PubSub } from './control/pubsub'
import { LocalSurvey, checkHealth, type HealthAnswer, type HealthReport } from './control/survey'
import { DataPlane, type DataPlaneSessionOptions } from './dataPlane'
import { serveBus } from './serveBus'
import { bridgeNode, type BridgeOptions, type NodeBridge } from './nodeBridge'
import { startControlSocket as startSpControlSocket, type ControlSocket, type ControlSocketOptions } from './nng/controlSocket'
import { busHealth, ledgerHealth, meshAttached, meshHealth, plazaHealth } from './ns-health'
import { SoulGuard, guardCarrier, type LeakCheck } from './ns-secrets'

/** Where a carrier leads: a renderer (Electron window), the headless UI's WebSocket, or main itself. */
export type CarrierKind = 'renderer' | 'websocket' | 'local'

export interface NervousSystemOptions {
  /** Timers for the survey deadline and data-plane queries (default: the node's clock). */
  clock?: Clock
  /** Where the nervous system reports (every line passes the soul guard). */
  logger?: Logger
  /** Handlers this shell answers on every carrier and the control socket (desktop: settings.*). */
  extra?: ExtraHandlers
  /** Health survey deadline (default 500 ms: inside nngcat's 1 s survey time). */
  healthDeadlineMs?: number
  /** More secrets to keep off outgoing carriers (e.g. the shell's SecretRegistry with passwords). */
  secrets?: LeakCheck
  bridge?: BridgeOptions
  /** A data plane that outlives this nervous system (the runtime's, kept across node swaps). */
  dataPlane?: DataPlane
}

export interface ServeOptions {
  /** Default 'renderer'. */
  kind?: CarrierKind
  /** Names the peer in the REP server's resend cache. */
  peer?: string
  /** Handlers for this carrier only, e.g. the desktop's `soul.export` (dialog + clipboard). */
  extra?: ExtraHandlers
  session?: DataPlaneSessionOptions
}

/** Lifecycle notices on PUB/SUB. Topics: `lifecycle/<step>`, `state/<state>`, `carrier/attached`, `carrier/detached`, `ns/closing`. */
export interface NervousNotice {
  atMs: number
  message: string
  state?: NodeState
  step?: LifecycleView['step']
}

export interface NervousSystemStats {
  carriers: number
  carriersServed: number
  /** Frames and replies kept back because they contained a secret (a bug if ever non-zero). */
  withheld: number
  /** soul.export requests refused. */
  soulExportsRefused: number
}

export interface NervousSystem {
  readonly node: NaraNode
  readonly dataPlane: DataPlane
  readonly bridge: NodeBridge
  /** The command router for main itself and the control socket (soul.export refused). */
  readonly router: CommandRouter
  readonly survey: LocalSurvey<'health', HealthAnswer>
  readonly pubsub: PubSub<NervousNotice>
  readonly guard: SoulGuard
  readonly log: Logger
  readonly stats: NervousSystemStats
  /** The control socket, once started. */
  readonly controlSocket: ControlSocket | null
  /** "Every subsystem: are you OK?" within the deadline; concurrent calls share one survey. */
  health(deadlineMs?: number): Promise<HealthReport>
  /** A router as a carrier of this kind answers (used by serveCarrier; the UI server may reuse it). */
  routerFor(kind: CarrierKind, extra?: ExtraHandlers): CommandRouter
  /** Serves both planes over the carrier (multiplex + DataPlaneSession + REP); returns the detach. */
  serveCarrier(carrier: Carrier<string>, opts?: ServeOptions): () => void
  /** The carrier as this kind must see it: frames to a renderer or the WebSocket pass the soul guard. */
  protect(carrier: Carrier<string>, kind: CarrierKind): Carrier<string>
  /** NNG REP + RESPONDENT on `$XDG_RUNTIME_DIR/nara/<name>.sock` for the CLI and nngcat. */
  startControlSocket(name?: string, opts?: Omit<ControlSocketOptions, 'route' | 'extra'>): Promise<ControlSocket>
  /**
   * The dashboard link (with its token) while `nara run --ui` serves one: the local status reply
   * carries it, so `nara status` can show it again. Never sent over a renderer or WebSocket carrier.
   */
  setDashboardUrl(url: string | null): void
  /** Detaches from the node, closes carriers and the control socket (the node keeps running). */
  close(): Promise<void>
}

export const SOUL_REFUSALS: Record<CarrierKind, string> = {
  renderer: 'the soul is never sent to the window; use the app\'s soul export (it copies after a confirmation) or run `nara soul` in a terminal on this machine',
  websocket: 'the soul is never sent over the UI connection; run `nara soul` in a terminal on this machine',
  local: 'the soul is never sent over the control socket; run `nara soul` in a terminal on this machine'
}

const WITHHELD = 'internal error: reply withheld (it contained a secret)'

export function createNervousSystem(node: NaraNode, opts: NervousSystemOptions = {}): NervousSystem {
  const clock = opts.clock ?? node.clock
  const guard = new SoulGuard(node.identity.soul, opts.secrets ?? null)
  const sink = opts.logger
  const log: Logger = {
    debug: (m) => sink?.debug(guard.redact(m)),
    info: (m) => sink?.info(guard.redact(m)),
    warn: (m) => sink?.warn(guard.redact(m))
  }
  const healthDeadlineMs = opts.healthDeadlineMs ?? 500
  const stats: NervousSystemStats = { carriers: 0, carriersServed: 0, withheld: 0, soulExportsRefused: 0 }

  const dataPlane = opts.dataPlane ?? new DataPlane({ clock })
  const bridge = bridgeNode(node, dataPlane, opts.bridge)
  const pubsub = new PubSub<NervousNotice>()
  const survey = new LocalSurvey<'health', HealthAnswer>(clock, healthDeadlineMs)
  const carriers = new Set<{ carrier: Carrier<string>; detach: () => void }>()
  let controlSocket: ControlSocket | null = null
  let dashboardUrl: string | null = null
  let closed = false

  // --- lifecycle PUB/SUB, fed by the node ------------------------------------------------------
  let lastState: NodeState = node.nodeState
  const onLifecycle = (v: LifecycleView): void => {
    pubsub.publish(`lifecycle/${v.step}`, { atMs: v.atMs, message: v.message, step: v.step })
  }
  const onSelf = (v: SelfView): void => {
    if (v.state === lastState) return
    lastState = v.state
    pubsub.publish(`state/${v.state}`, { atMs: clock.nowMs(), message: `node ${v.state}`, state: v.state })
  }
  node.on('lifecycle', onLifecycle)
  node.on('self', onSelf)

  // --- health SURVEY ---------------------------------------------------------------------------
  survey.register('plaza', () => plazaHealth(node))
  survey.register('ledger', () => ledgerHealth(node))
  survey.register('bus', () =>
    busHealth({
      closed,
      carriers: carriers.size,
      published: dataPlane.counters.published,
      dropped: dataPlane.counters.dropped,
      withheld: stats.withheld,
      controlSocket: controlSocket?.path ?? null
    })
  )
  let unregisterMesh: (() => void) | null = null
  const syncMeshRespondent = (): void => {
    if (meshAttached(node) && !unregisterMesh) unregisterMesh = survey.register('mesh', () => meshHealth(node))
    else if (!meshAttached(node) && unregisterMesh) {
      unregisterMesh()
      unregisterMesh = null
    }
  }
  let running: Promise<HealthReport> | null = null
  const health = (deadlineMs = healthDeadlineMs): Promise<HealthReport> => {
    if (running) return running
    syncMeshRespondent()
    running = checkHealth(survey, deadlineMs).finally(() => (running = null))
    return running
  }

  // --- control plane ---------------------------------------------------------------------------
  const withheld = (what: string): void => {
    stats.withheld++
    log.warn(`withheld ${what}: it contained a secret (a bug; please report it)`)
  }
  const routerFor = (kind: CarrierKind, extra: ExtraHandlers = {}): CommandRouter => {
    const refuse = (): ControlReply => {
      stats.soulExportsRefused++
      return fail(SOUL_REFUSALS[kind])
    }
    const handlers: ExtraHandlers = {
      health: async () => ({ ok: true, ...(await health()) }),
      'soul.export': refuse,
      ...opts.extra,
      ...extra
    }
    // Whatever a shell passes, the WebSocket (reachable beyond this process) never exports.
    if (kind === 'websocket') handlers['soul.export'] = refuse
    // Only the user's own processes reach the local carriers: they may learn where to find us.
    if (kind === 'local' && !handlers.status) {
      handlers.status = () => ({ ok: true, ...node.status(), controlSocket: controlSocket?.path ?? null, dashboard: dashboardUrl })
    }
    const route = createCommandRouter(node, handlers)
    return async (request) => {
      const reply = await route(request)
      if (!guard.leaks(reply)) return reply
      withheld('a control reply')
      return fail(WITHHELD)
    }
  }
  const router = routerFor('local')

  /** Frames leaving towards a renderer or the WebSocket pass the soul guard; main's own carriers need not. */
  const protect = (carrier: Carrier<string>, kind: CarrierKind): Carrier<string> =>
    kind === 'local' ? carrier : guardCarrier(carrier, guard, () => withheld(`a frame to a ${kind}`))

  const serveCarrier = (carrier: Carrier<string>, serve: ServeOptions = {}): (() => void) => {
    if (closed) {
      carrier.close()
      return () => {}
    }
    const kind = serve.kind ?? 'renderer'
    const link = protect(carrier, kind)
    const stop = serveBus(link, {
      dataPlane,
      router: routerFor(kind, serve.extra),
      peer: serve.peer ?? `${kind}#${stats.carriersServed + 1}`,
      session: serve.session
    })
    let detached = false
    const entry = {
      carrier,
      detach: (): void => {
        if (detached) return
        detached = true
        carriers.delete(entry)
        stats.carriers = carriers.size
        stop()
        pubsub.publish('carrier/detached', { atMs: clock.nowMs(), message: `${kind} carrier detached` })
      }
    }
    carriers.add(entry)
    stats.carriers = carriers.size
    stats.carriersServed++
    link.onClose(entry.detach)
    pubsub.publish('carrier/attached', { atMs: clock.nowMs(), message: `${kind} carrier attached` })
    return entry.detach
  }

  return {
    node,
    dataPlane,
    bridge,
    router,
    survey,
    pubsub,
    guard,
    log,
    stats,
    get controlSocket() {
      return controlSocket
    },
    health,
    routerFor,
    serveCarrier,
    setDashboardUrl(url) {
      dashboardUrl = url
    },
    protect,
    async startControlSocket(name = node.name, socketOpts = {}) {
      if (closed) throw new Error('nervous system closed')
      if (controlSocket) return controlSocket
      controlSocket = await startSpControlSocket(node, name, { clock, ...socketOpts, route: router })
      log.debug(`control socket: ${controlSocket.path}`)
      return controlSocket
    },
    async close() {
      if (closed) return
      pubsub.publish('ns/closing', { atMs: clock.nowMs(), message: 'nervous system closing' })
      closed = true
      node.off('lifecycle', onLifecycle)
      node.off('self', onSelf)
      for (const c of [...carriers]) {
        c.detach()
        c.carrier.close()
      }
      const sock = controlSocket
      controlSocket = null
      await sock?.close()
      bridge.close()
      survey.surveyor.close()
    }
  }
}
