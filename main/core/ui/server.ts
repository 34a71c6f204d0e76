/**
 * The headless UI server (`nara run --ui 127.0.0.1:PORT`): serves the built Svelte UI
 * (out/renderer) with a strict CSP and carries the bus — data plane and control plane — over
 * C2's sealed WebSocket carrier at /bus, admitted by a random token carried in the link's URL
 * fragment (`#token=…`, never sent to the server in a request line or a log). The token is a
 * session secret, valid until the server stops, in any number of tabs: it is not single-use.
 *
 * Loopback only unless `allowNonLoopback` is set (then a warning is printed). The Host header
 * must name this server (DNS-rebinding guard) and WebSocket Origins must be this server's own.
 * In headless mode the soul never crosses: `soul.export` and `settings.set` are refused here.
 */
import { createReadStream, existsSync } from 'node:fs'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { isIP } from 'node:net'
import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { ControlReply } from '../control'
import type { DataPlane } from '../bus/dataPlane'
import type { Carrier } from '../bus/carriers/carrier'
import { serveBus } from '../bus/serveBus'
import { generateToken, startWsCarrierServer, type WsCarrierServer, type WsServerStats } from '../bus/carriers/wsServer'
import { cleanRequestPath, resolveInside } from './staticFiles'

export type ControlHandler = (request: unknown) => Promise<ControlReply>

export interface UiServerOptions {
  host?: string
  /** 0 = any free port. */
  port?: number
  /** Served directly unless `attach` hands every carrier to a runtime instead. */
  dataPlane?: DataPlane
  control?: ControlHandler
  /** Hands each admitted WebSocket carrier to a runtime, which serves its current node's bus. */
  attach?: (carrier: Carrier<string>) => void
  /** How each WebSocket carrier is seen before serving (the nervous system's soul guard). */
  protect?: (carrier: Carrier<string>) => Carrier<string>
  /** The built renderer (default: out/renderer next to the CLI bundle or the repository). */
  rendererDir?: string
  /** Required to bind anything but a loopback address. */
  allowNonLoopback?: boolean
  token?: string
  /** Where warnings go (default: stderr). */
  log?: (line: string) => void
}

export interface UiServer {
  readonly host: string
  readonly port: number
  readonly origin: string
  /** The URL to open, with the token in the fragment. */
  readonly url: string
  readonly stats: UiServerStats
  /** Drops every open bus connection (clients reconnect by themselves). */
  dropConnections(): void
  close(): Promise<void>
}

export interface UiServerStats {
  requests: number
  notFound: number
  badPath: number
  badHost: number
  badMethod: number
  busConnections: number
  refusedCommands: number
  ws: WsServerStats
}

export class UiNotBuiltError extends Error {
  constructor(dir: string) {
    super(`The UI is not built: ${resolve(dir, 'index.html')} is missing. Run \`npm run build\` first.`)
    this.name = 'UiNotBuiltError'
  }
}

export function isLoopbackHost(host: string): boolean {
  if (host === 'localhost') return true
  if (isIP(host) === 4) return host.startsWith('127.')
  if (isIP(host) === 6) return host === '::1'
  return false
}

/** Parses "host:port" / "[v6]:port" / ":port" / "port" (the --ui flag). */
export function parseHostPort(text: string): { host: string; port: number } | null {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([A-Za-z0-9.-]*)):(\d{1,5})$/.exec(text) ?? /^()()(\d{1,5})$/.exec(text)
  if (!m) return null
  const port = Number(m[3])
  if (!Number.isInteger(port) || port < 0 || port > 65535) return null
  return { host: m[1] || m[2] || '127.0.0.1', port }
}

export function defaultRendererDir(): string {
  const here = dirname(fileURLToPath(import.meta.url))
  const candidates = [
    process.env.NARA_UI_DIR,
    resolve(here, '../renderer'), // out/cli/nara.mjs → out/renderer
    resolve(here, '../../../out/renderer'), // main/core/ui/server.ts → out/renderer
    resolve(process.cwd(), 'out/renderer')
  ].filter((c): c is string => typeof c === 'string' && c !== '')
  return candidates.find((c) => existsSync(resolve(c, 'index.html'))) ?? candidates[candidates.length - 1]!
}

export function contentSecurityPolicy(origin: string): string {
  const wsOrigin = origin.replace(/^http/, 'ws')
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    `connect-src 'self' ${wsOrigin}`,
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
    "object-src 'none'"
  ].join('; ')
}

const HEADLESS_REFUSED: Record<string, string> = {
  'soul.export': 'the soul is never sent over the UI connection; run `nara soul` in a terminal on this machine',
  'settings.set': 'settings are read-only in headless mode; change the `nara run` flags instead'
}

