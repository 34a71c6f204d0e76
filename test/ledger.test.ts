import { describe, expect, it } from 'vitest'
import { Ledger, MAX_OBSERVATIONS_PER_PAIR, MAX_PINGS_PER_TARGET } from '../main/core/ledger/ledger'
import { CHECKPOINT_CUTOFF_TIME, pruningPriority, involvedNames } from '../main/core/ledger/eventRules'
import { resolveMemoryProfile } from '../main/core/ledger/memoryProfile'
import type { SyncEvent } from '../main/core/protocol/types'
import { seededRandom } from '../main/core/clock'
import { at, chau, checkpoint, heyThere, observation, ping, seen, social } from './ledger.fixtures'

const ids = (events: readonly SyncEvent[]): string[] => events.map((e) => e.id)

describe('Ledger dedupe', () => {
  it('stores an event once per id, whatever object carries it', () => {
    const l = new Ledger({ capacity: 100 })
    const e = social('alice', 'bob', at(1))
    expect(l.add(e)).toBe('added')
    expect(l.add(e)).toBe('duplicate')
    expect(l.addWithResult({ ...e, social: { ...e.social, reason: 'comeback' } })).toEqual({ outcome: 'duplicate', reason: 'same_id' })
    expect(l.size).toBe(1)
    expect(l.get(e.id)?.svc === 'social' && l.get(e.id)).toMatchObject({ social: { reason: 'random' } })
    expect(l.has(e.id)).toBe(true)
    expect(l.has('0'.repeat(32))).toBe(false)
  })

  it('content-dedupes restart and first-seen only when asked', () => {
    const l = new Ledger({ capacity: 100 })
    const r1 = observation('alice', 'bob', at(1), 'restart', { restart_num: 5, start_time: 1_700_000_000 })
    const r2 = observation('carol', 'bob', at(2), 'restart', { restart_num: 5, start_time: 1_700_000_000 })
    const r3 = observation('carol', 'bob', at(3), 'restart', { restart_num: 6, start_time: 1_700_000_000 })
    expect(l.add(r1, { dedupeContent: true })).toBe('added')
    expect(l.addWithResult(r2, { dedupeContent: true })).toEqual({ outcome: 'duplicate', reason: 'same_content' })
    expect(l.add(r3, { dedupeContent: true })).toBe('added')
    expect(l.add(r2)).toBe('added') // plain add (zine merge path) keeps both reports

    const f1 = observation('alice', 'dave', at(4), 'first-seen', { start_time: 1_768_000_000 })
    const f2 = observation('alice', 'dave', at(5), 'first-seen', { start_time: 1_768_000_500 })
    const f3 = observation('carol', 'dave', at(6), 'first-seen', { start_time: 1_768_000_500 })
    expect(l.add(f1, { dedupeContent: true })).toBe('added')
    expect(l.add(f2, { dedupeContent: true })).toBe('duplicate')
    expect(l.add(f3, { dedupeContent: true })).toBe('added')
    // Status changes have no content rule.
    expect(l.add(observation('alice', 'dave', at(7), 'status-change'), { dedupeContent: true })).toBe('added')
    expect(l.add(observation('alice', 'dave', at(8), 'status-change'), { dedupeContent: true })).toBe('added')
  })
})

