/**
 * `nara run --ui host:port [--ui-public]`: puts the running node on a data plane and serves the
 * dashboard over it. The link (with the token) is printed once; nothing else ever logs it.
 */
import { DataPlane } from '../bus/dataPlane'
import { bridgeNode } from '../bus/nodeBridge'
import { createCommandRouter } from '../bus/control/router'
import type { NaraNode } from '../node'
import { parseHostPort, startUiServer } from './server'

export interface UiHookContext {
  node: NaraNode
  values: Record<string, string | boolean | undefined>
  io: { err(line: string): void; out(line: string): void }
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
  const plane = new DataPlane()
  const bridge = bridgeNode(ctx.node, plane)
  try {
    const server = await startUiServer({
      host: addr.host,
      port: addr.port,
      dataPlane: plane,
      control: createCommandRouter(ctx.node),
      allowNonLoopback: ctx.values['ui-public'] === true,
      log: (line) => ctx.io.err(line)
    })
    ctx.io.err(`dashboard: ${server.url}`)
    ctx.io.err('  (open this link; the token in it is printed only this once)')
    return async () => {
      await server.close()
      bridge.close()
    }
  } catch (e) {
    bridge.close()
    throw e
  }
}
