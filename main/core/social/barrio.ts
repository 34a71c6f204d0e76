/**
 * Barrios (Go `barrios.go`): a nara's neighbourhood is the cell of its Vivaldi coordinates on a
 * grid as wide as the median ping RTT, hashed onto 16 named barrios; without usable coordinates,
 * its monthly "vibe". Our LicensePlate is our own barrio's emoji. Pure functions.
 */
import { BoundedMemo } from '../boundedMemo'
import { sha256 } from '../protocol/crypto'
import { BARRIO_EMOJI, CLUSTER_NAMES } from '../protocol/names'
import type { Coordinates } from '../protocol/types'

export const DEFAULT_GRID = 50
export const MIN_GRID = 10
export const MAX_GRID = 200

export interface Barrio {
  index: number
  name: string
  emoji: string
  /** grid: from coordinates; vibe: from the name and month. */
  method: 'grid' | 'vibe'
}

/** Median of the positive RTTs (mean of the middle two when even), clamped to [10, 200]; 50 without any. */
export function gridSize(rtts: readonly number[]): number {
  const sorted = rtts.filter((r) => r > 0).sort((a, b) => a - b)
  if (sorted.length === 0) return DEFAULT_GRID
  const mid = Math.floor(sorted.length / 2)
  const median = sorted.length % 2 === 0 ? ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2 : (sorted[mid] as number)
  return Math.min(MAX_GRID, Math.max(MIN_GRID, median))
}

const INT64_MIN = -(2n ** 63n)
const INT64_END = 2n ** 63n

/**
 * Go's int64(float64) for a cell number: out of range (absurd coordinates from a peer) it is
 * implementation-defined; on amd64, where the reference runs, it yields the minimum int64.
 */
export function goCellNumber(v: number): bigint {
  if (!Number.isFinite(v)) return INT64_MIN
  const n = BigInt(Math.trunc(v))
  return n >= INT64_MIN && n < INT64_END ? n : INT64_MIN
}

// Both hashes below are asked for every peer each time a view, a Flair or a tease decision is
// built, with the same few inputs over and over.
const cellIndexes = new BoundedMemo<string, number>(4096)
const vibes = new BoundedMemo<string, bigint>(4096)

/** SHA-256 of the two cell numbers as big-endian int64s, first 8 bytes as uint64, mod 16. */
export function gridCellIndex(cellX: number, cellY: number): number {
  return cellIndexes.get(`${cellX},${cellY}`, () => hashCell(cellX, cellY))
}

function hashCell(cellX: number, cellY: number): number {
  const buf = Buffer.alloc(16)
  buf.writeBigInt64BE(goCellNumber(cellX), 0)
  buf.writeBigInt64BE(goCellNumber(cellY), 8)
  return Number(sha256(buf).readBigUInt64BE(0) % BigInt(CLUSTER_NAMES.length))
}

/**
 * SHA-256(name ‖ UTF-8 of the code point `year` ‖ UTF-8 of the code point `month`), first 8 bytes
 * as uint64 (Go `calculateVibe`; it reads the date in the process's local time zone).
 */
export function vibe(name: string, when: Date): bigint {
  const text = name + String.fromCodePoint(when.getFullYear()) + String.fromCodePoint(when.getMonth() + 1)
  return vibes.get(text, () => sha256(text).readBigUInt64BE(0))
}

/** Go `IsValid`: all four numbers finite (anything else from a peer counts as no coordinates). */
export function usable(c: Coordinates | null | undefined): c is Coordinates {
  return !!c && [c.x, c.y, c.height, c.error].every((v) => Number.isFinite(v))
}

export function barrioOf(name: string, coords: Coordinates | null | undefined, grid: number, when: Date): Barrio {
  let index: number
  let method: Barrio['method']
  if (usable(coords)) {
    index = gridCellIndex(Math.floor(coords.x / grid), Math.floor(coords.y / grid))
    method = 'grid'
  } else {
    index = Number(vibe(name, when) % BigInt(CLUSTER_NAMES.length))
    method = 'vibe'
  }
  return { index, name: CLUSTER_NAMES[index] as string, emoji: BARRIO_EMOJI[index] as string, method }
}

/** Go `IsInMyBarrio`: same grid cell hash when both have coordinates, else the same monthly vibe. */
export function sameBarrio(a: { name: string; coords: Coordinates | null | undefined }, b: { name: string; coords: Coordinates | null | undefined }, grid: number, when: Date): boolean {
  if (usable(a.coords) && usable(b.coords)) return barrioOf(a.name, a.coords, grid, when).index === barrioOf(b.name, b.coords, grid, when).index
  const n = BigInt(CLUSTER_NAMES.length)
  return vibe(a.name, when) % n === vibe(b.name, when) % n
}
