import { describe, expect, it } from 'vitest'
import { ManualClock } from '../main/core/clock'
import { DataPlane, subscribeWithSnapshot, type Query, type Sample } from '../main/core/bus/dataPlane'
import { InvalidKeyExprError } from '../main/core/bus/keyexpr'

const collect = (dp: DataPlane, ke: string): string[] => {
  const got: string[] = []
  dp.subscribe(ke, (s) => void got.push(s.key))
  return got
}

describe('data plane: pub/sub by key expression', () => {
  it('routes puts to every subscriber whose expression intersects the key', () => {
    const dp = new DataPlane()
    const star = collect(dp, 'sensor/*/pm25')
    const deep = collect(dp, 'sensor/**')
    const all = collect(dp, '**')
    const dsl = collect(dp, 'sensor/ber$*/pm25')
    const verb = collect(dp, 'sensor/@private/**')
    const keys = ['sensor/berlin/pm25', 'sensor/bern/pm10', 'sensor/paris/pm25', 'sensor/@private/x', 'sensor', 'other/pm25']
    for (const k of keys) dp.put(k, 1)
    expect(star).toEqual(['sensor/berlin/pm25', 'sensor/paris/pm25'])
    expect(deep).toEqual(['sensor/berlin/pm25', 'sensor/bern/pm10', 'sensor/paris/pm25', 'sensor']) // ** never matches @chunks
    expect(all).toEqual(['sensor/berlin/pm25', 'sensor/bern/pm10', 'sensor/paris/pm25', 'sensor', 'other/pm25'])
    expect(dsl).toEqual(['sensor/berlin/pm25'])
    expect(verb).toEqual(['sensor/@private/x'])
    expect(dp.counters.published).toBe(keys.length)
  })

  it('passes {key, value} and stops after unsubscribe; the match cache follows (un)subscribe', () => {
    const dp = new DataPlane()
    const got: Sample[] = []
    const off = dp.subscribe('a/*', (s) => void got.push(s))
    dp.put('a/b', { n: 1 })
    dp.put('a/b', { n: 2 })
    expect(dp.counters.matchCacheHits).toBe(1)
    const late: string[] = []
    dp.subscribe('a/b', (s) => void late.push(s.key)) // must not be hidden by the cached route
    off()
    dp.put('a/b', { n: 3 })
    expect(got).toEqual([
      { key: 'a/b', value: { n: 1 } },
      { key: 'a/b', value: { n: 2 } }
    ])
    expect(late).toEqual(['a/b'])
  })

  it('a put on a wildcard expression reaches intersecting subscribers (Zenoh semantics)', () => {
    const dp = new DataPlane()
    const x = collect(dp, 'a/x')
    const y = collect(dp, 'b/y')
    dp.put('a/*', 0)
    expect(x).toEqual(['a/*'])
    expect(y).toEqual([])
  })

  it('invalid key expressions are errors, never a silent no-match', async () => {
    const dp = new DataPlane()
    const expectInvalid = (f: () => unknown, code: string): void => {
      try {
        f()
        expect.unreachable('should throw')
      } catch (e) {
        expect(e).toBeInstanceOf(InvalidKeyExprError)
        expect((e as InvalidKeyExprError).code).toBe(code)
      }
    }
    expectInvalid(() => dp.put('a//b', 1), 'empty_chunk')
    expectInvalid(() => dp.put('/a', 1), 'leading_slash')
    expectInvalid(() => dp.subscribe('a/**/**', () => {}), 'double_star_after_double_star')
    expectInvalid(() => dp.subscribe('sensor/+/pm25#', () => {}), 'sharp_or_question_mark')
    expectInvalid(() => dp.declareQueryable('a/$*', () => {}), 'lone_dollar_star')
    await expect(dp.get('a/b$c')).rejects.toBeInstanceOf(InvalidKeyExprError)
    expect(dp.counters.invalidKeyExpr).toBe(6)
    // and the plane still works
    const got = collect(dp, 'a/b')
    dp.put('a/b', 1)
    expect(got).toEqual(['a/b'])
  })

  it('a throwing subscriber is counted and does not disturb the others', () => {
    const dp = new DataPlane()
    dp.subscribe('k', () => {
      throw new Error('view bug')
    })
    const ok = collect(dp, 'k')
    dp.put('k', 1)
    dp.put('k', 2)
    expect(ok).toEqual(['k', 'k'])
    expect(dp.counters.subscriberErrors).toBe(2)
  })
})

