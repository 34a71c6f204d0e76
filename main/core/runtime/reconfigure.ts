/**
 * Applying settings that change how we reach the network: leave cleanly (chau), reconfigure,
 * and join again only if we were on the plaza before. Serialised so two quick edits cannot
 * interleave their leave/join.
 */
import type { NodeState } from '../views'
import { changeNeedsRejoin, type Settings } from './settings-schema'

export interface ReconfigurableNode {
  state(): NodeState
  leave(): Promise<unknown>
  join(): Promise<unknown>
  /** Rebuilds transports from the new settings while offline. */
  reconfigure(settings: Settings): Promise<void> | void
}

export type ReconfigureStep = 'leave' | 'reconfigure' | 'join'

export function createReconfigurer(node: ReconfigurableNode, onStep?: (s: ReconfigureStep) => void) {
  let queue: Promise<unknown> = Promise.resolve()
  return function apply(before: Settings, after: Settings): Promise<ReconfigureStep[]> {
    const run = async (): Promise<ReconfigureStep[]> => {
      if (!changeNeedsRejoin(before, after)) return []
      const steps: ReconfigureStep[] = []
      const step = (s: ReconfigureStep): void => {
        steps.push(s)
        onStep?.(s)
      }
      const wasOn = node.state() === 'online' || node.state() === 'joining'
      if (wasOn) {
        step('leave')
        await node.leave()
      }
      step('reconfigure')
      await node.reconfigure(after)
      if (wasOn) {
        step('join')
        await node.join()
      }
      return steps
    }
    const p = queue.then(run, run)
    queue = p.catch(() => undefined)
    return p
  }
}
