/**
 * How the desktop app builds the one runtime: its settings store, its keychain opener, its soul
 * from argv / NARA_SOUL, its soul export (a native dialog) — adapters only. Plain module (no
 * `electron` import): main/index.ts calls it with Electron's pieces, and the runtime test calls it
 * with stand-ins, so the test runs the composition the app runs.
 */
import type { Logger } from '../core/config'
import type { ControlReply } from '../core/control'
import { createRuntime, type Machine, type NaraRuntime } from '../core/runtime/runtime'
import type { SecretStore } from '../core/runtime/keychain'
import type { SecretRegistry } from '../core/runtime/secrecy'
import type { SettingsStore } from '../core/runtime/settings-store'
import { soulFromArgv } from '../core/runtime/soul-store'

export interface DesktopAdapters {
  settings: SettingsStore
  openKeychain: () => Promise<SecretStore>
  argv: readonly string[]
  env: Record<string, string | undefined>
  machine: Machine
  log: Logger
  secrets: SecretRegistry
  /** Multicast DNS for the mesh (default on; tests turn it off where multicast would leave loopback). */
  mdns?: boolean
  /** The window's soul export (confirmation dialog, then the clipboard). */
  exportSoul?: () => Promise<ControlReply>
}

export function desktopRuntime(a: DesktopAdapters): NaraRuntime {
  const argvSoul = soulFromArgv(a.argv)
  const envSoul = a.env['NARA_SOUL'] || null
  const exportSoul = a.exportSoul
  return createRuntime({
    settings: a.settings,
    machine: a.machine,
    openKeychain: a.openKeychain,
    givenSoul: argvSoul ? { text: argvSoul, source: 'argument' } : envSoul ? { text: envSoul, source: 'environment' } : null,
    log: a.log,
    secrets: a.secrets,
    controlSocket: { env: a.env },
    oneInstancePerSoul: true,
    // Two desktops on one LAN without a tailnet find each other's mesh by multicast DNS.
    mdns: a.mdns ?? true,
    ...(exportSoul ? { rendererExtra: { 'soul.export': () => exportSoul() } } : {})
  })
}
