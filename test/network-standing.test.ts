/**
 * Network standing as the reference derives it — the flair awards a nara earns from its place in
 * the neighbourhood, clout, and the journey's next hop chosen by clout — checked against values
 * the reference code computed (test/vectors-local/network.json), plus bad input from peers.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { flairAwards, type Standing } from '../main/core/social/networkFlair'
import { applyProximity, deriveClout, eventWeight, rankNextHops, socialRecords } from '../main/core/social/clout'
import { teaseResonates } from '../main/core/social/teasing'
import type { Coordinates, Personality, SyncEvent } from '../main/core/protocol/types'
import { barrioOf } from '../main/core/social/barrio'
import { zeroStatus } from '../main/core/protocol/status'
import { ManualClock } from '../main/core/clock'
import { makeNode } from './support/nodes'

const V = JSON.parse(readFileSync(join(__dirname, 'vectors-local/network.json'), 'utf8'))
const coords = (c: { X: number; Y: number; Height: number; Error: number } | null | undefined): Coordinates | null =>
  c ? { x: c.X, y: c.Y, height: c.Height, error: c.Error } : null
const identity = <T>(xs: T[]): T[] => xs
const reversed = <T>(xs: T[]): T[] => [...xs].reverse()

describe('flair awards (vectors-local/network.json)', () => {
  it(`matches the reference's network flair in every case, peers scanned in any order`, () => {
    expect(V.flair.length).toBeGreaterThanOrEqual(50)
    for (const [k, c] of (V.flair as any[]).entries()) {
      const peers: Standing[] = (c.peers ?? []).map((p: any) => ({ name: p.name, online: p.online, startTime: p.start_time, restarts: p.restarts, barrio: p.cluster }))
      const me: Standing = { name: 'me', online: true, startTime: c.me_start_time, restarts: c.me_restarts, barrio: c.me_cluster }
      const input = { me, peers, chattiness: c.chattiness, loadAvg: c.load_avg, uptimeS: c.uptime_s }
      expect(flairAwards(input), `case ${k}`).toBe(c.network_flair)
      expect(flairAwards({ ...input, peers: reversed(peers) }), `case ${k} reversed`).toBe(c.network_flair)
    }
  })

  it('covers every award somewhere in the vectors (so none is vacuous)', () => {
    const all = (V.flair as any[]).map((c) => c.network_flair).join('')
    for (const e of ['🧓', '👑', '🐤', '🐦', '🔁', '🤔', '💬', '📈', '🆒', '👶', '📡']) expect(all).toContain(e)
  })

  it('missing or absurd standing from peers does not crash and never wins an award', () => {
    const me: Standing = { name: 'me', online: true, startTime: 1000, restarts: 2, barrio: 'sand' }
    const junk: Standing[] = [
      { name: 'nan', online: true, startTime: Number.NaN, restarts: Number.NaN, barrio: '' },
      { name: 'neg', online: true, startTime: -5, restarts: -1, barrio: 'sand' },
      { name: 'zero', online: true, startTime: 0, restarts: 0, barrio: 'sand' }
    ]
    expect(flairAwards({ me, peers: junk, chattiness: 50, loadAvg: 0.5, uptimeS: 99999 })).toBe('🧓👑🐤🐦🔁')
  })
})

describe('clout (vectors-local/network.json)', () => {
  it('event weight per type, reason, personality and age', () => {
    expect(V.clout_weights.length).toBeGreaterThanOrEqual(100)
    for (const w of V.clout_weights) {
      const ts = BigInt(V.clout_now_s - w.age_s) * 1_000_000_000n
      expect(eventWeight({ id: 'x', ts, type: w.Type, actor: 'a', target: 'b', reason: w.Reason }, w.Personality, V.clout_now_s), JSON.stringify(w)).toBe(w.weight)
    }
  })

  it('derived clout per observer soul and personality equals the reference to the bit', () => {
    for (const d of V.clout_derived) {
      const records = d.events.map((e: any, i: number) => ({ ...e, ts: 4_000_000_000n * 1_000_000_000n + BigInt(i) }))
      const got = deriveClout(records, d.observer_soul, d.personality, Math.floor(Date.now() / 1000))
      expect(Object.fromEntries(got)).toEqual(d.clout)
    }
  })

  it('a tease resonates or not by event id, soul and personality', () => {
    const p: Personality = { Agreeableness: 50, Sociability: 50, Chill: 50 }
    const outcomes = Array.from({ length: 200 }, (_, i) => teaseResonates(`event-${i}`, 'soul', p))
    // threshold 50+10−5−2 = 53 of 100: both outcomes occur, about half each
    expect(outcomes.filter(Boolean).length).toBeGreaterThan(70)
    expect(outcomes.filter((x) => !x).length).toBeGreaterThan(70)
    expect(teaseResonates('e', 's', { Agreeableness: 100, Sociability: 0, Chill: 100 })).toBe(teaseResonates('e', 's', { Agreeableness: 100, Sociability: 0, Chill: 100 }))
  })

  it('only social events become clout records', () => {
    const social = { svc: 'social', id: 'a'.repeat(32), ts: 5n, social: { type: 'tease', actor: 'x', target: 'y', reason: 'random' } } as SyncEvent
    const ping = { svc: 'ping', id: 'b'.repeat(32), ts: 6n, ping: { observer: 'x', target: 'y', rtt: 3 } } as unknown as SyncEvent
    const bare = { svc: 'social', id: 'c'.repeat(32), ts: 7n, social: { type: 'gossip' } } as SyncEvent
    expect(socialRecords([social, ping, bare])).toEqual([
      { id: 'a'.repeat(32), ts: 5n, type: 'tease', actor: 'x', target: 'y', reason: 'random' },
      { id: 'c'.repeat(32), ts: 7n, type: 'gossip', actor: '', target: '', reason: '' }
    ])
  })
})

describe('next hop by clout (vectors-local/network.json)', () => {
  it('proximity-weighted clout equals the reference (to the last bit but for e^x: Go and V8 may round it one ulp apart)', () => {
    let exact = 0
    let total = 0
    for (const h of V.next_hop) {
      const got = applyProximity(new Map(Object.entries(h.clout)), coords(h.my_coords), (n) => coords(h.coords[n]))
      expect([...got.keys()].sort()).toEqual(Object.keys(h.weighted).sort())
      for (const [name, want] of Object.entries(h.weighted) as [string, number][]) {
        const v = got.get(name)!
        total++
        if (v === want) exact++
        expect(Math.abs(v - want), `${name}: ${v} vs ${want}`).toBeLessThanOrEqual(4 * Number.EPSILON * Math.max(1, Math.abs(want)))
      }
    }
    expect(exact / total).toBeGreaterThan(0.9)
  })

  it(`picks the reference's next nara (ties: one of the tied best)`, () => {
    let unique = 0
    for (const [k, h] of (V.next_hop as any[]).entries()) {
      const weighted = applyProximity(new Map(Object.entries(h.clout)), coords(h.my_coords), (n) => coords(h.coords[n]))
      const online: string[] = ['me', ...(h.online ?? [])]
      const ranked = rankNextHops('me', h.originator, new Set(h.visited ?? []), online, weighted, identity)
      const again = rankNextHops('me', h.originator, new Set(h.visited ?? []), online, weighted, reversed)
      if (h.next === '') {
        expect(ranked, `case ${k}`).toEqual([])
        continue
      }
      const top = weighted.get(ranked[0]!) ?? 0
      const tied = ranked.filter((n) => (weighted.get(n) ?? 0) === top)
      expect(tied, `case ${k}`).toContain(h.next)
      if (tied.length === 1) {
        unique++
        expect(ranked[0]).toBe(h.next)
        expect(again[0]).toBe(h.next)
      }
    }
    expect(unique).toBeGreaterThanOrEqual(20)
  })

  it('returns to the originator only once everyone else has been visited, and never from the originator', () => {
    const clout = new Map([['bob', 5]])
    expect(rankNextHops('me', 'alice', new Set(['bob']), ['me', 'alice', 'bob'], clout, identity)).toEqual(['alice'])
    expect(rankNextHops('me', 'alice', new Set(['bob']), ['me', 'bob'], clout, identity)).toEqual([])
    expect(rankNextHops('me', 'me', new Set(['bob']), ['me', 'bob'], clout, identity)).toEqual([])
    expect(rankNextHops('me', 'alice', new Set(), ['me', 'alice', 'bob', 'carol', 'bob'], new Map([['carol', 1]]), identity)).toEqual(['carol', 'bob'])
  })

  it('absurd peer coordinates leave that peer at its plain clout; no NaN reaches the ranking', () => {
    const base = new Map([['far', 2], ['nan', 3], ['sink', 1]])
    const mine: Coordinates = { x: 0, y: 0, height: 1, error: 0.2 }
    const peers: Record<string, unknown> = {
      far: { x: 1e308, y: -1e308, height: 1, error: 1 },
      nan: { x: Number.NaN, y: 0, height: 0, error: 0 },
      sink: { x: 0, y: 0, height: -1e6, error: 0 }
    }
    const got = applyProximity(base, mine, (n) => peers[n] as Coordinates)
    expect(got.get('nan')).toBe(3)
    expect(got.get('sink')).toBe(1)
    expect(got.get('far')).toBeCloseTo(1.4, 12)
    for (const v of got.values()) expect(Number.isFinite(v)).toBe(true)
    expect(rankNextHops('me', 'x', new Set(), ['me', 'far', 'nan', 'sink'], got, identity)).toEqual(['nan', 'far', 'sink'])
  })
})

describe('barrios of neighbours (vectors-local/network.json)', () => {
  it(`a peer's grid barrio equals the reference's, absurd coordinates included`, () => {
    let grid = 0
    for (const c of V.peer_barrios) {
      if (c.index < 0) continue
      grid++
      const b = barrioOf('peer', { x: c.x, y: c.y, height: 1, error: 0.5 }, c.grid, new Date())
      expect(b, `${c.x},${c.y} @${c.grid}`).toMatchObject({ index: c.index, method: 'grid' })
    }
    expect(grid).toBe(V.peer_barrios.length)
  })
})

describe('a node shows its standing and its neighbours\' barrios', () => {
  function nodeWithPeers() {
    const clock = new ManualClock(1_770_000_000_000)
    const hostStats = { ...zeroStatus().HostStats, LoadAvg: 0.05 }
    const n = makeNode('standing', 'mqtt://127.0.0.1:1', {}, { clock, hostStats: () => hostStats })
    const nowS = Math.floor(clock.nowMs() / 1000)
    const peers: Record<string, Coordinates | undefined> = {
      near: { x: 12, y: -40, height: 1, error: 0.3 },
      absurd: { x: 1e308, y: -9.3e20, height: -1e300, error: 1e300 },
      bare: undefined
    }
    for (const [name, coordinates] of Object.entries(peers)) {
      const r = n.neighbourhood.mergeStatus(name, { ...zeroStatus(), ...(coordinates ? { coordinates } : {}) }, clock.nowMs())
      Object.assign(r.observation, { online: 'ONLINE', last_seen: nowS, ...(name === 'bare' ? {} : { start_time: nowS - 1000, restarts: 4 }) })
    }
    return { n, clock, peers }
  }

  it('Flair = identity flair + network awards, as the self view shows it', () => {
    const { n, clock } = nodeWithPeers()
    // Three peers, our own start time not yet formed: 🤔; chattiness 100: 💬; load 0.05: 🆒; just up: 👶📡.
    expect(n.selfView().flair.endsWith('🤔💬🆒👶📡')).toBe(true)
    clock.advance(7 * 3600_000)
    expect(n.selfView().flair.endsWith('🤔💬🆒')).toBe(true)
    expect(n.selfView().flair).not.toContain('👶')
  })

  it('every neighbour view carries its barrio: grid from coordinates (absurd ones too), vibe without', () => {
    const { n, peers } = nodeWithPeers()
    const when = new Date(1_770_000_000_000)
    for (const name of ['near', 'absurd']) {
      const want = barrioOf(name, peers[name], 50, when)
      expect(n.neighbour(name)!.barrio).toEqual({ name: want.name, emoji: want.emoji, method: 'grid' })
    }
    expect(n.neighbour('bare')!.barrio).toEqual({ ...pick(barrioOf('bare', null, 50, when)), method: 'vibe' })
    expect(n.neighbours().every((v) => !!v.barrio?.emoji)).toBe(true)
  })
})

function pick(b: { name: string; emoji: string }) {
  return { name: b.name, emoji: b.emoji }
}
