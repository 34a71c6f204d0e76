/**
 * Static file resolution for the headless UI server. The path rules themselves are the shared
 * pure resolver (../safePath.ts, the same one the app:// protocol uses); this module adds only
 * what is particular to an HTTP server: the request target must be absolute and short, and the
 * resolved file must still lie inside the root after symlinks are followed.
 */
import { existsSync, realpathSync, statSync } from 'node:fs'
import { sep } from 'node:path'
import type { Result } from '../result'
import { cleanUrlPath, resolveUnderRoot, staticContentType, STRICT_PATH_POLICY } from '../safePath'

export type StaticError = 'bad_path' | 'not_found'

/** Longest request path we look at (checked before decoding, so the work is bounded). */
export const MAX_REQUEST_PATH = 1024

/** Maps a URL pathname to a relative file path ('a/b.js'), or rejects it. '/' is index.html. */
export function cleanRequestPath(pathname: string): Result<string, StaticError> {
  if (!pathname.startsWith('/') || pathname.length > MAX_REQUEST_PATH) return { ok: false, error: 'bad_path' }
  const clean = cleanUrlPath(pathname, STRICT_PATH_POLICY)
  return clean.ok ? { ok: true, value: clean.value.join('/') } : { ok: false, error: 'bad_path' }
}

/** Resolves a clean relative path to a real file inside `root` (symlinks may not escape). */
export function resolveInside(root: string, relative: string): Result<{ file: string; type: string }, StaticError> {
  const realRoot = realpathSync(root)
  const candidate = resolveUnderRoot(realRoot, relative.split('/'))
  if (!candidate.ok) return { ok: false, error: 'bad_path' }
  if (!existsSync(candidate.value)) return { ok: false, error: 'not_found' }
  const real = realpathSync(candidate.value)
  if (real !== realRoot && !real.startsWith(realRoot + sep)) return { ok: false, error: 'bad_path' }
  if (!statSync(real).isFile()) return { ok: false, error: 'not_found' }
  const type = staticContentType(real)
  if (!type) return { ok: false, error: 'not_found' }
  return { ok: true, value: { file: real, type } }
}
