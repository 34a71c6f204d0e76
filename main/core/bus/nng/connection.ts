/**
 * One SP connection (an nng "pipe") over a stream socket: header exchange, then framed
 * messages. A listener may pick its own protocol after seeing the peer's (so one socket file
 * serves both REQ and SURVEYOR peers); a dialer announces its protocol at once.
 */
import type { Socket } from 'node:net'
import { systemClock, type Clock } from '../../clock'
import { DEFAULT_MAX_MESSAGE, IpcStreamDecoder, SP_PEER, encodeIpcMessage, encodeSpHeader, type FrameError } from './wire'

export interface SpConnectionOptions {
  /** Our protocol, or a chooser given the peer's (null = refuse the peer). */
  protocol: number | ((peer: number) => number | null)
  maxMessage?: number
  handshakeTimeoutMs?: number
  clock?: Clock
}

export type SpCloseReason = 'closed' | 'handshake_timeout' | 'incompatible_peer' | FrameError | 'socket_error'

export class SpConnection {
  private readonly decoder: IpcStreamDecoder
  private ourProtocol: number | null = null
  private peer: number | null = null
  private ready = false
  private closedWith: SpCloseReason | null = null
  private readonly readyCbs: Array<(peer: number) => void> = []
  private readonly messageCbs: Array<(payload: Buffer) => void> = []
  private readonly closeCbs: Array<(why: SpCloseReason) => void> = []
  private readonly clock: Clock

  constructor(
    readonly socket: Socket,
    private readonly opts: SpConnectionOptions
  ) {
    this.clock = opts.clock ?? systemClock
    this.decoder = new IpcStreamDecoder(opts.maxMessage ?? DEFAULT_MAX_MESSAGE)
    if (typeof opts.protocol === 'number') {
      this.ourProtocol = opts.protocol
      socket.write(encodeSpHeader(opts.protocol))
    }
    const timer = this.clock.setTimeout(() => {
      if (!this.ready) this.close('handshake_timeout')
    }, opts.handshakeTimeoutMs ?? 10_000)
    this.onReady(() => this.clock.clearTimeout(timer))
    this.onClose(() => this.clock.clearTimeout(timer))
    socket.on('data', (chunk: Buffer) => this.onData(chunk))
    socket.on('error', () => this.close('socket_error'))
    socket.on('close', () => this.close('closed'))
  }

  get peerProtocol(): number | null {
    return this.peer
  }

  get isReady(): boolean {
    return this.ready
  }

  get closeReason(): SpCloseReason | null {
    return this.closedWith
  }

  onReady(cb: (peer: number) => void): void {
    if (this.ready && this.peer !== null) cb(this.peer)
    else this.readyCbs.push(cb)
  }

  onMessage(cb: (payload: Buffer) => void): void {
    this.messageCbs.push(cb)
  }

  onClose(cb: (why: SpCloseReason) => void): void {
    if (this.closedWith) cb(this.closedWith)
    else this.closeCbs.push(cb)
  }

  /** Sends one message made of the given parts (backtrace/id, then body). */
  send(...parts: Uint8Array[]): boolean {
    if (!this.ready || this.closedWith) return false
    return this.socket.write(encodeIpcMessage(...parts))
  }

  close(why: SpCloseReason = 'closed'): void {
    if (this.closedWith) return
    this.closedWith = why
    this.socket.destroy()
    for (const cb of this.closeCbs.splice(0)) cb(why)
  }

  private onData(chunk: Buffer): void {
    if (this.closedWith) return
    const r = this.decoder.push(chunk)
    if (r.header !== undefined) {
      const peer = r.header
      if (this.ourProtocol === null) {
        const chosen = typeof this.opts.protocol === 'function' ? this.opts.protocol(peer) : null
        if (chosen === null) return this.close('incompatible_peer')
        this.ourProtocol = chosen
        this.socket.write(encodeSpHeader(chosen))
      }
      if (SP_PEER[this.ourProtocol] !== peer) return this.close('incompatible_peer')
      this.peer = peer
      this.ready = true
      for (const cb of this.readyCbs.splice(0)) cb(peer)
    }
    for (const m of r.messages) {
      if (this.closedWith) return
      for (const cb of this.messageCbs) cb(m)
    }
    if (r.error) this.close(r.error)
  }
}