export async function startUiServer(opts: UiServerOptions): Promise<UiServer> {
  const host = opts.host ?? '127.0.0.1'
  const log = opts.log ?? ((line: string) => process.stderr.write(line + '\n'))
  if (!isLoopbackHost(host)) {
    if (!opts.allowNonLoopback) {
      throw new Error(`refusing to serve the UI on ${host}: not a loopback address (pass --ui-public to allow it)`)
    }
    log(`warning: the Nara UI is reachable from other machines on ${host}; anyone with the link controls this nara`)
  }
  const root = opts.rendererDir ?? defaultRendererDir()
  if (!existsSync(resolve(root, 'index.html'))) throw new UiNotBuiltError(root)
  const token = opts.token ?? generateToken()
  const stats: Omit<UiServerStats, 'ws'> = { requests: 0, notFound: 0, badPath: 0, badHost: 0, badMethod: 0, busConnections: 0, refusedCommands: 0 }

  let port = 0
  let origin = ''
  let allowedHosts = new Set<string>()
  const securityHeaders = (): Record<string, string> => ({
    'Content-Security-Policy': contentSecurityPolicy(origin),
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'X-Frame-Options': 'DENY',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Resource-Policy': 'same-origin'
  })
  const plain = (res: ServerResponse, status: number, text: string): void => {
    res.writeHead(status, { ...securityHeaders(), 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' })
    res.end(text)
  }

  const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    stats.requests++
    if (!allowedHosts.has((req.headers.host ?? '').toLowerCase())) {
      stats.badHost++
      return plain(res, 421, 'wrong host')
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      stats.badMethod++
      res.setHeader('Allow', 'GET, HEAD')
      return plain(res, 405, 'method not allowed')
    }
    const pathname = (req.url ?? '/').split('?')[0]!.split('#')[0]!
    const clean = cleanRequestPath(pathname)
    if (!clean.ok) {
      stats.badPath++
      return plain(res, 400, 'bad path')
    }
    const found = resolveInside(root, clean.value)
    if (!found.ok) {
      if (found.error === 'bad_path') stats.badPath++
      else stats.notFound++
      return plain(res, found.error === 'bad_path' ? 400 : 404, found.error === 'bad_path' ? 'bad path' : 'not found')
    }
    const isIndex = clean.value === 'index.html'
    res.writeHead(200, {
      ...securityHeaders(),
      'Content-Type': found.value.type,
      'Cache-Control': isIndex ? 'no-store' : 'public, max-age=31536000, immutable'
    })
    if (req.method === 'HEAD') return void res.end()
    const stream = createReadStream(found.value.file)
    stream.on('error', () => res.destroy())
    stream.pipe(res)
  }

  const http = createServer(onRequest)
  await new Promise<void>((resolveListen, reject) => {
    http.once('error', reject)
    http.listen(opts.port ?? 0, host, () => {
      http.off('error', reject)
      resolveListen()
    })
  })
  const addr = http.address()
  port = typeof addr === 'object' && addr ? addr.port : 0
  const hostInUrl = isIP(host) === 6 ? `[${host}]` : host
  origin = `http://${hostInUrl}:${port}`
  allowedHosts = new Set([`${hostInUrl}:${port}`.toLowerCase()])
  const origins = [origin]
  if (isLoopbackHost(host)) {
    for (const alias of ['127.0.0.1', 'localhost']) {
      allowedHosts.add(`${alias}:${port}`)
      origins.push(`http://${alias}:${port}`)
    }
  }

  const sessions = new Set<{ close(): void }>()
  const router: ControlHandler = async (request) => {
    const cmd = typeof request === 'object' && request !== null ? (request as { cmd?: unknown }).cmd : undefined
    // Own keys only: `"__proto__" in {}` is true, and would answer with Object.prototype as the error.
    if (typeof cmd === 'string' && Object.hasOwn(HEADLESS_REFUSED, cmd)) {
      stats.refusedCommands++
      return { ok: false, error: HEADLESS_REFUSED[cmd]! }
    }
    return opts.control ? opts.control(request) : { ok: false, error: 'no control plane' }
  }

  let ws: WsCarrierServer
  try {
    ws = await startWsCarrierServer({
      token,
      server: http,
      path: '/bus',
      allowedOrigins: origins,
      allowNoOrigin: false,
      refuseOtherPaths: true,
      onCarrier: (carrier, info) => {
        stats.busConnections++
        const link = opts.protect ? opts.protect(carrier) : carrier
        const stop = opts.attach || !opts.dataPlane ? () => {} : serveBus(link, { dataPlane: opts.dataPlane, router, peer: `ui:${info.remote}` })
        opts.attach?.(carrier)
        const handle = { close: () => carrier.close() }
        sessions.add(handle)
        carrier.onClose(() => {
          sessions.delete(handle)
          stop()
        })
      }
    })
  } catch (e) {
    await new Promise<void>((r) => http.close(() => r()))
    throw e
  }

  const url = `${origin}/#token=${token}`
  return {
    host,
    port,
    origin,
    url,
    get stats() {
      return { ...stats, ws: ws.stats }
    },
    dropConnections() {
      for (const s of [...sessions]) s.close()
    },
    async close() {
      for (const s of [...sessions]) s.close()
      await ws.close()
      http.closeAllConnections()
      await new Promise<void>((r) => http.close(() => r()))
    }
  }
}
