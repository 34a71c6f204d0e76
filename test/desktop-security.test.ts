import { describe, expect, it } from 'vitest'
import { EventEmitter } from 'node:events'
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { repoRoot } from './support/vectors'
import { readFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { BrowserWindowConstructorOptions } from 'electron'
import { appResponseHeaders, resolveAppRequest, serveAppRequest, APP_SCHEME_PRIVILEGES } from '../main/desktop/protocol-app'
import {
  APP_START_URL,
  CONTENT_SECURITY_POLICY,
  isAllowedExternalUrl,
  isTrustedSender,
  permissionCheckHandler,
  permissionRequestHandler
} from '../main/desktop/security'
import { createMainWindow, mainWindowOptions } from '../main/desktop/window'
import { createRendererPush, handleDesktopInvoke, installIpcBridge, parseDesktopRequest, type IpcMainLike } from '../main/desktop/ipc-bridge'
import { IPC, type DesktopReply } from '../main/desktop/ipc-channels'
import { SecretRegistry } from '../main/core/runtime/secrecy'

/** A BrowserWindow-shaped EventEmitter that records what the app installs on it. */
class RecordingWindow extends EventEmitter {
  static last: RecordingWindow | null = null
  loaded: string | null = null
  hidden = false
  shown = false
  windowOpenHandler: ((d: { url: string }) => { action: string }) | null = null
  permissionRequest: typeof permissionRequestHandler | null = null
  permissionCheck: typeof permissionCheckHandler | null = null
  readonly webContents: EventEmitter & Record<string, unknown>
  constructor(readonly options: BrowserWindowConstructorOptions) {
    super()
    const wc = new EventEmitter() as EventEmitter & Record<string, unknown>
    wc['setWindowOpenHandler'] = (h: RecordingWindow['windowOpenHandler']) => (this.windowOpenHandler = h)
    wc['session'] = {
      setPermissionRequestHandler: (h: typeof permissionRequestHandler) => (this.permissionRequest = h),
      setPermissionCheckHandler: (h: typeof permissionCheckHandler) => (this.permissionCheck = h)
    }
    this.webContents = wc
    RecordingWindow.last = this
  }
  loadURL(url: string) {
    this.loaded = url
    return Promise.resolve()
  }
  hide() {
    this.hidden = true
  }
  show() {
    this.shown = true
  }
}

class Ev {
  prevented = false
  preventDefault() {
    this.prevented = true
  }
}

function makeWindow(quitting = false) {
  const opened: string[] = []
  let sessionEnds = 0
  createMainWindow({
    BrowserWindow: RecordingWindow as never,
    preloadPath: '/app/out/preload/index.cjs',
    openExternal: (u) => opened.push(u),
    isQuitting: () => quitting,
    onSessionEnd: () => void sessionEnds++
  })
  const win = RecordingWindow.last!
  return { win, opened, sessionEnds: () => sessionEnds }
}

describe('BrowserWindow options (the real ones the app uses)', () => {
  it('isolates and sandboxes the renderer', () => {
    const o = mainWindowOptions('/p/preload.cjs')
    expect(o.webPreferences).toMatchObject({
      preload: '/p/preload.cjs',
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      experimentalFeatures: false
    })
    expect(o.show).toBe(false)
  })

  it('createMainWindow passes exactly those options and loads the UI from app://', () => {
    const { win } = makeWindow()
    expect(win.options).toEqual(mainWindowOptions('/app/out/preload/index.cjs'))
    expect(win.loaded).toBe(APP_START_URL)
    expect(APP_START_URL).toBe('app://nara/index.html')
  })

  it('denies navigation and new windows; allowlisted https links go to the system browser', () => {
    const { win, opened } = makeWindow()
    for (const [event, url] of [
      ['will-navigate', 'https://evil.example/'],
      ['will-navigate', 'file:///etc/passwd'],
      ['will-redirect', 'http://github.com/'],
      ['will-navigate', 'https://github.com/eljojo/nara']
    ] as const) {
      const e = new Ev()
      win.webContents.emit(event, e, url)
      expect(e.prevented, `${event} ${url}`).toBe(true)
    }
    expect(opened).toEqual(['https://github.com/eljojo/nara'])
    expect(win.windowOpenHandler?.({ url: 'https://evil.example/' })).toEqual({ action: 'deny' })
    expect(win.windowOpenHandler?.({ url: 'https://github.com/x' })).toEqual({ action: 'deny' })
    expect(opened).toEqual(['https://github.com/eljojo/nara', 'https://github.com/x'])
    const wv = new Ev()
    win.webContents.emit('will-attach-webview', wv)
    expect(wv.prevented).toBe(true)
  })

  it('denies every permission except notifications', () => {
    const { win } = makeWindow()
    const answers: Record<string, boolean> = {}
    for (const p of ['media', 'geolocation', 'clipboard-read', 'openExternal', 'notifications', 'fullscreen', 'hid']) {
      win.permissionRequest?.(null, p, (granted) => (answers[p] = granted))
    }
    expect(answers).toEqual({ media: false, geolocation: false, 'clipboard-read': false, openExternal: false, notifications: true, fullscreen: false, hid: false })
    expect(win.permissionCheck?.(null, 'notifications')).toBe(true)
    expect(win.permissionCheck?.(null, 'media')).toBe(false)
  })

  it('closing hides the window (tray keeps running) unless quitting; Windows session-end quits', () => {
    const a = makeWindow(false)
    const e = new Ev()
    a.win.emit('close', e)
    expect(e.prevented && a.win.hidden).toBe(true)
    const b = makeWindow(true)
    const e2 = new Ev()
    b.win.emit('close', e2)
    expect(e2.prevented || b.win.hidden).toBe(false)
    b.win.emit('session-end')
    expect(b.sessionEnds()).toBe(1)
  })
})

describe('external links, senders, CSP', () => {
  it('openExternal allowlist: https, allowlisted host, no credentials or odd ports', () => {
    expect(isAllowedExternalUrl('https://github.com/eljojo/nara')).toBe(true)
    for (const u of ['http://github.com/', 'https://github.com.evil.example/', 'https://user@github.com/', 'https://github.com:8443/', 'javascript:alert(1)', 'file:///etc/passwd', 'smb://github.com/x', 42, 'https://' + 'a'.repeat(3000)]) {
      expect(isAllowedExternalUrl(u), String(u)).toBe(false)
    }
  })

  it('IPC only from the top frame of our own app:// UI (dev server only when named)', () => {
    expect(isTrustedSender({ url: 'app://nara/index.html', parent: null })).toBe(true)
    expect(isTrustedSender({ url: 'app://nara/index.html', parent: {} })).toBe(false)
    expect(isTrustedSender({ url: 'app://other/index.html', parent: null })).toBe(false)
    expect(isTrustedSender({ url: 'https://evil.example/', parent: null })).toBe(false)
    expect(isTrustedSender({ url: 'file:///app/index.html', parent: null })).toBe(false)
    expect(isTrustedSender({ url: 'http://localhost:5173/', parent: null })).toBe(false)
    expect(isTrustedSender({ url: 'http://localhost:5173/', parent: null }, { devServerUrl: 'http://localhost:5173' })).toBe(true)
    expect(isTrustedSender({ url: 'http://localhost:5174/', parent: null }, { devServerUrl: 'http://localhost:5173' })).toBe(false)
    expect(isTrustedSender(null)).toBe(false)
  })

  it('the CSP allows only our own scripts and styles, no inline, no eval, no network', () => {
    const d = Object.fromEntries(CONTENT_SECURITY_POLICY.split('; ').map((x) => [x.split(' ')[0], x.split(' ').slice(1).join(' ')]))
    expect(d['default-src']).toBe("'none'")
    expect(d['script-src']).toBe("'self'")
    expect(d['style-src']).toBe("'self'")
    expect(d['connect-src']).toBe("'self'")
    expect(d['object-src']).toBe("'none'")
    expect(d['frame-ancestors']).toBe("'none'")
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/unsafe-inline|unsafe-eval|\*|https?:/)
    expect(appResponseHeaders('text/html')['Content-Security-Policy']).toBe(CONTENT_SECURITY_POLICY)
    expect(APP_SCHEME_PRIVILEGES).toMatchObject({ scheme: 'app', privileges: { standard: true, secure: true } })
  })
})

