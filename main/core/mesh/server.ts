/**
 * The mesh HTTP server (zines-and-mesh.md §3–§9): authenticated endpoints for zines, DMs,
 * sync and runtime messages, plus the reference's unauthenticated /ping, /coordinates,
 * /peer/query and /api/checkpoints/all. Every authenticated response is signed; every
 * rejection is answered with a reason and counted.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { storeEvent, type MeshHost } from './host'
import type { MeshStats, MeshRejection } from './stats'
import { authenticateRequest, MESH_AUTH_TOLERANCE_MS, type AuthedRequest } from './auth'
import { ReplayCache } from './replayCache'
import { gzipBody, MAX_SMALL_BODY, MAX_ZINE_BODY, parseContentEncoding, readBody, type BodyError } from './body'
import type { HostPort } from './address'
import { normaliseRemoteAddress } from './address'
import {
  decodeEventBody,
  decodeSyncRequestBody,
  decodeZineHeadBody,
  encodeDmResponse,
  encodePingResponse,
  encodeSyncResponseBody,
  encodeZineBody,
  isSigned,
  signMeshResponseHeaders,
  verifyEvent,
  verifyZine
} from './wire'
import { buildOwnZine, mergeEvents, zineHasChauFrom } from './merge'
import { answerSyncRequest } from './sync'
import { goQuote } from '../protocol/gojson'
import { encodeEvent as encodeEventForListing } from '../protocol/events'
import type { SyncEvent } from '../protocol/types'
import { decodeWorldMessage } from '../protocol/world'
import { decodeRuntimeMessage } from '../protocol/runtimeMessage'

/** Our extension: advertises that bodies may be gzip/deflate. Go ignores unknown headers. */
export const ACCEPT_ENCODING_HEADER = 'x-nara-accept-encoding'
export const SUPPORTED_ENCODINGS = 'gzip, deflate'
const COMPRESS_MIN_BYTES = 1024
const SERVER_TIMEOUT_MS = 20_000

export interface MeshServerOptions {
  host: MeshHost
  stats: MeshStats
  listen: HostPort
  /** Unknown senders' keys may be fetched from their /ping only when this allows the peer address. */
  allowKeyDiscovery: (remoteAddress: string) => boolean
  /** Fetches a peer's /ping (used for unknown-sender discovery). */
  pingForKey: (remoteAddress: string, expectedName: string) => Promise<Uint8Array | null>
  maxZineBody?: number
  toleranceMs?: number
}

interface Reply {
  status: number
  body: string | Buffer
  contentType?: string
  headers?: Record<string, string>
}

type Handler = (ctx: RequestContext) => Promise<Reply> | Reply

interface RequestContext {
  req: IncomingMessage
  path: string
  query: URLSearchParams
  sender: AuthedRequest | null
  remote: string
  startedMs: number
}

interface Route {
  auth: boolean
  /** Allowed methods; undefined = any (as the reference's /ping and /coordinates). */
  methods?: readonly string[]
  handler: Handler
  /** Read-only answers: an identical repeat is harmless and Go sends such repeats (see auth.ts). */
  replaySafe?: boolean
}

const JSON_TYPE = 'application/json; charset=utf-8'
const TEXT_TYPE = 'text/plain; charset=utf-8'

const text = (status: number, message: string): Reply => ({ status, body: message + '\n', contentType: TEXT_TYPE })

export class MeshServer {
  private server: Server | null = null
  private readonly sockets = new Set<Socket>()
  private readonly replay: ReplayCache
  private readonly routes: Record<string, Route>
  private bound: HostPort | null = null
  private readonly pending = new Set<Promise<void>>()

  constructor(private readonly opts: MeshServerOptions) {
    const tolerance = opts.toleranceMs ?? MESH_AUTH_TOLERANCE_MS
    this.replay = new ReplayCache(2 * tolerance)
    this.routes = {
      '/ping': { auth: false, handler: () => this.handlePing() },
      '/coordinates': { auth: false, handler: () => this.handleCoordinates() },
      '/peer/query': { auth: false, methods: ['GET'], handler: (c) => this.handlePeerQuery(c) },
      '/api/checkpoints/all': { auth: false, methods: ['GET'], handler: (c) => this.handleCheckpoints(c) },
      '/gossip/zine': { auth: true, methods: ['POST'], handler: (c) => this.handleZine(c) },
      '/dm': { auth: true, methods: ['POST'], handler: (c) => this.handleDm(c) },
      '/events/sync': { auth: true, methods: ['POST'], replaySafe: true, handler: (c) => this.handleSync(c) },
      // Runtime messages (stash): always 200 with an empty body, as the reference does for drops.
      '/mesh/message': { auth: true, methods: ['POST'], handler: (c) => this.handleMeshMessage(c) },
      '/world/relay': { auth: true, methods: ['POST'], handler: (c) => this.handleWorldRelay(c) }
    }
  }

