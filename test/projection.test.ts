import { describe, expect, it } from 'vitest'
import {
  MISSING_THRESHOLD_GOSSIP_SECONDS,
  MISSING_THRESHOLD_SECONDS,
  OnlineProjection,
  deriveOpinion,
  deriveStatuses,
  missingThresholdSeconds,
  trimmedMeanPositive
} from '../main/core/presence/projection'
import { Ledger } from '../main/core/ledger/ledger'
import { ManualClock } from '../main/core/clock'
import { at, chau, checkpoint, heyThere, observation, ping, S, seen, social, T0 } from './ledger.fixtures'

describe('TestOnlineStatusProjection', () => {
  it('derives the status each event implies', () => {
    const p = new OnlineProjection()
    p.apply(heyThere('alice', at(1)))
    p.apply(chau('bob', at(1)))
    p.apply(seen('alice', 'carol', at(1)))
    p.apply(observation('alice', 'dave', at(1), 'restart'))
    p.apply(observation('alice', 'erin', at(1), 'first-seen'))
    p.apply(observation('alice', 'frank', at(1), 'status-change', { online_state: 'MISSING' }))
    p.apply(observation('alice', 'gina', at(1), 'status-change', { online_state: 'OFFLINE' }))
    p.apply(social('hank', 'ivy', at(1)))
    p.apply(ping('jo', 'kim', at(1)))
    p.apply(checkpoint('lu', at(1)))
    const now = at(2)
    expect(Object.fromEntries(p.snapshot(now))).toEqual({
      alice: 'ONLINE', // hey-there From (seen's observer is not affected)
      bob: 'OFFLINE',
      carol: 'ONLINE',
      dave: 'ONLINE',
      erin: 'ONLINE',
      frank: 'MISSING',
      gina: 'OFFLINE',
      hank: 'ONLINE', // social actor only
      jo: 'ONLINE', // ping observer and target
      kim: 'ONLINE'
    })
    expect(p.statusOf('ivy', now)).toBeNull()
    expect(p.statusOf('lu', now)).toBeNull() // checkpoints say nothing about presence
    expect(deriveStatuses(checkpoint('lu', at(1)))).toEqual([])
    expect(p.stateOf('carol')).toMatchObject({ lastEventSvc: 'seen', observer: 'alice' })
  })

  it('most recent event wins; ties and older events do not replace', () => {
    const p = new OnlineProjection()
    expect(p.apply(heyThere('alice', at(10)))).toEqual(['alice'])
    expect(p.apply(observation('bob', 'alice', at(5), 'status-change', { online_state: 'MISSING' }))).toEqual([])
    expect(p.apply(chau('alice', at(10)))).toEqual([]) // equal ts: strictly greater required
    expect(p.statusOf('alice', at(11))).toBe('ONLINE')
    expect(p.apply(observation('bob', 'alice', at(11), 'status-change', { online_state: 'MISSING' }))).toEqual(['alice'])
    expect(p.statusOf('alice', at(12))).toBe('MISSING')
    expect(p.lastEventTs('alice')).toBe(at(11))
    p.apply(ping('bob', 'alice', at(20)))
    expect(p.statusOf('alice', at(21))).toBe('ONLINE')
  })

  it('ONLINE decays to MISSING strictly after the threshold, driven by an injected clock', () => {
    const clock = new ManualClock(Number(T0 / 1_000_000n))
    const p = new OnlineProjection()
    p.apply(heyThere('alice', clock.nowNs()))
    p.apply(chau('bob', clock.nowNs()))
    p.apply(observation('x', 'carol', clock.nowNs(), 'status-change', { online_state: 'MISSING' }))

    clock.advance(MISSING_THRESHOLD_SECONDS * 1000) // exactly at the threshold: still ONLINE
    expect(p.statusOf('alice', clock.nowNs())).toBe('ONLINE')
    clock.advance(1) // 1 ms past it
    expect(p.statusOf('alice', clock.nowNs())).toBe('MISSING')
    // Gossip naras get an hour.
    expect(p.statusOf('alice', clock.nowNs(), MISSING_THRESHOLD_GOSSIP_SECONDS)).toBe('ONLINE')
    clock.advance(3600 * 1000)
    expect(p.statusOf('alice', clock.nowNs(), MISSING_THRESHOLD_GOSSIP_SECONDS)).toBe('MISSING')
    // OFFLINE and MISSING never decay.
    clock.advance(86_400 * 1000)
    expect(p.statusOf('bob', clock.nowNs())).toBe('OFFLINE')
    expect(p.statusOf('carol', clock.nowNs())).toBe('MISSING')
    // A fresh event brings alice back.
    p.apply(social('alice', 'bob', clock.nowNs()))
    expect(p.statusOf('alice', clock.nowNs())).toBe('ONLINE')
    expect(Object.fromEntries(p.snapshot(clock.nowNs() + 301n * S))).toEqual({ alice: 'MISSING', bob: 'OFFLINE', carol: 'MISSING' })
    const perName = p.snapshot(clock.nowNs() + 301n * S, (n) => (n === 'alice' ? 3600 : 300))
    expect(perName.get('alice')).toBe('ONLINE')
  })

  it('picks the threshold from both transports', () => {
    expect(missingThresholdSeconds('mqtt', 'hybrid')).toBe(300)
    expect(missingThresholdSeconds(undefined, undefined)).toBe(300)
    expect(missingThresholdSeconds('gossip', 'mqtt')).toBe(3600)
    expect(missingThresholdSeconds('hybrid', 'gossip')).toBe(3600)
  })

  it('replay sorts by ts, so arrival order does not matter', () => {
    const events = [
      heyThere('alice', at(30)),
      chau('alice', at(20)),
      observation('b', 'carol', at(50), 'status-change', { online_state: 'OFFLINE' }),
      seen('b', 'carol', at(40)),
      ping('alice', 'dave', at(10))
    ]
    const forward = new OnlineProjection()
    forward.replay(events)
    const backward = new OnlineProjection()
    backward.replay([...events].reverse())
    const now = at(60)
    expect(Object.fromEntries(backward.snapshot(now))).toEqual(Object.fromEntries(forward.snapshot(now)))
    expect(forward.statusOf('alice', now)).toBe('ONLINE')
    expect(forward.statusOf('carol', now)).toBe('OFFLINE')
    expect(forward.statusOf('dave', now)).toBe('ONLINE')
    forward.replay([])
    expect(forward.size).toBe(0)
  })

  it('can be fed by a ledger and rebuilt from it after pruning', () => {
    const ledger = new Ledger({ capacity: 3, pruneSlack: 0 })
    const p = new OnlineProjection()
    ledger.onAdded((e) => p.apply(e))
    ledger.add(heyThere('alice', at(1)))
    ledger.add(chau('alice', at(2)))
    expect(p.statusOf('alice', at(3))).toBe('OFFLINE')
    ledger.add(ping('bob', 'carol', at(3)))
    ledger.add(ping('bob', 'carol', at(4))) // over capacity: a ping goes
    const v = ledger.version
    expect(v).toBeGreaterThan(0)
    p.replay(ledger.all())
    expect(p.statusOf('alice', at(5))).toBe('OFFLINE')
    expect(p.lastEventTs('carol')).toBe(at(4))
  })
})