describe('Ledger rejects bad events with a reason and loses nothing', () => {
  const good = social('alice', 'bob', at(1))
  const bad: Array<[string, unknown]> = [
    ['missing id', { ...good, id: '' }],
    ['non-hex id', { ...good, id: 'Z'.repeat(32) }],
    ['oversized id', { ...good, id: 'a'.repeat(33) }],
    ['ts zero', { ...good, ts: 0n }],
    ['ts as number', { ...good, ts: 5 }],
    ['ts beyond int64', { ...good, ts: 1n << 64n }],
    ['unknown svc', { ...good, svc: 'weather' }],
    ['empty svc', { ...good, svc: '' }],
    ['missing payload', { id: good.id.replace(/.$/, '0'), ts: at(1), svc: 'social' }],
    ['null payload', { id: 'b'.repeat(32), ts: at(1), svc: 'ping', ping: null }],
    ['payload for another svc', { id: 'c'.repeat(32), ts: at(1), svc: 'ping', social: good.social }],
    ['social unknown type', { ...good, id: 'd'.repeat(32), social: { type: 'insult', actor: 'a', target: 'b' } }],
    ['social no actor', { ...good, id: 'd'.repeat(32), social: { type: 'tease', target: 'b' } }],
    ['social no target', { ...good, id: 'd'.repeat(32), social: { type: 'tease', actor: 'a' } }],
    ['ping rtt zero', { ...ping('a', 'b', at(1)), ping: { observer: 'a', target: 'b', rtt: 0 } }],
    ['ping rtt NaN', { ...ping('a', 'b', at(1)), ping: { observer: 'a', target: 'b', rtt: Number.NaN } }],
    ['ping no target', { ...ping('a', 'b', at(1)), ping: { observer: 'a', rtt: 3 } }],
    ['observation importance 4', observation('a', 'b', at(1), 'status-change', { importance: 4 })],
    ['observation importance 0', observation('a', 'b', at(1), 'status-change', { importance: 0 })],
    ['observation unknown type', observation('a', 'b', at(1), 'status-change', { type: 'reboot' })],
    ['observation no subject', observation('a', '', at(1), 'status-change')],
    ['restart start_time 0', observation('a', 'b', at(1), 'restart', { start_time: 0 })],
    ['restart negative restart_num', observation('a', 'b', at(1), 'restart', { restart_num: -1 })],
    ['first-seen no start_time', observation('a', 'b', at(1), 'first-seen', { start_time: undefined })],
    ['status-change bad state', observation('a', 'b', at(1), 'status-change', { online_state: 'AWAY' })],
    ['status-change no state', observation('a', 'b', at(1), 'status-change', { online_state: undefined })],
    ['hey-there no key', { ...heyThere('a', at(1)), hey_there: { From: 'a', PublicKey: '', MeshIP: '', ID: '', Signature: '' } }],
    ['hey-there no From', { ...heyThere('a', at(1)), hey_there: { From: '', PublicKey: 'k', MeshIP: '', ID: '', Signature: '' } }],
    ['chau no From', { ...chau('a', at(1)), chau: { From: '', PublicKey: '', ID: '', Signature: '' } }],
    ['seen no via', { ...seen('a', 'b', at(1)), seen: { observer: 'a', subject: 'b', via: '' } }],
    ['checkpoint no subject', checkpoint('', at(1))],
    ['checkpoint as_of_time 0', checkpoint('bob', at(1), 0)],
    ['checkpoint signatures mismatch', checkpoint('bob', at(1), 1_768_800_000, { signatures: ['x'] })],
    ['checkpoint negative restarts', checkpoint('bob', at(1), 1_768_800_000, { observation: { restarts: -1 } })],
    ['null event', null],
    ['string event', 'hello']
  ]

  it.each(bad)('%s', (_label, event) => {
    const l = new Ledger({ capacity: 100 })
    const keep = [social('x', 'y', at(0)), ping('x', 'y', at(0)), observation('x', 'y', at(0), 'restart')]
    for (const e of keep) l.add(e)
    const r = l.addWithResult(event as SyncEvent)
    expect(r.outcome).toBe('rejected')
    if (r.outcome === 'rejected') {
      expect(r.reason).toBe('invalid')
      expect(r.detail.length).toBeGreaterThan(0)
    }
    expect(l.size).toBe(3)
    expect(ids(l.all())).toEqual(ids(keep))
    expect(l.rejectionCounts()).toEqual({ invalid: 1 })
  })

  it('accepts the well-formed counterpart of every class above', () => {
    const l = new Ledger({ capacity: 100 })
    const fine = [
      good,
      ping('a', 'b', at(1), 0.5),
      observation('a', 'b', at(1), 'status-change', { online_state: 'OFFLINE' }),
      observation('a', 'b', at(2), 'restart', { restart_num: 0 }),
      observation('a', 'b', at(3), 'first-seen'),
      heyThere('a', at(1)),
      chau('a', at(1)),
      seen('a', 'b', at(1)),
      checkpoint('bob', at(1), 1_768_800_000, { voter_ids: undefined, signatures: undefined })
    ]
    for (const e of fine) expect(l.addWithResult(e)).toEqual({ outcome: 'added' })
    expect(l.size).toBe(fine.length)
  })
})

