/**
 * The main window: options and handler wiring. Electron is only a type import here; index.ts
 * passes the real BrowserWindow constructor, tests pass an EventEmitter-based one and assert
 * the very options and handlers the app installs.
 */
import type { BrowserWindow, BrowserWindowConstructorOptions } from 'electron'
import {
  APP_START_URL,
  createNavigationGuard,
  createWindowOpenHandler,
  denyWebview,
  permissionCheckHandler,
  permissionRequestHandler,
  secureWebPreferences
} from './security'

export function mainWindowOptions(preloadPath: string, iconPath?: string): BrowserWindowConstructorOptions {
  return {
    width: 980,
    height: 720,
    minWidth: 640,
    minHeight: 480,
    show: false,
    title: 'Nara Desktop',
    backgroundColor: '#1f2330',
    autoHideMenuBar: true,
    ...(iconPath ? { icon: iconPath } : {}),
    webPreferences: { ...secureWebPreferences(preloadPath) }
  }
}

type WindowCtor = new (options: BrowserWindowConstructorOptions) => BrowserWindow

export interface MainWindowDeps {
  BrowserWindow: WindowCtor
  preloadPath: string
  iconPath?: string
  /** app://nara/index.html in production, the electron-vite dev server in development. */
  url?: string
  openExternal: (url: string) => void
  /** True once a real quit began: then closing really closes. */
  isQuitting: () => boolean
  /** Windows logout / shutdown (WM_ENDSESSION) arrives as a window event. */
  onSessionEnd: () => void
}

/** Applies the same security handlers to every webContents/session we create. */
export function hardenWindow(win: BrowserWindow, openExternal: (url: string) => void): void {
  const wc = win.webContents
  const guard = createNavigationGuard(openExternal)
  wc.on('will-navigate', guard)
  wc.on('will-redirect', guard)
  wc.on('will-attach-webview', denyWebview)
  wc.setWindowOpenHandler(createWindowOpenHandler(openExternal))
  wc.session.setPermissionRequestHandler(permissionRequestHandler)
  wc.session.setPermissionCheckHandler(permissionCheckHandler)
}

export function createMainWindow(deps: MainWindowDeps): BrowserWindow {
  const win = new deps.BrowserWindow(mainWindowOptions(deps.preloadPath, deps.iconPath))
  hardenWindow(win, deps.openExternal)
  // Closing the window keeps the node running in the tray.
  win.on('close', (e) => {
    if (!deps.isQuitting()) {
      e.preventDefault()
      win.hide()
    }
  })
  win.on('session-end', deps.onSessionEnd)
  win.once('ready-to-show', () => win.show())
  void win.loadURL(deps.url ?? APP_START_URL)
  return win
}

/** Brings the window to the front, creating it if needed (tray click, second launch). */
export function showWindow(win: BrowserWindow | null, create: () => BrowserWindow): BrowserWindow {
  const w = win && !win.isDestroyed() ? win : create()
  if (w.isMinimized()) w.restore()
  w.show()
  w.focus()
  return w
}
