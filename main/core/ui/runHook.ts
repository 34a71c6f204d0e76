/**
 * `nara run --ui host:port [--ui-public]`: serves the dashboard over the running node's nervous
 * system — its one data plane and bridge, its WebSocket router (which never exports the soul) and
 * its soul guard on every frame. The link (with its token, valid until the node stops) is printed at
 * start and handed to the local status reply (`nara status`); nothing else logs it.
 */
import type { NervousSystem } from '../bus/nervousSystem'
import type { NaraNode } from '../node'
import type { NaraRuntime } from '../runtime/runtime'
import { parseHostPort, startUiServer } from './server'

export interface UiHookContext {
  node: NaraNode
  values: Record<string, string | boolean | undefined>
  io: { err(line: string): void; out(line: string): void }
  nervousSystem?: NervousSystem
  /** With a runtime, every dashboard connection is served by its current node (first run, join, settings). */
  runtime?: NaraRuntime
}

export const UI_FLAGS = {
  ui: { type: 'string', help: 'serve the dashboard on host:port (loopback; e.g. 127.0.0.1:8717)' },
  'ui-public': { type: 'boolean', help: 'allow --ui on a non-loopback address (anyone with the link controls this nara)' }
} as const

export async function uiRunHook(ctx: UiHookContext): Promise<(() => Promise<void>) | void> {
  const spec = ctx.values.ui
  if (typeof spec !== 'string') return
  const addr = parseHostPort(spec)
  if (!addr) throw new Error(`--ui '${spec}' must look like 127.0.0.1:8717`)
  const ns = ctx.nervousSystem
  const runtime = ctx.runtime
  if (!ns && !runtime) throw new Error('--ui needs the node\'s nervous system')
  const server = await startUiServer({
    host: addr.host,
    port: addr.port,
    ...(runtime
      ? { attach: (carrier) => runtime.attach(carrier, 'websocket') }
      : { dataPlane: ns!.dataPlane, control: ns!.routerFor('websocket'), protect: (carrier) => ns!.protect(carrier, 'websocket') }),
    allowNonLoopback: ctx.values['ui-public'] === true,
    log: (line) => ctx.io.err(line)
  })
  const setUrl = (url: string | null): void => (runtime ? runtime.setDashboardUrl(url) : ns!.setDashboardUrl(url))
  setUrl(server.url)
  ctx.io.err(`dashboard: ${server.url}`)
  ctx.io.err("  (the link's token stays valid until this node stops and works in any tab; anyone with it controls this nara; 'nara status' shows it again)")
  return async () => {
    setUrl(null)
    await server.close()
  }
}
