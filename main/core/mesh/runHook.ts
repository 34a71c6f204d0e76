/**
 * `nara run --mesh-listen host:port --mesh-cidr a.b.c.d/n` (with --mesh-ip and --transport): the
 * mesh flags. The runtime (main/core/runtime/mesh-plan.ts) decides from them whether and where
 * the mesh runs; without a listen address or a mesh IP it stays off, as the reference does when
 * its tailnet is down.
 */
import { DEFAULT_SCAN_CIDR } from './address'

export const MESH_FLAGS = {
  'mesh-listen': { type: 'string', help: 'mesh HTTP listen address host:port (default {mesh-ip}:7433)' },
  'mesh-cidr': { type: 'string', help: `subnet scanned for peers in gossip mode (default ${DEFAULT_SCAN_CIDR})` }
} as const