describe('app:// resolver', () => {
  const root = '/srv/ui'
  it('maps our files, with the index for /', () => {
    expect(resolveAppRequest(root, 'app://nara/')).toEqual({ ok: true, filePath: '/srv/ui/index.html', mimeType: 'text/html; charset=utf-8' })
    expect(resolveAppRequest(root, 'app://nara/assets/index-abc.js?v=1#x')).toMatchObject({ ok: true, filePath: '/srv/ui/assets/index-abc.js' })
    expect(resolveAppRequest(root, 'app://nara/assets/my%20font.woff2')).toMatchObject({ ok: true, filePath: '/srv/ui/assets/my font.woff2' })
  })

  it.each([
    'app://nara/../etc/passwd',
    'app://nara/%2e%2e/etc/passwd',
    'app://nara/assets/%2E%2E/%2E%2E/etc/passwd',
    'app://nara/..%2fetc%2fpasswd',
    'app://nara/..%5c..%5cwindows%5cwin.ini',
    'app://nara/assets\\..\\..\\secret.js',
    'app://nara/%00index.html',
    'app://nara/C:/Windows/win.ini',
    'app://nara/c%3A%5Cwindows%5Cwin.ini',
    'app://nara/./index.html%2f..%2f..%2f..%2fetc%2fpasswd'
  ])('refuses traversal: %s', (url) => {
    const r = resolveAppRequest(root, url)
    expect(r.ok).toBe(false)
    if (!r.ok) expect([400, 403]).toContain(r.status)
  })

  it('refuses foreign origins, bad encoding and unknown file types', () => {
    expect(resolveAppRequest(root, 'app://evil/index.html')).toMatchObject({ ok: false, status: 403 })
    expect(resolveAppRequest(root, 'file:///srv/ui/index.html')).toMatchObject({ ok: false, status: 403 })
    expect(resolveAppRequest(root, 'app://nara/%E0%A4%A')).toMatchObject({ ok: false, status: 400 })
    expect(resolveAppRequest(root, 'app://nara/secrets.env')).toMatchObject({ ok: false, status: 404 })
  })

  it('serves real files with the CSP header, and nothing outside the folder', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nara-ui-'))
    try {
      mkdirSync(join(dir, 'ui'))
      writeFileSync(join(dir, 'ui', 'index.html'), '<!doctype html><title>ok</title>')
      writeFileSync(join(dir, 'outside.html'), 'SECRET')
      const ok = await serveAppRequest(join(dir, 'ui'), 'app://nara/', (p) => readFile(p))
      expect(ok.status).toBe(200)
      expect(ok.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY)
      expect(await ok.text()).toContain('<title>ok</title>')
      const out = await serveAppRequest(join(dir, 'ui'), 'app://nara/%2e%2e/outside.html', (p) => readFile(p))
      expect(out.status).toBe(403)
      expect((await serveAppRequest(join(dir, 'ui'), 'app://nara/missing.js', (p) => readFile(p))).status).toBe(404)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})

describe('IPC bridge', () => {
  const own = { url: 'app://nara/index.html', parent: null }
  const deps = () => ({ trusted: {}, secrets: new SecretRegistry() })

  it('validates every payload with the schema', () => {
    expect(parseDesktopRequest({ cmd: 'settings.get' }).ok).toBe(true)
    for (const bad of [null, 'x', {}, { cmd: 'rm -rf' }, { cmd: 'settings.get', extra: 1 }, { cmd: 'soul.export', confirm: false }, { cmd: 'open-external', url: 5 }, { cmd: 'first-run.join', name: 'x'.repeat(64), plaza: 'embedded' }]) {
      expect(parseDesktopRequest(bad).ok, JSON.stringify(bad)).toBe(false)
    }
  })

  it('refuses untrusted senders before looking at the payload', async () => {
    let called = 0
    const handler = async (): Promise<DesktopReply> => {
      called++
      return { ok: true }
    }
    expect(await handleDesktopInvoke({ url: 'https://evil.example/', parent: null }, { cmd: 'settings.get' }, handler, deps())).toEqual({ ok: false, error: 'refused: not our window' })
    expect(await handleDesktopInvoke({ url: 'app://nara/', parent: {} }, { cmd: 'settings.get' }, handler, deps())).toEqual({ ok: false, error: 'refused: not our window' })
    expect(called).toBe(0)
    expect(await handleDesktopInvoke(own, { cmd: 'settings.get' }, handler, deps())).toEqual({ ok: true })
    expect(called).toBe(1)
  })

  it('withholds any reply or push that contains a registered secret', async () => {
    const d = deps()
    const soul = '44bWsgzKLUVXXG6QMxgnLiKyrJyTPvoydAMJFQaZruWkFksvSdjuQ3o'
    d.secrets.add(soul)
    const leaky = async () => ({ ok: true as const, soul })
    const reply = await handleDesktopInvoke(own, { cmd: 'soul.export', confirm: true }, leaky, d)
    expect(reply.ok).toBe(false)
    expect(JSON.stringify(reply)).not.toContain(soul)
    const sent: unknown[] = []
    const push = createRendererPush(() => ({ send: (_c, p) => sent.push(p) }), d.secrets)
    expect(push.joinProgress({ step: 'error', message: `bad ${soul}`, atMs: 1 })).toBe(false)
    expect(push.navigate({ kind: 'open-profile', name: 'amy' })).toBe(true)
    expect(sent).toEqual([{ kind: 'open-profile', name: 'amy' }])
  })

  it('attaches a port only from our own top frame, and only exactly one port', async () => {
    const ipcMain = new EventEmitter() as EventEmitter & { handle: (c: string, l: (...a: unknown[]) => unknown) => void }
    const handlers = new Map<string, (...a: unknown[]) => unknown>()
    ipcMain.handle = (c, l) => handlers.set(c, l)
    const attached: unknown[] = []
    const refused: string[] = []
    installIpcBridge({ ipcMain: ipcMain as unknown as IpcMainLike, trusted: {}, secrets: new SecretRegistry(), handler: async () => ({ ok: true }), attachPort: (p) => attached.push(p), onRefused: (r) => refused.push(r) })
    const port = { postMessage() {} }
    ipcMain.emit(IPC.connect, { senderFrame: { url: 'https://evil.example/', parent: null }, ports: [port] })
    ipcMain.emit(IPC.connect, { senderFrame: own, ports: [] })
    ipcMain.emit(IPC.connect, { senderFrame: own, ports: [port, port] })
    ipcMain.emit(IPC.connect, { senderFrame: own, ports: [port] })
    expect(attached).toEqual([port])
    expect(refused).toEqual(['untrusted-sender', 'bad-port', 'bad-port'])
    const invoke = handlers.get(IPC.desktop)!
    expect(await invoke({ senderFrame: { url: 'https://evil.example/', parent: null } }, { cmd: 'settings.get' })).toMatchObject({ ok: false })
    expect(await invoke({ senderFrame: own }, { cmd: 'settings.get' })).toEqual({ ok: true })
  })
})

describe('packaging', () => {
  it('electron-builder.yml sets the Electron fuses and the four targets', async () => {
    // js-yaml ships with electron-builder; the specifier is a variable so no type declarations are needed.
    const yamlModule = 'js-yaml'
    const { load } = (await import(yamlModule)) as { load: (s: string) => unknown }
    const cfg = load(readFileSync(join(repoRoot, 'electron-builder.yml'), 'utf8')) as Record<string, any>
    expect(cfg['electronFuses']).toEqual({
      runAsNode: false,
      enableCookieEncryption: true,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true
    })
    expect(cfg['linux'].target).toEqual(['AppImage', 'deb'])
    expect(cfg['mac'].target).toEqual(['dmg'])
    expect(cfg['win'].target).toEqual(['nsis'])
    expect(cfg['icon']).toBe('resources/icon.png')
  })
})
