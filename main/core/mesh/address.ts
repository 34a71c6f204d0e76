/**
 * Mesh addressing: listen addresses, peer URLs, CIDRs and the local mesh IP.
 * Pure functions except `detectMeshIP`, which reads the host's interfaces.
 */
import { networkInterfaces } from 'node:os'
import { isIPv4 } from 'node:net'

/** "NARA" on a phone keypad; the reference dials every peer on it. */
export const DEFAULT_MESH_PORT = 7433
/** The tailnet range Tailscale/Headscale hands out (CGNAT space). */
export const TAILNET_CIDR = '100.64.0.0/10'
/** The reference only scans 100.64.0.1–254. */
export const DEFAULT_SCAN_CIDR = '100.64.0.0/24'

export interface HostPort {
  host: string
  port: number
}

/** Parses "host:port", ":port" or "host" (port defaults to 7433). Null when malformed. */
export function parseListenAddress(text: string, defaultHost = '0.0.0.0'): HostPort | null {
  const t = text.trim()
  if (t === '') return null
  const bracket = /^\[([^\]]+)\](?::(\d+))?$/.exec(t)
  if (bracket) return withPort(bracket[1]!, bracket[2])
  const idx = t.lastIndexOf(':')
  if (idx === -1) return withPort(t, undefined)
  if (t.indexOf(':') !== idx) return null // bare IPv6 without brackets is ambiguous
  const host = t.slice(0, idx) || defaultHost
  return withPort(host, t.slice(idx + 1))
}

function withPort(host: string, portText: string | undefined): HostPort | null {
  if (portText === undefined) return { host, port: DEFAULT_MESH_PORT }
  if (!/^\d{1,5}$/.test(portText)) return null
  const port = Number(portText)
  if (port > 65535) return null
  return { host, port }
}

/**
 * The base URL of a peer's mesh server from its advertised MeshIP. As the reference, a MeshIP
 * containing ':' is already host:port (test mode); otherwise the default port is appended.
 */
export function peerBaseUrl(meshIP: string, defaultPort = DEFAULT_MESH_PORT): string | null {
  const ip = meshIP.trim()
  if (ip === '' || /[/\s@?#]/.test(ip)) return null
  return ip.includes(':') ? `http://${ip}` : `http://${ip}:${defaultPort}`
}

/** The host part of a MeshIP that may carry a port. */
export function meshHost(meshIP: string): string {
  const idx = meshIP.lastIndexOf(':')
  return idx === -1 ? meshIP : meshIP.slice(0, idx)
}

export interface Cidr {
  /** Network address as an unsigned 32-bit integer. */
  base: number
  prefix: number
}

export function ipv4ToInt(ip: string): number | null {
  if (!isIPv4(ip)) return null
  const parts = ip.split('.').map(Number)
  return (((parts[0]! << 24) >>> 0) + (parts[1]! << 16) + (parts[2]! << 8) + parts[3]!) >>> 0
}

export function intToIpv4(n: number): string {
  return [(n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.')
}

function maskOf(prefix: number): number {
  return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0
}

export function parseCidr(text: string): Cidr | null {
  const m = /^(\d+\.\d+\.\d+\.\d+)\/(\d{1,2})$/.exec(text.trim())
  if (!m) return null
  const ip = ipv4ToInt(m[1]!)
  const prefix = Number(m[2])
  if (ip === null || prefix > 32) return null
  return { base: (ip & maskOf(prefix)) >>> 0, prefix }
}

/** Strips an IPv4-mapped IPv6 prefix ("::ffff:127.0.0.2" → "127.0.0.2"). */
export function normaliseRemoteAddress(addr: string | undefined): string {
  if (!addr) return ''
  return addr.startsWith('::ffff:') ? addr.slice(7) : addr
}

export function cidrContains(cidr: Cidr, ip: string): boolean {
  const n = ipv4ToInt(normaliseRemoteAddress(ip))
  if (n === null) return false
  return ((n & maskOf(cidr.prefix)) >>> 0) === cidr.base
}

/** Host addresses of a CIDR (network and broadcast excluded for prefixes < 31); capped for safety. */
export function cidrHosts(cidr: Cidr, max = 65536): string[] {
  const size = 2 ** (32 - cidr.prefix)
  const first = cidr.prefix >= 31 ? 0 : 1
  const last = cidr.prefix >= 31 ? size - 1 : size - 2
  const out: string[] = []
  for (let i = first; i <= last && out.length < max; i++) out.push(intToIpv4((cidr.base + i) >>> 0))
  return out
}

export function isLoopback(ip: string): boolean {
  const n = normaliseRemoteAddress(ip)
  return n === '::1' || n.startsWith('127.')
}

/**
 * The local mesh address: the first IPv4 on a non-internal interface inside 100.64.0.0/10,
 * preferring Tailscale/WireGuard interface names. Empty string when none.
 */
export function detectMeshIP(
  interfaces: ReturnType<typeof networkInterfaces> = networkInterfaces(),
  range: string = TAILNET_CIDR
): string {
  const cidr = parseCidr(range)
  if (!cidr) return ''
  const candidates: { name: string; address: string }[] = []
  for (const [name, addrs] of Object.entries(interfaces)) {
    for (const a of addrs ?? []) {
      if (a.family === 'IPv4' && cidrContains(cidr, a.address)) candidates.push({ name, address: a.address })
    }
  }
  const preferred = candidates.find((c) => /^(tailscale|wg|utun|nara)/.test(c.name))
  return (preferred ?? candidates[0])?.address ?? ''
}