describe('TestChauEvent', () => {
  it('graceful exit marks OFFLINE and a later hey_there brings the nara back', () => {
    const p = new OnlineProjection()
    p.apply(heyThere('alice', at(0)))
    expect(p.statusOf('alice', at(1))).toBe('ONLINE')
    p.apply(chau('alice', at(100)))
    expect(p.statusOf('alice', at(101))).toBe('OFFLINE')
    expect(p.statusOf('alice', at(100_000))).toBe('OFFLINE') // no decay
    p.apply(heyThere('alice', at(200)))
    expect(p.statusOf('alice', at(201))).toBe('ONLINE')
  })

  it('a chau older than a newer hey_there does not win, in either arrival order', () => {
    const late = new OnlineProjection()
    late.apply(heyThere('alice', at(200)))
    late.apply(chau('alice', at(100))) // stale chau arriving in a zine after the comeback
    expect(late.statusOf('alice', at(201))).toBe('ONLINE')

    const ledger = new Ledger({ capacity: 100 })
    ledger.add(heyThere('alice', at(200)))
    ledger.add(chau('alice', at(100)))
    // The zine rule for chau (presence.md §4.3) consults the ledger the same way.
    expect(ledger.hasNewerHeyThere('alice', at(100))).toBe(true)
    const replayed = new OnlineProjection()
    replayed.replay(ledger.all())
    expect(replayed.statusOf('alice', at(201))).toBe('ONLINE')
  })
})

describe('opinion from restart/first-seen observations', () => {
  it('trims outliers around the median like the reference', () => {
    expect(trimmedMeanPositive([])).toBe(0)
    expect(trimmedMeanPositive([0, -5])).toBe(0)
    expect(trimmedMeanPositive([42])).toBe(42)
    expect(trimmedMeanPositive([10, 11, 12, 1000])).toBe(11) // 1000 > 5×median(12)
    expect(trimmedMeanPositive([1, 10, 11])).toBe(10) // 1 < 10/5; (10+11)/2 truncated
    expect(trimmedMeanPositive([0, 100, 101])).toBe(100)
  })

  it('derives start time, restarts and last restart for a subject', () => {
    const events = [
      observation('a', 'bob', at(1), 'restart', { start_time: 1_760_000_000, restart_num: 10, last_restart: 1_768_000_000 }),
      observation('c', 'bob', at(2), 'restart', { start_time: 1_760_000_060, restart_num: 12, last_restart: 1_768_000_500 }),
      observation('d', 'bob', at(3), 'restart', { start_time: 1_760_000_030, restart_num: 500, last_restart: 1_767_000_000 }),
      observation('e', 'bob', at(4), 'first-seen', { start_time: 1_760_000_090 }),
      observation('a', 'carol', at(5), 'restart', { start_time: 1, restart_num: 99, last_restart: 1_769_000_000 }),
      observation('a', 'bob', at(6), 'status-change')
    ]
    expect(deriveOpinion(events, 'bob')).toEqual({
      startTime: Math.trunc((1_760_000_000 + 1_760_000_060 + 1_760_000_030 + 1_760_000_090) / 4),
      restarts: 11, // 500 is an outlier (> 5 × median 12): mean of 10 and 12
      lastRestart: 1_768_000_500
    })
    // A single reporter: its maximum.
    expect(deriveOpinion(events, 'carol')).toEqual({ startTime: 1, restarts: 99, lastRestart: 1_769_000_000 })
    expect(deriveOpinion(events, 'nobody')).toEqual({ startTime: 0, restarts: 0, lastRestart: 0 })
  })
})
