/**
 * The mesh HTTP client: signs requests (zines-and-mesh.md §3.1), bounds every call with a dial
 * timeout and an overall timeout, caps response bodies, and — unlike the reference — verifies
 * the responder's signature whenever its key is known.
 */
import { Agent, request as httpRequest, type IncomingMessage } from 'node:http'
import type { Clock } from '../clock'
import { parsePublicKey, parseSignature, type Signer } from '../protocol/crypto'
import type { SyncEvent, Zine } from '../protocol/types'
import { encodeWorldMessage, type WorldMessage } from '../protocol/world'
import { encodeRuntimeMessage, type RuntimeMessage } from '../protocol/runtimeMessage'
import { gzipBody, MAX_SMALL_BODY, MAX_ZINE_BODY, parseContentEncoding, readBody } from './body'
import type { MeshRejection, MeshStats } from './stats'
import {
  decodeDmResponse,
  decodePingBody,
  decodeSyncResponseBody,
  decodeZineBody,
  encodeEvent,
  encodeSyncRequest,
  encodeZineBody,
  signMeshRequestHeaders,
  verifyMeshResponseSignature,
  type DecodedZine,
  type PingResponse,
  type SyncRequest,
  type DecodedSyncResponse
} from './wire'
import { ACCEPT_ENCODING_HEADER, SUPPORTED_ENCODINGS } from './server'

export const DIAL_TIMEOUT_MS = 5_000
export const EXCHANGE_TIMEOUT_MS = 15_000
export const PING_TIMEOUT_MS = 2_000

export type ClientError = { code: MeshRejection; reason: string; status?: number }
export type ClientResult<T> = { ok: true; value: T } | { ok: false; error: ClientError }

export interface RawResponse {
  status: number
  body: Buffer
  headers: IncomingMessage['headers']
  bytesOut: number
  bytesIn: number
  latencyMs: number
  /** 'verified' when the responder's signature checked out with its known key. */
  responseTrust: 'verified' | 'unknown-key' | 'unsigned'
}

export interface MeshClientOptions {
  name: string
  signer: Signer
  clock: Clock
  stats: MeshStats
  /** The responder's known key, to verify response signatures. */
  publicKeyOf: (name: string) => Uint8Array | null
  /** Source address for outgoing connections (so peers see our mesh IP); undefined = OS choice. */
  localAddress?: string
  dialTimeoutMs?: number
}

export interface RequestOptions {
  method: 'GET' | 'POST'
  path: string
  body?: Buffer
  timeoutMs: number
  maxResponseBytes: number
  /** Sign the request with mesh auth headers. */
  auth: boolean
  /** The name the response must be signed by (authenticated endpoints); undefined = any. */
  expectSigner?: string
  /** Compress the request body (only when the peer advertised support). */
  compress?: boolean
  extraHeaders?: Record<string, string>
}

const fail = <T>(code: MeshRejection, reason: string, status?: number): ClientResult<T> => ({ ok: false, error: { code, reason, status } })

export class MeshClient {
  private readonly agent: Agent
  /** Peers (by base URL) that advertised gzip support. */
  private readonly compressing = new Set<string>()
  private lastSignedMs = 0

  constructor(private readonly opts: MeshClientOptions) {
    this.agent = new Agent({ keepAlive: true, maxSockets: 20, maxFreeSockets: 20, timeout: 90_000 })
  }

  close(): void {
    this.agent.destroy()
  }

  /**
   * A timestamp no signed request of ours has used yet. Two requests for the same path within
   * one millisecond would otherwise carry identical signatures, and a peer's replay cache
   * refuses the second; running up to a few ms ahead stays far inside the clock tolerance.
   */
  private nextSigningMs(): number {
    const now = Math.trunc(this.opts.clock.nowMs())
    this.lastSignedMs = now > this.lastSignedMs ? now : this.lastSignedMs + 1
    return this.lastSignedMs
  }

  peerAcceptsCompression(baseUrl: string): boolean {
    return this.compressing.has(baseUrl)
  }

