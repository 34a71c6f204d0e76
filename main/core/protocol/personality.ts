/**
 * Soul-seeded cosmetics reported in the newspaper (identity.md §7). Peers cannot check any
 * of this, but matching the reference keeps a nara looking the same under either runtime.
 */
import type { Personality } from './types'
import { sha256 } from './crypto'
import { GoRand, seedFromDigest } from './gorand'
import { GEMSTONES, PERSONAL_FLAIR_POOL } from './names'

/** Three successive Intn(100) from math/rand seeded by SHA-256 of the soul's Base58 text. */
export function personalityFromSoul(soulText: string): Personality {
  const r = new GoRand(seedFromDigest(sha256(soulText)))
  const Agreeableness = r.intn(100)
  const Sociability = r.intn(100)
  const Chill = r.intn(100)
  return { Agreeableness, Sociability, Chill }
}

/** SHA-256(name + soul) as a big-endian uint64, modulo the gemstone count. */
export function gemstone(name: string, soulText: string): string {
  const digest = sha256(name + soulText)
  const index = Number(digest.readBigUInt64BE(0) % BigInt(GEMSTONES.length))
  return GEMSTONES[index]!
}

/** Shown instead of a gemstone when the soul is not bonded to the name. */
export const UNBONDED_GLYPH = '👤'

/** (Sociability / 31) + 1 emojis drawn from the personal pool with math/rand seeded by SHA-256(name). */
export function personalFlair(name: string, personality: Personality): string {
  const count = Math.trunc(personality.Sociability / 31) + 1
  const r = new GoRand(seedFromDigest(sha256(name)))
  let out = ''
  for (let i = 0; i < count; i++) out += PERSONAL_FLAIR_POOL[r.intn(PERSONAL_FLAIR_POOL.length)]!
  return out
}

/**
 * The identity-derived part of the flair: gemstone (or 👤 when unbonded), the trend's emoji
 * when we follow one, then the personal emojis. Host, trend and network awards are appended by the status builder.
 */
export function baseFlair(name: string, soulText: string, bonded: boolean, personality: Personality, trendEmoji = ''): string {
  return (bonded ? gemstone(name, soulText) : UNBONDED_GLYPH) + trendEmoji + personalFlair(name, personality)
}
