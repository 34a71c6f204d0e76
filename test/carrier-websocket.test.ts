import { afterEach, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { build } from 'esbuild'
import { x25519 } from '@noble/curves/ed25519.js'
import { hkdfSha256 } from '../main/core/protocol/crypto'
import { systemClock } from '../main/core/clock'
import { startWsCarrierServer, generateToken, type WsCarrierServer } from '../main/core/bus/carriers/wsServer'
import { connectBus, type BusConnection, type BusStatus, type WebSocketCtor } from '../main/core/bus/carriers/wsClient'
import { SealedSession, directionKeys, fromBase64, handshakeInfo, toBase64 } from '../main/core/bus/carriers/sealed'
import { multiplex, serveControl } from '../main/core/bus/carriers/mux'
import { createCommandRouter } from '../main/core/bus/control/router'
import type { Carrier } from '../main/core/bus/carriers/carrier'
import { FakeNode } from './control-fixtures'

const WS = WebSocket as unknown as WebSocketCtor
const cleanups: Array<() => unknown> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

async function serve(opts: Partial<Parameters<typeof startWsCarrierServer>[0]> = {}) {
  const token = generateToken()
  const node = new FakeNode('alpha')
  const carriers: Carrier<string>[] = []
  const server = await startWsCarrierServer({
    token,
    host: '127.0.0.1',
    handshakeTimeoutMs: 2000,
    onCarrier: (c) => {
      carriers.push(c)
      const m = multiplex(c)
      serveControl(m.control, createCommandRouter(node))
      m.data.onFrame((f) => m.data.send({ echo: f }))
    },
    ...opts
  })
  cleanups.push(() => server.close())
  return { token, node, server, carriers }
}

function waitStatus(bus: BusConnection, pred: (s: BusStatus) => boolean): Promise<BusStatus> {
  if (pred(bus.status)) return Promise.resolve(bus.status)
  return new Promise((resolve) => {
    const off = bus.onStatus((s) => {
      if (pred(s)) {
        off()
        resolve(s)
      }
    })
  })
}

/** A hand-driven client so tests can misbehave on the wire. */
async function rawClient(server: WsCarrierServer, token: string, opts: { saltToken?: string; url?: string; headers?: Record<string, string> } = {}) {
  const ws = new WebSocket(opts.url ?? server.url, { headers: opts.headers })
  cleanups.push(() => ws.terminate())
  const closed = new Promise<number>((r) => ws.on('close', (code) => r(code)))
  const inbox: Buffer[] = []
  let notify: (() => void) | null = null
  ws.on('message', (d: Buffer) => {
    inbox.push(d)
    notify?.()
  })
  const next = async (): Promise<Buffer> => {
    while (inbox.length === 0) await new Promise<void>((r) => (notify = r))
    return inbox.shift() as Buffer
  }
  await new Promise<void>((r, j) => {
    ws.once('open', () => r())
    ws.once('error', j)
  })
  const secret = x25519.utils.randomSecretKey()
  const pub = x25519.getPublicKey(secret)
  ws.send(JSON.stringify({ t: 'hello', v: 1, pub: toBase64(pub), token }))
  const welcome = JSON.parse((await next()).toString()) as { pub: string }
  const serverPub = fromBase64(welcome.pub, 32) as Uint8Array
  const okm = hkdfSha256(x25519.getSharedSecret(secret, serverPub), opts.saltToken ?? token, handshakeInfo(pub, serverPub), 64)
  const session = new SealedSession(directionKeys(okm, 'client'))
  ws.send(session.seal('{"t":"ready"}'))
  return { ws, session, next, closed }
}

describe('WebSocket carrier with the sealed overlay', () => {
  it('connectBus: handshake, control requests and data frames, all sealed', async () => {
    const { token, server, node } = await serve()
    const bus = connectBus(server.url, token, { WebSocket: WS })
    cleanups.push(() => bus.close())
    await waitStatus(bus, (s) => s.state === 'open')
    expect(await bus.control.request({ cmd: 'status' })).toMatchObject({ ok: true, name: 'alpha' })
    expect(await bus.control.request({ cmd: 'join' })).toEqual({ ok: true, state: 'online' })
    expect(node.state).toBe('online')
    const echoed = new Promise<unknown>((r) => bus.data.onFrame(r))
    bus.data.send({ hello: 'data plane' })
    expect(await echoed).toEqual({ echo: { hello: 'data plane' } })
    expect(server.stats.sealed.opened).toBeGreaterThanOrEqual(4)
    expect(Object.values(server.stats.sealed.rejected).every((n) => n === 0)).toBe(true)
  })

  it('rejects (and counts) replayed, tampered and plaintext frames; the session survives', async () => {
    const { token, server, carriers } = await serve()
    const c = await rawClient(server, token)
    const ready = c.session.open(await c.next())
    expect(ready).toEqual({ ok: true, text: '{"t":"ready"}' })
    await expect.poll(() => carriers.length).toBe(1)
    const got: string[] = []
    carriers[0]!.onFrame((f) => got.push(f))
    const first = c.session.seal('{"plane":"data","frame":1}')
    c.ws.send(first)
    c.ws.send(first) // replay
    const tampered = c.session.seal('{"plane":"data","frame":2}')
    tampered[tampered.length - 20] = (tampered[tampered.length - 20] as number) ^ 0x40
    c.ws.send(tampered)
    c.ws.send('{"plane":"data","frame":"plain"}')
    // A rejected frame does not desynchronise the session: the next genuine frame is accepted.
    c.ws.send(c.session.seal('{"plane":"data","frame":3}'))
    c.ws.send(first) // an old frame replayed after newer ones
    await expect.poll(() => got.length).toBe(2)
    await expect.poll(() => server.stats.sealed.rejected.replayed).toBe(2)
    expect(server.stats.sealed.rejected.tampered).toBe(1)
    expect(server.stats.plainFramesRejected).toBe(1)
    expect(got).toEqual(['{"plane":"data","frame":1}', '{"plane":"data","frame":3}'])
  })

  it('a client that knows the token but derives keys with another salt fails key confirmation (4401)', async () => {
    const { token, server } = await serve()
    const c = await rawClient(server, token, { saltToken: token + 'x' })
    expect(await c.closed).toBe(4401)
    expect(server.stats.handshakeFailures).toBe(1)
  })

  it('a wrong token closes with 4401 and connectBus stops retrying', async () => {
    const { server } = await serve()
    const bus = connectBus(server.url, 'wrong-token-wrong-token', { WebSocket: WS })
    cleanups.push(() => bus.close())
    const s = await waitStatus(bus, (st) => st.state === 'closed')
    expect(s.error).toMatch(/unauthorized/)
    expect(server.stats.rejectedToken).toBe(1)
  })

  it('query-string token: right token admits, wrong token is refused before the upgrade', async () => {
    const { token, server } = await serve()
    const bad = new WebSocket(`${server.url}?token=nope`)
    const status = await new Promise<number>((r) => bad.on('unexpected-response', (_req, res) => r(res.statusCode ?? 0)))
    expect(status).toBe(401)
    bad.on('error', () => undefined)
    bad.terminate()
    const good = await rawClient(server, '', { url: `${server.url}?token=${encodeURIComponent(token)}`, saltToken: token })
    expect(good.session.open(await good.next())).toEqual({ ok: true, text: '{"t":"ready"}' })
  })

  it('origin check: the UI origin is admitted, any other browser origin gets 403', async () => {
    const { token, server } = await serve({ allowedOrigins: ['http://127.0.0.1:5173'] })
    const evil = new WebSocket(server.url, { headers: { Origin: 'http://evil.example' } })
    const status = await new Promise<number>((r) => evil.on('unexpected-response', (_req, res) => r(res.statusCode ?? 0)))
    expect(status).toBe(403)
    evil.on('error', () => undefined)
    evil.terminate()
    expect(server.stats.rejectedOrigin).toBe(1)
    const ok = await rawClient(server, token, { headers: { Origin: 'http://127.0.0.1:5173' } })
    expect(ok.session.open(await ok.next()).ok).toBe(true)
  })

  it('closes a connection that sends a frame above the size cap', async () => {
    const { token, server } = await serve({ maxFrameBytes: 4096 })
    const c = await rawClient(server, token)
    await c.next()
    c.ws.send(c.session.seal('x'.repeat(10_000)))
    expect(await c.closed).toBe(1009)
    await expect.poll(() => server.stats.oversized).toBe(1)
  })

  it('reconnects by itself after the server drops the connection; requests resume', async () => {
    const { token, server, carriers } = await serve()
    const bus = connectBus(server.url, token, { WebSocket: WS, minBackoffMs: 20 })
    cleanups.push(() => bus.close())
    await waitStatus(bus, (s) => s.state === 'open')
    carriers[0]!.close()
    await waitStatus(bus, (s) => s.state === 'connecting')
    await waitStatus(bus, (s) => s.state === 'open')
    expect(carriers).toHaveLength(2)
    expect(await bus.control.request({ cmd: 'leave' })).toEqual({ ok: true, state: 'offline' })
  })

  it('plain mode (encrypt: false) still requires the token in the first frame', async () => {
    const { token, server, carriers } = await serve({ encrypt: false })
    const ws = new WebSocket(server.url)
    cleanups.push(() => ws.terminate())
    await new Promise((r) => ws.once('open', r))
    const welcome = new Promise<string>((r) => ws.once('message', (d: Buffer) => r(d.toString())))
    ws.send(JSON.stringify({ t: 'hello', v: 1, token }))
    expect(JSON.parse(await welcome)).toEqual({ t: 'welcome', v: 1 })
    await expect.poll(() => carriers.length).toBe(1)
    const bad = new WebSocket(server.url)
    cleanups.push(() => bad.terminate())
    await new Promise((r) => bad.once('open', r))
    const code = new Promise<number>((r) => bad.on('close', (c) => r(c)))
    bad.send(JSON.stringify({ t: 'hello', v: 1, token: 'nope' }))
    expect(await code).toBe(4401)
  })

  it('the browser client bundles for the browser without any Node built-in', async () => {
    const out = await build({
      entryPoints: ['main/core/bus/carriers/wsClient.ts'],
      bundle: true,
      write: false,
      platform: 'browser',
      format: 'esm',
      logLevel: 'silent'
    })
    const code = out.outputFiles[0]!.text
    expect(code).toContain('connectBus')
    expect(code).not.toMatch(/from ["']node:|require\(["'](node:)?(crypto|fs|net|process|buffer)["']\)/)
    expect(code).not.toMatch(/\bprocess\.hrtime\b/)
    void systemClock
  })
})