  /** One HTTP exchange; never throws. */
  request(baseUrl: string, o: RequestOptions): Promise<ClientResult<RawResponse>> {
    const started = Date.now()
    let url: URL
    try {
      url = new URL(o.path, baseUrl)
    } catch {
      return Promise.resolve(fail('client_network', `bad peer URL ${baseUrl}`))
    }
    let payload = o.body
    const headers: Record<string, string> = { [ACCEPT_ENCODING_HEADER]: SUPPORTED_ENCODINGS, ...o.extraHeaders }
    if (payload) {
      headers['Content-Type'] = 'application/json'
      if (o.compress && payload.length >= 1024) {
        payload = gzipBody(payload)
        headers['Content-Encoding'] = 'gzip'
      }
      headers['Content-Length'] = String(payload.length)
    }
    if (o.auth) Object.assign(headers, signMeshRequestHeaders(this.opts.name, this.opts.signer, o.method, url.pathname, this.nextSigningMs()))
    const bytesOut = payload?.length ?? 0

    return new Promise((resolve) => {
      let settled = false
      let timedOut = false
      const timers: NodeJS.Timeout[] = []
      const finish = (r: ClientResult<RawResponse>): void => {
        if (settled) return
        settled = true
        for (const t of timers) clearTimeout(t)
        if (!r.ok) this.opts.stats.reject(r.error.code, r.error.reason)
        resolve(r)
      }
      const req = httpRequest(
        {
          host: url.hostname,
          port: url.port || 80,
          path: url.pathname + url.search,
          method: o.method,
          headers,
          agent: this.agent,
          localAddress: this.opts.localAddress
        },
        (res) => {
          const coding = parseContentEncoding(res.headers['content-encoding'])
          if (coding === null) {
            res.resume()
            finish(fail('client_bad_response', 'unsupported response content-encoding'))
            return
          }
          if (/\bgzip\b/i.test(String(res.headers[ACCEPT_ENCODING_HEADER] ?? ''))) this.compressing.add(baseUrl)
          void readBody(res, o.maxResponseBytes, coding).then((read) => {
            if (!read.ok) {
              finish(fail(read.error.kind === 'too_large' ? 'client_response_too_large' : 'client_bad_response', read.error.reason))
              return
            }
            const trust = this.checkResponseSignature(res.headers, read.body, o)
            if (!trust.ok) {
              finish({ ok: false, error: { ...trust.error, status: res.statusCode } })
              return
            }
            this.opts.stats.count('client.bytes_in', read.wireBytes)
            finish({
              ok: true,
              value: {
                status: res.statusCode ?? 0,
                body: read.body,
                headers: res.headers,
                bytesOut,
                bytesIn: read.wireBytes,
                latencyMs: Date.now() - started,
                responseTrust: trust.value
              }
            })
          })
        }
      )
      req.on('error', (e: Error) => finish(fail(timedOut ? 'client_timeout' : 'client_network', e.message)))
      const overall = setTimeout(() => {
        timedOut = true
        finish(fail('client_timeout', `no answer from ${url.host}${o.path} within ${o.timeoutMs} ms`))
        req.destroy()
      }, o.timeoutMs)
      timers.push(overall)
      req.on('socket', (socket) => {
        if (!socket.connecting) return
        const dial = setTimeout(() => {
          timedOut = true
          finish(fail('client_timeout', `dial ${url.host} timed out`))
          req.destroy()
        }, Math.min(this.opts.dialTimeoutMs ?? DIAL_TIMEOUT_MS, o.timeoutMs))
        timers.push(dial)
        socket.once('connect', () => clearTimeout(dial))
      })
      req.end(payload)
    })
  }

  private checkResponseSignature(
    headers: IncomingMessage['headers'],
    body: Buffer,
    o: RequestOptions
  ): ClientResult<RawResponse['responseTrust']> {
    if (!o.auth) return { ok: true, value: 'unsigned' }
    const name = String(headers['x-nara-name'] ?? '')
    const ts = String(headers['x-nara-timestamp'] ?? '')
    const sigText = String(headers['x-nara-signature'] ?? '')
    if (!name || !ts || !sigText) return fail('client_response_unsigned', 'response carries no mesh signature')
    if (o.expectSigner !== undefined && name !== o.expectSigner) {
      return fail('client_response_bad_signature', `response signed by ${name}, expected ${o.expectSigner}`)
    }
    const key = this.opts.publicKeyOf(name)
    if (!key) return { ok: true, value: 'unknown-key' }
    const sig = parseSignature(sigText)
    if (!sig || !verifyMeshResponseSignature(name, ts, sig, body, key)) {
      return fail('client_response_bad_signature', `bad response signature from ${name}`)
    }
    return { ok: true, value: 'verified' }
  }

  /** GET /ping (unauthenticated). */
  async ping(baseUrl: string, timeoutMs = PING_TIMEOUT_MS): Promise<ClientResult<PingResponse & { rttMs: number }>> {
    const r = await this.request(baseUrl, {
      method: 'GET',
      path: '/ping',
      timeoutMs,
      maxResponseBytes: 64 * 1024,
      auth: false,
      extraHeaders: { 'X-Nara-From': this.opts.name }
    })
    if (!r.ok) return r
    if (r.value.status !== 200) return fail('ping_bad_response', `ping status ${r.value.status}`, r.value.status)
    const body = decodePingBody(r.value.body)
    if (!body.ok) return fail('ping_bad_response', body.error.reason)
    if (!body.value.from || !parsePublicKey(body.value.public_key)) return fail('ping_bad_response', 'ping without from or public key')
    return { ok: true, value: { ...body.value, rttMs: r.value.latencyMs } }
  }

