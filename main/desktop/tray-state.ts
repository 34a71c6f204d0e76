/**
 * What the tray shows, as a pure function of the node's state. The Electron glue (tray.ts) only
 * turns this into images and strings; every decision is here and unit-tested.
 */
import type { NodeState } from '../core/views'

export type TrayIcon = 'offline' | 'joining' | 'alone' | 'neighbours'
export type MenuBarTheme = 'template' | 'light' | 'dark'

export interface TrayInput {
  nodeState: NodeState
  neighboursOnline: number
  name: string | null
  /** A plain-words problem to surface in the tooltip (e.g. "Can't reach the plaza at …"). */
  problem?: string | null
}

export interface TrayState {
  icon: TrayIcon
  tooltip: string
  /** Short text next to the icon on macOS (neighbour count while online, empty otherwise). */
  title: string
}

export function trayIconFor(nodeState: NodeState, neighboursOnline: number): TrayIcon {
  switch (nodeState) {
    case 'offline':
      return 'offline'
    case 'joining':
    case 'leaving':
      return 'joining'
    case 'online':
      return neighboursOnline > 0 ? 'neighbours' : 'alone'
  }
}

export function neighboursPhrase(n: number): string {
  if (n <= 0) return 'no neighbours online'
  return n === 1 ? '1 neighbour online' : `${n} neighbours online`
}

export function trayState(input: TrayInput): TrayState {
  const n = Math.max(0, Math.floor(input.neighboursOnline))
  const icon = trayIconFor(input.nodeState, n)
  const who = input.name ? `Nara Desktop — ${input.name}` : 'Nara Desktop'
  let line: string
  switch (input.nodeState) {
    case 'offline':
      line = 'offline (not on the plaza)'
      break
    case 'joining':
      line = 'joining the plaza…'
      break
    case 'leaving':
      line = 'saying chau…'
      break
    case 'online':
      line = `online, ${neighboursPhrase(n)}`
      break
  }
  const problem = input.problem ? `\n${input.problem}` : ''
  return { icon, tooltip: `${who}\n${line}${problem}`, title: input.nodeState === 'online' && n > 0 ? String(n) : '' }
}

/** Resource file for an icon: template images on macOS, coloured ones elsewhere. */
export function trayIconFile(icon: TrayIcon, theme: MenuBarTheme): string {
  return theme === 'template' ? `tray-${icon}Template.png` : `tray-${icon}-${theme}.png`
}
