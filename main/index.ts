/**
 * Nara Desktop's Electron entry: composes the desktop modules (main/desktop/*) around the node.
 * Every decision lives in those plain, tested modules; this file only connects them to Electron.
 */
import { app, BrowserWindow, clipboard, dialog, ipcMain, powerMonitor, protocol, shell, type MessagePortMain } from 'electron'
import { readFile } from 'node:fs/promises'
import { hostname } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { systemClock } from './core/clock'
import { hardwareFingerprint, readHostId, readMacs } from './core/protocol/hardware'
import type { Identity } from './core/protocol/identity'
import type { NeighbourView, NodeState } from './core/views'
import { messagePortCarrier } from './core/bus/carriers/messagePort'
import { createNervousSystem, type NervousSystem } from './core/bus/nervousSystem'
import type { Logger } from './core/config'
import type { NaraNode } from './core/node'
import { createBusHost, quitSteps } from './core/runtime/bus-host'
import { explainJoinError, joinEventFor, JoinFlow } from './core/runtime/join-flow'
import { installIpcBridge, createRendererPush, type DesktopHandler } from './desktop/ipc-bridge'
import type { DesktopReply } from './desktop/ipc-channels'
import { explainKeychainError, mqttAccount, probeKeychain, type KeychainStatus } from './core/runtime/keychain'
import { openKeytarStore } from './core/runtime/keychain-keytar'
import { installLifecycle, type PowerEvents } from './desktop/lifecycle'
import type { MenuAction } from './desktop/menu-model'
import { createNotifier } from './desktop/notifications'
import { NotificationPolicy, type NavigationIntent } from './core/runtime/notifications-policy'
import { createNaraNode, nodeConfigFor } from './core/runtime/node-host'
import { createPowerController } from './desktop/power'
import { APP_SCHEME_PRIVILEGES, serveAppRequest } from './desktop/protocol-app'
import { createQuitSequence } from './core/runtime/quit-sequence'
import { createSoulExporter } from './desktop/soul-export'
import { createReconfigurer } from './core/runtime/reconfigure'
import { SecretRegistry, redactingLogger } from './core/runtime/secrecy'
import { APP_SCHEME, isAllowedExternalUrl } from './desktop/security'
import { openSettingsStore } from './desktop/settings'
import { notificationSwitches, type Settings } from './core/runtime/settings-schema'
import { claimSingleInstance } from './desktop/single-instance'
import { adoptNativeSoul, importSoul, readSoulForExport, resolveStartupSoul, soulFromArgv, type SoulContext, type StartupSoul } from './core/runtime/soul-store'
import { createTray, type TrayController } from './desktop/tray'
import { createMainWindow, showWindow } from './desktop/window'

const here = dirname(fileURLToPath(import.meta.url))
const rendererDir = join(here, '../renderer')
const preloadPath = join(here, '../preload/index.cjs')
const resourcesDir = app.isPackaged ? join(process.resourcesPath, 'resources') : join(app.getAppPath(), 'resources')
const devServerUrl = !app.isPackaged ? (process.env['ELECTRON_RENDERER_URL'] ?? null) : null

const secrets = new SecretRegistry()
const log = redactingLogger(secrets)
const nodeLog: Logger = {
  debug: () => {},
  info: (m) => log(m),
  warn: (m) => log('!', m)
}

protocol.registerSchemesAsPrivileged([APP_SCHEME_PRIVILEGES])

let window: BrowserWindow | null = null
let quitting = false

function openWindow(): BrowserWindow {
  window = showWindow(window, () =>
    createMainWindow({
      BrowserWindow,
      preloadPath,
      iconPath: join(resourcesDir, 'icon.png'),
      ...(devServerUrl ? { url: devServerUrl } : {}),
      openExternal: (url) => void openExternalSafely(url),
      isQuitting: () => quitting,
      onSessionEnd: () => app.quit()
    })
  )
  return window
}

function openExternalSafely(url: string): Promise<void> {
  return isAllowedExternalUrl(url) ? shell.openExternal(url) : Promise.resolve()
}

