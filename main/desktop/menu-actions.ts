/**
 * What a tray menu item does, on the runtime's own commands (the same ones the window sends).
 * Plain module: the Electron pieces (window, quit, login item) come in as functions.
 */
import type { NaraRuntime } from '../core/runtime/runtime'
import type { NotificationPolicy, NavigationIntent } from '../core/runtime/notifications-policy'
import type { SettingsStore } from '../core/runtime/settings-store'
import type { MenuAction } from './menu-model'

export interface MenuActionDeps {
  runtime: Pick<NaraRuntime, 'nervousSystem'>
  policy: Pick<NotificationPolicy, 'noteManualLeave'>
  settings: SettingsStore
  openWindow: () => unknown
  navigate: (intent: NavigationIntent) => void
  quit: () => void
  setOpenAtLogin: (on: boolean) => void
}

export async function runMenuAction(a: MenuAction, d: MenuActionDeps): Promise<void> {
  const ask = (cmd: 'join' | 'leave') => d.runtime.nervousSystem?.router({ cmd })
  switch (a.kind) {
    case 'join': {
      // Before the first join there is nothing to re-join: the window's first-run screen asks.
      const r = await ask('join')
      if (!r || !r.ok) d.openWindow()
      return
    }
    case 'leave':
      d.policy.noteManualLeave()
      await ask('leave')
      return
    case 'open-window':
      d.openWindow()
      return
    case 'open-profile':
      d.navigate({ kind: 'open-profile', name: a.name })
      return
    case 'toggle-notifications':
      d.settings.update({ notifications: { enabled: a.enabled } })
      return
    case 'toggle-start-at-login':
      d.setOpenAtLogin(a.enabled)
      d.settings.update({ startAtLogin: a.enabled })
      return
    case 'quit':
      d.quit()
  }
}
