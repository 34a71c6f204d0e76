/**
 * Finding mesh peers on a LAN without a tailnet: each node with a mesh advertises
 * `<name>._nara-mesh._tcp.local` (SRV → its mesh port, A → its mesh IP, TXT name=<nara>) over
 * multicast DNS and asks for the others now and then. A discovered address is only a hint: the
 * mesh's discovery pings it and imports the peer from the signed /ping answer, as a CIDR scan
 * would. Answers are untrusted network input: malformed names, addresses or ports are dropped.
 */
import makeMdns from 'multicast-dns'
import { isIPv4 } from 'node:net'
import { DEFAULT_MESH_PORT } from './address'

export const MESH_SERVICE = '_nara-mesh._tcp.local'
const NAME = /^[^\s/#+*$?%.]{1,63}$/u

export interface MdnsAnnouncement {
  name: string
  meshIP: string
  port: number
}

/** The records that answer a question for our service. */
export function announcementRecords(a: MdnsAnnouncement): { answers: makeMdns.ResponsePacket['answers']; additionals: makeMdns.ResponsePacket['answers'] } {
  const instance = `${a.name}.${MESH_SERVICE}`
  const target = `${a.name}.nara-mesh.local`
  return {
    answers: [{ name: MESH_SERVICE, type: 'PTR', ttl: 120, data: instance }],
    additionals: [
      { name: instance, type: 'SRV', ttl: 120, data: { port: a.port, target, priority: 0, weight: 0 } },
      { name: instance, type: 'TXT', ttl: 120, data: [Buffer.from(`name=${a.name}`)] },
      { name: target, type: 'A', ttl: 120, data: a.meshIP }
    ]
  }
}

/** The peers an mDNS response announces, as mesh addresses ("ip" on 7433, else "ip:port"). */
export function peersInResponse(packet: Pick<makeMdns.ResponsePacket, 'answers'> & { additionals?: makeMdns.ResponsePacket['answers'] }): { name: string; meshIP: string }[] {
  const records = [...(packet.answers ?? []), ...(packet.additionals ?? [])]
  const out: { name: string; meshIP: string }[] = []
  for (const ptr of records) {
    if (ptr.type !== 'PTR' || ptr.name !== MESH_SERVICE || typeof ptr.data !== 'string') continue
    const instance = ptr.data
    const srv = records.find((r) => r.type === 'SRV' && r.name === instance)
    const txt = records.find((r) => r.type === 'TXT' && r.name === instance)
    if (!srv || srv.type !== 'SRV' || !txt || txt.type !== 'TXT') continue
    const name = txtName(txt.data)
    if (!name || !NAME.test(name) || instance !== `${name}.${MESH_SERVICE}`) continue
    const port = srv.data.port
    if (!Number.isInteger(port) || port < 1 || port > 65535) continue
    const a = records.find((r) => r.type === 'A' && r.name === srv.data.target)
    const ip = a && a.type === 'A' ? a.data : null
    if (typeof ip !== 'string' || !isIPv4(ip)) continue
    out.push({ name, meshIP: port === DEFAULT_MESH_PORT ? ip : `${ip}:${port}` })
  }
  return out
}

function txtName(data: unknown): string | null {
  const parts = Array.isArray(data) ? data : [data]
  for (const p of parts) {
    const s = Buffer.isBuffer(p) ? p.toString('utf8') : typeof p === 'string' ? p : ''
    if (s.startsWith('name=')) return s.slice(5)
  }
  return null
}

export interface MeshMdnsOptions extends MdnsAnnouncement {
  /** A peer was announced (not ourselves); the caller verifies it (ping) before trusting it. */
  onPeer(peer: { name: string; meshIP: string }): void
  /** How often we ask (default 30 s; the first question goes out at once). */
  everyMs?: number
  /** Socket options (tests: another port or interface). */
  socket?: makeMdns.Options
  onError?: (e: Error) => void
}

export interface MeshMdns {
  /** Asks the LAN for mesh peers now. */
  query(): void
  stop(): Promise<void>
}

export function startMeshMdns(o: MeshMdnsOptions): MeshMdns {
  const mdns = makeMdns({ ...(o.socket ?? {}) })
  const records = announcementRecords(o)
  const ours = `${o.name}.${MESH_SERVICE}`
  mdns.on('error', (e: Error) => o.onError?.(e))
  mdns.on('warning', (e: Error) => o.onError?.(e))
  mdns.on('query', (q) => {
    if (q.questions.some((x) => x.name === MESH_SERVICE && (x.type === 'PTR' || (x.type as string) === 'ANY'))) mdns.respond(records)
  })
  mdns.on('response', (r) => {
    for (const peer of peersInResponse(r as never)) if (`${peer.name}.${MESH_SERVICE}` !== ours) o.onPeer(peer)
  })
  const query = (): void => mdns.query({ questions: [{ name: MESH_SERVICE, type: 'PTR' }] })
  query()
  // Announce ourselves once unasked, so peers already running learn of us without waiting.
  mdns.respond(records)
  const timer = setInterval(query, o.everyMs ?? 30_000)
  timer.unref()
  return {
    query,
    stop: () =>
      new Promise<void>((resolve) => {
        clearInterval(timer)
        mdns.destroy(() => resolve())
      })
  }
}
