import { describe, expect, it } from 'vitest'
import { baseFlair, gemstone, personalFlair, personalityFromSoul, UNBONDED_GLYPH } from '../main/core/protocol/personality'
import { parseSoul, validateBond } from '../main/core/protocol/identity'
import { seedFromDigest } from '../main/core/protocol/gorand'
import { sha256 } from '../main/core/protocol/crypto'
import { GEMSTONES, PERSONAL_FLAIR_POOL } from '../main/core/protocol/names'
import { loadVectors } from './support/vectors'

const cases = loadVectors('personality.json').cases

describe('personality.json', () => {
  it('has cases', () => {
    expect(cases.length).toBeGreaterThan(0)
  })

  for (const c of cases) {
    describe(c.name, () => {
      it('seeds math/rand from the soul text and the flair from the name', () => {
        if (c.soul_sha256_hex) expect(sha256(c.soul).toString('hex')).toBe(c.soul_sha256_hex)
        if (c.rand_seed) expect(seedFromDigest(sha256(c.soul)).toString()).toBe(c.rand_seed)
        expect(seedFromDigest(sha256(c.nara_name)).toString()).toBe(c.flair_rand_seed)
      })

      if (c.personality_json !== undefined) {
        it('derives the personality from the soul', () => {
          const p = personalityFromSoul(c.soul)
          expect(p).toEqual(c.personality)
          // Key order matters on the wire; the status codec serialises in this order.
          expect(JSON.stringify(p)).toBe(c.personality_json)
        })
      }

      it('knows whether soul and name are in harmony', () => {
        const soul = parseSoul(c.soul)
        expect(soul.ok && validateBond(soul.value, c.nara_name)).toBe(c.in_harmony)
      })

      if (c.gemstone !== undefined) {
        it('picks the gemstone', () => {
          expect(gemstone(c.nara_name, c.soul)).toBe(c.gemstone)
        })
      }

      it('builds the base flair', () => {
        expect(baseFlair(c.nara_name, c.soul, c.in_harmony, c.personality)).toBe(c.base_flair)
      })
    })
  }
})

describe('flair shape', () => {
  it('draws Sociability/31 + 1 emojis from the pool', () => {
    for (const [sociability, count] of [
      [0, 1],
      [30, 1],
      [31, 2],
      [61, 2],
      [62, 3],
      [93, 4],
      [99, 4]
    ] as const) {
      const flair = personalFlair('lisa', { Agreeableness: 0, Sociability: sociability, Chill: 0 })
      const glyphs = [...new Intl.Segmenter().segment(flair)].map((s) => s.segment)
      expect(glyphs.length, `sociability ${sociability}`).toBe(count)
      for (const g of glyphs) expect(PERSONAL_FLAIR_POOL).toContain(g)
    }
  })

  it('starts with 👤 when not bonded and with a gemstone when bonded', () => {
    const p = { Agreeableness: 1, Sociability: 1, Chill: 1 }
    expect(baseFlair('x', 'y', false, p).startsWith(UNBONDED_GLYPH)).toBe(true)
    expect(GEMSTONES).toContain(gemstone('x', 'y'))
    expect(baseFlair('x', 'y', true, p).startsWith(gemstone('x', 'y'))).toBe(true)
  })

  it('personality traits stay in 0..99 for arbitrary text', () => {
    for (let i = 0; i < 200; i++) {
      const p = personalityFromSoul(`soul-${i}`)
      for (const v of [p.Agreeableness, p.Sociability, p.Chill]) expect(v >= 0 && v < 100).toBe(true)
    }
  })
})
