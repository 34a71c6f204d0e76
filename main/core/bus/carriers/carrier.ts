/**
 * A carrier moves frames between two ends of the bus (in-process, Electron MessagePort,
 * loopback WebSocket). Browser-safe: no Node imports.
 *
 * Both planes share one carrier: see `mux.ts` for the {plane:'data'|'control'} envelope.
 */
export interface Carrier<F = string> {
  send(frame: F): void
  /** Registers a frame listener; returns its removal. */
  onFrame(cb: (frame: F) => void): () => void
  /** Called once when the carrier closes (either end). */
  onClose(cb: () => void): () => void
  close(): void
  readonly closed: boolean
}

/** Listener bookkeeping shared by every carrier implementation. */
export class CarrierCore<F> implements Carrier<F> {
  private readonly frameListeners = new Set<(f: F) => void>()
  private readonly closeListeners = new Set<() => void>()
  private isClosed = false
  /** Frames a listener threw on (a listener bug must not break the carrier). */
  listenerErrors = 0

  constructor(
    private readonly transmit: (frame: F) => void,
    private readonly shutdown: () => void = () => {}
  ) {}

  get closed(): boolean {
    return this.isClosed
  }

  send(frame: F): void {
    if (this.isClosed) throw new Error('carrier closed')
    this.transmit(frame)
  }

  onFrame(cb: (frame: F) => void): () => void {
    this.frameListeners.add(cb)
    return () => this.frameListeners.delete(cb)
  }

  onClose(cb: () => void): () => void {
    if (this.isClosed) {
      queueMicrotask(cb)
      return () => {}
    }
    this.closeListeners.add(cb)
    return () => this.closeListeners.delete(cb)
  }

  /** Delivers an incoming frame to the listeners. */
  deliver(frame: F): void {
    if (this.isClosed) return
    for (const cb of [...this.frameListeners]) {
      try {
        cb(frame)
      } catch {
        this.listenerErrors++
      }
    }
  }

  /** Marks closed (idempotent) and tells the close listeners. */
  markClosed(): void {
    if (this.isClosed) return
    this.isClosed = true
    this.frameListeners.clear()
    for (const cb of [...this.closeListeners]) {
      try {
        cb()
      } catch {
        this.listenerErrors++
      }
    }
    this.closeListeners.clear()
  }

  close(): void {
    if (this.isClosed) return
    try {
      this.shutdown()
    } finally {
      this.markClosed()
    }
  }
}
