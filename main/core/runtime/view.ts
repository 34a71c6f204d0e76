/**
 * What the runtime publishes on `nara/local/runtime` (types only: the renderer imports them).
 */
import type { Settings } from './settings-schema'

export type RuntimePhase = 'starting' | 'first-run' | 'no-keychain' | 'invalid-soul' | 'running'

export interface RuntimeView {
  phase: RuntimePhase
  /** A keychain that really stores secrets is reachable. */
  keychain: boolean
  network: { plaza: Settings['plaza']; where: string; meets: string }
  mesh: { on: true; listen: string; meshIP: string; warning: string | null } | { on: false; note: string }
  problem: string | null
}