describe('Ledger checkpoint cutoff', () => {
  it('drops r2d2 checkpoints at or before the cutoff and keeps everything else', () => {
    const l = new Ledger({ capacity: 100 })
    expect(l.addWithResult(checkpoint('r2d2', at(1), CHECKPOINT_CUTOFF_TIME))).toMatchObject({ outcome: 'rejected', reason: 'checkpoint_cutoff' })
    expect(l.add(checkpoint('r2d2', at(2), CHECKPOINT_CUTOFF_TIME - 1000))).toBe('rejected')
    expect(l.add(checkpoint('r2d2', at(3), CHECKPOINT_CUTOFF_TIME + 1))).toBe('added')
    expect(l.add(checkpoint('c3po', at(4), CHECKPOINT_CUTOFF_TIME - 1000))).toBe('added')
    expect(l.size).toBe(2)
    expect(l.rejectionCounts()).toEqual({ checkpoint_cutoff: 2 })
  })
})

describe('Ledger ping-per-target rule', () => {
  it('keeps the newest five pings per target', () => {
    const l = new Ledger({ capacity: 1000 })
    const toBob = [10, 20, 30, 40, 50].map((s) => ping('alice', 'bob', at(s)))
    for (const p of toBob) expect(l.add(p)).toBe('added')
    for (let i = 0; i < 7; i++) expect(l.add(ping('alice', 'carol', at(i)))).toBe('added') // other target: own budget
    expect(l.countsByService()).toEqual({ ping: 10 })

    // Not newer than the oldest kept (10 s): refused, nothing evicted.
    const r = l.addWithResult(ping('dave', 'bob', at(10)))
    expect(r).toMatchObject({ outcome: 'rejected', reason: 'ping_not_newer' })
    expect(l.add(ping('dave', 'bob', at(5)))).toBe('rejected')
    expect(l.size).toBe(10)

    // Newer than the oldest: the oldest goes.
    const fresh = ping('dave', 'bob', at(15))
    expect(l.add(fresh)).toBe('added')
    expect(l.has(toBob[0]!.id)).toBe(false)
    const bobPings = l.query({ services: ['ping'], subjects: ['bob'] })
    expect(bobPings.map((e) => e.ts)).toEqual([at(15), at(20), at(30), at(40), at(50)])
    expect(bobPings).toHaveLength(MAX_PINGS_PER_TARGET)
    expect(l.rejectionCounts()).toEqual({ ping_not_newer: 2 })
  })
  it('stays consistent through thousands of evictions', () => {
    const l = new Ledger({ capacity: 100_000 })
    const keep = social('alice', 'bob', at(0))
    l.add(keep)
    for (let i = 1; i <= 2000; i++) expect(l.add(ping('alice', 'bob', at(i)))).toBe('added')
    expect(l.size).toBe(6)
    expect(ids(l.all())).toEqual([keep.id, ...l.query({ services: ['ping'] }).map((e) => e.id)])
    expect(l.since(at(1996)).map((e) => e.ts)).toEqual([at(1996), at(1997), at(1998), at(1999), at(2000)])
    expect(l.countsByService()).toEqual({ social: 1, ping: 5 })
    expect(l.version).toBe(1995)
  })
})

