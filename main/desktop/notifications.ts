/** Electron glue: shows a policy Notice; a click opens the window on the nara it is about. */
import { Notification } from 'electron'
import type { Notice, NavigationIntent } from '../core/runtime/notifications-policy'

export function createNotifier(iconPath: string, onClick: (intent: NavigationIntent) => void): (n: Notice) => void {
  return (notice) => {
    if (!Notification.isSupported()) return
    const n = new Notification({ title: notice.title, body: notice.body, icon: iconPath, silent: notice.category === 'digest' })
    n.on('click', () => onClick(notice.navigate))
    n.show()
  }
}
