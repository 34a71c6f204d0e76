/**
 * Path-traversal-safe mapping of a URL path onto a file under a root folder, for everything
 * that serves the built UI (the app:// protocol, the headless UI server). Pure: it never
 * touches the disk, so a caller that must also defeat symlinks does its realpath check after.
 */
import { extname, isAbsolute, relative, resolve, sep } from 'node:path'
import type { Result } from './result'

/** The file types the UI build produces; anything else is not served. */
export const STATIC_CONTENT_TYPES: Readonly<Record<string, string>> = {
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

export type PathErrorCode = 'bad_encoding' | 'forbidden_characters' | 'dot_segment' | 'outside_root'

export interface PathError {
  readonly code: PathErrorCode
  readonly reason: string
}

export interface PathPolicy {
  /** Serve names starting with '.' (other than '.' and '..', which are always refused). */
  allowDotfiles: boolean
  /** Accept C0 control characters other than NUL in names. */
  allowControlChars: boolean
}

export const STRICT_PATH_POLICY: PathPolicy = { allowDotfiles: false, allowControlChars: false }

const fail = (code: PathErrorCode, reason: string): Result<never, PathError> => ({ ok: false, error: { code, reason } })

/** Any '.' or '..' segment, split on both slash kinds (a Windows server would honour '\'). */
export function hasDotSegment(decodedPath: string): boolean {
  return decodedPath.split(/[\\/]/).some((s) => s === '..' || s === '.')
}

/**
 * Decodes a URL path once and returns its segments when it is a clean relative path; an empty
 * path means index.html. Backslashes, NUL, drive letters and dot segments are always refused:
 * refusing beats normalising, which is where traversal bugs live.
 */
export function cleanUrlPath(encodedPath: string, policy: PathPolicy = STRICT_PATH_POLICY): Result<string[], PathError> {
  let decoded: string
  try {
    decoded = decodeURIComponent(encodedPath)
  } catch {
    return fail('bad_encoding', 'bad percent-encoding')
  }
  const forbidden = policy.allowControlChars ? /[\\\0]/ : /[\u0000-\u001f\\]/
  if (forbidden.test(decoded) || /^\/?[A-Za-z]:/.test(decoded)) return fail('forbidden_characters', 'forbidden characters')
  const segments = decoded.split('/').filter((s) => s !== '')
  const refused = policy.allowDotfiles ? (s: string) => s === '..' || s === '.' : (s: string) => s.startsWith('.')
  if (segments.some(refused)) return fail('dot_segment', 'dot segment')
  if (segments.length === 0) segments.push('index.html')
  return { ok: true, value: segments }
}

/** The file the segments name under rootDir, checked once more to lie strictly inside it. */
export function resolveUnderRoot(rootDir: string, segments: readonly string[]): Result<string, PathError> {
  const root = resolve(rootDir)
  const filePath = resolve(root, ...segments)
  const rel = relative(root, filePath)
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel) || rel.split(sep).includes('..')) return fail('outside_root', 'outside the UI folder')
  return { ok: true, value: filePath }
}

/** The Content-Type for a served file, or undefined for a type the UI never ships. */
export function staticContentType(filePath: string): string | undefined {
  return STATIC_CONTENT_TYPES[extname(filePath).toLowerCase()]
}
