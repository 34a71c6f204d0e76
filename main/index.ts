/**
 * Nara Desktop's Electron entry: adapters only. The runtime (main/core/runtime, composed in
 * desktop/compose.ts exactly as the runtime test composes it) decides; this file gives it a
 * window, a tray, notifications, power and quit events, the app:// protocol and the keychain.
 */
import { app, BrowserWindow, clipboard, dialog, ipcMain, Notification, powerMonitor, protocol, shell, type MessagePortMain } from 'electron'
import { readFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { systemClock } from './core/clock'
import { messagePortCarrier } from './core/bus/carriers/messagePort'
import { openKeytarStore } from './core/runtime/keychain-keytar'
import { thisMachine } from './core/runtime/machine'
import { NotificationPolicy, type NavigationIntent } from './core/runtime/notifications-policy'
import { quitSteps } from './core/runtime/bus-host'
import { createQuitSequence } from './core/runtime/quit-sequence'
import { SecretRegistry, redactingLogger } from './core/runtime/secrecy'
import { notificationSwitches } from './core/runtime/settings-schema'
import { readSoulForExport } from './core/runtime/soul-store'
import { desktopRuntime } from './desktop/compose'
import { installIpcBridge, createRendererPush } from './desktop/ipc-bridge'
import { installLifecycle, type PowerEvents } from './desktop/lifecycle'
import { runMenuAction } from './desktop/menu-actions'
import { createNotifier } from './desktop/notifications'
import { createPowerController } from './desktop/power'
import { APP_SCHEME_PRIVILEGES, serveAppRequest } from './desktop/protocol-app'
import { APP_SCHEME, isAllowedExternalUrl } from './desktop/security'
import { openSettingsStore } from './desktop/settings'
import { APP_USER_MODEL_ID, runStartup, windowAtStart } from './desktop/shell-policy'
import { claimSingleInstance } from './desktop/single-instance'
import { createSoulExporter } from './desktop/soul-export'
import { createTray, type TrayController } from './desktop/tray'
import { bindTray } from './desktop/tray-binding'
import { createMainWindow, showWindow } from './desktop/window'

const here = dirname(fileURLToPath(import.meta.url))
const resourcesDir = app.isPackaged ? join(process.resourcesPath, 'resources') : join(app.getAppPath(), 'resources')
const devServerUrl = !app.isPackaged ? (process.env['ELECTRON_RENDERER_URL'] ?? null) : null
const secrets = new SecretRegistry()
const log = redactingLogger(secrets)
let window: BrowserWindow | null = null
let quitting = false

protocol.registerSchemesAsPrivileged([APP_SCHEME_PRIVILEGES])
app.setAppUserModelId(APP_USER_MODEL_ID)
const openExternal = (url: string): Promise<void> => (isAllowedExternalUrl(url) ? shell.openExternal(url) : Promise.resolve())
const openWindow = (): BrowserWindow =>
  (window = showWindow(window, () =>
    createMainWindow({ BrowserWindow, preloadPath: join(here, '../preload/index.cjs'), iconPath: join(resourcesDir, 'icon.png'), ...(devServerUrl ? { url: devServerUrl } : {}), openExternal: (u) => void openExternal(u), isQuitting: () => quitting, onSessionEnd: () => app.quit() })
  ))
const push = createRendererPush(() => (window && !window.isDestroyed() ? window.webContents : null), secrets)
/** Shows the window on a view; a window that is still loading gets the intent once it listens. */
const navigate = (intent: NavigationIntent): void => {
  const w = openWindow()
  if (w.webContents.isLoading()) w.webContents.once('did-finish-load', () => push.navigate(intent))
  else push.navigate(intent)
}

if (claimSingleInstance(app, () => openWindow())) {
  void runStartup(app.whenReady(), main, (message) => {
    log('startup failed:', message)
    dialog.showErrorBox('Nara Desktop could not start', message.split('\n')[0] ?? message)
  })
}

async function main(): Promise<void> {
  protocol.handle(APP_SCHEME, (req) => serveAppRequest(join(here, '../renderer'), req.url, (p) => readFile(p)))
  app.on('activate', () => openWindow()) // macOS: a Dock click or re-launch shows the window
  const settings = openSettingsStore()
  const exportSoul = createSoulExporter({
    available: () => runtime.keychainAvailable && runtime.node !== null,
    confirm: async () =>
      (await dialog.showMessageBox({ type: 'warning', buttons: ['Cancel', 'Copy soul to clipboard'], defaultId: 0, cancelId: 0, message: 'Copy your soul?', detail: 'Anyone who has your soul can be your nara. Paste it only into a place you trust (a password manager).' })).response === 1,
    readSoul: async () => (runtime.node ? readSoulForExport(await openKeytarStore(), runtime.node.name) : null),
    copy: (soul) => clipboard.writeText(soul)
  })
  const runtime = desktopRuntime({ settings, openKeychain: () => openKeytarStore(), argv: process.argv, env: process.env, machine: thisMachine(), log: { debug: () => {}, info: (m) => log(m), warn: (m) => log('!', m) }, secrets, exportSoul })
  const policy = new NotificationPolicy({ clock: systemClock, switches: () => notificationSwitches(settings.get()), deliver: createNotifier(Notification, join(resourcesDir, 'icon.png'), navigate, (e) => log('notification failed:', e)) })
  policy.noteStarted()

  // The tray comes first: a keychain unlock prompt must not delay the app's only visible sign.
  let tray: TrayController | null = null
  let trayFailed = false
  const startAtLoginSupported = process.platform === 'darwin' || process.platform === 'win32'
  const binding = bindTray({ runtime, tray: () => tray, policy, startAtLogin: () => app.getLoginItemSettings().openAtLogin, startAtLoginSupported })
  try {
    tray = createTray(resourcesDir, (a) => void runMenuAction(a, { runtime, policy, settings, openWindow, navigate, quit: () => app.quit(), setOpenAtLogin: (on) => app.setLoginItemSettings({ openAtLogin: on }) }).then(binding.refresh), () => openWindow())
  } catch (e) {
    trayFailed = true
    log('tray unavailable:', e instanceof Error ? e.message : String(e))
  }

  installIpcBridge({
    ipcMain: ipcMain as never,
    trusted: { devServerUrl },
    secrets,
    handler: async (req) => (req.cmd === 'open-external' ? (await openExternal(req.url), { ok: true }) : (runtime.nervousSystem?.router(req) ?? { ok: false, error: 'starting' })),
    attachPort: (port) => runtime.attach(messagePortCarrier(port as MessagePortMain), 'renderer'),
    onRefused: (reason) => log('ipc refused:', reason)
  })
  const quit = createQuitSequence({
    ...quitSteps(() => (runtime.node ? { stop: (ms) => runtime.stop(ms), ns: runtime.nervousSystem } : null), { report: (line) => log(line) }),
    clock: systemClock,
    exit: (o) => {
      quitting = true
      log(`quit: ${o.timedOut ? 'deadline reached' : 'chau sent'} after ${o.elapsedMs} ms`)
      binding.cancel()
      tray?.destroy()
      app.exit(0)
    }
  })
  const nodeState = () => runtime.node?.nodeState ?? 'offline'
  installLifecycle({
    app,
    powerMonitor: powerMonitor as unknown as PowerEvents,
    process,
    quit: () => ((quitting = true), quit()),
    power: createPowerController({ state: nodeState, join: () => runtime.nervousSystem!.router({ cmd: 'join' }), leave: () => runtime.nervousSystem!.router({ cmd: 'leave' }), noteWake: () => policy.noteWake(), onError: (e) => log('power:', String(e)) })
  })

  const phase = await runtime.start()
  if (windowAtStart({ firstRun: phase !== 'running' || runtime.view().problem !== null, platform: process.platform, env: process.env, trayFailed })) openWindow()
}
