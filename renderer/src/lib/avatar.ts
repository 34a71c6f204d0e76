/**
 * Deterministic avatars: a soft aura disc coloured by the nara's aura (primary → secondary),
 * a silhouette whose shape is fixed by a hash of its identity, and its initials. Same name and
 * aura → same picture everywhere; no randomness, no canvas, no animation (cheap for 1,000 rows).
 */
import { mulberry32 } from '../../../main/core/mulberry32'

export interface AvatarSpec {
  primary: string
  secondary: string
  initials: string
  /** SVG path of the silhouette in a 0..100 box. */
  path: string
  /** A safe DOM id for the gradient (derived from the hash, never from peer text). */
  gradientId: string
}

/** FNV-1a 32-bit. */
export function hash32(text: string): number {
  let h = 0x811c9dc5
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i)
    h = Math.imul(h, 0x01000193)
  }
  return h >>> 0
}

const HEX = /^#[0-9a-fA-F]{6}$/

/** Only well-formed #rrggbb colours reach an SVG attribute; anything else falls back. */
export function safeColour(c: unknown, fallback: string): string {
  return typeof c === 'string' && HEX.test(c) ? c.toLowerCase() : fallback
}

function hueColour(h: number, s: number, l: number): string {
  const a = s * Math.min(l, 1 - l)
  const f = (n: number): string => {
    const k = (n + h / 30) % 12
    const c = l - a * Math.max(-1, Math.min(k - 3, 9 - k, 1))
    return Math.round(c * 255)
      .toString(16)
      .padStart(2, '0')
  }
  return `#${f(0)}${f(8)}${f(4)}`
}

export function initials(name: string): string {
  const parts = name.split(/[-_.\s]+/).filter((p) => p.length > 0)
  const chars = parts.length >= 2 ? [...parts[0]!].slice(0, 1).concat([...parts[1]!].slice(0, 1)) : [...name].slice(0, 2)
  return chars.join('').toUpperCase() || '?'
}

function silhouette(seed: number): string {
  const rnd = mulberry32(seed)
  const lobes = 3 + Math.floor(rnd() * 4)
  const wobble = 0.06 + rnd() * 0.1
  const phase = rnd() * Math.PI * 2
  const stretch = 0.85 + rnd() * 0.3
  const steps = 36
  const pts: string[] = []
  for (let i = 0; i < steps; i++) {
    const a = (i / steps) * Math.PI * 2
    const r = 34 * (1 + wobble * Math.sin(a * lobes + phase))
    const x = 50 + r * Math.cos(a) * stretch
    const y = 52 + r * Math.sin(a) / stretch
    pts.push(`${x.toFixed(1)} ${y.toFixed(1)}`)
  }
  return `M${pts.join('L')}Z`
}

export function avatarSpec(name: string, id: string, aura: { primary: string; secondary: string } | null): AvatarSpec {
  const seed = hash32(id || name)
  const hue = seed % 360
  const primary = safeColour(aura?.primary, hueColour(hue, 0.55, 0.6))
  const secondary = safeColour(aura?.secondary, hueColour((hue + 40) % 360, 0.5, 0.45))
  return {
    primary,
    secondary,
    initials: initials(name),
    path: silhouette(seed),
    gradientId: `aura-${seed.toString(36)}`
  }
}
