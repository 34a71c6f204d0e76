/**
 * The two aura colours of a nara's status (newspaper.md §4.7), reproducing the reference's
 * OKLCH palette: a 32-bit FNV-1a hash of soul+name picks hue, harmony and light source,
 * the personality picks lightness/chroma, and uptime tints the result like an old memory.
 * Plain IEEE doubles in the same order of operations give identical 8-bit colours.
 */
import type { Aura, Personality } from './types'

export enum Palette {
  Default = 0,
  Warm = 1,
  Cool = 2,
  Noir = 3,
  Neon = 4
}

export enum Harmony {
  Analogous = 0,
  SplitComplement = 1,
  Triadic = 2,
  Complement = 3
}

/** Bias along OKLab's a (green↔red) and b (blue↔yellow) axes. */
export interface Illuminant {
  readonly a: number
  readonly b: number
}

const DAYLIGHT: Illuminant = { a: 0, b: 0 }
const TUNGSTEN: Illuminant = { a: 0.02, b: 0.06 }
const SODIUM: Illuminant = { a: 0.01, b: 0.1 }
const LED: Illuminant = { a: -0.02, b: -0.03 }
const MOONLIGHT: Illuminant = { a: -0.01, b: -0.06 }

/** Intermediate values, exposed for diagnosis against the reference vectors. */
export interface AuraDebug {
  readonly fnv32a: number
  readonly palette: Palette
  readonly harmony: Harmony
  readonly illuminant: Illuminant
  readonly illuminantStrength: number
}

const UTF8 = new TextEncoder()

export function fnv1a32(text: string): number {
  let h = 0x811c9dc5
  for (const byte of UTF8.encode(text)) h = Math.imul(h ^ byte, 0x01000193) >>> 0
  return h
}

/** Integer avalanche of hash^salt, scaled to [0, 1]. */
function hashToUnit(h: number, salt: number): number {
  let x = (h ^ salt) >>> 0
  x = (x ^ (x >>> 16)) >>> 0
  x = Math.imul(x, 0x7feb352d) >>> 0
  x = (x ^ (x >>> 15)) >>> 0
  x = Math.imul(x, 0x846ca68b) >>> 0
  x = (x ^ (x >>> 16)) >>> 0
  return x / 0xffffffff
}

const clamp = (x: number, lo: number, hi: number): number => (x < lo ? lo : x > hi ? hi : x)
const clamp01 = (x: number): number => clamp(x, 0, 1)
const fract = (x: number): number => x - Math.floor(x)

function wrapHue(h: number): number {
  const m = h % 360
  return m < 0 ? m + 360 : m
}

export function choosePalette(p: Personality): Palette {
  const s = p.Sociability
  const c = p.Chill
  if (s > 70 && c < 40) return Palette.Neon
  if (c > 70) return Palette.Noir
  if (s < 40) return Palette.Cool
  if (s > 60 && c > 40) return Palette.Warm
  return Palette.Default
}

function chooseHarmony(agreeableness: number, h: number): Harmony {
  const r = hashToUnit(h, 0x51ed270b)
  if (agreeableness >= 0.75) return r < 0.85 ? Harmony.Analogous : Harmony.SplitComplement
  if (agreeableness >= 0.45) return r < 0.55 ? Harmony.SplitComplement : Harmony.Analogous
  return r < 0.4 ? Harmony.Triadic : Harmony.Complement
}

const HARMONY_BASE_DEGREES: Record<Harmony, number> = {
  [Harmony.Analogous]: 28,
  [Harmony.SplitComplement]: 150,
  [Harmony.Triadic]: 120,
  [Harmony.Complement]: 180
}

function harmonyOffset(mode: Harmony, h: number): number {
  const jitter = (hashToUnit(h, 0xc0ffee) - 0.5) * 14
  return HARMONY_BASE_DEGREES[mode] + jitter
}

function lightnessAway(l: number, base: number, minDelta: number, h: number): number {
  const dir = hashToUnit(h, 0xbadc0de) > 0.5 ? 1 : -1
  if (Math.abs(l - base) >= minDelta) return clamp(l, 0.18, 0.88)
  let out = base + dir * minDelta
  if (out < 0.18 || out > 0.88) out = base - dir * minDelta
  return clamp(out, 0.18, 0.88)
}

const MAX_UPTIME_SECONDS = 30 * 24 * 3600
const LOG1P_MAX_UPTIME = Math.log1p(MAX_UPTIME_SECONDS)

/** 0 at boot, 1 at 30 days, on a log curve. */
function uptimeFactor(uptimeSeconds: bigint): number {
  // Go converts the uint64 to float64 (round to nearest), as Number() does.
  return clamp01(Math.log1p(Number(BigInt.asUintN(64, uptimeSeconds))) / LOG1P_MAX_UPTIME)
}

function chooseIlluminant(
  h: number,
  p: Personality,
  palette: Palette,
  uptimeSeconds: bigint
): { illuminant: Illuminant; strength: number } {
  const a = clamp01(p.Agreeableness / 100)
  const s = clamp01(p.Sociability / 100)
  const c = clamp01(p.Chill / 100)
  const u = uptimeFactor(uptimeSeconds)

  let warm = clamp01(0.55 * u + 0.35 * c + 0.1 * (1 - s))
  let cool = clamp01(0.55 * s + 0.25 * (1 - c) + 0.2 * (1 - u))
  switch (palette) {
    case Palette.Warm:
      warm = clamp01(warm + 0.15)
      break
    case Palette.Cool:
      cool = clamp01(cool + 0.15)
      break
    case Palette.Noir:
      warm = clamp01(warm + 0.08)
      break
    case Palette.Neon:
      cool = clamp01(cool + 0.1)
      break
  }

  const neutralPull = 0.35 + 0.45 * a
  const r = hashToUnit(h, 0x1a11a7ed)
  let source: Illuminant
  if (warm >= cool) source = r < 0.25 + 0.35 * u ? SODIUM : TUNGSTEN
  else source = r < 0.2 + 0.25 * (1 - u) ? MOONLIGHT : LED

  let strength = clamp(0.12 + 0.55 * u + 0.15 * (1 - c), 0.08, 0.8)
  strength *= 1 - 0.55 * a

  const illuminant = {
    a: source.a + (DAYLIGHT.a - source.a) * neutralPull,
    b: source.b + (DAYLIGHT.b - source.b) * neutralPull
  }
  return { illuminant, strength }
}

