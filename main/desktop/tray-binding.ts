/**
 * Keeps the tray and the notification policy in step with the runtime: every node the runtime
 * runs reports its state and peers here; the tray is redrawn at most every `coalesceMs` (a burst
 * of peer events is one menu rebuild). Plain module: the tray is any `update(input)`.
 */
import type { NaraNode } from '../core/node'
import type { NaraRuntime } from '../core/runtime/runtime'
import type { NotificationPolicy } from '../core/runtime/notifications-policy'
import type { NeighbourView, NodeState } from '../core/views'
import type { MenuInput } from './menu-model'
import { coalesce, type Timers } from './shell-policy'
import type { TrayInput } from './tray-state'

export interface TrayBindingOptions {
  runtime: NaraRuntime
  tray: () => { update(input: TrayInput & MenuInput): void } | null
  policy: NotificationPolicy
  startAtLogin: () => boolean
  startAtLoginSupported: boolean
  coalesceMs?: number
  timers?: Timers
}

export function bindTray(o: TrayBindingOptions): { refresh: () => void; flush: () => void; cancel: () => void } {
  const neighbours = new Map<string, NeighbourView>()
  let nodeState: NodeState = 'offline'
  let joinProblem: string | null = null
  const draw = (): void => {
    const s = o.runtime.settings.get()
    const online = [...neighbours.values()].filter((n) => n.status === 'ONLINE').map((n) => n.name)
    o.tray()?.update({
      nodeState,
      neighboursOnline: online.length,
      neighbours: online,
      name: o.runtime.node?.name ?? s.name,
      problem: joinProblem ?? o.runtime.view().problem,
      notificationsOn: s.notifications.enabled,
      startAtLogin: o.startAtLogin(),
      startAtLoginSupported: o.startAtLoginSupported
    })
  }
  const refresh = coalesce(draw, o.coalesceMs ?? 250, o.timers)
  const follow = (node: NaraNode): void => {
    neighbours.clear()
    nodeState = node.nodeState
    node.on('self', (self) => {
      if (o.runtime.node !== node) return
      if (self.state === 'online' && nodeState !== 'online') o.policy.noteOnline()
      nodeState = self.state
      refresh()
    })
    node.on('peer', (p) => {
      if (o.runtime.node !== node) return
      neighbours.set(p.name, p)
      o.policy.observe(p.name, p.status)
      refresh()
    })
    refresh()
  }
  o.runtime.on('node', follow)
  o.runtime.on('progress', (p) => {
    joinProblem = p.step === 'error' ? p.message : null
    refresh()
  })
  o.runtime.on('view', () => refresh())
  if (o.runtime.node) follow(o.runtime.node)
  return { refresh, flush: refresh.flush, cancel: refresh.cancel }
}
