/**
 * Where a node's control socket lives: `$XDG_RUNTIME_DIR/nara/<name>.sock`, else
 * `<tmpdir>/nara-<uid>/<name>.sock`; on Windows the named pipe `\\.\pipe\nara-<name>`.
 * The directory is private (0700) and the socket 0600: file permissions are the socket's
 * only protection, since it stays plain for standard NNG tools.
 */
import { chmodSync, lstatSync, mkdirSync, readdirSync, unlinkSync } from 'node:fs'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export const SOCKET_SUFFIX = '.sock'
/** sun_path is 108 bytes on Linux (104 on macOS), NUL included. */
const MAX_UNIX_PATH = 103

export interface PathEnv {
  env?: Record<string, string | undefined>
  platform?: NodeJS.Platform
  uid?: number
  tmp?: string
}

/** A name as a safe single file name component (reversible: see `nameFromSocketFile`). */
export function socketFileName(name: string): string {
  if (name === '') throw new RangeError('empty nara name')
  const pct = (c: string): string =>
    [...Buffer.from(c, 'utf8')].map((b) => '%' + b.toString(16).padStart(2, '0')).join('')
  return name.replace(/[^A-Za-z0-9._-]|^\./gu, pct) + SOCKET_SUFFIX
}

export function nameFromSocketFile(file: string): string | null {
  if (!file.endsWith(SOCKET_SUFFIX)) return null
  try {
    return decodeURIComponent(file.slice(0, -SOCKET_SUFFIX.length))
  } catch {
    return null
  }
}

export function controlSocketDir(p: PathEnv = {}): string {
  const env = p.env ?? process.env
  const platform = p.platform ?? process.platform
  if (platform === 'win32') return '\\\\.\\pipe\\'
  const runtime = env.XDG_RUNTIME_DIR
  if (runtime && runtime.startsWith('/')) return join(runtime, 'nara')
  const uid = p.uid ?? (typeof process.getuid === 'function' ? process.getuid() : 0)
  return join(p.tmp ?? tmpdir(), `nara-${uid}`)
}

export function controlSocketPath(name: string, p: PathEnv = {}): string {
  const platform = p.platform ?? process.platform
  if (platform === 'win32') return `\\\\.\\pipe\\nara-${socketFileName(name).slice(0, -SOCKET_SUFFIX.length)}`
  const path = join(controlSocketDir(p), socketFileName(name))
  if (Buffer.byteLength(path) > MAX_UNIX_PATH) throw new RangeError(`socket path too long for AF_UNIX: ${path}`)
  return path
}

/** Creates the private directory, or tightens one we own; refuses a directory someone else owns. */
export function ensurePrivateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 })
  const st = lstatSync(dir)
  if (!st.isDirectory()) throw new Error(`${dir} is not a directory`)
  const uid = typeof process.getuid === 'function' ? process.getuid() : st.uid
  if (st.uid !== uid) throw new Error(`${dir} belongs to another user`)
  if ((st.mode & 0o077) !== 0) chmodSync(dir, 0o700)
}

/**
 * What answers at `path`: `live` (something accepts connections), `stale` (a socket file with
 * nobody behind it: the connection is refused, as after a crash), `unknown` (no answer in time,
 * or another error: left alone).
 */
export type SocketProbe = 'live' | 'stale' | 'unknown'

export function probeSocket(path: string, timeoutMs = 500): Promise<SocketProbe> {
  return new Promise((resolve) => {
    const s = connect(path)
    const done = (v: SocketProbe): void => {
      clearTimeout(t)
      s.destroy()
      resolve(v)
    }
    const t = setTimeout(() => done('unknown'), timeoutMs)
    s.once('connect', () => done('live'))
    s.once('error', (e: NodeJS.ErrnoException) => done(e.code === 'ECONNREFUSED' || e.code === 'ENOENT' ? 'stale' : 'unknown'))
  })
}

/** True when something accepts connections at `path`. */
export async function socketAnswers(path: string, timeoutMs = 500): Promise<boolean> {
  return (await probeSocket(path, timeoutMs)) === 'live'
}

/**
 * Prepares `path` for listening: a live socket means another node already runs under this
 * name (error); a dead socket file is removed; any other kind of file is left alone (error).
 */
export async function clearStaleSocket(path: string): Promise<void> {
  let st
  try {
    st = lstatSync(path)
  } catch {
    return
  }
  if (!st.isSocket()) throw new Error(`${path} exists and is not a socket`)
  if (await socketAnswers(path)) throw new Error(`a node is already listening on ${path}`)
  unlinkSync(path)
}

/** Socket files in the control directory, as {name, path}. */
export function listControlSockets(p: PathEnv = {}): { name: string; path: string }[] {
  const dir = controlSocketDir(p)
  let entries: string[]
  try {
    entries = readdirSync(dir)
  } catch {
    return []
  }
  const out: { name: string; path: string }[] = []
  for (const f of entries.sort()) {
    const name = nameFromSocketFile(f)
    if (name === null) continue
    const path = join(dir, f)
    try {
      if (lstatSync(path).isSocket()) out.push({ name, path })
    } catch {
      // vanished meanwhile
    }
  }
  return out
}

export type ControlSocketEntry = { name: string; path: string }

/**
 * The control sockets of running naras. Socket files whose node is gone (the connection is
 * refused) are removed and returned as `stale`, so they are never mistaken for running nodes.
 */
export async function liveControlSockets(p: PathEnv = {}): Promise<{ live: ControlSocketEntry[]; stale: ControlSocketEntry[] }> {
  const all = listControlSockets(p)
  const probes = await Promise.all(all.map((s) => probeSocket(s.path)))
  const live: ControlSocketEntry[] = []
  const stale: ControlSocketEntry[] = []
  all.forEach((s, i) => {
    if (probes[i] !== 'stale') return void live.push(s)
    stale.push(s)
    try {
      unlinkSync(s.path)
    } catch {
      // already gone, or not ours to remove: either way it is not a running nara
    }
  })
  return { live, stale }
}
