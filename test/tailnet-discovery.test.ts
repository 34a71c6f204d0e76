/**
 * Mesh peers found beside the subnet scan (issue 12): from the local Tailscale client's peer list
 * (a stand-in `tailscale` script on PATH — no Tailscale client runs here) and from the plaza
 * (MeshIP in newspapers, hey_theres, howdys); the neighbour view says how each was found.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseTailscaleStatus, tailnetPeers } from '../main/core/mesh/tailnetPeers'
import { NodeMesh } from '../main/core/mesh/nodeMesh'
import { StandaloneMeshNode } from '../main/core/mesh/standalone'
import { buildNewspaper } from '../main/core/protocol/newspaper'
import type { NaraStatus } from '../main/core/protocol/types'
import { makeNode, testIdentity, helloFrom } from './support/nodes'

const cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const f of cleanups.splice(0).reverse()) await f()
})

/** A directory holding an executable `tailscale` that prints `json` for `status --json`. */
function standInTailscale(json: string, exitCode = 0): string {
  const dir = mkdtempSync(join(tmpdir(), 'tailscale-standin-'))
  writeFileSync(join(dir, 'status.json'), json)
  writeFileSync(join(dir, 'tailscale'), `#!/bin/sh\n[ "$1 $2" = "status --json" ] || exit 2\ncat "${join(dir, 'status.json')}"\nexit ${exitCode}\n`)
  chmodSync(join(dir, 'tailscale'), 0o755)
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

function withPath(dir: string): void {
  const old = process.env.PATH
  process.env.PATH = `${dir}:${old ?? ''}`
  cleanups.push(() => {
    process.env.PATH = old
  })
}

describe('tailscale status', () => {
  it('parses the peer list: first IPv4 address, online flag; IPv6-only and malformed peers skipped', () => {
    const peers = parseTailscaleStatus(readFileSync(join(__dirname, 'data/tailscale/status.json'), 'utf8'))
    expect(peers).toEqual([
      { hostName: 'gopher-x7k2p', ip: '100.101.7.9', online: true },
      { hostName: 'sleepy-q9w8e', ip: '100.88.12.200', online: false }
    ])
    expect(parseTailscaleStatus('not json')).toEqual([])
    expect(parseTailscaleStatus('{"Peer":null}')).toEqual([])
  })

  it('asks the client on PATH and keeps online peers; no client or a failing one means an empty list', async () => {
    withPath(standInTailscale(readFileSync(join(__dirname, 'data/tailscale/status.json'), 'utf8')))
    expect(await tailnetPeers()).toEqual([{ hostName: 'gopher-x7k2p', ip: '100.101.7.9', online: true }])
    expect(await tailnetPeers({ command: '/nonexistent/tailscale' })).toEqual([])
    const failing = standInTailscale('{"Peer":{}}', 1)
    expect(await tailnetPeers({ command: join(failing, 'tailscale') })).toEqual([])
  })

  it('gossip-mode discovery pings the tailnet peers beside the subnet and says so in the neighbour view', async () => {
    const peer = new StandaloneMeshNode({ name: 'tsbob', listen: { host: '127.0.63.3', port: 7433 }, transport: 'gossip', config: { scanCidr: '127.0.63.3/32', discovery: { firstDelayMs: 3_600_000 }, gossip: { firstDelayMs: 3_600_000 } } })
    await peer.start()
    cleanups.push(() => peer.stop())
    withPath(standInTailscale(JSON.stringify({ Peer: { k1: { HostName: 'tsbob-abcde', TailscaleIPs: ['127.0.63.3'], Online: true } } })))
    const node = makeNode('tsalice', 'mqtt://127.0.0.1:1', { transport: 'gossip', meshIP: '127.0.63.2' })
    cleanups.push(() => node.stop(1000))
    const mesh = new NodeMesh({ listen: { host: '127.0.63.2', port: 7433 }, transport: 'gossip', scanCidr: '127.0.63.2/32', config: { gossip: { firstDelayMs: 3_600_000 }, discovery: { firstDelayMs: 3_600_000 } } })
    node.attachMesh(mesh)
    await node.start()
    const found = await mesh.mesh!.discovery.scan()
    expect(found.map((p) => [p.name, p.via])).toEqual([['tsbob', 'tailscale']])
    const view = node.peers().find((p) => p.name === 'tsbob')
    expect(view).toMatchObject({ meshIP: '127.0.63.3', foundVia: 'tailscale', status: 'ONLINE' })
    const stats = mesh.mesh!.stats.snapshot()
    expect(stats['discovery.tailnet_listed']).toBe(stats['discovery.scans']) // one listed peer per scan (start + ours)
  })
})

describe('mesh peers from the plaza', () => {
  it("a newspaper's MeshIP makes the peer a gossip target, found via newspaper", () => {
    const node = makeNode('plazaalice', 'mqtt://127.0.0.1:1', { transport: 'hybrid' })
    const id = testIdentity('meshcarol')
    const status: NaraStatus = {
      LicensePlate: '', Flair: '', HostStats: { Uptime: 1, LoadAvg: 0, MemAllocMB: 0, MemSysMB: 0, MemHeapMB: 0, MemStackMB: 0, NumGoroutines: 0, NumGC: 0, ProcCPUPercent: 0 },
      Chattiness: 50, Buzz: 0, Observations: null, Trend: '', TrendEmoji: '', Personality: { Agreeableness: 1, Sociability: 1, Chill: 1 },
      Aura: { primary: '', secondary: '' }, Version: '', PublicUrl: '', PublicKey: id.publicKeyBase64, ID: id.id, MeshEnabled: true, MeshIP: '100.90.1.2', transport_mode: 'hybrid'
    }
    const published: { name: string; foundVia: string | null }[] = []
    node.on('peer', (v) => published.push({ name: v.name, foundVia: v.foundVia })) // what the data plane publishes
    node.receive('nara/plaza/hey_there', helloFrom(id, Date.now())) // its hello carries no MeshIP: the paper's is the first
    node.receive('nara/newspaper/meshcarol', Buffer.from(buildNewspaper('meshcarol', status, id.signer!).payload))
    expect(node.directory.onlineMeshPeers()).toEqual(['meshcarol'])
    expect(node.peers().find((p) => p.name === 'meshcarol')).toMatchObject({ meshIP: '100.90.1.2', foundVia: 'newspaper' })
    expect(published).toContainEqual({ name: 'meshcarol', foundVia: 'newspaper' })
  })
})

describe('foundVia bookkeeping', () => {
  it('follows the source that set the current mesh IP, and clears with it', async () => {
    const { Neighbourhood } = await import('../main/core/presence/neighbourhood')
    const hood = new Neighbourhood('me')
    hood.importIdentity('p', { meshIP: '100.64.1.1', via: 'howdy-neighbour' }, 1, 'overwrite')
    expect(hood.get('p')!.meshFoundVia).toBe('howdy-neighbour')
    hood.importIdentity('p', { meshIP: '100.64.1.1', via: 'hey_there' }, 2, 'overwrite') // same address: first source kept
    expect(hood.get('p')!.meshFoundVia).toBe('howdy-neighbour')
    hood.importIdentity('p', { meshIP: '100.64.1.2', via: 'hey_there' }, 3, 'overwrite')
    expect(hood.get('p')!.meshFoundVia).toBe('hey_there')
    const base = { LicensePlate: '', Flair: '', HostStats: { Uptime: 0, LoadAvg: 0, MemAllocMB: 0, MemSysMB: 0, MemHeapMB: 0, MemStackMB: 0, NumGoroutines: 0, NumGC: 0, ProcCPUPercent: 0 }, Chattiness: 0, Buzz: 0, Observations: null, Trend: '', TrendEmoji: '', Personality: { Agreeableness: 0, Sociability: 0, Chill: 0 }, Aura: { primary: '', secondary: '' }, Version: '', PublicUrl: '', PublicKey: '', ID: '', MeshEnabled: true, transport_mode: 'hybrid' }
    hood.mergeStatus('p', { ...base, MeshIP: '100.64.1.3' }, 4, 'howdy')
    expect(hood.get('p')!.meshFoundVia).toBe('howdy')
    hood.mergeStatus('p', { ...base, MeshIP: '', MeshEnabled: false }, 5)
    expect(hood.get('p')!.meshFoundVia).toBe('')
  })
})
