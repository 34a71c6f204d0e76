/**
 * Browser client of the WebSocket carrier (the headless Svelte UI uses it; no Node imports).
 * `connectBus(url, token)` runs the sealed handshake (X25519 from @noble/curves, HKDF-SHA256
 * from WebCrypto), multiplexes both planes on the connection and reconnects by itself with
 * capped exponential backoff.
 *
 * `data` is one carrier for the whole life of the bus: frames sent while disconnected are
 * dropped (counted) — the data plane is latest-value, a view re-`get`s on `onStatus('open')`.
 * Control requests survive a reconnect: the REQ resend timer re-sends them once the link is up.
 * A 4401 close (bad token) stops reconnecting: retrying cannot fix it.
 */
import { x25519 } from '@noble/curves/ed25519.js'
import type { Clock } from '../../clock'
import type { ControlReply, ControlRequest } from '../../control'
import { browserClock } from './browserClock'
import { CarrierCore, type Carrier } from './carrier'
import { controlClient, multiplex } from './mux'
import { CLOSE_PROTOCOL, SealedSession, directionKeys, fromBase64, handshakeInfo, toBase64 } from './sealed'

export interface WebSocketLike {
  binaryType: string
  readonly readyState: number
  onopen: ((ev: unknown) => void) | null
  onmessage: ((ev: { data: unknown }) => void) | null
  onclose: ((ev: { code: number; reason?: string }) => void) | null
  onerror: ((ev: unknown) => void) | null
  send(data: string | Uint8Array): void
  close(code?: number, reason?: string): void
}

export type WebSocketCtor = new (url: string) => WebSocketLike

export type BusState = 'connecting' | 'open' | 'closed'

export interface BusStatus {
  state: BusState
  /** Connection attempts since the last successful open. */
  attempt: number
  error?: string
}

export interface BusConnection {
  /** Data-plane carrier: attach a RemoteDataPlane to it. */
  data: Carrier<unknown>
  control: { request(req: ControlRequest): Promise<ControlReply> }
  onStatus(cb: (s: BusStatus) => void): () => void
  readonly status: BusStatus
  readonly stats: { droppedWhileDown: number; rejectedFrames: number }
  close(): void
}

export interface ConnectOptions {
  WebSocket?: WebSocketCtor
  clock?: Clock
  minBackoffMs?: number
  maxBackoffMs?: number
  requestTimeoutMs?: number
  resendMs?: number
}

async function hkdf64(shared: Uint8Array, token: string, info: Uint8Array): Promise<Uint8Array> {
  const subtle = globalThis.crypto.subtle
  const key = await subtle.importKey('raw', shared as BufferSource, 'HKDF', false, ['deriveBits'])
  const bits = await subtle.deriveBits(
    { name: 'HKDF', hash: 'SHA-256', salt: new TextEncoder().encode(token), info: info as BufferSource },
    key,
    512
  )
  return new Uint8Array(bits)
}

function frameBytes(data: unknown): Uint8Array | null {
  if (data instanceof ArrayBuffer) return new Uint8Array(data)
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
  return null
}

