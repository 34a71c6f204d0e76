/**
 * The node's local control socket: NNG-compatible REP + RESPONDENT on an IPC path, JSON
 * requests routed by the command router. `nara run` calls `startControlSocket`; the CLI,
 * `nngcat --req` and `nngcat --surveyor` talk to it.
 */
import { chmodSync, unlinkSync } from 'node:fs'
import { dirname } from 'node:path'
import type { Clock } from '../../clock'
import type { ControlReply, NodeControl } from '../../control'
import { createCommandRouter, fail, parseRequestText, type CommandRouter, type ExtraHandlers } from '../control/router'
import { clearStaleSocket, controlSocketPath, ensurePrivateDir, type PathEnv } from './socketPath'
import { startSpServer, type SpServerStats } from './server'

export interface ControlSocketOptions extends PathEnv {
  /** Overrides the computed path (tests). */
  path?: string
  extra?: ExtraHandlers
  /** A ready router (the nervous system's); when given, `extra` is ignored. */
  route?: CommandRouter
  clock?: Clock
}

export interface ControlSocket {
  path: string
  readonly stats: SpServerStats
  close(): Promise<void>
}

const encoder = new TextEncoder()
const utf8 = new TextDecoder('utf-8', { fatal: true })

export async function startControlSocket(node: NodeControl, name: string, opts: ControlSocketOptions = {}): Promise<ControlSocket> {
  const platform = opts.platform ?? process.platform
  const path = opts.path ?? controlSocketPath(name, opts)
  if (platform !== 'win32') {
    ensurePrivateDir(dirname(path))
    await clearStaleSocket(path)
  }
  const route = opts.route ?? createCommandRouter(node, opts.extra)
  const answer = async (body: Buffer): Promise<ControlReply> => {
    let text: string
    try {
      text = utf8.decode(body)
    } catch {
      return fail('request is not UTF-8')
    }
    const parsed = parseRequestText(text.replace(/\0+$/, ''))
    return parsed.ok ? route(parsed.value) : parsed.reply
  }
  const sp = await startSpServer(path, {
    clock: opts.clock,
    handle: async (body) => Buffer.from(encoder.encode(JSON.stringify(await answer(body))))
  })
  if (platform !== 'win32') chmodSync(path, 0o600)
  let closed = false
  return {
    path,
    stats: sp.stats,
    async close() {
      if (closed) return
      closed = true
      await sp.close()
      if (platform !== 'win32') {
        try {
          unlinkSync(path)
        } catch {
          // already gone
        }
      }
    }
  }
}
