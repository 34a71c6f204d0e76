/**
 * Electron glue: shows a policy Notice; a click opens the window on the nara it is about.
 * Notification objects are kept referenced until they close or fail (otherwise the garbage
 * collector may take them and their click handler), and a failure is reported.
 */
import type { Notice, NavigationIntent } from '../core/runtime/notifications-policy'

export interface NotificationLike {
  on(event: 'click' | 'close' | 'failed', listener: (...args: unknown[]) => void): unknown
  show(): void
}

export interface NotificationCtor {
  new (options: { title: string; body: string; icon?: string; silent?: boolean }): NotificationLike
  isSupported(): boolean
}

export interface Notifier {
  (n: Notice): void
  /** Notifications shown and not yet closed (kept alive). */
  readonly live: number
}

export function createNotifier(Notification: NotificationCtor, iconPath: string, onClick: (intent: NavigationIntent) => void, onFailed: (error: string) => void = () => {}): Notifier {
  const live = new Set<NotificationLike>()
  const notify = ((notice: Notice) => {
    if (!Notification.isSupported()) return
    const n = new Notification({ title: notice.title, body: notice.body, icon: iconPath, silent: notice.category === 'digest' })
    live.add(n)
    n.on('click', () => {
      live.delete(n)
      onClick(notice.navigate)
    })
    n.on('close', () => live.delete(n))
    n.on('failed', (_e, error) => {
      live.delete(n)
      onFailed(typeof error === 'string' ? error : 'the notification could not be shown')
    })
    n.show()
  }) as Notifier
  Object.defineProperty(notify, 'live', { get: () => live.size })
  return notify
}
