/**
 * This computer as the runtime sees it: its short host name, its hardware fingerprint (the
 * native soul grows from it) and its tailnet address. One source for `nara run`, `nara soul`
 * and the desktop app, so all three resolve the same identity.
 */
import { hostname } from 'node:os'
import { detectMeshIP } from '../mesh/address'
import { hardwareFingerprint, readHostId, readMacs } from '../protocol/hardware'
import type { Machine } from './runtime'

export function machineFingerprint(): Uint8Array {
  try {
    return hardwareFingerprint(readHostId(), readMacs())
  } catch {
    return hardwareFingerprint(hostname(), [])
  }
}

export function thisMachine(): Machine {
  let fingerprint: Uint8Array | null = null
  return {
    hostname: hostname().split('.')[0] ?? '',
    fingerprint: () => (fingerprint ??= machineFingerprint()),
    detectMeshIP: () => detectMeshIP()
  }
}
