import { describe, expect, it } from 'vitest'
import { detectBudgetMb, parseMemoryMode, resolveMemoryProfile, systemMemoryProbe, type MemoryProbe } from '../main/core/ledger/memoryProfile'

const MB = 1024 * 1024
const probe = (cgroup: string | null, totalMb: number): MemoryProbe => ({
  readCgroupLimit: () => cgroup,
  totalMemBytes: () => totalMb * MB
})

describe('ledger memory profiles', () => {
  it('has the reference capacities per explicit mode', () => {
    expect(resolveMemoryProfile('short')).toEqual({ mode: 'short', budgetMb: 256, maxEvents: 20_000 })
    expect(resolveMemoryProfile('medium')).toEqual({ mode: 'medium', budgetMb: 512, maxEvents: 80_000 })
    expect(resolveMemoryProfile('hog')).toEqual({ mode: 'hog', budgetMb: 2048, maxEvents: 320_000 })
    expect(resolveMemoryProfile()).toMatchObject({ mode: 'medium', maxEvents: 80_000 })
    expect(resolveMemoryProfile('custom', { customMaxEvents: 5000 })).toEqual({ mode: 'custom', budgetMb: 0, maxEvents: 5000 })
    expect(resolveMemoryProfile('custom', { customMaxEvents: -1 })).toMatchObject({ mode: 'medium' })
    expect(resolveMemoryProfile('custom')).toMatchObject({ mode: 'medium' })
  })

  it('parses mode strings like the reference (unknown = medium)', () => {
    expect(parseMemoryMode(' HOG ')).toBe('hog')
    expect(parseMemoryMode('Auto')).toBe('auto')
    expect(parseMemoryMode('custom')).toBe('custom')
    expect(parseMemoryMode('gigantic')).toBe('medium')
    expect(parseMemoryMode(undefined)).toBe('medium')
  })

  it('auto mode sizes by cgroup limit, else total RAM', () => {
    const auto = (p: MemoryProbe): string => resolveMemoryProfile('auto', { probe: p }).mode
    expect(auto(probe('max\n', 8192))).toBe('hog')
    expect(auto(probe(null, 1024))).toBe('medium')
    expect(auto(probe(null, 1025))).toBe('hog')
    expect(auto(probe(null, 384))).toBe('short')
    expect(auto(probe(null, 385))).toBe('medium')
    expect(auto(probe(`${300 * MB}\n`, 8192))).toBe('short')
    expect(auto(probe(`${900 * MB}`, 8192))).toBe('medium')
    expect(resolveMemoryProfile('auto', { probe: probe(`${300 * MB}`, 8192) }).source).toBe('cgroup')
    // v1 "unlimited" is a huge number: more than twice RAM means no cap.
    expect(auto(probe('9223372036854771712', 300))).toBe('short')
    expect(resolveMemoryProfile('auto', { probe: probe('9223372036854771712', 300) }).source).toBe('system')
    // A limit above RAM is not a cap either.
    expect(detectBudgetMb(probe(`${600 * MB}`, 500))).toEqual({ budgetMb: 500, source: 'system' })
    expect(auto(probe('garbage', 2048))).toBe('hog')
    expect(resolveMemoryProfile('auto', { probe: probe(null, 0) })).toMatchObject({ mode: 'medium', source: 'default' })
  })

  it('reads this machine without throwing', () => {
    const d = detectBudgetMb(systemMemoryProbe)
    expect(d?.budgetMb).toBeGreaterThan(0)
  })
})
