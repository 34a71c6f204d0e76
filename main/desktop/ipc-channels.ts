/**
 * The IPC contract between preload and main (electron/fiddle style: one file, shared). Pure types
 * and constants only: the sandboxed preload bundles this file, so no Node, no zod here.
 * Payload validation lives in ipc-bridge.ts (main).
 */
import type { LifecycleView } from '../core/views'

export const IPC = {
  /** renderer → main, with one transferred MessagePort: attach it to the bus. */
  connect: 'nara:connect',
  /** renderer → main, invoke: a DesktopRequest, answered with a DesktopReply. */
  desktop: 'nara:desktop',
  /** main → renderer: a NavigationIntent (a notification or the tray asked to show something). */
  navigate: 'nara:navigate',
  /** main → renderer: join progress (LifecycleView) during the one-click join. */
  joinProgress: 'nara:join-progress'
} as const

export type DesktopRequest =
  | { cmd: 'settings.get' }
  | { cmd: 'settings.set'; settings: Record<string, unknown> }
  | { cmd: 'mqtt.password.set'; password: string }
  | { cmd: 'soul.export'; confirm: true }
  | { cmd: 'first-run.status' }
  | {
      cmd: 'first-run.join'
      name: string | null
      plaza: 'embedded' | 'lan' | 'broker'
      brokerUrl?: string
      mqttUser?: string
      mqttPassword?: string
      /** A pasted soul to import instead of growing the native one. */
      soul?: string
      acceptUnbonded?: boolean
      /** Only when no keychain is reachable: run on the native soul without storing anything. */
      nativeWithoutStorage?: boolean
    }
  | { cmd: 'open-external'; url: string }

export type DesktopReply = ({ ok: true } & Record<string, unknown>) | { ok: false; error: string; problems?: Array<{ field: string; message: string }> }

export type NavigationIntent = { kind: 'open-profile'; name: string } | { kind: 'open-neighbours' } | { kind: 'open-settings' } | { kind: 'open-first-run' }

export type JoinProgress = LifecycleView
