import { describe, expect, it } from 'vitest'
import { ManualClock } from '../main/core/clock'
import { classifyTransition, NotificationPolicy, type Notice, type NotificationSwitches } from '../main/core/runtime/notifications-policy'

function setup(sw: Partial<NotificationSwitches> = {}) {
  const clock = new ManualClock()
  const delivered: Notice[] = []
  const switches: NotificationSwitches = {
    enabled: true,
    categories: { joined: true, left: true, missing: true, back: true },
    ...sw
  }
  const policy = new NotificationPolicy({ clock, switches: () => switches, deliver: (n) => delivered.push(n), quietMs: 60_000, batchMs: 1_500, digestThreshold: 3 })
  return { clock, delivered, policy, switches }
}

describe('notification policy', () => {
  it('classifies transitions: joined, left, went missing, came back', () => {
    expect(classifyTransition(undefined, 'ONLINE')).toBe('joined')
    expect(classifyTransition('OFFLINE', 'ONLINE')).toBe('joined')
    expect(classifyTransition('ONLINE', 'OFFLINE')).toBe('left')
    expect(classifyTransition('ONLINE', 'MISSING')).toBe('missing')
    expect(classifyTransition('MISSING', 'ONLINE')).toBe('back')
    expect(classifyTransition('MISSING', 'OFFLINE')).toBeNull()
    expect(classifyTransition('ONLINE', 'ONLINE')).toBeNull()
    expect(classifyTransition(undefined, 'OFFLINE')).toBeNull()
  })

  it('is quiet for the first minute after start, then notifies; a click opens that nara', () => {
    const { clock, delivered, policy } = setup()
    policy.noteStarted()
    policy.observe('amy', 'ONLINE')
    clock.advance(59_000)
    policy.observe('bob', 'ONLINE')
    clock.advance(2_000)
    expect(delivered).toEqual([])
    policy.observe('amy', 'MISSING')
    expect(delivered).toEqual([]) // batched, not yet
    clock.advance(1_500)
    expect(delivered).toEqual([{ title: 'amy went missing', body: '', category: 'missing', navigate: { kind: 'open-profile', name: 'amy' } }])
  })

  it('tracks status while quiet, so the first change after the quiet minute is classified right', () => {
    const { clock, delivered, policy } = setup()
    policy.noteStarted()
    policy.observe('amy', 'ONLINE')
    policy.observe('amy', 'MISSING')
    clock.advance(61_000)
    policy.observe('amy', 'ONLINE')
    clock.advance(1_500)
    expect(delivered.map((d) => d.title)).toEqual(['amy is back'])
  })

  it('is quiet for a minute after wake', () => {
    const { clock, delivered, policy } = setup()
    policy.observe('amy', 'ONLINE')
    clock.advance(1_500)
    expect(delivered).toHaveLength(1)
    policy.noteWake()
    policy.observe('amy', 'MISSING')
    clock.advance(30_000)
    expect(delivered).toHaveLength(1)
    clock.advance(31_000)
    policy.observe('amy', 'ONLINE')
    clock.advance(1_500)
    expect(delivered.at(-1)?.title).toBe('amy is back')
  })

  it('stays silent after a manual Leave until we are online again (plus a quiet minute)', () => {
    const { clock, delivered, policy } = setup()
    policy.observe('amy', 'ONLINE')
    policy.noteManualLeave() // also drops what was pending
    clock.advance(10 * 60_000)
    policy.observe('amy', 'OFFLINE')
    clock.advance(2_000)
    expect(delivered).toEqual([])
    policy.noteOnline()
    policy.observe('amy', 'ONLINE')
    clock.advance(59_000)
    expect(delivered).toEqual([])
    clock.advance(2_000)
    policy.observe('amy', 'OFFLINE')
    clock.advance(1_500)
    expect(delivered.map((d) => d.title)).toEqual(['amy left (said chau)'])
  })

  it('batches many changes at once into one digest that opens the neighbour list', () => {
    const { clock, delivered, policy } = setup()
    for (const n of ['a', 'b', 'c', 'd']) policy.observe(n, 'ONLINE')
    clock.advance(1_500)
    expect(delivered).toHaveLength(1)
    for (const n of ['a', 'b']) policy.observe(n, 'MISSING')
    policy.observe('c', 'OFFLINE')
    policy.observe('e', 'ONLINE')
    clock.advance(1_500)
    expect(delivered).toHaveLength(2)
    expect(delivered[0]).toEqual({ title: '4 naras changed', body: '4 joined the plaza', category: 'digest', navigate: { kind: 'open-neighbours' } })
    expect(delivered[1]).toEqual({
      title: '4 naras changed',
      body: '1 joined the plaza, 1 left (said chau), 2 went missing',
      category: 'digest',
      navigate: { kind: 'open-neighbours' }
    })
  })

  it('two changes stay individual notifications (below the digest threshold)', () => {
    const { clock, delivered, policy } = setup()
    policy.observe('a', 'ONLINE')
    policy.observe('b', 'ONLINE')
    clock.advance(1_500)
    expect(delivered.map((d) => d.navigate)).toEqual([
      { kind: 'open-profile', name: 'a' },
      { kind: 'open-profile', name: 'b' }
    ])
  })

  it('honours per-category switches and the master switch at delivery time', () => {
    const { clock, delivered, policy, switches } = setup({ categories: { joined: false, left: true, missing: true, back: true } })
    policy.observe('a', 'ONLINE')
    clock.advance(1_500)
    expect(delivered).toEqual([])
    policy.observe('a', 'MISSING')
    clock.advance(1_500)
    expect(delivered.map((d) => d.category)).toEqual(['missing'])
    switches.enabled = false
    policy.observe('a', 'ONLINE')
    clock.advance(1_500)
    expect(delivered).toHaveLength(1)
  })

  it('a peer changing twice within a batch is told once, with the latest change', () => {
    const { clock, delivered, policy } = setup()
    policy.observe('a', 'ONLINE')
    clock.advance(1_500)
    policy.observe('a', 'MISSING')
    policy.observe('a', 'ONLINE')
    clock.advance(1_500)
    expect(delivered.map((d) => d.title)).toEqual(['a joined the plaza', 'a is back'])
  })
})
