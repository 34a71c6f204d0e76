/**
 * A quiet Go nara (Chattiness 0) posts a newspaper every 300 s — exactly the MISSING threshold.
 * Beside the live reference our view flipped it MISSING and back 4 times in 36 minutes (a
 * "went missing" notification each time); our own sightings now last its newspaper interval
 * plus 30 s when that is longer than the threshold.
 */
import { describe, expect, it } from 'vitest'
import { ManualClock } from '../main/core/clock'
import { buildNewspaper } from '../main/core/protocol/newspaper'
import type { NaraStatus } from '../main/core/protocol/types'
import { makeNode, testIdentity, helloFrom } from './support/nodes'

function statusAfter(chattiness: number, seconds: number): string | undefined {
  const clock = new ManualClock()
  const node = makeNode('watcher', 'mqtt://127.0.0.1:1', { transport: 'mqtt' }, { clock })
  const id = testIdentity('quietgo')
  const status: NaraStatus = {
    LicensePlate: '', Flair: '', HostStats: { Uptime: 5000, LoadAvg: 0, MemAllocMB: 0, MemSysMB: 0, MemHeapMB: 0, MemStackMB: 0, NumGoroutines: 0, NumGC: 0, ProcCPUPercent: 0 },
    Chattiness: chattiness, Buzz: 0, Observations: null, Trend: '', TrendEmoji: '', Personality: { Agreeableness: 1, Sociability: 1, Chill: 1 },
    Aura: { primary: '', secondary: '' }, Version: '', PublicUrl: '', PublicKey: id.publicKeyBase64, ID: id.id, MeshEnabled: false, MeshIP: '', transport_mode: 'hybrid'
  }
  clock.advance(200_000) // past our own boot
  node.receive('nara/plaza/hey_there', helloFrom(id, clock.nowMs()))
  node.receive('nara/newspaper/quietgo', Buffer.from(buildNewspaper('quietgo', status, id.signer!).payload))
  clock.advance(seconds * 1000)
  return node.peers().find((p) => p.name === 'quietgo')?.status
}

describe('a quiet Go nara between its newspapers', () => {
  it('Chattiness 0 (a paper every 300 s): ONLINE at 310 s and 330 s, MISSING after 331 s', () => {
    expect(statusAfter(0, 310)).toBe('ONLINE')
    expect(statusAfter(0, 330)).toBe('ONLINE')
    expect(statusAfter(0, 332)).toBe('MISSING')
  })

  it('a chatty one (a paper every 30 s) keeps the plain 300 s threshold', () => {
    expect(statusAfter(100, 300)).toBe('ONLINE')
    expect(statusAfter(100, 301)).toBe('MISSING')
  })
})