describe('sealed session (unit)', () => {
  const keysA = directionKeys(new Uint8Array(64).map((_, i) => i), 'client')
  const keysB = directionKeys(new Uint8Array(64).map((_, i) => i), 'server')

  it('round-trips, and every single-bit flip of a sealed frame is rejected', () => {
    const a = new SealedSession(keysA)
    const frame = a.seal('{"plane":"data","frame":"x"}')
    for (let i = 8; i < frame.length; i++) {
      const b = new SealedSession(keysB)
      const bad = frame.slice()
      bad[i] = (bad[i] as number) ^ 1
      expect(b.open(bad)).toEqual({ ok: false, reason: 'tampered' })
    }
    const b = new SealedSession(keysB)
    expect(b.open(frame)).toEqual({ ok: true, text: '{"plane":"data","frame":"x"}' })
    expect(b.open(frame)).toEqual({ ok: false, reason: 'replayed' })
    expect(b.open(frame.subarray(0, 10))).toEqual({ ok: false, reason: 'short' })
    expect(b.stats.rejected).toMatchObject({ replayed: 1, short: 1 })
  })

  it('a frame sealed for one direction does not open in the other (no reflection)', () => {
    const a = new SealedSession(keysA)
    const frame = a.seal('hello')
    expect(new SealedSession(keysA).open(frame)).toEqual({ ok: false, reason: 'tampered' })
  })

  it('rewriting the counter is detected (the counter is bound through the nonce)', () => {
    const a = new SealedSession(keysA)
    a.seal('zero')
    const one = a.seal('one')
    const b = new SealedSession(keysB)
    const rewritten = one.slice()
    rewritten[7] = 5
    expect(b.open(rewritten)).toEqual({ ok: false, reason: 'tampered' })
  })
})
