/**
 * The tray menu as data, rebuilt from a small state object on every change (ipfs-desktop
 * style). tray.ts maps it onto Electron's Menu; tests assert the model for each node state.
 */
import type { NodeState } from '../core/views'
import { neighboursPhrase } from './tray-state'

export type MenuAction =
  | { kind: 'join' }
  | { kind: 'leave' }
  | { kind: 'open-window' }
  | { kind: 'open-profile'; name: string }
  | { kind: 'toggle-notifications'; enabled: boolean }
  | { kind: 'toggle-start-at-login'; enabled: boolean }
  | { kind: 'quit' }

export type MenuItemModel =
  | { type: 'action'; id: string; label: string; enabled: boolean; action: MenuAction }
  | { type: 'checkbox'; id: string; label: string; checked: boolean; enabled: boolean; action: MenuAction }
  | { type: 'label'; id: string; label: string }
  | { type: 'submenu'; id: string; label: string; enabled: boolean; items: MenuItemModel[] }
  | { type: 'separator'; id: string }

export interface MenuInput {
  nodeState: NodeState
  /** Names of neighbours currently ONLINE. */
  neighbours: readonly string[]
  notificationsOn: boolean
  startAtLogin: boolean
  /** Whether the OS lets us register as a login item (false e.g. for an AppImage without a desktop file). */
  startAtLoginSupported: boolean
}

/** How many neighbours are listed by name before "and N more". */
export const MAX_LISTED_NEIGHBOURS = 15

export function buildMenuModel(input: MenuInput): MenuItemModel[] {
  const items: MenuItemModel[] = []
  const s = input.nodeState
  if (s === 'offline') {
    items.push({ type: 'action', id: 'join', label: 'Join the plaza', enabled: true, action: { kind: 'join' } })
  } else if (s === 'joining') {
    items.push({ type: 'action', id: 'join', label: 'Joining…', enabled: false, action: { kind: 'join' } })
  } else if (s === 'online') {
    items.push({ type: 'action', id: 'leave', label: 'Leave (go quiet)', enabled: true, action: { kind: 'leave' } })
  } else {
    items.push({ type: 'action', id: 'leave', label: 'Leaving…', enabled: false, action: { kind: 'leave' } })
  }
  items.push({ type: 'action', id: 'open', label: 'Open Nara Desktop', enabled: true, action: { kind: 'open-window' } })
  items.push({ type: 'separator', id: 'sep-1' })

  const online = [...input.neighbours].sort((a, b) => a.localeCompare(b))
  const listed = online.slice(0, MAX_LISTED_NEIGHBOURS)
  const sub: MenuItemModel[] = listed.map((name) => ({
    type: 'action',
    id: `neighbour:${name}`,
    label: name,
    enabled: true,
    action: { kind: 'open-profile', name }
  }))
  if (online.length > listed.length) {
    sub.push({ type: 'label', id: 'neighbours-more', label: `and ${online.length - listed.length} more` })
  }
  const label = s === 'online' ? neighboursPhrase(online.length) : 'Neighbours (offline)'
  items.push({ type: 'submenu', id: 'neighbours', label, enabled: s === 'online' && online.length > 0, items: sub })
  items.push({ type: 'separator', id: 'sep-2' })
  items.push({
    type: 'checkbox',
    id: 'notifications',
    label: 'Notifications',
    checked: input.notificationsOn,
    enabled: true,
    action: { kind: 'toggle-notifications', enabled: !input.notificationsOn }
  })
  items.push({
    type: 'checkbox',
    id: 'start-at-login',
    label: 'Start at login',
    checked: input.startAtLogin,
    enabled: input.startAtLoginSupported,
    action: { kind: 'toggle-start-at-login', enabled: !input.startAtLogin }
  })
  items.push({ type: 'separator', id: 'sep-3' })
  items.push({ type: 'action', id: 'quit', label: 'Quit Nara Desktop', enabled: true, action: { kind: 'quit' } })
  return items
}
