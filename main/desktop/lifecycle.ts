/**
 * Connects every way the app can end or sleep to the quit sequence and the power controller.
 * Event sources are passed in as small structural types (Electron's `app`, `powerMonitor` and
 * Node's `process` satisfy them), so tests drive this with plain EventEmitters.
 */
import type { PowerController } from './power'

interface PreventableEvent {
  preventDefault(): void
}

export interface AppEvents {
  on(event: 'before-quit', listener: (e: PreventableEvent) => void): unknown
  on(event: 'window-all-closed', listener: () => void): unknown
}

export interface PowerEvents {
  on(event: 'suspend' | 'resume', listener: () => void): unknown
  on(event: 'shutdown', listener: (e: PreventableEvent) => void): unknown
}

export interface ProcessEvents {
  on(event: 'SIGTERM' | 'SIGINT' | 'SIGHUP', listener: () => void): unknown
}

export interface LifecycleDeps {
  app: AppEvents
  powerMonitor: PowerEvents
  process: ProcessEvents
  /** Starts (or joins) the bounded quit sequence; it calls the real exit itself. */
  quit: () => Promise<unknown>
  power: PowerController
}

export function installLifecycle(deps: LifecycleDeps): void {
  let exiting = false
  const beginQuit = (): void => {
    exiting = true
    void deps.quit()
  }
  // Cmd-Q, the tray's Quit, app.quit(), logout on macOS: hold the quit until chau is out.
  // The quit sequence ends with app.exit(), which does not emit before-quit again.
  deps.app.on('before-quit', (e) => {
    e.preventDefault()
    beginQuit()
  })
  // Closing the window keeps the app (and the node) running in the tray.
  deps.app.on('window-all-closed', () => {})
  // Linux/macOS shutdown or reboot: ask the OS to wait briefly; the sequence is bounded.
  deps.powerMonitor.on('shutdown', (e) => {
    e.preventDefault()
    beginQuit()
  })
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) deps.process.on(signal, beginQuit)
  deps.powerMonitor.on('suspend', () => {
    if (!exiting) void deps.power.onSuspend()
  })
  deps.powerMonitor.on('resume', () => {
    if (!exiting) void deps.power.onResume()
  })
}
