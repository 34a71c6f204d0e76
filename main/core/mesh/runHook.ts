/**
 * `nara run --mesh-listen host:port --mesh-cidr a.b.c.d/n` (with F's --mesh-ip and --transport):
 * attaches the mesh to the running node. Without a listen address or a mesh IP the mesh stays
 * off, as the reference does when its tailnet is down.
 */
import type { NaraNode } from '../node'
import { DEFAULT_MESH_PORT, DEFAULT_SCAN_CIDR, parseCidr, parseListenAddress } from './address'
import { NodeMesh } from './nodeMesh'

export interface MeshHookContext {
  node: NaraNode
  values: Record<string, string | boolean | undefined>
  io: { err(line: string): void; out(line: string): void }
}

export const MESH_FLAGS = {
  'mesh-listen': { type: 'string', help: 'mesh HTTP listen address host:port (default {mesh-ip}:7433)' },
  'mesh-cidr': { type: 'string', help: `subnet scanned for peers in gossip mode (default ${DEFAULT_SCAN_CIDR})` }
} as const

export async function meshRunHook(ctx: MeshHookContext): Promise<(() => Promise<void>) | void> {
  const { node } = ctx
  const listenText = typeof ctx.values['mesh-listen'] === 'string' ? (ctx.values['mesh-listen'] as string) : ''
  const meshIP = node.config.meshIP
  if (listenText === '' && meshIP === '') {
    if (node.config.transport !== 'mqtt') ctx.io.err('! mesh off: no --mesh-ip (and no 100.64.0.0/10 interface found) and no --mesh-listen')
    return
  }
  const listen = parseListenAddress(listenText || `${meshIP.includes(':') ? `[${meshIP}]` : meshIP}:${DEFAULT_MESH_PORT}`)
  if (!listen) throw new Error(`--mesh-listen '${listenText}' must look like 100.64.0.7:7433`)
  if (listen.port !== DEFAULT_MESH_PORT) {
    ctx.io.err(`! --mesh-listen port ${listen.port}: Go naras always dial port ${DEFAULT_MESH_PORT} at our mesh IP, so they will not reach this mesh`)
  }
  const cidr = typeof ctx.values['mesh-cidr'] === 'string' ? (ctx.values['mesh-cidr'] as string) : DEFAULT_SCAN_CIDR
  if (!parseCidr(cidr)) throw new Error(`--mesh-cidr '${cidr}' must look like 100.64.0.0/24`)
  const mesh = new NodeMesh({ listen, transport: node.config.transport, scanCidr: cidr })
  node.attachMesh(mesh)
  await mesh.start(node)
  ctx.io.err(`mesh: listening on ${mesh.listen} (${node.config.transport})`)
  // node.stop() says chau, runs the farewell round and stops the mesh.
  return async () => {}
}
