/**
 * The CLI's way to a running node: find its control socket (the only one in the runtime dir,
 * or the one named by --name) and send one JSON request over an SP REQ socket.
 */
import type { ControlReply, ControlRequest } from '../core/control'
import { SpReqClient } from '../core/bus/nng/client'
import { controlSocketDir, controlSocketPath, liveControlSockets, type PathEnv } from '../core/bus/nng/socketPath'

export type FindResult = { ok: true; path: string; name: string } | { ok: false; error: string }

export async function findControlSocket(name: string | undefined, p: PathEnv = {}): Promise<FindResult> {
  const platform = p.platform ?? process.platform
  if (name !== undefined) {
    if (name === '') return { ok: false, error: '--name needs a value' }
    const path = controlSocketPath(name, p)
    if (platform === 'win32') return { ok: true, path, name }
    const { live, stale } = await liveControlSockets(p)
    if (live.some((s) => s.path === path)) return { ok: true, path, name }
    const why = stale.some((s) => s.path === path) ? `its socket ${path} was left by a node that is gone and has been removed` : `no socket at ${path}`
    return { ok: false, error: `no running nara named '${name}' (${why})` }
  }
  if (platform === 'win32') return { ok: false, error: 'on Windows, pass --name NAME' }
  const { live: all, stale } = await liveControlSockets(p)
  if (all.length === 0) {
    const removed = stale.length > 0 ? `; removed ${stale.length} stale socket${stale.length === 1 ? '' : 's'} left by a node that is gone (${stale.map((s) => s.name).join(', ')})` : ''
    return { ok: false, error: `no running nara found (no control socket in ${controlSocketDir(p)}${removed}); start one with 'nara run'` }
  }
  if (all.length > 1) return { ok: false, error: `several naras are running (${all.map((s) => s.name).join(', ')}); pick one with --name NAME` }
  const only = all[0] as { name: string; path: string }
  return { ok: true, path: only.path, name: only.name }
}

/** Removes `--name X` / `--name=X` from argv. */
export function takeNameOption(argv: string[]): { name: string | undefined; rest: string[] } {
  const rest: string[] = []
  let name: string | undefined
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string
    if (a === '--name') name = argv[++i] ?? ''
    else if (a.startsWith('--name=')) name = a.slice('--name='.length)
    else rest.push(a)
  }
  return { name, rest }
}

export interface RequestOptions extends PathEnv {
  name?: string
  timeoutMs?: number
  resendMs?: number
}

function isReply(v: unknown): v is ControlReply {
  if (typeof v !== 'object' || v === null) return false
  const o = v as { ok?: unknown; error?: unknown }
  return o.ok === true || (o.ok === false && typeof o.error === 'string')
}

/** Sends one request to the running node; connection problems become {ok:false}. */
export async function controlRequest(req: ControlRequest, opts: RequestOptions = {}): Promise<ControlReply> {
  const found = await findControlSocket(opts.name, opts)
  if (!found.ok) return { ok: false, error: found.error }
  let client: SpReqClient
  try {
    client = await SpReqClient.dial(found.path, { timeoutMs: opts.timeoutMs ?? 10_000, resendMs: opts.resendMs ?? 2_000 })
  } catch (e) {
    return { ok: false, error: e instanceof Error ? e.message : String(e) }
  }
  try {
    const reply = await client.requestJson(req)
    return isReply(reply) ? reply : { ok: false, error: 'the node sent a malformed reply' }
  } catch (e) {
    return { ok: false, error: e instanceof Error ? e.message : String(e) }
  } finally {
    client.close()
  }
}
