/**
 * The slice of the node the desktop shell needs, on top of the control plane's `NodeControl`.
 * F's `NaraNode` (main/core/node.ts) satisfies it (checked in node-host.ts).
 */
import type { NodeControl } from '../control'
import type { PlazaSignal } from '../node'
import type { LifecycleView, NeighbourView, SelfView } from '../views'

export interface DesktopNode extends NodeControl {
  /** Resolves the plaza and joins. */
  start(): Promise<void>
  /** chau + final zine, then release everything (bounded by the node itself too). */
  stop(): Promise<void>
  on(event: 'self', listener: (self: SelfView) => void): unknown
  on(event: 'peer', listener: (peer: NeighbourView) => void): unknown
  on(event: 'lifecycle', listener: (step: LifecycleView) => void): unknown
  /** Each step of a join as the plaza answers it (the join flow's events, see join-flow.ts). */
  on(event: 'plaza', listener: (signal: PlazaSignal) => void): unknown
}
