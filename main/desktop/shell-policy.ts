/**
 * The few choices the Electron adapters still make, as plain functions (tested in Node): when
 * to show the window by itself, which tray icon theme fits the taskbar, how tray updates are
 * coalesced, and how a startup failure is reported instead of vanishing.
 */
import type { MenuBarTheme } from './tray-state'

/** Application User Model ID (Windows toasts and taskbar grouping): electron-builder.yml's appId. */
export const APP_USER_MODEL_ID = 'network.nara.desktop'

export interface StartContext {
  /** The runtime is waiting on the first-run screen (no soul yet, no keychain, a bad soul). */
  firstRun: boolean
  platform: NodeJS.Platform
  env: Record<string, string | undefined>
  /** Creating the tray threw. */
  trayFailed: boolean
}

/**
 * Stock GNOME shows no tray (StatusNotifier) icons without the AppIndicator extension, and we
 * cannot ask whether one is visible: there, as on a first run or when the tray failed, the
 * window opens so the app is seen to run.
 */
export function trayMayBeInvisible(platform: NodeJS.Platform, env: Record<string, string | undefined>): boolean {
  if (platform !== 'linux') return false
  const desktop = (env['XDG_CURRENT_DESKTOP'] ?? '').toLowerCase()
  if (desktop === '') return true
  return desktop.split(':').includes('gnome') && !/ubuntu|unity|pop/.test(desktop)
}

export function windowAtStart(c: StartContext): boolean {
  return c.firstRun || c.trayFailed || trayMayBeInvisible(c.platform, c.env)
}

/** Tray icons follow the taskbar's colours, not the app's: a light app theme can sit on a dark panel. */
export function trayTheme(platform: NodeJS.Platform, darkSystemUi: boolean): MenuBarTheme {
  if (platform === 'darwin') return 'template'
  return darkSystemUi ? 'dark' : 'light'
}

export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown
  clearTimeout(handle: unknown): void
}

/** Calls `fn` at most once per `ms` with the latest request (a burst of peer events → one menu rebuild). */
export function coalesce(fn: () => void, ms: number, timers: Timers = { setTimeout: (f, m) => setTimeout(f, m), clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout) }) {
  let pending: unknown = null
  const request = (): void => {
    if (pending !== null) return
    pending = timers.setTimeout(() => {
      pending = null
      fn()
    }, ms)
  }
  request.flush = (): void => {
    if (pending !== null) timers.clearTimeout(pending)
    pending = null
    fn()
  }
  request.cancel = (): void => {
    if (pending !== null) timers.clearTimeout(pending)
    pending = null
  }
  return request
}

/** Runs the app's startup; any error (in whenReady or inside main) is reported, never swallowed. */
export async function runStartup(ready: Promise<unknown>, main: () => Promise<void>, report: (message: string) => void): Promise<boolean> {
  try {
    await ready
    await main()
    return true
  } catch (e) {
    report(e instanceof Error ? `${e.message}${e.stack ? `\n${e.stack}` : ''}` : String(e))
    return false
  }
}
