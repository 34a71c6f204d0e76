/**
 * The local Tailscale client's peer list, beside the subnet scan (the reference asks its tsnet
 * status API first): a tailnet hands out addresses across 100.64.0.0/10, so a /24 scan misses
 * most peers. We ask `tailscale status --json` (the CLI talks to the daemon's local API) and
 * take each peer's IPv4 tailnet address; the mesh then pings it like a scanned host.
 * No Tailscale client, a stopped daemon or unreadable output all mean "no list" — never an error.
 */
import { execFile } from 'node:child_process'

export interface TailnetPeer {
  hostName: string
  ip: string
  online: boolean
}

/** A tailnet's IPv4 addresses come from 100.64.0.0/10; we take whatever IPv4 address the client lists. */
const IPV4 = /^\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}$/

/** Pure: peers from `tailscale status --json` output (its `Peer` map); malformed entries are skipped. */
export function parseTailscaleStatus(text: string): TailnetPeer[] {
  let doc: unknown
  try {
    doc = JSON.parse(text)
  } catch {
    return []
  }
  const peers = (doc as { Peer?: unknown } | null)?.Peer
  if (!peers || typeof peers !== 'object') return []
  const out: TailnetPeer[] = []
  for (const p of Object.values(peers as Record<string, unknown>)) {
    if (!p || typeof p !== 'object') continue
    const rec = p as { HostName?: unknown; TailscaleIPs?: unknown; Online?: unknown }
    const ips = Array.isArray(rec.TailscaleIPs) ? rec.TailscaleIPs.filter((x): x is string => typeof x === 'string') : []
    const ip = ips.find((x) => IPV4.test(x))
    if (!ip) continue
    out.push({ hostName: typeof rec.HostName === 'string' ? rec.HostName : '', ip, online: rec.Online === true })
  }
  return out
}

export interface TailnetOptions {
  /** The CLI to run (default `tailscale`, found on PATH). */
  command?: string
  timeoutMs?: number
}

/** The online peers the local Tailscale client knows, or [] when there is no usable client. */
export function tailnetPeers(opts: TailnetOptions = {}): Promise<TailnetPeer[]> {
  return new Promise((resolve) => {
    execFile(opts.command ?? 'tailscale', ['status', '--json'], { timeout: opts.timeoutMs ?? 3000, maxBuffer: 8 * 1024 * 1024 }, (err, stdout) => {
      if (err) return resolve([])
      resolve(parseTailscaleStatus(String(stdout)).filter((p) => p.online))
    })
  })
}
