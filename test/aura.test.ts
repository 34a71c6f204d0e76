import { describe, expect, it } from 'vitest'
import { choosePalette, computeAura, computeAuraDetailed, fnv1a32 } from '../main/core/protocol/aura'
import { personalityFromSoul } from '../main/core/protocol/personality'
import { loadVectors } from './support/vectors'

const cases = loadVectors('aura.json').cases
const TOLERANCE = 1e-6

describe('aura.json', () => {
  it('has the reference cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(33)
  })

  for (const c of cases) {
    describe(c.name, () => {
      it('reproduces both colours exactly', () => {
        if (c.personality_source === 'derived from soul') expect(personalityFromSoul(c.soul)).toEqual(c.personality)
        const aura = computeAura(c.soul, c.nara_name, c.personality, BigInt(c.uptime_seconds))
        expect(aura).toEqual(c.expect)
        expect(JSON.stringify(aura)).toBe(c.aura_json)
      })

      it('matches the intermediate choices', () => {
        expect(c.aura_id).toBe(c.soul + c.nara_name)
        // uptime_seconds is (last_seen - last_restart) as int64 reinterpreted as uint64.
        expect(BigInt(c.uptime_seconds)).toBe(BigInt.asUintN(64, BigInt(c.last_seen) - BigInt(c.last_restart)))
        const { debug } = computeAuraDetailed(c.soul, c.nara_name, c.personality, BigInt(c.uptime_seconds))
        expect(debug.fnv32a).toBe(c.debug.fnv32a)
        expect(fnv1a32(c.aura_id)).toBe(c.debug.fnv32a)
        expect(debug.palette).toBe(c.debug.palette_modifier)
        expect(choosePalette(c.personality)).toBe(c.debug.palette_modifier)
        expect(debug.harmony).toBe(c.debug.harmony)
        expect(debug.illuminant.a).toBeCloseTo(c.debug.illuminant_a, 6)
        expect(debug.illuminant.b).toBeCloseTo(c.debug.illuminant_b, 6)
        expect(Math.abs(debug.illuminantStrength - c.debug.illuminant_strength)).toBeLessThan(TOLERANCE)
      })
    })
  }
})

describe('aura properties', () => {
  const p = { Agreeableness: 50, Sociability: 50, Chill: 50 }

  it('always yields upper-case #RRGGBB for odd inputs', () => {
    for (const [soul, name, uptime] of [
      ['', '', 0n],
      ['x', '🪙', 1n],
      ['y'.repeat(10_000), 'señorita-ü', 2n ** 64n - 1n],
      ['z', 'n', -1n]
    ] as const) {
      const aura = computeAura(soul, name, p, uptime)
      expect(aura.primary).toMatch(/^#[0-9A-F]{6}$/)
      expect(aura.secondary).toMatch(/^#[0-9A-F]{6}$/)
    }
  })

  it('treats a negative uptime like Go: wrapped to a huge uint64 (saturated tint)', () => {
    expect(computeAura('s', 'n', p, -1n)).toEqual(computeAura('s', 'n', p, 2n ** 64n - 1n))
    expect(computeAura('s', 'n', p, -1n)).toEqual(computeAura('s', 'n', p, 30n * 24n * 3600n * 10n))
  })

  it('FNV-1a 32 matches the published test values', () => {
    expect(fnv1a32('')).toBe(0x811c9dc5)
    expect(fnv1a32('a')).toBe(0xe40c292c)
    expect(fnv1a32('foobar')).toBe(0xbf9cf968)
  })

  it('is deterministic and depends on name and soul', () => {
    expect(computeAura('s', 'n', p, 5n)).toEqual(computeAura('s', 'n', p, 5n))
    const a = computeAura('soul-a', 'n', p, 5n)
    const b = computeAura('soul-b', 'n', p, 5n)
    expect(a).not.toEqual(b)
  })
})
