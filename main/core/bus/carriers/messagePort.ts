/**
 * A carrier over anything MessagePort-shaped: Electron's MessagePortMain (`on('message', e)`
 * with e.data), Node worker_threads MessagePort (`on('message', value)`), or a DOM MessagePort
 * (`addEventListener('message', e)` + `start()`). Frames are strings; anything else that arrives
 * is counted and ignored. Browser-safe.
 */
import { CarrierCore, type Carrier } from './carrier'

export interface PortLike {
  postMessage(message: unknown): void
  on?(event: 'message' | 'close', listener: (value: unknown) => void): unknown
  off?(event: 'message' | 'close', listener: (value: unknown) => void): unknown
  addEventListener?(event: 'message' | 'close', listener: (value: unknown) => void): void
  removeEventListener?(event: 'message' | 'close', listener: (value: unknown) => void): void
  start?(): void
  close?(): void
}

export interface PortCarrier extends Carrier<string> {
  readonly stats: { badFrames: number; oversized: number }
}

export function messagePortCarrier(port: PortLike, opts: { maxFrameBytes?: number } = {}): PortCarrier {
  const maxFrame = opts.maxFrameBytes ?? 4 * 1024 * 1024
  const stats = { badFrames: 0, oversized: 0 }
  const onMessage = (value: unknown): void => {
    const data = typeof value === 'string' ? value : (value as { data?: unknown } | null)?.data
    if (typeof data !== 'string') {
      stats.badFrames++
      return
    }
    if (data.length > maxFrame) {
      stats.oversized++
      return
    }
    core.deliver(data)
  }
  const onPortClose = (): void => {
    detach()
    core.markClosed()
  }
  // Node/Electron ports speak on/off, DOM ports addEventListener/removeEventListener.
  const forBoth = (use: (event: 'message' | 'close', listener: (value: unknown) => void) => unknown): void => {
    use('message', onMessage)
    use('close', onPortClose)
  }
  const detach = (): void => {
    const off = port.off ?? port.removeEventListener
    if (off) forBoth(off.bind(port))
  }
  const core = new CarrierCore<string>(
    (frame) => {
      if (frame.length > maxFrame) throw new RangeError('frame too large')
      port.postMessage(frame)
    },
    () => {
      detach()
      port.close?.()
    }
  )
  const on = port.on ?? port.addEventListener
  if (!on) throw new TypeError('not a MessagePort: needs on() or addEventListener()')
  forBoth(on.bind(port))
  port.start?.()
  return Object.assign(core, { stats })
}
