/**
 * Settings + identity (+ what a shell fixes from its command line) → the node's configuration
 * (main/core/config.ts). One translation for both shells.
 */
import { resolveConfig, type ConfigInput, type ConfigResult } from '../config'
import type { Identity } from '../protocol/identity'
import { NaraNode } from '../node'
import type { DesktopNode } from './node-port'
import type { Settings } from './settings-schema'

/** Node options that are not settings: `nara run`'s read-only, chattiness, embedded address, timings. */
export type ConfigOverlay = Pick<ConfigInput, 'readOnly' | 'forceChattiness' | 'timings' | 'maxPayloadBytes'> & {
  /** host:port for the embedded plaza (default 127.0.0.1:1883, or 0.0.0.0:1883 for the LAN plaza). */
  embeddedBroker?: string
}

export const LAN_PLAZA_ADDRESS = '0.0.0.0:1883'

/** The soul travels only inside this object, from main's memory to the node in the same process. */
export function nodeConfigFor(settings: Settings, identity: Identity, mqttPassword: string | null, meshIP = settings.meshIP, overlay: ConfigOverlay = {}): ConfigResult {
  const input: ConfigInput = {
    name: identity.name,
    soul: identity.soulText,
    transport: settings.transport,
    meshIP,
    readOnly: overlay.readOnly,
    forceChattiness: overlay.forceChattiness,
    timings: overlay.timings,
    maxPayloadBytes: overlay.maxPayloadBytes
  }
  if (settings.plaza === 'embedded') input.embeddedBroker = overlay.embeddedBroker ?? true
  else if (settings.plaza === 'lan') input.embeddedBroker = overlay.embeddedBroker ?? LAN_PLAZA_ADDRESS
  else {
    input.broker = settings.brokerUrl
    if (settings.mqttUser) {
      input.mqttUser = settings.mqttUser
      if (mqttPassword) input.mqttPass = mqttPassword
    }
  }
  // No environment: settings and the shell's overlay are the only sources (NARA_SOUL is the soul source's).
  return resolveConfig(input, {})
}

export type NodeConfigOk = Extract<ConfigResult, { ok: true }>['config']

/** Builds the NaraNode with the identity the soul source resolved (keychain / import / given / native). */
export function createNaraNode(config: NodeConfigOk, identity: Identity): NaraNode {
  return new NaraNode({ config, identity })
}

// The shell drives the node through DesktopNode; the nervous system needs the whole NaraNode.
const _fits: (n: NaraNode) => DesktopNode = (n) => n
void _fits
