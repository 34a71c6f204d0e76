/**
 * Every security decision of the shell, as plain values and functions (no Electron import), so
 * tests assert exactly what window.ts, protocol-app.ts and ipc-bridge.ts install.
 */
export const APP_SCHEME = 'app'
export const APP_HOST = 'nara'
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`
export const APP_START_URL = `${APP_ORIGIN}/index.html`

/** webPreferences of every window we open. */
export function secureWebPreferences(preloadPath: string) {
  return {
    preload: preloadPath,
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    experimentalFeatures: false,
    webviewTag: false,
    navigateOnDragDrop: false,
    safeDialogs: true,
    spellcheck: false
  } as const
}

/**
 * The UI's Content-Security-Policy, sent as a header by the app:// handler. Scripts and styles
 * only from our own bundle; no network at all (the renderer talks to the node over a
 * MessagePort, not fetch/WebSocket).
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
  "frame-src 'none'",
  "object-src 'none'",
  "worker-src 'none'"
].join('; ')

/** Only the electron-vite dev server in development; nothing else is ever "ours". */
export interface TrustedOrigins {
  devServerUrl?: string | null
}

function originOf(url: string): string | null {
  try {
    const u = new URL(url)
    // WHATWG gives custom schemes an opaque ("null") origin; rebuild it from scheme + host.
    return u.protocol === `${APP_SCHEME}:` ? `${APP_SCHEME}://${u.host}` : u.origin
  } catch {
    return null
  }
}

/** Is this frame URL (senderFrame.url, a navigation target) our own UI? */
export function isOwnAppUrl(url: string | null | undefined, trusted: TrustedOrigins = {}): boolean {
  if (!url) return false
  const origin = originOf(url)
  if (origin === null) return false
  if (origin === APP_ORIGIN) return true
  const dev = trusted.devServerUrl ? originOf(trusted.devServerUrl) : null
  return dev !== null && dev !== 'null' && origin === dev
}

/** The minimal shape of Electron's WebFrameMain that IPC checks need. */
export interface SenderFrameLike {
  url: string
  /** Present for the main frame only; subframes (iframes) have a parent. */
  parent?: unknown
}

/** IPC is accepted only from the top frame of our own UI (never an iframe, never a remote page). */
export function isTrustedSender(frame: SenderFrameLike | null | undefined, trusted: TrustedOrigins = {}): boolean {
  if (!frame) return false
  if (frame.parent !== null && frame.parent !== undefined) return false
  return isOwnAppUrl(frame.url, trusted)
}

/** Hosts whose https links may open in the system browser. */
export const EXTERNAL_LINK_ALLOWLIST: readonly string[] = ['github.com', 'nara.network', 'www.nara.network']

/** shell.openExternal gate: https only, allowlisted host, no credentials, default port. */
export function isAllowedExternalUrl(url: unknown, allowlist: readonly string[] = EXTERNAL_LINK_ALLOWLIST): url is string {
  if (typeof url !== 'string' || url.length > 2048) return false
  let u: URL
  try {
    u = new URL(url)
  } catch {
    return false
  }
  return u.protocol === 'https:' && u.username === '' && u.password === '' && u.port === '' && allowlist.includes(u.hostname)
}

/** The one permission the UI may have: showing notifications. */
export function isPermissionAllowed(permission: string): boolean {
  return permission === 'notifications'
}

/** session.setPermissionRequestHandler */
export function permissionRequestHandler(_wc: unknown, permission: string, callback: (granted: boolean) => void): void {
  callback(isPermissionAllowed(permission))
}

/** session.setPermissionCheckHandler */
export function permissionCheckHandler(_wc: unknown, permission: string): boolean {
  return isPermissionAllowed(permission)
}

interface PreventableEvent {
  preventDefault(): void
}

/**
 * will-navigate / will-redirect / will-frame-navigate: the UI is a single page; any navigation
 * (a dropped file, a link without target, a redirect) is refused. Allowlisted https links are
 * handed to the system browser instead.
 */
export function createNavigationGuard(openExternal: (url: string) => void) {
  return (event: PreventableEvent, url: string): void => {
    event.preventDefault()
    if (isAllowedExternalUrl(url)) openExternal(url)
  }
}

/** webContents.setWindowOpenHandler: never a new Electron window. */
export function createWindowOpenHandler(openExternal: (url: string) => void) {
  return ({ url }: { url: string }): { action: 'deny' } => {
    if (isAllowedExternalUrl(url)) openExternal(url)
    return { action: 'deny' }
  }
}

/** will-attach-webview: no <webview>, ever. */
export function denyWebview(event: PreventableEvent): void {
  event.preventDefault()
}