  /** POST /gossip/zine: sends ours, returns theirs (signature of the zine checked by the caller). */
  async exchangeZine(
    baseUrl: string,
    peerName: string | undefined,
    zine: Zine,
    timeoutMs = EXCHANGE_TIMEOUT_MS
  ): Promise<ClientResult<{ zine: DecodedZine; raw: RawResponse }>> {
    const r = await this.request(baseUrl, {
      method: 'POST',
      path: '/gossip/zine',
      body: encodeZineBody(zine),
      timeoutMs,
      maxResponseBytes: MAX_ZINE_BODY,
      auth: true,
      expectSigner: peerName,
      compress: this.compressing.has(baseUrl)
    })
    if (!r.ok) return r
    if (r.value.status !== 200) {
      return fail('client_http_status', `zine exchange answered ${r.value.status}: ${r.value.body.toString('utf8', 0, 200).trim()}`, r.value.status)
    }
    const decoded = decodeZineBody(r.value.body)
    if (!decoded.ok) return fail('client_bad_response', `zine response: ${decoded.error.reason}`)
    return { ok: true, value: { zine: decoded.value, raw: r.value } }
  }

  /** POST /dm with one signed event. */
  async sendDM(baseUrl: string, peerName: string | undefined, event: SyncEvent, timeoutMs = EXCHANGE_TIMEOUT_MS): Promise<ClientResult<{ status: number; success: boolean }>> {
    const r = await this.request(baseUrl, {
      method: 'POST',
      path: '/dm',
      body: Buffer.from(encodeEvent(event), 'utf8'),
      timeoutMs,
      maxResponseBytes: MAX_SMALL_BODY,
      auth: true,
      expectSigner: peerName
    })
    if (!r.ok) return r
    if (r.value.status !== 200) return { ok: true, value: { status: r.value.status, success: false } }
    const body = decodeDmResponse(r.value.body)
    if (!body.ok) return fail('client_bad_response', body.error.reason)
    return { ok: true, value: { status: 200, success: body.value.success } }
  }

  /** POST /world/relay with a postcard; the status tells whether the peer took it (200). */
  relayWorld(baseUrl: string, peerName: string | undefined, m: WorldMessage, timeoutMs = EXCHANGE_TIMEOUT_MS): Promise<ClientResult<{ status: number }>> {
    return this.postForStatus(baseUrl, peerName, '/world/relay', encodeWorldMessage(m), timeoutMs)
  }

  /** POST /mesh/message with one runtime message (the answer is always an empty 200). */
  postMessage(baseUrl: string, peerName: string | undefined, m: RuntimeMessage, timeoutMs = EXCHANGE_TIMEOUT_MS): Promise<ClientResult<{ status: number }>> {
    return this.postForStatus(baseUrl, peerName, '/mesh/message', encodeRuntimeMessage(m), timeoutMs)
  }

  /** A signed POST whose answer only matters by its status. */
  private async postForStatus(baseUrl: string, peerName: string | undefined, path: string, body: string, timeoutMs: number): Promise<ClientResult<{ status: number }>> {
    const r = await this.request(baseUrl, {
      method: 'POST',
      path,
      body: Buffer.from(body, 'utf8'),
      timeoutMs,
      maxResponseBytes: MAX_SMALL_BODY,
      auth: true,
      expectSigner: peerName
    })
    return r.ok ? { ok: true, value: { status: r.value.status } } : r
  }

  /** POST /events/sync. */
  async sync(baseUrl: string, peerName: string | undefined, req: Omit<Partial<SyncRequest>, 'from'>, timeoutMs = EXCHANGE_TIMEOUT_MS): Promise<ClientResult<DecodedSyncResponse>> {
    const r = await this.request(baseUrl, {
      method: 'POST',
      path: '/events/sync',
      body: Buffer.from(encodeSyncRequest({ services: null, subjects: null, ...req, from: this.opts.name }), 'utf8'),
      timeoutMs,
      maxResponseBytes: 64 * 1024 * 1024,
      auth: true,
      expectSigner: peerName
    })
    if (!r.ok) return r
    if (r.value.status !== 200) return fail('client_http_status', `sync answered ${r.value.status}`, r.value.status)
    const body = decodeSyncResponseBody(r.value.body)
    if (!body.ok) return fail('client_bad_response', body.error.reason)
    return { ok: true, value: body.value }
  }
}