describe('data plane: slow subscribers', () => {
  it('a slow subscriber gets a bounded drop-oldest queue (counted) and never stalls the others', async () => {
    const dp = new DataPlane()
    const slow: number[] = []
    let release!: () => void
    let gate = new Promise<void>((r) => (release = r))
    dp.subscribe<number>(
      'feed/**',
      async (s) => {
        slow.push(s.value)
        await gate
      },
      { queue: 10 }
    )
    const fast: number[] = []
    dp.subscribe<number>('feed/*', (s) => void fast.push(s.value))

    for (let i = 0; i < 100; i++) dp.put('feed/x', i)
    // The fast subscriber saw everything synchronously; the slow one is stuck on the first sample.
    expect(fast).toHaveLength(100)
    expect(slow).toEqual([0])
    const [stats] = dp.subscriptionStats().filter((s) => s.keyExpr === 'feed/**')
    expect(stats).toMatchObject({ queued: 10, dropped: 89 })
    expect(dp.counters.dropped).toBe(89)

    gate = Promise.resolve()
    release()
    await new Promise((r) => setTimeout(r, 0))
    // After the stall it receives the 10 newest samples, in order.
    expect(slow).toEqual([0, ...Array.from({ length: 10 }, (_, i) => 90 + i)])
    expect(dp.subscriptionStats().find((s) => s.keyExpr === 'feed/**')).toMatchObject({ queued: 0, delivered: 11 })
  })

  it('a rejected async callback is counted and the queue keeps draining', async () => {
    const dp = new DataPlane()
    const seen: number[] = []
    dp.subscribe<number>('q', async (s) => {
      seen.push(s.value)
      if (s.value === 0) throw new Error('boom')
    })
    dp.put('q', 0)
    dp.put('q', 1)
    await new Promise((r) => setTimeout(r, 0))
    expect(seen).toEqual([0, 1])
    expect(dp.counters.subscriberErrors).toBe(1)
  })
})

