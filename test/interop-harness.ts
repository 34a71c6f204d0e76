/**
 * Shared by the interop-* tests: an aedes broker that records every PUBLISH exactly as each
 * client sent it (topic, QoS, retain, bytes, client id), a plain MQTT client, and a scripted
 * "Go peer" (its own MQTT client plus a minimal mesh HTTP server answering /ping and zines).
 */
import { createServer, type Server } from 'node:http'
import { createServer as createNetServer, type Server as NetServer, type Socket } from 'node:net'
import { Aedes } from 'aedes'
import mqtt, { type MqttClient } from 'mqtt'
import { encodeEvent, newHeyThereEvent, signEvent } from '../main/core/protocol/events'
import { buildNewspaper } from '../main/core/protocol/newspaper'
import { createZine, encodeZine } from '../main/core/protocol/zine'
import type { NaraStatus } from '../main/core/protocol/types'
import { freePort } from './support/brokers'
import { testIdentity } from './support/nodes'

export interface Captured {
  seq: number
  topic: string
  qos: number
  retain: boolean
  payload: Buffer
  clientId: string | null
}

export interface RecordingBroker {
  url: string
  published: Captured[]
  /** Every message the broker routed, wills included (aedes' 'publish' event), minus $SYS. */
  routed: { topic: string; payload: Buffer }[]
  clientIds: string[]
  stop(): Promise<void>
}

let seq = 0
/** One ordering counter for everything the harness records (broker and HTTP alike). */
export const nextSeq = (): number => ++seq

/** aedes with hooks: every PUBLISH a client makes, exactly as the client sent it. */
export async function recordingBroker(): Promise<RecordingBroker> {
  const host = '127.0.0.1'
  const port = await freePort(host)
  const broker = await Aedes.createBroker()
  const published: Captured[] = []
  const routed: { topic: string; payload: Buffer }[] = []
  broker.on('publish', (packet) => {
    if (!packet.topic.startsWith('$SYS')) routed.push({ topic: packet.topic, payload: Buffer.from(packet.payload as Buffer) })
  })
  const clientIds: string[] = []
  broker.on('client', (c) => clientIds.push(c.id))
  // authorizePublish runs as soon as the PUBLISH packet is parsed: the order we record is the
  // order the bytes arrived in (the 'publish' event comes later, after aedes' own pipeline).
  broker.authorizePublish = (client, packet, done) => {
    if (client) published.push({
      seq: nextSeq(),
      topic: packet.topic,
      qos: packet.qos,
      retain: packet.retain,
      payload: Buffer.from(packet.payload as Buffer),
      clientId: client.id
    })
    done(null)
  }
  const sockets = new Set<Socket>()
  const server: NetServer = createNetServer((s) => {
    sockets.add(s)
    s.on('close', () => sockets.delete(s))
    broker.handle(s)
  })
  await new Promise<void>((r) => server.listen(port, host, () => r()))
  return {
    url: `mqtt://${host}:${port}`,
    published,
    routed,
    clientIds,
    stop: async () => {
      for (const s of sockets) s.destroy()
      await new Promise<void>((r) => server.close(() => r()))
      await new Promise<void>((r) => broker.close(() => r()))
    }
  }
}

export async function connectClient(url: string, clientId: string): Promise<MqttClient> {
  const c = mqtt.connect(url, { clientId, reconnectPeriod: 0, protocolVersion: 4 })
  await new Promise<void>((resolve, reject) => {
    c.once('connect', () => resolve())
    c.once('error', reject)
  })
  return c
}

/** A scripted Go peer: MQTT client (client id = its name) and a mesh HTTP server at ip:7433. */
export async function goPeer(brokerUrl: string, name: string, ip: string, opts: { nowMs?: () => number; buzz?: number } = {}) {
  const nowMs = opts.nowMs ?? Date.now
  const ident = testIdentity(name)
  const signer = ident.signer!
  const id = ident.id
  const zinesIn: { seq: number; body: string; headers: Record<string, unknown> }[] = []
  const http: Server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      if (req.url?.startsWith('/ping')) {
        res.writeHead(200, { 'Content-Type': 'application/json; charset=utf-8' })
        res.end(`{"from":"${name}","mesh_ip":"${ip}","public_key":"${signer.publicKeyBase64}","t":${process.hrtime.bigint()}}\n`)
        return
      }
      if (req.url === '/gossip/zine') {
        zinesIn.push({ seq: nextSeq(), body: Buffer.concat(chunks).toString('utf8'), headers: req.headers })
        const z = createZine(name, Math.floor(nowMs() / 1000), [], signer)
        res.writeHead(200, { 'Content-Type': 'application/json; charset=utf-8' })
        res.end(encodeZine(z) + '\n')
        return
      }
      res.writeHead(404)
      res.end()
    })
  })
  await new Promise<void>((r) => http.listen(7433, ip, () => r()))
  const mq = await connectClient(brokerUrl, name)
  const status: NaraStatus = {
    LicensePlate: '', Flair: '', HostStats: { Uptime: 3600, LoadAvg: 0.1, MemAllocMB: 1, MemSysMB: 1, MemHeapMB: 1, MemStackMB: 1, NumGoroutines: 1, NumGC: 1, ProcCPUPercent: 1 },
    Chattiness: 50, Buzz: opts.buzz ?? 10, Observations: null, Trend: '', TrendEmoji: '', Personality: { Agreeableness: 1, Sociability: 2, Chill: 3 },
    Aura: { primary: '#000000', secondary: '#FFFFFF' }, Version: '0.2.0', PublicUrl: '', PublicKey: signer.publicKeyBase64, ID: id,
    MeshEnabled: true, MeshIP: ip, transport_mode: 'hybrid'
  }
  return {
    name, signer, id, zinesIn, mq,
    heyThere: () => {
      const e = signEvent(newHeyThereEvent({ From: name, PublicKey: signer.publicKeyBase64, MeshIP: ip, ID: id }, BigInt(nowMs()) * 1_000_000n), name, signer)
      mq.publish('nara/plaza/hey_there', encodeEvent(e), { qos: 0 })
    },
    newspaper: () => mq.publish(`nara/newspaper/${name}`, buildNewspaper(name, status, signer).payload, { qos: 0 }),
    stop: async () => {
      await new Promise<void>((r) => mq.end(true, {}, () => r()))
      await new Promise<void>((r) => http.close(() => r()))
    }
  }
}

