// A stand-in `electron` for test/desktop-main-bundle.test.ts: just enough API for the built main
// bundle to run under Node. Every call the app makes is appended to a JSON-lines journal
// ($STANDIN_JOURNAL) that the test reads; $STANDIN_THROW names a call that should throw.
import { EventEmitter } from 'node:events'
import { appendFileSync, mkdirSync } from 'node:fs'
import { join } from 'node:path'

const journal = process.env.STANDIN_JOURNAL
const t0 = Date.now()
const note = (what, detail = {}) => journal && appendFileSync(journal, JSON.stringify({ what, ms: Date.now() - t0, ...detail }) + '\n')
const maybeThrow = (what) => {
  if (process.env.STANDIN_THROW === what) throw new Error(`stand-in: ${what} failed on purpose`)
}

class App extends EventEmitter {
  isPackaged = false
  getAppPath() {
    return process.cwd()
  }
  getPath(name) {
    const dir = join(process.env.STANDIN_HOME ?? '/tmp', name)
    mkdirSync(dir, { recursive: true })
    return dir
  }
  getVersion() {
    return '0.0.0-standin'
  }
  getName() {
    return 'nara-desktop'
  }
  whenReady() {
    note('app.whenReady')
    return Promise.resolve()
  }
  requestSingleInstanceLock() {
    note('app.requestSingleInstanceLock')
    return true
  }
  setAppUserModelId(id) {
    note('app.setAppUserModelId', { id })
  }
  getLoginItemSettings() {
    return { openAtLogin: false }
  }
  setLoginItemSettings() {}
  on(event, fn) {
    note('app.on', { event })
    return super.on(event, fn)
  }
  quit() {
    note('app.quit')
    const e = { defaultPrevented: false, preventDefault() { this.defaultPrevented = true } }
    this.emit('before-quit', e)
    if (!e.defaultPrevented) this.exit(0)
  }
  exit(code) {
    note('app.exit', { code })
    process.exit(code)
  }
}
export const app = new App()

class WebContents extends EventEmitter {
  session = { setPermissionRequestHandler() {}, setPermissionCheckHandler() {} }
  loading = true
  isLoading() {
    return this.loading
  }
  setWindowOpenHandler() {}
  send(channel, payload) {
    note('webContents.send', { channel, payload })
  }
}
export class BrowserWindow extends EventEmitter {
  constructor(options) {
    super()
    note('BrowserWindow.new', { title: options.title, sandbox: options.webPreferences?.sandbox, contextIsolation: options.webPreferences?.contextIsolation })
    this.webContents = new WebContents()
    this.destroyed = false
  }
  loadURL(url) {
    note('BrowserWindow.loadURL', { url })
    setTimeout(() => {
      this.webContents.loading = false
      this.webContents.emit('did-finish-load')
      this.emit('ready-to-show')
    }, 20)
    return Promise.resolve()
  }
  isDestroyed() {
    return this.destroyed
  }
  isMinimized() {
    return false
  }
  restore() {}
  show() {
    note('BrowserWindow.show')
  }
  focus() {}
  hide() {}
}

export class Tray extends EventEmitter {
  constructor() {
    super()
    maybeThrow('Tray')
    note('Tray.new')
  }
  setImage() {}
  setToolTip(text) {
    note('Tray.setToolTip', { text })
  }
  setTitle() {}
  setContextMenu() {
    note('Tray.setContextMenu')
  }
  destroy() {
    note('Tray.destroy')
  }
}
export const Menu = { buildFromTemplate: (t) => ({ items: t }) }
export const nativeImage = { createFromPath: () => ({ setTemplateImage() {} }) }
class NativeTheme extends EventEmitter {
  shouldUseDarkColors = false
  shouldUseDarkColorsForSystemIntegratedUI = true
}
export const nativeTheme = new NativeTheme()
export class Notification extends EventEmitter {
  static isSupported() {
    return true
  }
  constructor(o) {
    super()
    note('Notification.new', { title: o.title })
  }
  show() {}
}
class PowerMonitor extends EventEmitter {}
export const powerMonitor = new PowerMonitor()
export const protocol = {
  registerSchemesAsPrivileged: (s) => note('protocol.registerSchemesAsPrivileged', { schemes: s.map((x) => x.scheme) }),
  handle: (scheme) => {
    note('protocol.handle', { scheme })
    maybeThrow('protocol.handle')
  }
}
class IpcMain extends EventEmitter {
  handle(channel) {
    note('ipcMain.handle', { channel })
  }
}
export const ipcMain = new IpcMain()
export const dialog = {
  showErrorBox: (title, content) => note('dialog.showErrorBox', { title, content }),
  showMessageBox: async () => ({ response: 0 })
}
export const shell = { openExternal: async () => {} }
export const clipboard = { writeText: () => {} }
export default { app, BrowserWindow, Tray, Menu, nativeImage, nativeTheme, Notification, powerMonitor, protocol, ipcMain, dialog, shell, clipboard }
