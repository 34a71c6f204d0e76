/**
 * Settings + identity → the node's configuration (F's main/core/config.ts), and the factory that
 * builds F's NaraNode.
 */
import { resolveConfig, type ConfigInput, type ConfigResult } from '../config'
import type { Identity } from '../protocol/identity'
import { NaraNode } from '../node'
import type { DesktopNode } from './node-port'
import type { Settings } from './settings-schema'

/** The soul travels only inside this object, from main's memory to the node in the same process. */
export function nodeConfigFor(settings: Settings, identity: Identity, mqttPassword: string | null): ConfigResult {
  const input: ConfigInput = {
    name: identity.name,
    soul: identity.soulText,
    transport: settings.transport,
    meshIP: settings.meshIP
  }
  if (settings.plaza === 'embedded') input.embeddedBroker = true
  else {
    input.broker = settings.brokerUrl
    if (settings.mqttUser) {
      input.mqttUser = settings.mqttUser
      if (mqttPassword) input.mqttPass = mqttPassword
    }
  }
  // No environment: the desktop's settings are the only source (NARA_SOUL is handled by soul-store).
  return resolveConfig(input, {})
}

export type NodeConfigOk = Extract<ConfigResult, { ok: true }>['config']

/** Builds F's NaraNode with the identity main already resolved (keychain / import / native). */
export function createNaraNode(config: NodeConfigOk, identity: Identity): NaraNode {
  return new NaraNode({ config, identity })
}

// The shell drives the node through DesktopNode; the nervous system needs the whole NaraNode.
const _fits: (n: NaraNode) => DesktopNode = (n) => n
void _fits
