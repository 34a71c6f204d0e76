/**
 * Real MQTT brokers for tests: aedes in-process and Debian's mosquitto (plain or TLS with a
 * throwaway self-signed certificate made by openssl at test time). Each listens on a free
 * loopback port; `stop()` frees everything. Reusable by any test that needs a plaza.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, connect as netConnect, type Server, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Aedes } from 'aedes'

export interface TestBroker {
  url: string
  host: string
  port: number
  /** Stops the broker for good, drops every client socket and removes its files. */
  stop(): Promise<void>
  /** Stops the broker process/server only (clients see the connection drop). */
  pause(): Promise<void>
  /** Starts it again on the same port after `pause` (for reconnect tests). */
  restart(): Promise<void>
}

/** A port nobody is listening on right now (the OS picks it). */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer()
    s.once('error', reject)
    s.listen(0, host, () => {
      const a = s.address()
      const port = typeof a === 'object' && a ? a.port : 0
      s.close(() => resolve(port))
    })
  })
}

export async function waitForPort(host: string, port: number, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const okConn = await new Promise<boolean>((resolve) => {
      const s: Socket = netConnect(port, host)
      s.once('connect', () => {
        s.destroy()
        resolve(true)
      })
      s.once('error', () => resolve(false))
    })
    if (okConn) return
    if (Date.now() > deadline) throw new Error(`nothing listening on ${host}:${port}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

export async function startAedes(host = '127.0.0.1', fixedPort?: number): Promise<TestBroker> {
  const port = fixedPort ?? (await freePort(host))
  let server: Server | null = null
  let broker: Aedes | null = null
  const sockets = new Set<Socket>()
  const up = async (): Promise<void> => {
    broker = await Aedes.createBroker()
    const b = broker
    server = createServer((socket) => {
      sockets.add(socket)
      socket.on('close', () => sockets.delete(socket))
      b.handle(socket)
    })
    await new Promise<void>((resolve, reject) => {
      server!.once('error', reject)
      server!.listen(port, host, () => resolve())
    })
  }
  const down = async (): Promise<void> => {
    for (const s of sockets) s.destroy()
    sockets.clear()
    if (server) await new Promise<void>((r) => server!.close(() => r()))
    if (broker) await new Promise<void>((r) => broker!.close(() => r()))
    server = null
    broker = null
  }
  await up()
  return { url: `mqtt://${host}:${port}`, host, port, stop: down, pause: down, restart: up }
}

export interface MosquittoOptions {
  tls?: boolean
  /** username → password; when set, anonymous clients are refused. */
  users?: Record<string, string>
}

export async function startMosquitto(opts: MosquittoOptions = {}): Promise<TestBroker> {
  const host = '127.0.0.1'
  const port = await freePort(host)
  const dir = mkdtempSync(join(tmpdir(), 'nara-mosquitto-'))
  const lines = [`listener ${port} ${host}`, 'persistence false', 'log_dest none']
  if (process.getuid?.() === 0) lines.push('user root')
  if (opts.tls) {
    // Throwaway key: generated for this test run only, deleted in stop(), never committed.
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
      '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '1', '-subj', '/CN=127.0.0.1'
    ], { stdio: 'ignore' })
    lines.push(`certfile ${join(dir, 'cert.pem')}`, `keyfile ${join(dir, 'key.pem')}`)
  }
  if (opts.users) {
    const pw = join(dir, 'passwd')
    writeFileSync(pw, '')
    for (const [u, p] of Object.entries(opts.users)) execFileSync('mosquitto_passwd', ['-b', pw, u, p], { stdio: 'ignore' })
    lines.push('allow_anonymous false', `password_file ${pw}`)
  } else {
    lines.push('allow_anonymous true')
  }
  const conf = join(dir, 'mosquitto.conf')
  writeFileSync(conf, lines.join('\n') + '\n')
  let child: ChildProcess | null = null
  const up = async (): Promise<void> => {
    child = spawn('mosquitto', ['-c', conf], { stdio: 'ignore' })
    await waitForPort(host, port)
  }
  const down = async (): Promise<void> => {
    const c = child
    child = null
    if (!c || c.exitCode !== null) return
    await new Promise<void>((resolve) => {
      c.once('exit', () => resolve())
      c.kill('SIGTERM')
    })
  }
  await up()
  return {
    url: `${opts.tls ? 'mqtts' : 'mqtt'}://${host}:${port}`,
    host,
    port,
    restart: up,
    pause: down,
    stop: async () => {
      await down()
      rmSync(dir, { recursive: true, force: true })
    }
  }
}