export function connectBus(url: string, token: string, opts: ConnectOptions = {}): BusConnection {
  const WS = opts.WebSocket ?? (globalThis as unknown as { WebSocket: WebSocketCtor }).WebSocket
  const clock = opts.clock ?? browserClock()
  const minBackoff = opts.minBackoffMs ?? 250
  const maxBackoff = opts.maxBackoffMs ?? 5000
  const stats = { droppedWhileDown: 0, rejectedFrames: 0 }
  const statusListeners = new Set<(s: BusStatus) => void>()
  let status: BusStatus = { state: 'connecting', attempt: 0 }
  let link: ((text: string) => void) | null = null
  let socket: WebSocketLike | null = null
  let stopped = false
  let retryTimer: ReturnType<Clock['setTimeout']> | null = null

  const setStatus = (s: BusStatus): void => {
    status = s
    for (const cb of [...statusListeners]) cb(s)
  }

  // One virtual carrier for the bus's lifetime; the physical link underneath comes and goes.
  const base = new CarrierCore<string>(
    (text) => {
      if (link) link(text)
      else stats.droppedWhileDown++
    },
    () => stop()
  )
  const mux = multiplex(base)
  const control = controlClient(mux.control, {
    clock,
    resendMs: opts.resendMs ?? 1000,
    timeoutMs: opts.requestTimeoutMs ?? 15_000
  })

  const connect = (attempt: number): void => {
    if (stopped) return
    setStatus({ state: 'connecting', attempt })
    let ws: WebSocketLike
    try {
      ws = new WS(url)
    } catch (e) {
      return retry(attempt, e instanceof Error ? e.message : String(e))
    }
    socket = ws
    ws.binaryType = 'arraybuffer'
    const secret = x25519.utils.randomSecretKey()
    const clientPub = x25519.getPublicKey(secret)
    let session: SealedSession | null = null
    let phase: 'welcome' | 'ready' | 'open' = 'welcome'
    let lastError: string | undefined
    ws.onopen = () => ws.send(JSON.stringify({ t: 'hello', v: 1, pub: toBase64(clientPub), token }))
    ws.onerror = () => {
      lastError = 'connection error'
    }
    ws.onmessage = (ev) => {
      if (phase === 'welcome') {
        if (typeof ev.data !== 'string') return ws.close(CLOSE_PROTOCOL, 'expected welcome')
        let welcome: { t?: unknown; pub?: unknown }
        try {
          welcome = JSON.parse(ev.data) as { t?: unknown; pub?: unknown }
        } catch {
          return ws.close(CLOSE_PROTOCOL, 'malformed welcome')
        }
        const serverPub = welcome?.t === 'welcome' ? fromBase64(welcome.pub, 32) : null
        if (!serverPub) return ws.close(CLOSE_PROTOCOL, 'bad welcome')
        phase = 'ready'
        let shared: Uint8Array
        try {
          shared = x25519.getSharedSecret(secret, serverPub)
        } catch {
          return ws.close(CLOSE_PROTOCOL, 'bad server key')
        }
        void hkdf64(shared, token, handshakeInfo(clientPub, serverPub)).then((okm) => {
          session = new SealedSession(directionKeys(okm, 'client'))
          ws.send(session.seal('{"t":"ready"}'))
        })
        return
      }
      const bytes = frameBytes(ev.data)
      if (!session || !bytes) {
        stats.rejectedFrames++
        return
      }
      const opened = session.open(bytes)
      if (!opened.ok) {
        stats.rejectedFrames++
        if (phase === 'ready') ws.close(4401, 'server failed key confirmation')
        return
      }
      if (phase === 'ready') {
        if (opened.text !== '{"t":"ready"}') return ws.close(CLOSE_PROTOCOL, 'expected ready')
        phase = 'open'
        const s = session
        link = (text) => ws.send(s.seal(text))
        setStatus({ state: 'open', attempt: 0 })
        return
      }
      base.deliver(opened.text)
    }
    ws.onclose = (ev) => {
      if (socket === ws) socket = null
      const wasOpen = phase === 'open'
      link = null
      if (stopped) return
      if (ev.code === 4401) {
        stopped = true
        setStatus({ state: 'closed', attempt, error: 'unauthorized (bad token?)' })
        base.markClosed()
        return
      }
      retry(wasOpen ? 0 : attempt, lastError ?? (ev.reason || `closed (${ev.code})`))
    }
  }

  const retry = (attempt: number, error: string): void => {
    if (stopped) return
    const next = attempt + 1
    setStatus({ state: 'connecting', attempt: next, error })
    const delay = Math.min(maxBackoff, minBackoff * 2 ** Math.min(attempt, 16))
    retryTimer = clock.setTimeout(() => {
      retryTimer = null
      connect(next)
    }, delay)
  }

  const stop = (): void => {
    if (stopped) return
    stopped = true
    link = null
    if (retryTimer) clock.clearTimeout(retryTimer)
    control.close()
    socket?.close(1000, 'bye')
    socket = null
    setStatus({ state: 'closed', attempt: 0 })
  }

  connect(0)

  return {
    data: mux.data,
    control: { request: (req) => control.request(req) },
    onStatus(cb) {
      statusListeners.add(cb)
      return () => statusListeners.delete(cb)
    },
    get status() {
      return status
    },
    stats,
    close() {
      stop()
      base.markClosed()
    }
  }
}