type Rgb8 = readonly [number, number, number]

function oklabToLinearSrgb(l: number, a: number, b: number): [number, number, number] {
  const l_ = l + 0.3963377774 * a + 0.2158037573 * b
  const m_ = l - 0.1055613458 * a - 0.0638541728 * b
  const s_ = l - 0.0894841775 * a - 1.291485548 * b
  const L3 = l_ * l_ * l_
  const M3 = m_ * m_ * m_
  const S3 = s_ * s_ * s_
  return [
    4.0767416621 * L3 - 3.3077115913 * M3 + 0.2309699292 * S3,
    -1.2684380046 * L3 + 2.6097574011 * M3 - 0.3413193965 * S3,
    -0.0041960863 * L3 - 0.7034186147 * M3 + 1.707614701 * S3
  ]
}

function toSrgb8(linear: number): number {
  const x = clamp01(linear)
  const y = x <= 0.0031308 ? 12.92 * x : 1.055 * Math.pow(x, 1 / 2.4) - 0.055
  // y*255 is never negative here, so JS round-half-up equals Go's half-away-from-zero.
  return clamp(Math.round(y * 255), 0, 255)
}

const inUnit = (x: number): boolean => x >= 0 && x <= 1
const DEG_TO_RAD = Math.PI / 180

/**
 * OKLCH → sRGB under an illuminant shift. Only the chroma part shrinks while out of gamut;
 * the tint stays, and after 14 tries the channels are clamped.
 */
function oklchToSrgb8(l: number, chroma: number, hueDeg: number, ill: Illuminant, strength: number): Rgb8 {
  const rad = hueDeg * DEG_TO_RAD
  const a0 = chroma * Math.cos(rad)
  const b0 = chroma * Math.sin(rad)
  const shiftA = ill.a * strength
  const shiftB = ill.b * strength
  let k = 1
  for (let i = 0; i < 14; i++) {
    const [r, g, b] = oklabToLinearSrgb(l, k * a0 + shiftA, k * b0 + shiftB)
    if (inUnit(r) && inUnit(g) && inUnit(b)) return [toSrgb8(r), toSrgb8(g), toSrgb8(b)]
    k *= 0.88
  }
  const [r, g, b] = oklabToLinearSrgb(l, k * a0 + shiftA, k * b0 + shiftB)
  return [toSrgb8(r), toSrgb8(g), toSrgb8(b)]
}

function hex(rgb: Rgb8): string {
  return '#' + rgb.map((v) => v.toString(16).padStart(2, '0')).join('').toUpperCase()
}

/** Colours plus the intermediate choices, for tests and diagnosis. */
export function computeAuraDetailed(
  soulText: string,
  name: string,
  personality: Personality,
  uptimeSeconds: bigint
): { aura: Aura; debug: AuraDebug } {
  const h = fnv1a32(soulText + name)
  const palette = choosePalette(personality)
  const { illuminant, strength } = chooseIlluminant(h, personality, palette, uptimeSeconds)

  const a = clamp01(personality.Agreeableness / 100)
  const s = clamp01(personality.Sociability / 100)
  const c = clamp01(personality.Chill / 100)

  let hue = wrapHue((h % 360) + fract(hashToUnit(h, 0xa2c2a1)) * 137.50776405003785)
  let l = 0.52 + 0.18 * c - 0.06 * s
  let chroma = 0.06 + 0.22 * s + 0.05 * (1 - c)
  const harmony = chooseHarmony(a, h)

  switch (palette) {
    case Palette.Warm:
      hue = wrapHue(hue + 12)
      break
    case Palette.Cool:
      hue = wrapHue(hue - 12)
      break
    case Palette.Noir:
      l -= 0.12
      chroma *= 0.75
      break
    case Palette.Neon:
      l += 0.04
      chroma *= 1.18
      break
  }
  l = clamp(l, 0.18, 0.88)
  chroma = clamp(chroma, 0.02, 0.4)

  const primary = oklchToSrgb8(l, chroma, hue, illuminant, strength)

  const secondaryHue = wrapHue(hue + harmonyOffset(harmony, h))
  const secondaryChroma = clamp(chroma * (0.78 + 0.44 * (1 - s)), 0.02, 0.38)
  let minDeltaL = 0.1 + 0.06 * (1 - c)
  if (s > 0.65) minDeltaL += 0.03
  const secondaryL = lightnessAway(l, l, minDeltaL, h)
  const secondary = oklchToSrgb8(secondaryL, secondaryChroma, secondaryHue, illuminant, strength)

  return {
    aura: { primary: hex(primary), secondary: hex(secondary) },
    debug: { fnv32a: h, palette, harmony, illuminant, illuminantStrength: strength }
  }
}

/**
 * Aura for a status. uptimeSeconds is LastSeen − LastRestart as Go computes it (int64
 * difference reinterpreted as uint64, so a negative difference becomes huge).
 */
export function computeAura(soulText: string, name: string, personality: Personality, uptimeSeconds: bigint): Aura {
  return computeAuraDetailed(soulText, name, personality, uptimeSeconds).aura
}
