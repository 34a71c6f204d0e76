/**
 * Path-traversal-safe static file resolution for the built UI. Pure apart from the file-system
 * checks at the end: a request path is decoded once, must be a clean relative path (no '..',
 * no NUL, no backslashes, no hidden files) and must resolve inside the root after realpath.
 */
import { existsSync, realpathSync, statSync } from 'node:fs'
import { extname, join, sep } from 'node:path'
import type { Result } from '../result'

export const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8'
}

export type StaticError = 'bad_path' | 'not_found'

/** Maps a URL pathname to a relative file path, or rejects it. '/' is index.html. */
export function cleanRequestPath(pathname: string): Result<string, StaticError> {
  let decoded: string
  try {
    decoded = decodeURIComponent(pathname)
  } catch {
    return { ok: false, error: 'bad_path' }
  }
  if (!decoded.startsWith('/') || decoded.length > 1024) return { ok: false, error: 'bad_path' }
  if (/[\u0000-\u001f\\]/.test(decoded)) return { ok: false, error: 'bad_path' }
  const parts = decoded.split('/').filter((p) => p !== '')
  for (const p of parts) {
    if (p === '..' || p === '.' || p.startsWith('.')) return { ok: false, error: 'bad_path' }
  }
  if (parts.length === 0) return { ok: true, value: 'index.html' }
  return { ok: true, value: parts.join('/') }
}

/** Resolves a clean relative path to a real file inside `root` (symlinks may not escape). */
export function resolveInside(root: string, relative: string): Result<{ file: string; type: string }, StaticError> {
  const realRoot = realpathSync(root)
  const candidate = join(realRoot, ...relative.split('/'))
  if (!existsSync(candidate)) return { ok: false, error: 'not_found' }
  const real = realpathSync(candidate)
  if (real !== realRoot && !real.startsWith(realRoot + sep)) return { ok: false, error: 'bad_path' }
  if (!statSync(real).isFile()) return { ok: false, error: 'not_found' }
  const type = CONTENT_TYPES[extname(real).toLowerCase()]
  if (!type) return { ok: false, error: 'not_found' }
  return { ok: true, value: { file: real, type } }
}
