/**
 * The renderer's only connection to the node: the bus (data plane + control plane) over
 * - the Electron shell's MessagePort (window.nara.connect() posts us a port), or
 * - the headless UI server's sealed WebSocket (token from the URL fragment #token=…).
 * Either way the views see one `Bus`: get/subscribe on the data plane, request on the control
 * plane, a connection status, and automatic reconnection.
 */
import type { ControlReply, ControlRequest } from '../../../main/core/control'
import { browserClock } from '../../../main/core/bus/carriers/browserClock'
import type { Carrier } from '../../../main/core/bus/carriers/carrier'
import { messagePortCarrier } from '../../../main/core/bus/carriers/messagePort'
import { controlClient, multiplex } from '../../../main/core/bus/carriers/mux'
import { connectBus } from '../../../main/core/bus/carriers/wsClient'
import { remoteDataSource, type DataSource } from './dataSource'

export type ConnectionState = 'connecting' | 'open' | 'closed'

export interface ConnectionStatus {
  state: ConnectionState
  attempt: number
  error?: string
}

export interface Bus {
  readonly mode: 'desktop' | 'headless'
  /** The data plane of the current link (replaced on every reconnect). */
  data(): DataSource | null
  request(req: ControlRequest): Promise<ControlReply>
  onStatus(cb: (s: ConnectionStatus) => void): () => void
  readonly status: ConnectionStatus
  close(): void
}

const TOKEN_KEY = 'nara.ui.token'

/** Reads the token from #token=… once and moves it out of the address bar (and history). */
export function takeToken(): string | null {
  const m = /(?:^#|&)token=([A-Za-z0-9_-]{16,128})/.exec(location.hash)
  if (m) {
    sessionStorage.setItem(TOKEN_KEY, m[1]!)
    history.replaceState(null, '', location.pathname + location.search)
    return m[1]!
  }
  return sessionStorage.getItem(TOKEN_KEY)
}

export function wsUrl(): string {
  return `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/bus`
}

/** Headless: the WebSocket client already reconnects and keeps one data carrier for its life. */
function headlessBus(token: string): Bus {
  // A first-run join waits for the plaza's answer (up to 8 s) before it replies: leave it room.
  const conn = connectBus(wsUrl(), token, { minBackoffMs: 200, maxBackoffMs: 3000, requestTimeoutMs: 20_000 })
  const source = remoteDataSource(conn.data)
  return {
    mode: 'headless',
    data: () => source,
    request: (req) => conn.control.request(req),
    onStatus: (cb) => conn.onStatus((s) => cb({ ...s })),
    get status() {
      return { ...conn.status }
    },
    close: () => conn.close()
  }
}

/** Desktop: a fresh MessagePort per connection; a closed port triggers a new connect(). */
function desktopBus(api: NonNullable<Window['nara']>): Bus {
  const clock = browserClock()
  const listeners = new Set<(s: ConnectionStatus) => void>()
  let status: ConnectionStatus = { state: 'connecting', attempt: 0 }
  let link: { carrier: Carrier<string>; source: DataSource; control: ReturnType<typeof controlClient> } | null = null
  let closed = false
  let retry: ReturnType<typeof setTimeout> | null = null
  const setStatus = (s: ConnectionStatus): void => {
    status = s
    for (const cb of [...listeners]) cb(s)
  }
  const onWindowMessage = (ev: MessageEvent): void => {
    if (ev.source !== window || ev.origin !== location.origin) return
    if ((ev.data as { type?: unknown } | null)?.type !== 'nara:port') return
    const port = ev.ports[0]
    if (!port || closed) return
    const carrier = messagePortCarrier(port)
    const mux = multiplex(carrier)
    const control = controlClient(mux.control, { clock, resendMs: 1000, timeoutMs: 20_000 })
    link = { carrier, source: remoteDataSource(mux.data), control }
    carrier.onClose(() => {
      control.close()
      if (link?.carrier === carrier) link = null
      if (!closed) scheduleConnect(status.attempt + 1, 'port closed')
    })
    setStatus({ state: 'open', attempt: 0 })
  }
  const scheduleConnect = (attempt: number, error?: string): void => {
    setStatus(error === undefined ? { state: 'connecting', attempt } : { state: 'connecting', attempt, error })
    retry = setTimeout(() => {
      retry = null
      if (!closed) api.connect()
    }, Math.min(3000, 200 * 2 ** Math.min(attempt, 4)))
  }
  window.addEventListener('message', onWindowMessage)
  api.connect()
  return {
    mode: 'desktop',
    data: () => link?.source ?? null,
    request: (req) => (link ? link.control.request(req) : Promise.resolve({ ok: false as const, error: 'not connected' })),
    onStatus(cb) {
      listeners.add(cb)
      return () => listeners.delete(cb)
    },
    get status() {
      return status
    },
    close() {
      closed = true
      if (retry) clearTimeout(retry)
      window.removeEventListener('message', onWindowMessage)
      link?.carrier.close()
      setStatus({ state: 'closed', attempt: 0 })
    }
  }
}

export type BusChoice = { ok: true; bus: Bus } | { ok: false; reason: string }

export function openBus(): BusChoice {
  if (window.nara && typeof window.nara.connect === 'function') return { ok: true, bus: desktopBus(window.nara) }
  const token = takeToken()
  if (!token) return { ok: false, reason: 'This page needs the dashboard link that nara run --ui prints (its token follows #token= and stays valid until that node stops). Run nara status in a terminal to see the link again.' }
  return { ok: true, bus: headlessBus(token) }
}
