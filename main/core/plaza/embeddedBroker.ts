/**
 * The embedded plaza: an aedes broker on loopback (or a LAN address the user names) so a node
 * with no broker configured still has a square to stand on. If the address is already held by
 * another plaza (another `nara run`, a mosquitto), we join that one instead of failing.
 */
import { createServer, type Server, type Socket } from 'node:net'
import mqtt from 'mqtt'
import { Aedes } from 'aedes'

export interface EmbeddedPlaza {
  /** mqtt:// URL to join. */
  url: string
  host: string
  port: number
  /** true when we started the broker; false when we joined one already on that address. */
  owned: boolean
  close(): Promise<void>
}

export const DEFAULT_EMBEDDED_HOST = '127.0.0.1'
export const DEFAULT_EMBEDDED_PORT = 1883

function urlFor(host: string, port: number): string {
  return `mqtt://${host.includes(':') ? `[${host}]` : host}:${port}`
}

/** Is an MQTT broker answering on host:port? (A short CONNECT/CONNACK probe.) */
export function probeBroker(host: string, port: number, timeoutMs = 1500): Promise<boolean> {
  const probeHost = host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '::1' : host
  return new Promise((resolve) => {
    const client = mqtt.connect(urlFor(probeHost, port), {
      reconnectPeriod: 0,
      connectTimeout: timeoutMs,
      clientId: `nara-probe-${process.pid}-${Math.floor(Math.random() * 1e9)}`,
      clean: true
    })
    let done = false
    const finish = (v: boolean): void => {
      if (done) return
      done = true
      client.stream?.destroy()
      client.end(true)
      resolve(v)
    }
    client.on('connect', () => finish(true))
    client.on('error', () => finish(false))
    client.on('close', () => finish(false))
  })
}

export async function startEmbeddedPlaza(host = DEFAULT_EMBEDDED_HOST, port = DEFAULT_EMBEDDED_PORT): Promise<EmbeddedPlaza> {
  const broker = await Aedes.createBroker()
  const sockets = new Set<Socket>()
  const server: Server = createServer((socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
    broker.handle(socket)
  })
  const listened = await new Promise<NodeJS.ErrnoException | null>((resolve) => {
    server.once('error', (e: NodeJS.ErrnoException) => resolve(e))
    server.listen(port, host, () => resolve(null))
  })
  if (listened) {
    await new Promise<void>((r) => broker.close(() => r()))
    if (listened.code === 'EADDRINUSE' && (await probeBroker(host, port))) {
      return { url: urlFor(host === '0.0.0.0' ? '127.0.0.1' : host, port), host, port, owned: false, close: async () => {} }
    }
    throw new Error(`embedded plaza: cannot listen on ${host}:${port} (${listened.code ?? listened.message})`)
  }
  const addr = server.address()
  const boundPort = typeof addr === 'object' && addr ? addr.port : port
  const joinHost = host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '::1' : host
  let closed = false
  return {
    url: urlFor(joinHost, boundPort),
    host,
    port: boundPort,
    owned: true,
    close: async () => {
      if (closed) return
      closed = true
      for (const s of sockets) s.destroy()
      await new Promise<void>((r) => server.close(() => r()))
      await new Promise<void>((r) => broker.close(() => r()))
    }
  }
}
