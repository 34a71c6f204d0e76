/** The renderer's figure helpers (issue 15): live uptime, event order, newspapers in words. */
import { describe, expect, it } from 'vitest'
import { duration } from '../renderer/src/lib/format'
import { liveUptimeSeconds, newestEventFirst, via } from '../renderer/src/lib/figures'
import { changeSummary, describeChanges, paperFigures, statusLabel } from '../renderer/src/lib/newspaperCard'

describe('figures that move with the clock', () => {
  it('an ONLINE peer\'s uptime grows with the clock from its last sign of life; otherwise none is claimed', () => {
    const n = { status: 'ONLINE' as const, uptimeSeconds: 52, lastSeenMs: 1_000_000, startTime: 0 }
    expect(liveUptimeSeconds(n, 1_000_000)).toBe(52)
    expect(liveUptimeSeconds(n, 1_061_999)).toBe(113)
    // A clock behind the evidence never shrinks it.
    expect(liveUptimeSeconds(n, 900_000)).toBe(52)
    expect(liveUptimeSeconds({ ...n, status: 'MISSING' }, 1_061_999)).toBe(0)
    expect(liveUptimeSeconds({ ...n, uptimeSeconds: 0 }, 1_061_999)).toBe(0)
    // First seen by us just now: up for as long as we have known it.
    expect(liveUptimeSeconds({ ...n, uptimeSeconds: 0, startTime: 1000 }, 1_061_999)).toBe(61)
    expect(duration(113)).toBe('1m 53s')
    expect(duration(120)).toBe('2m')
    expect(duration(3725)).toBe('1h 2m')
  })

  it('events sort newest first by nanosecond time beyond 2^53, ties by id, whatever the arrival order', () => {
    const e = (ts: string, id: string) => ({ ts, id })
    const list = [e('1767225601358024680', 'b'), e('999', 'z'), e('1767225601358024681', 'a'), e('1767225601358024680', 'a'), e('10000000000000000000', 'c')]
    const once = [...list].sort(newestEventFirst).map((x) => `${x.ts}/${x.id}`)
    expect(once).toEqual(['10000000000000000000/c', '1767225601358024681/a', '1767225601358024680/a', '1767225601358024680/b', '999/z'])
    expect([...list].reverse().sort(newestEventFirst).map((x) => `${x.ts}/${x.id}`)).toEqual(once)
  })

  it('Via values are named and explained; an unknown one is shown as it is', () => {
    expect(via('relayed').label).toBe('relayed')
    expect(via('both').label).toBe('plaza + mesh')
    expect(via('carrier-pigeon')).toEqual({ label: 'carrier-pigeon', hint: 'carrier-pigeon' })
  })
})

describe('a newspaper in words', () => {
  const status = {
    Chattiness: 40,
    Buzz: 3,
    Flair: '💎',
    HostStats: { Uptime: 65 },
    Personality: { Sociability: 25, Agreeableness: 98, Chill: 7 },
    Aura: { primary: '#6C5CE7', secondary: 'url(x)' },
    event_store_by_service: { social: 5, ping: 9, bogus: 'many' }
  }

  it('figures are typed, colours checked, services largest first (malformed counts left out)', () => {
    const f = paperFigures(status)
    expect(f).toMatchObject({ uptimeSeconds: 65, chattiness: 40, buzz: 3, flair: '💎', aura: { primary: '#6c5ce7', secondary: '#6c5ce7' } })
    expect(f.personality?.map((p) => `${p.letter}${p.value}`)).toEqual(['S25', 'A98', 'C7'])
    expect(f.services).toEqual([{ svc: 'ping', count: 9 }, { svc: 'social', count: 5 }])
    expect(paperFigures({ Chattiness: 'loud', Personality: { Sociability: 1 }, Aura: 7 })).toMatchObject({ chattiness: null, personality: null, aura: null, services: [] })
  })

  it('changes since the previous paper are sentences; without one, the node\'s changed keys are named', () => {
    const next = { ...status, Chattiness: 45, Buzz: 1, Flair: '💎🎈', event_store_by_service: { social: 8, ping: 7, bogus: 'many' } }
    expect(describeChanges(status, next, [])).toEqual([
      'chattiness rose from 40 to 45',
      'buzz fell from 3 to 1',
      'flair: 💎 → 💎🎈',
      'events by service: −2 ping, +3 social'
    ])
    expect(describeChanges(null, next, ['Chattiness', 'event_store_by_service', 'some_new_field'])).toEqual(['chattiness changed', 'events by service changed', 'some new field changed'])
    expect(describeChanges(status, status, [])).toEqual([])
    expect(statusLabel('event_store_b')).toBe('event store b')
    expect(changeSummary([])).toBe('no change')
    expect(changeSummary(['a', 'b', 'c', 'd'])).toBe('a; b; 2 more')
  })
})