describe('Ledger observation-per-pair rule', () => {
  it('evicts the oldest non-restart of the pair, even when restarts are older', () => {
    const l = new Ledger({ capacity: 1000 })
    const restarts = [1, 2, 3].map((s) => observation('alice', 'bob', at(s), 'restart', { restart_num: s }))
    const changes = Array.from({ length: MAX_OBSERVATIONS_PER_PAIR - 3 }, (_, i) => observation('alice', 'bob', at(100 + i), 'status-change'))
    for (const e of [...restarts, ...changes]) expect(l.add(e)).toBe('added')
    const other = observation('carol', 'bob', at(0), 'status-change')
    l.add(other)
    expect(l.size).toBe(21)

    expect(l.add(observation('alice', 'bob', at(500), 'status-change'))).toBe('added')
    expect(l.size).toBe(21)
    expect(l.has(changes[0]!.id)).toBe(false)
    for (const r of restarts) expect(l.has(r.id)).toBe(true)
    expect(l.has(other.id)).toBe(true)
  })

  it('keeps every restart of a pair until a checkpoint anchors the subject', () => {
    const l = new Ledger({ capacity: 1000 })
    const restarts = Array.from({ length: MAX_OBSERVATIONS_PER_PAIR }, (_, i) =>
      observation('alice', 'bob', at(10 + i), 'restart', { restart_num: i })
    )
    for (const r of restarts) l.add(r)
    expect(l.add(observation('alice', 'bob', at(100), 'restart', { restart_num: 99 }))).toBe('added')
    expect(l.size).toBe(21) // nothing evicted: no checkpoint for bob
    expect(l.add(checkpoint('carol', at(101)))).toBe('added') // another subject's checkpoint does not count
    expect(l.add(observation('alice', 'bob', at(102), 'restart', { restart_num: 100 }))).toBe('added')
    expect(l.size).toBe(23)

    expect(l.add(checkpoint('bob', at(103)))).toBe('added')
    expect(l.hasCheckpointFor('bob')).toBe(true)
    expect(l.add(observation('alice', 'bob', at(104), 'restart', { restart_num: 101 }))).toBe('added')
    expect(l.size).toBe(24) // oldest restart evicted, new one added
    expect(l.has(restarts[0]!.id)).toBe(false)
  })

  it('does not run the global prune on observation adds', () => {
    const l = new Ledger({ capacity: 5, pruneSlack: 0 })
    for (let i = 0; i < 5; i++) l.add(social('a', 'b', at(i)))
    for (let i = 0; i < 3; i++) expect(l.add(observation('a', `s${i}`, at(10 + i), 'status-change'))).toBe('added')
    expect(l.size).toBe(8)
    // The next non-observation add prunes back to capacity: socials (priority 2) go before status-changes (1).
    l.add(social('a', 'b', at(20)))
    expect(l.size).toBe(5)
    expect(l.countsByService()).toEqual({ social: 2, observation: 3 })
  })
})

