/**
 * The loopback WebSocket carrier for the headless UI (Node side).
 *
 * Admission, in order: path must match; a browser Origin must be in `allowedOrigins` (clients
 * without an Origin header — the CLI, tests — are admitted unless `allowNoOrigin` is false);
 * a `?token=` query, when present, must be right (else 401 before the upgrade). The token can
 * instead come in the first frame (`hello.token`), which keeps it out of URLs and logs.
 * Then the handshake of `sealed.ts` runs (X25519 via Node crypto, HKDF salted with the token);
 * with `encrypt: false` the hello/welcome exchange is all there is and frames stay plain text.
 * Frames above `maxFrameBytes` close the connection (ws maxPayload, code 1009). Bad auth closes
 * with 4401. Everything rejected is counted in `stats`.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http'
import { createPublicKey, diffieHellman, generateKeyPairSync, randomBytes } from 'node:crypto'
import type { Duplex } from 'node:stream'
import { WebSocketServer, type RawData, type WebSocket } from 'ws'
import { hkdfSha256 } from '../../protocol/crypto'
import { systemClock, type Clock } from '../../clock'
import { CarrierCore, type Carrier } from './carrier'
import {
  CLOSE_HANDSHAKE_TIMEOUT,
  CLOSE_UNAUTHORIZED,
  SealedSession,
  newSealStats,
  directionKeys,
  fromBase64,
  handshakeInfo,
  toBase64,
  tokensEqual,
  type SealStats
} from './sealed'

const X25519_SPKI_PREFIX = Buffer.from('302a300506032b656e032100', 'hex')
export { CLOSE_HANDSHAKE_TIMEOUT, CLOSE_PROTOCOL, CLOSE_UNAUTHORIZED } from './sealed'

export interface WsCarrierServerOptions {
  token: string
  onCarrier: (carrier: Carrier<string>, info: { origin: string | null; remote: string }) => void
  host?: string
  port?: number
  path?: string
  /** Browser origins allowed to connect (e.g. the served UI's "http://127.0.0.1:5173"). */
  allowedOrigins?: string[]
  allowNoOrigin?: boolean
  /** On a shared server: answer upgrades to any other path 404 and close them (nobody else serves upgrades there). */
  refuseOtherPaths?: boolean
  maxFrameBytes?: number
  encrypt?: boolean
  handshakeTimeoutMs?: number
  clock?: Clock
  /** Attach to an existing HTTP server (the UI server) instead of listening. */
  server?: Server
}

export interface WsServerStats {
  connections: number
  rejectedPath: number
  rejectedOrigin: number
  rejectedToken: number
  handshakeFailures: number
  oversized: number
  plainFramesRejected: number
  sealed: SealStats
}

export interface WsCarrierServer {
  readonly port: number
  readonly url: string
  readonly stats: WsServerStats
  close(): Promise<void>
}

/** A fresh random bearer token (256 bits, base64url). */
export function generateToken(): string {
  return randomBytes(32).toString('base64url')
}

function x25519Pair(): { publicRaw: Buffer; shared(peer: Uint8Array): Buffer } {
  const { publicKey, privateKey } = generateKeyPairSync('x25519')
  const spki = publicKey.export({ format: 'der', type: 'spki' })
  return {
    publicRaw: Buffer.from(spki.subarray(X25519_SPKI_PREFIX.length)),
    shared(peer) {
      const peerKey = createPublicKey({ key: Buffer.concat([X25519_SPKI_PREFIX, peer]), format: 'der', type: 'spki' })
      return diffieHellman({ privateKey, publicKey: peerKey })
    }
  }
}

function rawToBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data
  if (Array.isArray(data)) return Buffer.concat(data)
  return Buffer.from(data)
}

