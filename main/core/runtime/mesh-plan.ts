/**
 * Whether and where the mesh runs, from settings (or `nara run` flags): `meshListen` wins, else
 * the mesh IP (set, or detected on a tailnet interface) on port 7433. With neither there is no
 * mesh, and the node advertises no MeshIP — we never announce an address we do not serve.
 */
import { DEFAULT_MESH_PORT, DEFAULT_SCAN_CIDR, parseCidr, parseListenAddress, type HostPort } from '../mesh/address'

export type MeshPlan =
  | { on: true; listen: HostPort; meshIP: string; scanCidr: string; warning: string | null }
  | { on: false; meshIP: ''; why: string }
  | { on: false; error: string }

export interface MeshPlanInput {
  /** host:port, or '' / null to derive it from the mesh IP. */
  listen: string | null
  /** The mesh IP set by the user; '' = detect. */
  meshIP: string
  transport: 'mqtt' | 'gossip' | 'hybrid'
  /** Finds a tailnet address on this machine ('' when there is none). */
  detect: () => string
  scanCidr?: string
}

export const NO_MESH_ADDRESS =
  'No mesh: this computer has no tailnet address and none is set (Settings → Mesh IP / Mesh listen). Zines travel only where a mesh runs; the plaza still works.'

export function planMesh(input: MeshPlanInput): MeshPlan {
  if (input.transport === 'mqtt') return { on: false, meshIP: '', why: 'The transport is "mqtt" (plaza only): no mesh.' }
  const scanCidr = input.scanCidr ?? DEFAULT_SCAN_CIDR
  if (!parseCidr(scanCidr)) return { on: false, error: `mesh scan range '${scanCidr}' must look like 100.64.0.0/24` }
  const meshIP = input.meshIP || input.detect()
  const listenText = input.listen ?? ''
  if (listenText === '' && meshIP === '') return { on: false, meshIP: '', why: NO_MESH_ADDRESS }
  const listen = parseListenAddress(listenText || `${meshIP.includes(':') ? `[${meshIP}]` : meshIP}:${DEFAULT_MESH_PORT}`)
  if (!listen) return { on: false, error: `mesh listen '${listenText}' must look like 100.64.0.7:7433` }
  // Go naras dial port 7433 at a peer's mesh IP whatever it announces, so another port is served
  // but unreachable for them.
  const warning = listen.port === DEFAULT_MESH_PORT ? null : `mesh listen port ${listen.port}: Go naras always dial port ${DEFAULT_MESH_PORT} at our mesh IP, so they will not reach this mesh`
  return { on: true, listen, meshIP, scanCidr, warning }
}