describe('Ledger global prune', () => {
  it('prunes ping, then seen, then social, then status-change/hey-there/chau, oldest first; never priority 0', () => {
    const l = new Ledger({ capacity: 14, pruneSlack: 0 })
    const critical = [observation('a', 'b', at(0), 'restart'), observation('a', 'b', at(0), 'first-seen'), checkpoint('b', at(0))]
    const p1 = [heyThere('a', at(1)), chau('b', at(2)), observation('a', 'c', at(3), 'status-change')]
    const p2 = [social('a', 'b', at(4)), social('a', 'b', at(5))]
    const p3 = [seen('a', 'b', at(7)), seen('a', 'b', at(6))]
    const p4 = [ping('a', 'x', at(9)), ping('a', 'y', at(8))]
    for (const e of [...critical, ...p1, ...p2, ...p3, ...p4]) l.add(e)
    expect(l.size).toBe(12)
    expect(l.criticalCount()).toBe(3)

    const step = (e: SyncEvent): string[] => {
      const before = new Set(ids(l.all()))
      l.add(e)
      return [...before].filter((id) => !l.has(id))
    }
    // Each add past 14 removes exactly the single most expendable event.
    const pingZ = ping('a', 'z', at(50))
    const pingW = ping('a', 'w', at(51))
    l.add(pingZ)
    l.add(pingW)
    expect(l.size).toBe(14)
    const removalOrder: string[] = []
    const newcomers = Array.from({ length: 11 }, (_, i) => heyThere(`n${i}`, at(100 + i)))
    // Adding newer priority-1 events forces out everything prunable, in order.
    for (const h of newcomers) removalOrder.push(...step(h))
    expect(removalOrder).toEqual(ids([p4[1]!, p4[0]!, pingZ, pingW, p3[1]!, p3[0]!, p2[0]!, p2[1]!, p1[0]!, p1[1]!, p1[2]!]))
    expect(l.size).toBe(14)
    // Only critical events and the newcomers remain; the next add evicts the oldest newcomer.
    expect(step(heyThere('late', at(200)))).toEqual([newcomers[0]!.id])
    for (const c of critical) expect(l.has(c.id)).toBe(true)
    expect(l.criticalCount()).toBe(3)
  })

  it('removes events involving a nara without a known key before anything else', () => {
    const known = new Set(['alice', 'bob'])
    const l = new Ledger({ capacity: 4, pruneSlack: 0, hasKnownKey: (n) => known.has(n) })
    const strangerHey = heyThere('mallory', at(50)) // priority 1, but unknown
    const knownPing = ping('alice', 'bob', at(1)) // priority 4, known
    const witnessed = { ...social('alice', 'bob', at(60)), social: { type: 'observed', actor: 'alice', target: 'bob', witness: 'eve' } }
    const strangerRestart = observation('mallory', 'bob', at(0), 'restart')
    l.add(strangerRestart)
    l.add(knownPing)
    l.add(strangerHey)
    l.add(witnessed)
    l.add(social('alice', 'bob', at(70)))
    // Over by one: the unknown social (priority 2) goes before the unknown hey-there (priority 1),
    // both before the known ping. The unknown restart is never pruned and does not block pruning.
    expect(l.has(witnessed.id)).toBe(false)
    l.add(social('bob', 'alice', at(71)))
    expect(l.has(strangerHey.id)).toBe(false)
    l.add(social('bob', 'alice', at(72)))
    expect(l.has(knownPing.id)).toBe(false)
    expect(l.has(strangerRestart.id)).toBe(true)
    expect(l.size).toBe(4)
  })

  it('prunes in batches down to 99% of capacity', () => {
    const l = new Ledger({ capacity: 1000 })
    for (let i = 0; i < 1000; i++) l.add(social('a', `t${i % 7}`, at(i)))
    expect(l.size).toBe(1000)
    l.add(social('a', 'b', at(5000)))
    expect(l.size).toBe(990)
    // The oldest eleven went.
    expect(l.all()[0]!.ts).toBe(at(11))
    for (let i = 0; i < 10; i++) l.add(social('a', 'b', at(6000 + i)))
    expect(l.size).toBe(1000)
  })

  it('stays over capacity rather than drop critical events', () => {
    const l = new Ledger({ capacity: 3, pruneSlack: 0 })
    for (let i = 0; i < 4; i++) l.add(observation('a', `s${i}`, at(i), 'restart'))
    expect(l.add(ping('a', 'b', at(10)))).toBe('added')
    expect(l.size).toBe(4)
    expect(l.countsByService()).toEqual({ observation: 4 })
  })

  it('matches a straightforward model of the reference over random traffic', () => {
    const rnd = seededRandom(7)
    const capacity = 60
    const known = new Set(['n0', 'n1', 'n2', 'n3'])
    const hasKnownKey = (n: string): boolean => known.has(n)
    const l = new Ledger({ capacity, pruneSlack: 0, hasKnownKey })
    let model: SyncEvent[] = []
    const name = (): string => `n${rnd.intn(6)}`
    for (let step = 0; step < 3000; step++) {
      const ts = at(rnd.intn(400)) // ties on purpose
      const kind = rnd.intn(6)
      const e: SyncEvent =
        kind === 0 ? ping(name(), name(), ts) : kind === 1 ? seen(name(), name(), ts) : kind === 2 ? social(name(), name(), ts)
          : kind === 3 ? heyThere(name(), ts) : kind === 4 ? chau(name(), ts) : rnd.intn(10) === 0 ? observation(name(), name(), ts, 'first-seen') : observation(name(), name(), ts, 'status-change')
      const outcome = l.add(e)
      // Model: the reference algorithm, one event at a time, full stable sort.
      let expected: 'added' | 'rejected' = 'added'
      if (e.svc === 'ping') {
        const same = model.filter((m) => m.svc === 'ping' && m.ping.target === e.ping.target)
        if (same.length >= 5) {
          const oldest = same.reduce((a, b) => (b.ts < a.ts ? b : a))
          if (e.ts <= oldest.ts) expected = 'rejected'
          else model = model.filter((m) => m !== oldest)
        }
      } else if (e.svc === 'observation') {
        const pair = model.filter((m) => m.svc === 'observation' && m.observation.observer === e.observation.observer && m.observation.subject === e.observation.subject)
        if (pair.length >= 20) {
          const nonRestart = pair.filter((m) => m.svc === 'observation' && m.observation.type !== 'restart')
          if (nonRestart.length) {
            const oldest = nonRestart.reduce((a, b) => (b.ts < a.ts ? b : a))
            model = model.filter((m) => m !== oldest)
          }
        }
      }
      expect(outcome).toBe(expected)
      if (expected === 'rejected') continue
      model.push(e)
      if (e.svc !== 'observation' && model.length > capacity) {
        const unknown = (m: SyncEvent): boolean => involvedNames(m).some((n) => n !== '' && !hasKnownKey(n))
        const order = model
          .map((m, i) => ({ m, i }))
          .filter(({ m }) => pruningPriority(m) !== 0)
          .sort((a, b) => Number(unknown(b.m)) - Number(unknown(a.m)) || pruningPriority(b.m) - pruningPriority(a.m) || (a.m.ts < b.m.ts ? -1 : a.m.ts > b.m.ts ? 1 : a.i - b.i))
        const drop = new Set(order.slice(0, model.length - capacity).map(({ m }) => m))
        model = model.filter((m) => !drop.has(m))
      }
      expect(l.size).toBe(model.length)
    }
    expect(ids(l.all())).toEqual(ids(model))
    const counts: Record<string, number> = {}
    for (const m of model) counts[m.svc] = (counts[m.svc] ?? 0) + 1
    expect(l.countsByService()).toEqual(counts)
    expect(l.criticalCount()).toBe(model.filter((m) => pruningPriority(m) === 0).length)
  })
})