describe('data plane: queries', () => {
  it('get collects replies from intersecting queryables only', async () => {
    const dp = new DataPlane()
    const asked: string[] = []
    dp.declareQueryable('nara/local/neighbours/*', (q) => {
      asked.push(q.selector)
      q.reply('nara/local/neighbours/alice', { name: 'alice' })
      q.reply('nara/local/neighbours/bob', { name: 'bob' })
    })
    dp.declareQueryable('nara/local/self', () => [{ key: 'nara/local/self', value: 'me' }])
    const r = await dp.get('nara/local/neighbours/alice')
    expect(r).toEqual([{ key: 'nara/local/neighbours/alice', value: { name: 'alice' } }])
    expect(asked).toEqual(['nara/local/neighbours/alice'])
    // bob was outside the query: dropped and counted
    expect(dp.counters.repliesDroppedNonMatching).toBe(1)
    const everything = await dp.get('nara/**')
    expect(everything.map((x) => x.key).sort()).toEqual(['nara/local/neighbours/alice', 'nara/local/neighbours/bob', 'nara/local/self'])
  })

  it('latest-value consolidation keeps the newest reply per key; none keeps all', async () => {
    const dp = new DataPlane()
    dp.declareQueryable('t/*', (q) => {
      q.reply('t/a', 'old', { timestamp: 1 })
      q.reply('t/a', 'new', { timestamp: 3 })
      q.reply('t/b', 'b', { timestamp: 1 })
    })
    dp.declareQueryable('t/a', async () => [{ key: 't/a', value: 'middle', timestamp: 2 }])
    const latest = await dp.get('t/*')
    expect(latest).toEqual([
      { key: 't/a', value: 'new', timestamp: 3 },
      { key: 't/b', value: 'b', timestamp: 1 }
    ])
    const none = await dp.get('t/*', { consolidation: 'none' })
    expect(none.map((r) => r.value)).toEqual(['old', 'new', 'b', 'middle'])
  })

  it('drops replies with invalid or non-intersecting keys and reports them', async () => {
    const dp = new DataPlane()
    dp.declareQueryable('x/**', (q) => {
      q.reply('x/1', 1)
      q.reply('y/1', 2) // outside the query
      q.reply('x//bad', 3) // not a key expression
      q.reply(42 as unknown as string, 4) // wrong type from a buggy handler
    })
    const out = await dp.query('x/**')
    expect(out.replies).toEqual([{ key: 'x/1', value: 1 }])
    expect(out.dropped).toBe(3)
    expect(dp.counters.repliesDroppedNonMatching).toBe(1)
    expect(dp.counters.repliesDroppedInvalidKey).toBe(2)
  })

  it('times out on a queryable that never finishes, keeps what arrived, drops late replies', async () => {
    const clock = new ManualClock()
    const dp = new DataPlane({ clock })
    let late!: Query
    dp.declareQueryable('slow/**', (q) => {
      late = q
      q.reply('slow/early', 'e')
      return new Promise<void>(() => {}) // never resolves
    })
    dp.declareQueryable('slow/fast', () => [{ key: 'slow/fast', value: 'f' }])
    const p = dp.query('slow/**', { timeoutMs: 250 })
    let settled = false
    void p.then(() => (settled = true))
    await Promise.resolve()
    clock.advance(249)
    await Promise.resolve()
    expect(settled).toBe(false)
    clock.advance(1)
    const out = await p
    expect(out.timedOut).toBe(true)
    expect(out.replies.map((r) => r.key).sort()).toEqual(['slow/early', 'slow/fast'])
    late.reply('slow/late', 'l')
    expect(dp.counters.repliesDroppedLate).toBe(1)
    expect(dp.counters.queriesTimedOut).toBe(1)
    expect(clock.pendingTimers()).toBe(0)
  })

  it('resolves at once when no queryable intersects, and collects queryable errors', async () => {
    const clock = new ManualClock()
    const dp = new DataPlane({ clock })
    expect(await dp.query('nobody/**')).toEqual({ replies: [], errors: [], timedOut: false, dropped: 0 })
    dp.declareQueryable('e/1', () => {
      throw new Error('handler crashed')
    })
    dp.declareQueryable('e/2', async () => Promise.reject(new Error('async crash')))
    dp.declareQueryable('e/3', (q) => q.replyErr('not available'))
    const out = await dp.query('e/*')
    expect(out.errors.sort()).toEqual(['async crash', 'handler crashed', 'not available'])
    expect(out.timedOut).toBe(false)
    expect(clock.pendingTimers()).toBe(0)
  })

  it('passes selector parameters to the queryable', async () => {
    const dp = new DataPlane()
    dp.declareQueryable('events/*', (q) => [{ key: 'events/ping', value: q.parameters }])
    expect(await dp.get('events/ping?limit=5;since=10')).toEqual([{ key: 'events/ping', value: 'limit=5;since=10' }])
  })
})

describe('data plane: snapshot then stream', () => {
  it('a late view gets the current state first, then live samples, none lost in between', async () => {
    const dp = new DataPlane()
    const state = new Map<string, number>([
      ['v/a', 1],
      ['v/b', 2]
    ])
    dp.declareQueryable('v/*', async (q) => {
      // a sample published while the query is in flight must not be lost
      dp.put('v/c', 3)
      return [...state].filter(([k]) => q.matches(k)).map(([key, value]) => ({ key, value }))
    })
    const seen: string[] = []
    const sub = subscribeWithSnapshot<number>(dp, 'v/*', (s) => void seen.push(`${s.key}=${s.value}`))
    expect(seen).toEqual([]) // nothing before the snapshot
    expect(await sub.ready).toEqual({ snapshot: 2 })
    dp.put('v/a', 10)
    expect(seen).toEqual(['v/a=1', 'v/b=2', 'v/c=3', 'v/a=10'])
    sub.unsubscribe()
    dp.put('v/a', 11)
    expect(seen).toHaveLength(4)
  })
})
