/**
 * One Nara Desktop per user: a second launch hands over to the first (which shows its window)
 * and exits. Two nodes with the same soul would fight over the same identity on the plaza.
 */
export interface SingleInstanceApp {
  requestSingleInstanceLock(): boolean
  on(event: 'second-instance', listener: (...args: unknown[]) => void): unknown
  quit(): void
}

/** Returns false when another instance owns the lock (this one should stop starting up). */
export function claimSingleInstance(app: SingleInstanceApp, onSecondLaunch: () => void): boolean {
  if (!app.requestSingleInstanceLock()) {
    app.quit()
    return false
  }
  app.on('second-instance', () => onSecondLaunch())
  return true
}