export async function startWsCarrierServer(opts: WsCarrierServerOptions): Promise<WsCarrierServer> {
  if (opts.token.length < 16) throw new RangeError('token too short')
  const host = opts.host ?? '127.0.0.1'
  const path = opts.path ?? '/bus'
  const encrypt = opts.encrypt ?? true
  const maxFrame = opts.maxFrameBytes ?? 1024 * 1024
  const clock = opts.clock ?? systemClock
  const allowed = new Set(opts.allowedOrigins ?? [])
  const allowNoOrigin = opts.allowNoOrigin ?? true
  const stats: WsServerStats = {
    connections: 0,
    rejectedPath: 0,
    rejectedOrigin: 0,
    rejectedToken: 0,
    handshakeFailures: 0,
    oversized: 0,
    plainFramesRejected: 0,
    sealed: newSealStats()
  }
  const wss = new WebSocketServer({ noServer: true, maxPayload: maxFrame })
  const ownServer = opts.server ? null : createServer((_req, res) => res.writeHead(426).end())
  const http = opts.server ?? (ownServer as Server)
  const sockets = new Set<WebSocket>()

  // Answered, then closed from our side: a refused upgrade never lingers (CLOSE-WAIT) or holds up server.close().
  const refuse = (socket: Duplex, status: string): void => {
    socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`, () => socket.destroy())
  }

  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    const url = new URL(req.url ?? '/', 'http://localhost')
    if (url.pathname !== path) {
      if (ownServer || opts.refuseOtherPaths) {
        stats.rejectedPath++
        refuse(socket, '404 Not Found')
      }
      return
    }
    const origin = typeof req.headers.origin === 'string' ? req.headers.origin : null
    if (origin === null ? !allowNoOrigin : !allowed.has(origin)) {
      stats.rejectedOrigin++
      refuse(socket, '403 Forbidden')
      return
    }
    const queryToken = url.searchParams.get('token')
    if (queryToken !== null && !tokensEqual(queryToken, opts.token)) {
      stats.rejectedToken++
      refuse(socket, '401 Unauthorized')
      return
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      stats.connections++
      sockets.add(ws)
      ws.on('close', () => sockets.delete(ws))
      admit(ws, queryToken !== null, origin, req.socket.remoteAddress ?? '')
    })
  }
  http.on('upgrade', onUpgrade)

  const admit = (ws: WebSocket, tokenChecked: boolean, origin: string | null, remote: string): void => {
    let phase: 'hello' | 'ready' | 'open' = 'hello'
    let session: SealedSession | null = null
    let carrier: CarrierCore<string> | null = null
    const timer = clock.setTimeout(() => {
      if (phase !== 'open') {
        stats.handshakeFailures++
        ws.close(CLOSE_HANDSHAKE_TIMEOUT, 'handshake timeout')
      }
    }, opts.handshakeTimeoutMs ?? 5000)
    const unauthorized = (why: string): void => {
      stats.handshakeFailures++
      clock.clearTimeout(timer)
      ws.close(CLOSE_UNAUTHORIZED, why)
    }
    const openCarrier = (): void => {
      phase = 'open'
      clock.clearTimeout(timer)
      carrier = new CarrierCore<string>(
        (text) => {
          if (text.length > maxFrame) throw new RangeError('frame too large')
          ws.send(session ? session.seal(text) : text)
        },
        () => ws.close(1000, 'closed')
      )
      opts.onCarrier(carrier, { origin, remote })
    }
    ws.on('error', (e: Error & { code?: string }) => {
      if (e.code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') stats.oversized++
    })
    ws.on('close', () => {
      clock.clearTimeout(timer)
      carrier?.markClosed()
    })
    ws.on('message', (data: RawData, isBinary: boolean) => {
      const buf = rawToBuffer(data)
      if (phase === 'hello') {
        if (isBinary) return unauthorized('expected hello')
        let hello: Record<string, unknown>
        try {
          hello = JSON.parse(buf.toString('utf8')) as Record<string, unknown>
        } catch {
          return unauthorized('malformed hello')
        }
        if (typeof hello !== 'object' || hello === null || hello.t !== 'hello' || hello.v !== 1) return unauthorized('bad hello')
        if (!tokenChecked) {
          if (typeof hello.token !== 'string' || !tokensEqual(hello.token, opts.token)) {
            stats.rejectedToken++
            return unauthorized('bad token')
          }
        }
        if (!encrypt) {
          ws.send(JSON.stringify({ t: 'welcome', v: 1 }))
          return openCarrier()
        }
        const clientPub = fromBase64(hello.pub, 32)
        if (!clientPub) return unauthorized('bad public key')
        const me = x25519Pair()
        let shared: Buffer
        try {
          shared = me.shared(clientPub)
        } catch {
          return unauthorized('bad public key')
        }
        const okm = hkdfSha256(shared, opts.token, handshakeInfo(clientPub, me.publicRaw), 64)
        session = new SealedSession(directionKeys(okm, 'server'), stats.sealed)
        ws.send(JSON.stringify({ t: 'welcome', v: 1, pub: toBase64(me.publicRaw) }))
        phase = 'ready'
        return
      }
      if (!session) {
        // Plain mode: text frames only.
        if (isBinary) stats.plainFramesRejected++
        else carrier?.deliver(buf.toString('utf8'))
        return
      }
      if (!isBinary) {
        stats.plainFramesRejected++
        if (phase === 'ready') unauthorized('expected sealed ready')
        return
      }
      const opened = session.open(buf)
      if (phase === 'ready') {
        if (!opened.ok || opened.text !== '{"t":"ready"}') return unauthorized('key agreement failed')
        ws.send(session.seal('{"t":"ready"}'))
        return openCarrier()
      }
      if (opened.ok) carrier?.deliver(opened.text)
    })
  }

  if (ownServer) {
    await new Promise<void>((resolve, reject) => {
      ownServer.once('error', reject)
      ownServer.listen(opts.port ?? 0, host, () => resolve())
    })
  }
  const addr = http.address()
  const port = typeof addr === 'object' && addr ? addr.port : 0
  return {
    port,
    url: `ws://${host}:${port}${path}`,
    stats,
    async close() {
      http.off('upgrade', onUpgrade)
      for (const ws of sockets) ws.terminate()
      await new Promise<void>((resolve) => wss.close(() => resolve()))
      if (ownServer) {
        ownServer.closeAllConnections()
        await new Promise<void>((resolve) => ownServer.close(() => resolve()))
      }
    }
  }
}