if (claimSingleInstance(app, () => openWindow())) {
  void app.whenReady().then(main, (e: unknown) => log('startup failed:', e instanceof Error ? e.message : String(e)))
}

async function main(): Promise<void> {
  protocol.handle(APP_SCHEME, (req) => serveAppRequest(rendererDir, req.url, (p) => readFile(p)))
  const settings = openSettingsStore()
  const keychain: KeychainStatus = await probeKeychain(() => openKeytarStore()).catch((e: unknown) => ({ available: false as const, reason: explainKeychainError(e) }))
  let nativeWithoutStorage = false
  const soulCtx = (): SoulContext => ({
    name: settings.get().name,
    hostname: hostname().split('.')[0] ?? '',
    fingerprint: () => hardwareFingerprint(readHostId(), readMacs()),
    argvSoul: soulFromArgv(process.argv),
    envSoul: process.env['NARA_SOUL'] ?? null,
    nativeWithoutStorage
  })

  let node: NaraNode | null = null
  /** The running node's RFC-0910 nervous system: data plane, router, survey, carriers, control socket. */
  let ns: NervousSystem | null = null
  let identity: Identity | null = null
  let nodeState: NodeState = 'offline'
  let problem: string | null = null
  const neighbours = new Map<string, NeighbourView>()
  const push = createRendererPush(() => (window && !window.isDestroyed() ? window.webContents : null), secrets)

  const brokerOf = (s: Settings): string => (s.plaza === 'embedded' ? 'mqtt://127.0.0.1:1883' : s.brokerUrl)
  // The one-click join, each step with its deadline; its progress goes to the window and the tray.
  let joinProblem: string | null = null
  const joinFlow = new JoinFlow({
    clock: systemClock,
    onProgress: (progress, state) => {
      push.joinProgress(progress)
      if (state.step === 'error') problem = joinProblem = progress.message
      else if (problem !== null && problem === joinProblem) problem = joinProblem = null
      refreshTray()
    }
  })
  /** (Re)starts the flow for a node whose soul is already in hand (startup, reconfigure, rejoin). */
  const followJoin = (): void => {
    joinFlow.dispatch({ type: 'start', broker: brokerOf(settings.get()) })
    joinFlow.dispatch({ type: 'soul-ready' })
  }
  const rejoin = async (): Promise<unknown> => {
    if (!node) return undefined
    if (nodeState === 'offline') followJoin()
    return node.join()
  }

  const navigate = (intent: NavigationIntent): void => {
    openWindow()
    push.navigate(intent)
  }
  const policy = new NotificationPolicy({
    clock: systemClock,
    switches: () => notificationSwitches(settings.get()),
    deliver: createNotifier(join(resourcesDir, 'icon.png'), navigate)
  })
  policy.noteStarted()

  let tray: TrayController | null = null
  const refreshTray = (): void => {
    const s = settings.get()
    tray?.update({
      nodeState,
      neighboursOnline: [...neighbours.values()].filter((n) => n.status === 'ONLINE').length,
      neighbours: [...neighbours.values()].filter((n) => n.status === 'ONLINE').map((n) => n.name),
      name: identity?.name ?? s.name,
      problem,
      notificationsOn: s.notifications.enabled,
      startAtLogin: app.getLoginItemSettings().openAtLogin,
      // Electron registers login items on macOS and Windows only.
      startAtLoginSupported: process.platform === 'darwin' || process.platform === 'win32'
    })
  }

  // The soul goes keychain → clipboard after a native confirmation; the window learns only `copied`.
  const exportSoul = createSoulExporter({
    available: () => keychain.available && identity !== null,
    confirm: async () => {
      const choice = await dialog.showMessageBox({
        type: 'warning',
        buttons: ['Cancel', 'Copy soul to clipboard'],
        defaultId: 0,
        cancelId: 0,
        message: 'Copy your soul?',
        detail: 'Anyone who has your soul can be your nara. Paste it only into a place you trust (a password manager).'
      })
      return choice.response === 1
    },
    readSoul: async () => (keychain.available && identity ? readSoulForExport(keychain.store, identity.name) : null),
    copy: (soul) => clipboard.writeText(soul)
  })
  const busHost = createBusHost({ serve: { kind: 'renderer', extra: { 'soul.export': () => exportSoul() } } })

  const startNode = async (who: Identity): Promise<void> => {
    identity = who
    secrets.add(who.soulText)
    const s = settings.get()
    const password = s.mqttUser && keychain.available ? await keychain.store.get(mqttAccount(s.mqttUser, s.brokerUrl)) : null
    secrets.add(password)
    const cfg = nodeConfigFor(s, who, password)
    if (!cfg.ok) {
      joinFlow.dispatch({ type: 'cancel' })
      problem = cfg.errors.join('; ')
      return refreshTray()
    }
    problem = null
    if (ns) {
      busHost.use(null)
      await ns.close()
    }
    const created = createNaraNode(cfg.config, who)
    node = created
    created.on('plaza', (signal) => joinFlow.dispatch(joinEventFor(signal)))
    followJoin()
    // Built before start() so the window sees the join from its first step.
    ns = createNervousSystem(created, { logger: nodeLog, secrets })
    busHost.use(ns)
    void ns.startControlSocket(who.name).then(
      (sock) => log('control socket:', sock.path),
      (e: unknown) => log('control socket unavailable:', e instanceof Error ? e.message : String(e))
    )
    node.on('self', (self) => {
      if (self.state === 'online' && nodeState !== 'online') policy.noteOnline()
      nodeState = self.state
      refreshTray()
    })
    node.on('lifecycle', (step) => {
      // Going quiet ends any join in progress (and its deadline).
      if (step.step === 'left') joinFlow.dispatch({ type: 'cancel' })
    })
    node.on('peer', (p) => {
      neighbours.set(p.name, p)
      policy.observe(p.name, p.status)
      refreshTray()
    })
    refreshTray()
    await node.start().catch((e: unknown) => {
      joinFlow.dispatch({ type: 'connect-failed', error: e })
      problem = explainJoinError(e, brokerOf(s))
      refreshTray()
    })
  }

  const runMenu = (a: MenuAction): void => {
    switch (a.kind) {
      case 'join':
        void rejoin()
        break
      case 'leave':
        policy.noteManualLeave()
        void node?.leave()
        break
      case 'open-window':
        openWindow()
        break
      case 'open-profile':
        navigate({ kind: 'open-profile', name: a.name })
        break
      case 'toggle-notifications':
        settings.update({ notifications: { enabled: a.enabled } })
        break
      case 'toggle-start-at-login':
        app.setLoginItemSettings({ openAtLogin: a.enabled })
        settings.update({ startAtLogin: a.enabled })
        break
      case 'quit':
        app.quit()
        break
    }
    refreshTray()
  }
  tray = createTray(resourcesDir, runMenu, () => openWindow())

  const reconfigure = createReconfigurer({
    state: () => nodeState,
    join: rejoin,
    leave: async () => node?.leave(),
    // Transports are rebuilt from settings by restarting the node with the new configuration.
    reconfigure: async () => {
      await node?.stop()
      busHost.use(null)
      await ns?.close() // closes the window's port: it reconnects and is served by the next node
      ns = null
      node = null
      if (identity) await startNode(identity)
    }
  })

  // Reading the soul from the keychain is the join's first step: it gets the keychain's deadline.
  joinFlow.dispatch({ type: 'start', broker: brokerOf(settings.get()) })
  const startup: StartupSoul = await resolveStartupSoul(soulCtx(), keychain)
  if (startup.kind !== 'ready') joinFlow.dispatch({ type: 'cancel' }) // first run: the user starts the join
  const handler: DesktopHandler = async (req) => {
    switch (req.cmd) {
      case 'settings.get':
        return { ok: true, settings: settings.get(), keychain: keychain.available }
      case 'settings.set': {
        const before = settings.get()
        const r = settings.update(req.settings)
        if (!r.ok) return { ok: false, error: 'Some settings are not valid', problems: r.problems }
        await reconfigure(before, r.settings)
        return { ok: true, settings: r.settings }
      }
      case 'mqtt.password.set': {
        if (!keychain.available) return { ok: false, error: keychain.reason }
        const s = settings.get()
        secrets.add(req.password)
        await keychain.store.set(mqttAccount(s.mqttUser, s.brokerUrl), req.password)
        return { ok: true }
      }
      case 'soul.export':
        return exportSoul()
      case 'first-run.status': {
        const s = await resolveStartupSoul(soulCtx(), keychain)
        return s.kind === 'ready' ? { ok: true, kind: 'ready', name: s.identity.name, source: s.source } : { ok: true, ...s }
      }
      case 'first-run.join': {
        const patch: Record<string, unknown> = { plaza: req.plaza, name: req.name }
        if (req.brokerUrl !== undefined) patch['brokerUrl'] = req.brokerUrl
        if (req.mqttUser !== undefined) patch['mqttUser'] = req.mqttUser
        const r = settings.update(patch)
        if (!r.ok) return { ok: false, error: 'Some settings are not valid', problems: r.problems }
        joinFlow.dispatch({ type: 'start', broker: brokerOf(r.settings) })
        const soulFailed = (error: string): DesktopReply => {
          joinFlow.dispatch({ type: 'soul-failed', reason: error })
          return { ok: false, error }
        }
        let who: Identity
        try {
          if (!keychain.available) {
            if (!req.nativeWithoutStorage) return soulFailed(keychain.reason)
            nativeWithoutStorage = true
            const s = await resolveStartupSoul(soulCtx(), keychain)
            if (s.kind !== 'ready') return soulFailed('message' in s ? s.message : 'No soul available.')
            who = s.identity
          } else if (req.soul) {
            const imported = await importSoul(soulCtx(), keychain.store, req.name ?? '', req.soul, { acceptUnbonded: req.acceptUnbonded ?? false })
            if (!imported.ok) return soulFailed(imported.message)
            who = imported.identity
          } else {
            who = await adoptNativeSoul(soulCtx(), keychain.store, req.name)
          }
        } catch (e) {
          return soulFailed(explainKeychainError(e))
        }
        joinFlow.dispatch({ type: 'soul-ready' })
        if (req.mqttPassword && keychain.available && req.mqttUser) {
          secrets.add(req.mqttPassword)
          await keychain.store.set(mqttAccount(req.mqttUser, r.settings.brokerUrl), req.mqttPassword)
        }
        settings.update({ name: who.name })
        await startNode(who)
        return { ok: true, name: who.name }
      }
      case 'open-external':
        await openExternalSafely(req.url)
        return { ok: true }
    }
  }

  installIpcBridge({
    ipcMain: ipcMain as never,
    trusted: { devServerUrl },
    secrets,
    handler,
    // The window's bus: its MessagePort, served by the running node's nervous system.
    attachPort: (port) => busHost.attach(messagePortCarrier(port as MessagePortMain)),
    onRefused: (reason) => log('ipc refused:', reason)
  })

  const quit = createQuitSequence({
    // Health SURVEY (≤ 400 ms of the 2 s budget), then chau + final zine, then the bus closes.
    ...quitSteps(() => (node ? { stop: (ms) => node!.stop(ms), ns } : null), { report: (line) => log(line) }),
    clock: systemClock,
    exit: (o) => {
      quitting = true
      log(`quit: ${o.timedOut ? 'deadline reached' : 'chau sent'} after ${o.elapsedMs} ms`)
      joinFlow.dispose()
      tray?.destroy()
      app.exit(0)
    }
  })
  installLifecycle({
    app,
    // Electron types each event as its own overload; the structural type names the same events.
    powerMonitor: powerMonitor as unknown as PowerEvents,
    process,
    quit: () => {
      quitting = true
      return quit()
    },
    power: createPowerController({
      state: () => nodeState,
      join: rejoin,
      leave: async () => node?.leave(),
      noteWake: () => policy.noteWake(),
      onError: (e) => log('power:', e instanceof Error ? e.message : String(e))
    })
  })

  if (startup.kind === 'ready') {
    await startNode(startup.identity)
  } else {
    if (startup.kind !== 'first-run') problem = startup.message
    refreshTray()
    openWindow()
    push.navigate({ kind: 'open-first-run' })
  }
}