describe('Ledger capacity per memory mode', () => {
  it('takes its capacity from the profile', () => {
    expect(new Ledger({ profile: resolveMemoryProfile('short') }).capacity).toBe(20_000)
    expect(new Ledger().capacity).toBe(80_000)
    expect(new Ledger().mode).toBe('medium')
    expect(new Ledger({ profile: resolveMemoryProfile('hog') }).capacity).toBe(320_000)
    expect(new Ledger({ profile: resolveMemoryProfile('custom', { customMaxEvents: 1234 }) }).capacity).toBe(1234)
    expect(() => new Ledger({ capacity: 0 })).toThrow(RangeError)
  })
})

describe('Ledger queries', () => {
  const l = new Ledger({ capacity: 1000 })
  const e1 = social('alice', 'bob', at(30))
  const e2 = ping('carol', 'alice', at(10))
  const e3 = heyThere('bob', at(20))
  const e4 = observation('carol', 'dave', at(40), 'restart')
  const e5 = seen('dave', 'erin', at(20))
  const e6 = chau('bob', at(15))
  for (const e of [e1, e2, e3, e4, e5, e6]) l.add(e)

  it('since() is the zine window in ledger order, inclusive', () => {
    expect(ids(l.since(at(20)))).toEqual(ids([e1, e3, e4, e5]))
    expect(l.since(at(41))).toEqual([])
  })

  it('query() filters by time, service and subject, sorted by ts, most recent limit', () => {
    expect(ids(l.query())).toEqual(ids([e2, e6, e3, e5, e1, e4]))
    expect(ids(l.query({ sinceNs: at(20) }))).toEqual(ids([e1, e4])) // exclusive
    expect(ids(l.query({ untilNs: at(20) }))).toEqual(ids([e2, e6, e3, e5]))
    expect(ids(l.query({ services: ['social', 'chau'] }))).toEqual(ids([e6, e1]))
    expect(ids(l.query({ subjects: ['alice'] }))).toEqual(ids([e2, e1]))
    expect(ids(l.query({ subjects: ['dave'] }))).toEqual(ids([e5, e4]))
    expect(ids(l.query({ limit: 2 }))).toEqual(ids([e1, e4]))
    expect(ids(l.query({ slice: { index: 1, total: 2 } }))).toEqual(ids([e6, e5, e4]))
  })

  it('recent() is newest first', () => {
    expect(ids(l.recent(3))).toEqual(ids([e4, e1, e5])) // equal ts: the later arrival first
    expect(ids(l.recent(0, { services: ['chau', 'hey-there'] }))).toEqual(ids([e3, e6]))
  })

  it('page() walks oldest first with a ns cursor', () => {
    const p1 = l.page('', 2)
    expect(ids(p1.events)).toEqual(ids([e2, e6]))
    expect(p1.nextCursor).toBe(at(15).toString())
    const p2 = l.page(p1.nextCursor, 2)
    expect(ids(p2.events)).toEqual(ids([e3, e5]))
    const p3 = l.page(p2.nextCursor, 2)
    expect(ids(p3.events)).toEqual(ids([e1, e4]))
    const p4 = l.page(p3.nextCursor, 2)
    expect(p4).toEqual({ events: [], nextCursor: '' })
    expect(l.page('', 10).nextCursor).toBe('') // short page = last page
    expect(ids(l.page('garbage', 1).events)).toEqual(ids([e2]))
  })

  it('counts by service and critical events', () => {
    expect(l.countsByService()).toEqual({ social: 1, ping: 1, 'hey-there': 1, observation: 1, seen: 1, chau: 1 })
    expect(l.criticalCount()).toBe(1)
    expect(l.size).toBe(6)
  })

  it('knows whether a newer hey-there exists, also after it is pruned', () => {
    const m = new Ledger({ capacity: 3, pruneSlack: 0 })
    m.add(heyThere('bob', at(10)))
    m.add(heyThere('bob', at(30)))
    expect(m.hasNewerHeyThere('bob', at(20))).toBe(true)
    expect(m.hasNewerHeyThere('bob', at(30))).toBe(false)
    expect(m.hasNewerHeyThere('alice', at(0))).toBe(false)
    m.add(chau('x', at(40)))
    m.add(chau('y', at(41))) // prunes the oldest priority-1 event: bob's hey-there @10
    expect(m.hasNewerHeyThere('bob', at(20))).toBe(true)
    m.add(chau('z', at(42))) // now bob's @30 goes
    expect(m.hasNewerHeyThere('bob', at(20))).toBe(false)
  })

  it('notifies listeners of added events only', () => {
    const m = new Ledger({ capacity: 10 })
    const seenIds: string[] = []
    const off = m.onAdded((e) => seenIds.push(e.id))
    const a = social('a', 'b', at(1))
    m.add(a)
    m.add(a)
    m.add({ ...a, id: '' })
    off()
    m.add(social('a', 'b', at(2)))
    expect(seenIds).toEqual([a.id])
  })
})
