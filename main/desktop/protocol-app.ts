/**
 * The UI is served from app://nara/… (not file://): a standard, secure origin we control, with
 * our CSP on every response. resolveAppRequest is the pure, path-traversal-safe part.
 */
import { extname, isAbsolute, relative, resolve, sep } from 'node:path'
import { APP_HOST, APP_SCHEME, CONTENT_SECURITY_POLICY } from './security'

export type AppResolution = { ok: true; filePath: string; mimeType: string } | { ok: false; status: 400 | 403 | 404; reason: string }

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.txt': 'text/plain; charset=utf-8',
  '.map': 'application/json; charset=utf-8'
}

/** Maps app://nara/<path> to a file under rootDir, or refuses. Never touches the disk. */
export function resolveAppRequest(rootDir: string, requestUrl: string): AppResolution {
  let url: URL
  try {
    url = new URL(requestUrl)
  } catch {
    return { ok: false, status: 400, reason: 'not a URL' }
  }
  if (url.protocol !== `${APP_SCHEME}:` || url.host !== APP_HOST) return { ok: false, status: 403, reason: 'foreign origin' }
  let pathname: string
  let rawPath: string
  try {
    pathname = decodeURIComponent(url.pathname)
    // The URL parser silently folds "/../" away; look at what was really asked for as well,
    // so a traversal attempt is refused rather than quietly re-rooted.
    rawPath = decodeURIComponent(requestUrl.replace(/^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i, '').split(/[?#]/)[0] ?? '')
  } catch {
    return { ok: false, status: 400, reason: 'bad percent-encoding' }
  }
  if (rawPath.split(/[\\/]/).some((s) => s === '..' || s === '.')) return { ok: false, status: 403, reason: 'dot segment' }
  // Backslashes, NUL, drive letters and any ".." segment are refused outright, decoded or not.
  if (/[\\\0]/.test(pathname) || /^\/?[A-Za-z]:/.test(pathname)) return { ok: false, status: 403, reason: 'forbidden characters' }
  const segments = pathname.split('/').filter((s) => s !== '')
  if (segments.some((s) => s === '..' || s === '.')) return { ok: false, status: 403, reason: 'dot segment' }
  if (segments.length === 0) segments.push('index.html')
  const root = resolve(rootDir)
  const filePath = resolve(root, ...segments)
  const rel = relative(root, filePath)
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel) || rel.split(sep).includes('..')) {
    return { ok: false, status: 403, reason: 'outside the UI folder' }
  }
  const mimeType = MIME[extname(filePath).toLowerCase()]
  if (!mimeType) return { ok: false, status: 404, reason: 'unknown file type' }
  return { ok: true, filePath, mimeType }
}

/** Headers of every app:// response. */
export function appResponseHeaders(mimeType: string): Record<string, string> {
  return {
    'Content-Type': mimeType,
    'Content-Security-Policy': CONTENT_SECURITY_POLICY,
    'X-Content-Type-Options': 'nosniff',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Resource-Policy': 'same-origin',
    'Referrer-Policy': 'no-referrer'
  }
}

/** Serves a request: resolve, read, respond (the reader is injected; Electron passes fs). */
export async function serveAppRequest(rootDir: string, requestUrl: string, readFile: (path: string) => Promise<Uint8Array>): Promise<Response> {
  const r = resolveAppRequest(rootDir, requestUrl)
  if (!r.ok) return new Response(null, { status: r.status })
  try {
    const body = await readFile(r.filePath)
    return new Response(body as BodyInit, { status: 200, headers: appResponseHeaders(r.mimeType) })
  } catch {
    return new Response(null, { status: 404 })
  }
}

/** Must run before app 'ready': makes app:// a standard, secure scheme (origin, fetch, CSP). */
export const APP_SCHEME_PRIVILEGES = {
  scheme: APP_SCHEME,
  privileges: { standard: true, secure: true, supportFetchAPI: true, corsEnabled: false, stream: false }
} as const
