/**
 * Mesh discovery by multicast DNS: the records we announce parse back to the peer; hostile or
 * malformed answers are dropped; and two runtimes in a fresh network namespace (loopback with
 * multicast on, no plaza, no tailnet) find each other's mesh by mDNS — and do not without it.
 */
import { spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { announcementRecords, MESH_SERVICE, peersInResponse } from '../main/core/mesh/mdns'
import { repoRoot } from './support/vectors'

describe('mDNS records', () => {
  it('announce → parse gives the peer and its mesh address (port 7433 implied, others explicit)', () => {
    expect(peersInResponse(announcementRecords({ name: 'lisa', meshIP: '192.168.1.20', port: 7433 }))).toEqual([{ name: 'lisa', meshIP: '192.168.1.20' }])
    expect(peersInResponse(announcementRecords({ name: 'bart', meshIP: '10.0.0.5', port: 9000 }))).toEqual([{ name: 'bart', meshIP: '10.0.0.5:9000' }])
  })

  it('drops answers with a bad address, port or name, or whose TXT name does not match the instance', () => {
    const good = announcementRecords({ name: 'lisa', meshIP: '192.168.1.20', port: 7433 })
    const edit = (f: (r: ReturnType<typeof announcementRecords>) => void) => {
      const copy = structuredClone(good)
      f(copy)
      return peersInResponse(copy)
    }
    expect(edit((r) => ((r.additionals[2] as { data: string }).data = 'not-an-ip'))).toEqual([])
    expect(edit((r) => ((r.additionals[0] as { data: { port: number } }).data.port = 70000))).toEqual([])
    expect(edit((r) => ((r.additionals[1] as { data: Buffer[] }).data = [Buffer.from('name=homer')]))).toEqual([])
    expect(edit((r) => ((r.answers[0] as { data: string }).data = `li/sa.${MESH_SERVICE}`))).toEqual([])
    expect(edit((r) => r.additionals.splice(1, 1))).toEqual([])
    expect(peersInResponse({ answers: [] })).toEqual([])
  })
})

describe('two runtimes on one LAN without a tailnet', () => {
  const inNamespace = (extra: string[]): { a: string[]; b: string[]; aMeshIPofB: string | null } => {
    const script = join(repoRoot, 'test/support/mdns-lan.ts')
    const r = spawnSync(
      'unshare',
      ['-n', 'bash', '-c', `ip link set lo up && ip link set lo multicast on && ip route add 224.0.0.0/4 dev lo && exec "${process.execPath}" --import tsx "${script}" ${extra.join(' ')}`],
      { cwd: repoRoot, encoding: 'utf8', timeout: 30_000 }
    )
    expect(r.status, r.stderr).toBe(0)
    return JSON.parse(r.stdout.trim().split('\n').pop()!) as { a: string[]; b: string[]; aMeshIPofB: string | null }
  }

  it("find each other's mesh by mDNS (gossip only: no plaza to learn it from)", () => {
    const r = inNamespace([])
    expect(r.a).toEqual(['lan-b'])
    expect(r.b).toEqual(['lan-a'])
    expect(r.aMeshIPofB).toBe('127.0.0.3')
  }, 40_000)

  it('without mDNS they stay strangers (the discovery above came from mDNS)', () => {
    const r = inNamespace(['--no-mdns'])
    expect(r.a).toEqual([])
    expect(r.b).toEqual([])
  }, 40_000)
})
