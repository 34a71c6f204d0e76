/**
 * The headless UI server over real sockets: static serving (CSP, traversal, Host guard), the
 * token/Origin admission, the loopback rule, and both planes end to end through the sealed
 * WebSocket (C2's browser client, run here in Node with `ws`).
 */
import { mkdtempSync, mkdirSync, rmSync, writeFileSync, symlinkSync } from 'node:fs'
import { request } from 'node:http'
import { connect as netConnect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { DataPlane } from '../main/core/bus/dataPlane'
import { RemoteDataPlane } from '../main/core/bus/dataPlane'
import { connectBus, type WebSocketCtor } from '../main/core/bus/carriers/wsClient'
import { cleanRequestPath } from '../main/core/ui/staticFiles'
import { isLoopbackHost, parseHostPort, startUiServer, UiNotBuiltError, type UiServer } from '../main/core/ui/server'
import { keys, type NeighbourView } from '../main/core/views'
import { neighbour } from './support/views'

function get(url: string, headers: Record<string, string> = {}, method = 'GET'): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (c: string) => (body += c))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }))
    })
    req.on('error', reject)
    req.end()
  })
}

/** Raw request line (no client-side path normalisation). */
function rawGet(port: number, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'GET' }, (res) => {
      res.resume()
      resolve(res.statusCode ?? 0)
    })
    req.on('error', reject)
    req.end()
  })
}

function wsWithOrigin(origin: string | null): WebSocketCtor {
  return class extends WebSocket {
    constructor(url: string) {
      super(url, origin === null ? {} : { origin })
    }
  } as unknown as WebSocketCtor
}

