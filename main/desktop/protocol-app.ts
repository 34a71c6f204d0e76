/**
 * The UI is served from app://nara/… (not file://): a standard, secure origin we control, with
 * our CSP on every response. resolveAppRequest is the pure, path-traversal-safe part.
 */
import { cleanUrlPath, hasDotSegment, resolveUnderRoot, staticContentType, type PathPolicy } from '../core/safePath'
import { APP_HOST, APP_SCHEME, CONTENT_SECURITY_POLICY } from './security'

export type AppResolution = { ok: true; filePath: string; mimeType: string } | { ok: false; status: 400 | 403 | 404; reason: string }

// Dotfiles and odd characters are not refused here: the content-type filter below already
// limits what can be served to the build's own file types.
const APP_PATH_POLICY: PathPolicy = { allowDotfiles: true, allowControlChars: true }

/** Maps app://nara/<path> to a file under rootDir, or refuses. Never touches the disk. */
export function resolveAppRequest(rootDir: string, requestUrl: string): AppResolution {
  let url: URL
  try {
    url = new URL(requestUrl)
  } catch {
    return { ok: false, status: 400, reason: 'not a URL' }
  }
  if (url.protocol !== `${APP_SCHEME}:` || url.host !== APP_HOST) return { ok: false, status: 403, reason: 'foreign origin' }
  let rawPath: string
  try {
    // The URL parser silently folds "/../" away; look at what was really asked for as well,
    // so a traversal attempt is refused rather than quietly re-rooted.
    rawPath = decodeURIComponent(requestUrl.replace(/^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i, '').split(/[?#]/)[0] ?? '')
  } catch {
    return { ok: false, status: 400, reason: 'bad percent-encoding' }
  }
  const segments = cleanUrlPath(url.pathname, APP_PATH_POLICY)
  if (!segments.ok && segments.error.code === 'bad_encoding') return { ok: false, status: 400, reason: segments.error.reason }
  if (hasDotSegment(rawPath)) return { ok: false, status: 403, reason: 'dot segment' }
  if (!segments.ok) return { ok: false, status: 403, reason: segments.error.reason }
  const filePath = resolveUnderRoot(rootDir, segments.value)
  if (!filePath.ok) return { ok: false, status: 403, reason: filePath.error.reason }
  const mimeType = staticContentType(filePath.value)
  if (!mimeType) return { ok: false, status: 404, reason: 'unknown file type' }
  return { ok: true, filePath: filePath.value, mimeType }
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
