/**
 * Sleep and wake: on suspend we say chau (peers should not wait for us to go MISSING), on resume
 * we say hey_there again — but only if we were on the plaza before, so a manual Leave survives
 * a sleep. Notifications stay quiet for a minute after wake.
 */
import type { NodeState } from '../core/views'

export interface PowerDeps {
  state(): NodeState
  join(): Promise<unknown>
  leave(): Promise<unknown>
  /** Tells the notification policy we just woke up. */
  noteWake(): void
  onError?: (e: unknown) => void
}

export interface PowerController {
  onSuspend(): Promise<void>
  onResume(): Promise<void>
}

export function createPowerController(deps: PowerDeps): PowerController {
  let rejoinOnResume = false
  const guard = async (f: () => Promise<unknown>): Promise<void> => {
    try {
      await f()
    } catch (e) {
      deps.onError?.(e)
    }
  }
  return {
    async onSuspend() {
      const s = deps.state()
      if (s === 'online' || s === 'joining') {
        rejoinOnResume = true
        await guard(() => deps.leave())
      }
    },
    async onResume() {
      deps.noteWake()
      if (!rejoinOnResume) return
      rejoinOnResume = false
      await guard(() => deps.join())
    }
  }
}