describe('UI server', () => {
  let dir: string
  let outside: string
  let server: UiServer | null = null
  let plane: DataPlane

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'nara-ui-'))
    outside = mkdtempSync(join(tmpdir(), 'nara-secret-'))
    writeFileSync(join(dir, 'index.html'), '<!doctype html><title>nara</title>')
    mkdirSync(join(dir, 'assets'))
    writeFileSync(join(dir, 'assets', 'app.js'), 'console.log(1)')
    writeFileSync(join(outside, 'secret.txt'), 'soul')
    symlinkSync(join(outside, 'secret.txt'), join(dir, 'assets', 'leak.txt'))
    plane = new DataPlane()
  })
  afterEach(async () => {
    await server?.close()
    server = null
    rmSync(dir, { recursive: true, force: true })
    rmSync(outside, { recursive: true, force: true })
  })

  const start = async (extra: Partial<Parameters<typeof startUiServer>[0]> = {}): Promise<UiServer> => {
    server = await startUiServer({
      host: '127.0.0.1',
      port: 0,
      dataPlane: plane,
      control: async (req) => ({ ok: true, echo: req }),
      rendererDir: dir,
      log: () => {},
      ...extra
    })
    return server
  }

  it('serves the built UI with a strict CSP and the token only in the URL fragment', async () => {
    const s = await start()
    expect(s.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/#token=[A-Za-z0-9_-]{40,}$/)
    const res = await get(s.origin + '/')
    expect(res.status).toBe(200)
    expect(res.body).toContain('<title>nara</title>')
    const csp = String(res.headers['content-security-policy'])
    expect(csp).toContain("default-src 'none'")
    expect(csp).toContain("script-src 'self'")
    expect(csp).not.toContain('unsafe-inline')
    expect(csp).not.toContain('unsafe-eval')
    expect(res.headers['x-content-type-options']).toBe('nosniff')
    const js = await get(s.origin + '/assets/app.js')
    expect(js.status).toBe(200)
    expect(js.headers['content-type']).toContain('text/javascript')
  })

  it('refuses path traversal, encoded or not, and symlinks out of the root', async () => {
    const s = await start()
    for (const p of ['/../secret.txt', '/%2e%2e/%2e%2e/etc/passwd', '/assets/..%2f..%2fetc%2fpasswd', '/%00index.html', '/assets\\..\\index.html', '/.env', '/%E0%A4%A']) {
      const status = await rawGet(s.port, p)
      expect([400, 404], p).toContain(status)
    }
    expect(await rawGet(s.port, '/assets/leak.txt')).toBe(400)
    expect(await rawGet(s.port, '/nope.js')).toBe(404)
    expect(s.stats.badPath).toBeGreaterThan(3)
    expect((await get(s.origin + '/', {}, 'POST')).status).toBe(405)
  })

  it('cleanRequestPath rejects every class of bad path', () => {
    expect(cleanRequestPath('/')).toEqual({ ok: true, value: 'index.html' })
    expect(cleanRequestPath('/assets/a.js')).toEqual({ ok: true, value: 'assets/a.js' })
    expect(cleanRequestPath('/' + 'a'.repeat(1023))).toEqual({ ok: true, value: 'a'.repeat(1023) })
    for (const p of ['/..', '/a/../b', '/%2e%2e', 'relative', '/a\\b', '/a%00', '/.git/config', '/%zz', '/C:/x', '/' + 'a'.repeat(1024)]) {
      expect(cleanRequestPath(p).ok, p).toBe(false)
    }
  })

  it('rejects a foreign Host header (DNS rebinding)', async () => {
    const s = await start()
    const res = await get(s.origin + '/', { Host: `evil.example:${s.port}` })
    expect(res.status).toBe(421)
    expect(s.stats.badHost).toBe(1)
  })

  it('fails clearly when the UI is not built', async () => {
    rmSync(join(dir, 'index.html'))
    await expect(start()).rejects.toThrow(UiNotBuiltError)
    await expect(start()).rejects.toThrow(/npm run build/)
  })

  it('binds loopback only unless explicitly allowed, and warns then', async () => {
    await expect(start({ host: '0.0.0.0' })).rejects.toThrow(/not a loopback address/)
    const lines: string[] = []
    const s = await start({ host: '0.0.0.0', allowNonLoopback: true, log: (l) => lines.push(l) })
    expect(lines.join('\n')).toMatch(/warning/)
    expect(s.port).toBeGreaterThan(0)
    expect(isLoopbackHost('127.0.0.5')).toBe(true)
    expect(isLoopbackHost('::1')).toBe(true)
    expect(isLoopbackHost('192.168.1.2')).toBe(false)
    expect(parseHostPort('127.0.0.1:8080')).toEqual({ host: '127.0.0.1', port: 8080 })
    expect(parseHostPort(':0')).toEqual({ host: '127.0.0.1', port: 0 })
    expect(parseHostPort('[::1]:99')).toEqual({ host: '::1', port: 99 })
    expect(parseHostPort('nope')).toBeNull()
    expect(parseHostPort('1.2.3.4:99999')).toBeNull()
  })

  it('carries both planes over the sealed WebSocket; snapshot, stream, and headless refusals', async () => {
    const s = await start()
    plane.declareQueryable(keys.neighbours, (q) => {
      q.reply(keys.neighbour('lisa'), neighbour('lisa'))
    })
    const token = new URL(s.url).hash.slice('#token='.length)
    const conn = connectBus(s.origin.replace('http', 'ws') + '/bus', token, { WebSocket: wsWithOrigin(s.origin) })
    try {
      await new Promise<void>((r) => conn.onStatus((st) => st.state === 'open' && r()))
      const remote = new RemoteDataPlane(conn.data)
      const snap = await remote.get(keys.neighbours, { timeoutMs: 2000 })
      expect(snap.map((r) => (r.value as NeighbourView).name)).toEqual(['lisa'])
      const seen: string[] = []
      remote.subscribe(keys.neighbours, (smp) => void seen.push((smp.value as NeighbourView).name))
      await new Promise((r) => setTimeout(r, 50))
      plane.put(keys.neighbour('bart'), neighbour('bart'))
      await expect.poll(() => seen).toEqual(['bart'])
      const st = await conn.control.request({ cmd: 'status' })
      expect(st).toEqual({ ok: true, echo: { cmd: 'status' } })
      const soul = await conn.control.request({ cmd: 'soul.export', confirm: true })
      expect(soul.ok).toBe(false)
      expect(JSON.stringify(soul)).toMatch(/nara soul/)
      expect((await conn.control.request({ cmd: 'settings.set', settings: {} })).ok).toBe(false)
      expect(s.stats.refusedCommands).toBe(2)
      // "__proto__" is not a refused command (`in` would have said so and answered with Object.prototype):
      // it goes on to the node's router, which names it an unknown command.
      const proto = await conn.control.request(JSON.parse('{"cmd":"__proto__"}') as never)
      expect(proto).toEqual({ ok: true, echo: { cmd: '__proto__' } })
      expect(s.stats.refusedCommands).toBe(2)
    } finally {
      conn.close()
    }
  })

  it('an upgrade to any other path is answered 404 and closed by the server, and close() still completes', async () => {
    const s = await start()
    const { port } = new URL(s.origin)
    const answer = await new Promise<string>((resolve) => {
      let got = ''
      const sock = netConnect(Number(port), '127.0.0.1', () =>
        sock.write(`GET /not-bus HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: ${Buffer.alloc(16, 7).toString('base64')}\r\n\r\n`)
      )
      sock.on('data', (d) => (got += d))
      sock.on('close', () => resolve(got))
    })
    expect(answer).toMatch(/^HTTP\/1\.1 404/)
    await s.close()
  })

  it('refuses a wrong token and a foreign Origin', async () => {
    const s = await start()
    const bad = connectBus(s.origin.replace('http', 'ws') + '/bus', 'x'.repeat(43), { WebSocket: wsWithOrigin(s.origin) })
    await expect.poll(() => bad.status.state).toBe('closed')
    expect(bad.status.error).toMatch(/unauthorized/)
    bad.close()
    const token = new URL(s.url).hash.slice('#token='.length)
    const foreign = connectBus(s.origin.replace('http', 'ws') + '/bus', token, { WebSocket: wsWithOrigin('http://evil.example'), minBackoffMs: 5000 })
    await expect.poll(() => s.stats.ws.rejectedOrigin).toBe(1)
    expect(foreign.status.state).not.toBe('open')
    foreign.close()
    const noOrigin = connectBus(s.origin.replace('http', 'ws') + '/bus', token, { WebSocket: wsWithOrigin(null), minBackoffMs: 5000 })
    await expect.poll(() => s.stats.ws.rejectedOrigin).toBe(2)
    noOrigin.close()
    expect(s.stats.ws.rejectedToken).toBe(1)
  })

  it('a dropped connection comes back by itself and the data plane works again', async () => {
    const s = await start()
    const token = new URL(s.url).hash.slice('#token='.length)
    const conn = connectBus(s.origin.replace('http', 'ws') + '/bus', token, { WebSocket: wsWithOrigin(s.origin), minBackoffMs: 20 })
    try {
      const states: string[] = []
      conn.onStatus((st) => states.push(st.state))
      await expect.poll(() => conn.status.state).toBe('open')
      s.dropConnections()
      await expect.poll(() => states.includes('connecting')).toBe(true)
      await expect.poll(() => conn.status.state).toBe('open')
      expect(s.stats.busConnections).toBe(2)
      const remote = new RemoteDataPlane(conn.data)
      plane.put(keys.self, { name: 'me' })
      plane.declareQueryable(keys.self, (q) => q.reply(keys.self, { name: 'me' }))
      const r = await remote.get(keys.self, { timeoutMs: 2000 })
      expect(r[0]?.value).toEqual({ name: 'me' })
    } finally {
      conn.close()
    }
  })
})