  private get host(): MeshHost {
    return this.opts.host
  }

  private reject(code: MeshRejection, reason: string): void {
    this.opts.stats.reject(code, reason)
  }

  async start(): Promise<HostPort> {
    const server = createServer((req, res) => {
      this.dispatch(req, res).catch(() => {
        this.opts.stats.count('server.internal_error')
        if (!res.headersSent) {
          res.writeHead(500, { 'Content-Type': TEXT_TYPE })
          res.end('Internal error\n')
        } else res.destroy()
      })
    })
    server.requestTimeout = SERVER_TIMEOUT_MS
    server.headersTimeout = SERVER_TIMEOUT_MS
    server.keepAliveTimeout = 5_000
    server.on('connection', (s: Socket) => {
      this.sockets.add(s)
      s.on('close', () => this.sockets.delete(s))
    })
    server.on('clientError', (_e, socket) => {
      this.reject('body_read_error', 'malformed HTTP request')
      if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n')
      else socket.destroy()
    })
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(this.opts.listen.port, this.opts.listen.host, () => {
        server.off('error', reject)
        resolve()
      })
    })
    this.server = server
    const addr = server.address() as AddressInfo
    this.bound = { host: addr.address, port: addr.port }
    return this.bound
  }

  /** The bound address (after start). */
  address(): HostPort | null {
    return this.bound
  }

  private track(p: Promise<void>): void {
    const tracked = p.catch(() => this.opts.stats.count('server.merge_error')).finally(() => this.pending.delete(tracked))
    this.pending.add(tracked)
  }

  /** Resolves when every merge started by an answered zine has finished. */
  async idle(): Promise<void> {
    while (this.pending.size) await Promise.all([...this.pending])
  }

  async stop(): Promise<void> {
    await this.idle()
    const server = this.server
    this.server = null
    if (!server) return
    await new Promise<void>((resolve) => {
      server.close(() => resolve())
      server.closeIdleConnections?.()
      for (const s of this.sockets) s.destroy()
    })
  }

  private async dispatch(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const startedMs = Date.now()
    let url: URL
    try {
      url = new URL(req.url ?? '/', 'http://mesh.invalid')
    } catch {
      this.reject('not_found', 'unparsable request target')
      return this.send(req, res, text(400, 'Bad request'), false)
    }
    const path = url.pathname
    const route = this.routes[path]
    const remote = normaliseRemoteAddress(req.socket.remoteAddress)
    if (!route) {
      this.reject('not_found', `no route ${path.slice(0, 80)}`)
      req.resume()
      return this.send(req, res, text(404, '404 page not found'), false)
    }
    let sender: AuthedRequest | null = null
    if (route.auth) {
      const method = req.method ?? 'GET'
      const auth = await authenticateRequest(req.headers, method, path, remote, {
        nowMs: () => this.host.clock.nowMs(),
        publicKeyOf: (n) => this.host.directory.publicKeyOf(n),
        discoverKey: (n, addr) => (this.opts.allowKeyDiscovery(addr) ? this.opts.pingForKey(addr, n) : Promise.resolve(null)),
        replay: route.replaySafe ? null : this.replay,
        toleranceMs: this.opts.toleranceMs
      })
      if (!auth.ok) {
        this.reject(auth.error.code, auth.error.reason)
        req.resume()
        // The reference answers auth failures unsigned, as plain text.
        return this.send(req, res, text(401, `Authentication failed: ${auth.error.reason}`), false)
      }
      sender = auth.sender
    }
    if (route.methods && !route.methods.includes(req.method ?? '')) {
      this.reject('method_not_allowed', `${req.method} ${path}`)
      req.resume()
      return this.send(req, res, text(405, 'Method not allowed'), route.auth)
    }
    const reply = await route.handler({ req, path, query: url.searchParams, sender, remote, startedMs })
    return this.send(req, res, reply, route.auth)
  }

  private send(req: IncomingMessage, res: ServerResponse, reply: Reply, sign: boolean): void {
    const body = typeof reply.body === 'string' ? Buffer.from(reply.body, 'utf8') : reply.body
    const headers: Record<string, string> = { 'Content-Type': reply.contentType ?? JSON_TYPE, ...reply.headers }
    if (sign) Object.assign(headers, signMeshResponseHeaders(this.host.self.name, this.host.self.signer, body, this.host.clock.nowMs()))
    headers['X-Nara-Accept-Encoding'] = SUPPORTED_ENCODINGS
    let wire = body
    // Signatures always cover the identity body; compression is only offered to peers that asked.
    if (body.length >= COMPRESS_MIN_BYTES && acceptsGzip(req.headers[ACCEPT_ENCODING_HEADER])) {
      wire = gzipBody(body)
      headers['Content-Encoding'] = 'gzip'
    }
    headers['Content-Length'] = String(wire.length)
    this.opts.stats.count('server.bytes_out', wire.length)
    res.writeHead(reply.status, headers)
    res.end(wire)
  }

  // ---- handlers ---------------------------------------------------------------------------

  private handlePing(): Reply {
    return {
      status: 200,
      body: encodePingResponse({
        from: this.host.self.name,
        mesh_ip: this.host.meshIP(),
        public_key: this.host.self.signer.publicKeyBase64,
        t: this.host.clock.nowNs()
      })
    }
  }

  private handleCoordinates(): Reply {
    const c = this.host.coordinates?.() ?? null
    const coords = c ? `{"error":${c.error},"height":${c.height},"x":${c.x},"y":${c.y}}` : 'null'
    return { status: 200, body: `{"coordinates":${coords},"name":${goQuote(this.host.self.name)}}\n` }
  }

  private handlePeerQuery(c: RequestContext): Reply {
    const target = c.query.get('target') ?? ''
    if (target === '') return text(400, 'target parameter required')
    const key = this.host.directory.publicKeyOf(target)
    if (key) {
      const ip = this.host.directory.meshIPOf(target)
      const meshIp = ip ? `,"mesh_ip":${goQuote(ip)}` : ''
      return {
        status: 200,
        body: `{"target":${goQuote(target)},"public_key":${goQuote(Buffer.from(key).toString('base64'))}${meshIp}}\n`
      }
    }
    const asked = new Set((c.query.get('asked') ?? '').split(',').filter(Boolean))
    const next = this.host.directory.onlineMeshPeers().find((n) => n !== target && !asked.has(n))
    if (next) {
      return { status: 307, body: '', contentType: TEXT_TYPE, headers: { 'X-Nara-Redirect-To': next } }
    }
    return text(404, 'Not found')
  }

  private handleCheckpoints(c: RequestContext): Reply {
    const limitRaw = Number(c.query.get('limit') ?? '1000')
    const offsetRaw = Number(c.query.get('offset') ?? '0')
    const limit = Number.isInteger(limitRaw) && limitRaw > 0 ? Math.min(limitRaw, 10_000) : 1000
    const offset = Number.isInteger(offsetRaw) && offsetRaw > 0 ? offsetRaw : 0
    const all = this.host.ledger.query({ services: ['checkpoint'] })
    const page = all.slice(offset, offset + limit)
    const body = encodeCheckpointListing(page, {
      count: page.length,
      hasMore: offset + page.length < all.length,
      limit,
      offset,
      server: this.host.self.name,
      total: all.length
    })
    return { status: 200, body }
  }

  private async handleZine(c: RequestContext): Promise<Reply> {
    const read = await this.readEncodedBody(c, this.opts.maxZineBody ?? MAX_ZINE_BODY)
    if (!read.ok) return read.reply
    // The whole body is validated and the bundle signature checked now; the events themselves
    // are decoded after the reply, with their verification and merge.
    const decoded = decodeZineHeadBody(read.body)
    const peer = c.sender?.name ?? ''
    const base = { peer, direction: 'in' as const, atMs: this.host.clock.nowMs(), bytesIn: read.wireBytes }
    if (!decoded.ok) {
      this.reject('bad_json', decoded.error.reason)
      this.emitExchange({ ...base, eventsIn: 0, eventsOut: 0, newEvents: 0, knownEvents: 0, badEvents: 0, bytesOut: 0, latencyMs: Date.now() - c.startedMs, verdict: 'error', reason: decoded.error.reason })
      return text(400, 'Invalid JSON')
    }
    const zine = decoded.value
    if (zine.from === '') {
      this.reject('zine_missing_from', 'zine without from')
      return text(400, "Missing 'from' field")
    }
    const key = this.host.directory.publicKeyOf(zine.from)
    if (key && !verifyZine(zine, key)) {
      this.reject('zine_bad_signature', `zine from ${zine.from}`)
      this.emitExchange({ ...base, peer: zine.from, eventsIn: zine.events().events.length, eventsOut: 0, newEvents: 0, knownEvents: 0, badEvents: 0, bytesOut: 0, latencyMs: Date.now() - c.startedMs, verdict: 'bad-signature', reason: 'invalid zine signature' })
      return text(403, 'Invalid signature')
    }
    // Our answer carries what we had before their events arrive: they already hold theirs.
    // It does not depend on the merge, so the peer gets it first and the merge (thousands of
    // signature checks) runs after the reply, in chunks.
    const own = buildOwnZine(this.host)
    const body = encodeZineBody(own)
    const startedMs = c.startedMs
    this.track(
      afterNextPoll().then(async () => {
        const { events, rejected } = zine.events()
        const report = await mergeEvents(this.host, events, 'zine', zine.from, this.opts.stats)
        if (!zineHasChauFrom({ from: zine.from, events })) this.host.directory.recordOnline(zine.from, zine.created_at)
        this.emitExchange({
          ...base,
          peer: zine.from,
          eventsIn: events.length,
          eventsOut: own.events.length,
          newEvents: report.added,
          knownEvents: report.duplicate,
          badEvents: report.badSignature + rejected.length,
          bytesOut: body.length,
          latencyMs: Date.now() - startedMs,
          verdict: 'ok'
        })
      })
    )
    return { status: 200, body }
  }

  private async handleDm(c: RequestContext): Promise<Reply> {
    const read = await this.readEncodedBody(c, MAX_SMALL_BODY)
    if (!read.ok) return read.reply
    const decoded = decodeEventBody(read.body)
    if (!decoded.ok) {
      this.reject(decoded.error.code === 'malformed_json' ? 'bad_json' : 'dm_bad_event', decoded.error.reason)
      return text(400, 'Invalid JSON')
    }
    const event = decoded.value
    if (!isSigned(event)) {
      this.reject('dm_unsigned', `unsigned ${event.svc} event`)
      return text(400, 'Unsigned event rejected')
    }
    const emitter = event.emitter as string
    const key = this.host.directory.publicKeyOf(emitter)
    if (!key) {
      this.reject('dm_unknown_emitter', `unknown emitter ${emitter}`)
      return text(403, 'Unknown emitter')
    }
    if (!verifyEvent(event, key)) {
      this.reject('dm_bad_signature', `bad signature from ${emitter}`)
      return text(403, 'Invalid signature')
    }
    const result = storeEvent(this.host, event, 'verified')
    if (result === 'rejected') this.reject('event_rejected', `dm ${event.svc} rejected by ledger`)
    this.host.onMerged?.([{ event, trust: 'verified', result }], 'dm', c.sender?.name ?? emitter)
    if (event.svc !== 'chau') this.host.directory.recordOnline(emitter, Number(event.ts / 1_000_000_000n))
    this.opts.stats.count('dm.received')
    return { status: 200, body: encodeDmResponse({ from: this.host.self.name, success: result === 'added' }) }
  }

  private async handleSync(c: RequestContext): Promise<Reply> {
    const read = await this.readEncodedBody(c, MAX_SMALL_BODY)
    if (!read.ok) return read.reply
    const decoded = decodeSyncRequestBody(read.body)
    if (!decoded.ok) {
      this.reject('bad_json', decoded.error.reason)
      return text(400, 'Invalid JSON')
    }
    if (decoded.value.from === '') {
      this.reject('sync_bad_request', 'sync request without from')
      return text(400, "Missing 'from' field")
    }
    const answer = answerSyncRequest(this.host.ledger, decoded.value, this.host.self.name, this.host.random, this.host.clock.nowNs())
    this.opts.stats.count('sync.served')
    return {
      status: 200,
      body: encodeSyncResponseBody(this.host.self.name, answer.events, answer.nextCursor, this.host.clock.nowMs(), this.host.self.signer)
    }
  }

  private async handleMeshMessage(c: RequestContext): Promise<Reply> {
    const read = await readBody(c.req, MAX_SMALL_BODY, parseContentEncoding(c.req.headers['content-encoding']) ?? 'identity')
    if (!read.ok) return this.bodyFailure(read.error)
    // As the reference: 200 with an empty body whatever becomes of the message.
    const decoded = decodeRuntimeMessage(read.body)
    if (!decoded.ok || !this.host.meshMessage) {
      this.opts.stats.count(decoded.ok ? 'mesh_message.dropped' : `mesh_message.${decoded.error.code}`)
    } else {
      this.opts.stats.count('mesh_message.accepted')
      this.host.meshMessage(decoded.value)
    }
    return { status: 200, body: '', contentType: TEXT_TYPE }
  }

  /** Go answers 400 with the reason when a postcard is refused, and {"from","success"} on success. */
  private async handleWorldRelay(c: RequestContext): Promise<Reply> {
    const relay = this.host.worldRelay
    if (!relay) {
      c.req.resume()
      this.opts.stats.count('world_relay.unsupported')
      return text(503, 'World journey not initialized')
    }
    const read = await this.readEncodedBody(c, MAX_SMALL_BODY)
    if (!read.ok) return read.reply
    const decoded = decodeWorldMessage(read.body)
    if (!decoded.ok) {
      this.reject('bad_json', decoded.error.reason)
      return text(400, 'Invalid JSON')
    }
    const outcome = relay.call(this.host, decoded.value)
    if (!outcome.ok) {
      this.opts.stats.count('world_relay.refused')
      return text(400, outcome.reason)
    }
    this.opts.stats.count('world_relay.accepted')
    // The same {from, success} acknowledgement Go sends for a DM.
    return { status: 200, body: encodeDmResponse({ from: this.host.self.name, success: true }), contentType: JSON_TYPE }
  }

  /** A POST body in the encoding it declares; any refusal comes back as the reply to send. */
  private async readEncodedBody(c: RequestContext, maxBytes: number): Promise<{ ok: true; body: Buffer; wireBytes: number } | { ok: false; reply: Reply }> {
    const coding = parseContentEncoding(c.req.headers['content-encoding'])
    if (coding === null) {
      c.req.resume()
      this.reject('bad_encoding', 'unsupported content-encoding')
      return { ok: false, reply: text(415, 'Unsupported content encoding') }
    }
    const read = await readBody(c.req, maxBytes, coding)
    return read.ok ? read : { ok: false, reply: this.bodyFailure(read.error) }
  }

  private bodyFailure(error: BodyError): Reply {
    if (error.kind === 'too_large') {
      this.reject('body_too_large', error.reason)
      return text(413, 'Request body too large')
    }
    if (error.kind === 'bad_encoding') {
      this.reject('bad_encoding', error.reason)
      return text(400, 'Invalid content encoding')
    }
    this.reject('body_read_error', error.reason)
    return text(400, 'Could not read body')
  }

  private emitExchange(view: Parameters<NonNullable<MeshHost['onExchange']>>[0]): void {
    this.host.onExchange?.(view)
  }
}

/**
 * Resolves after the event loop has polled for I/O once more. One setImmediate alone runs in
 * the same loop turn, before the next poll, so a merge started there (a long synchronous
 * stretch of signature checks) would still hold back the reply's delivery to a peer in this
 * process and every other request already waiting; the second hop lets them go first.
 */
function afterNextPoll(): Promise<void> {
  return new Promise((resolve) => setImmediate(() => setImmediate(resolve)))
}

function acceptsGzip(v: string | string[] | undefined): boolean {
  const s = Array.isArray(v) ? v.join(',') : (v ?? '')
  return /\bgzip\b/i.test(s)
}

function encodeCheckpointListing(
  events: SyncEvent[],
  meta: { count: number; hasMore: boolean; limit: number; offset: number; server: string; total: number }
): string {
  // Go map → keys sorted.
  const list = events.length === 0 ? '[]' : `[${events.map((e) => encodeEventForListing(e)).join(',')}]`
  return (
    `{"checkpoints":${list},"count":${meta.count},"has_more":${meta.hasMore},"limit":${meta.limit},` +
    `"offset":${meta.offset},"server":${goQuote(meta.server)},"total":${meta.total}}\n`
  )
}
