/**
 * Vivaldi network coordinates as the reference moves them (vivaldi.go, coordinate_maintenance.go):
 * after each maintenance ping to a peer whose newspapers carry valid coordinates, our point moves
 * along the line to it by Cc × w × (rtt − predicted distance), where w = our error share; the
 * error is a weighted mix of the old error and |rtt − predicted|, kept within [0.001, 2]; the
 * height moves a tenth as far and never drops below 1e-5.
 */
import type { Coordinates } from '../protocol/types'

export const VIVALDI = { ce: 0.25, cc: 0.25, minHeight: 0.00001, initialError: 1 } as const

export function validCoordinates(c: Coordinates | null | undefined): c is Coordinates {
  return !!c && [c.x, c.y, c.height, c.error].every((v) => typeof v === 'number' && Number.isFinite(v))
}

/** Predicted RTT (ms): Euclidean distance plus both heights. */
export function vivaldiDistance(a: Coordinates, b: Coordinates): number {
  return Math.hypot(a.x - b.x, a.y - b.y) + a.height + b.height
}

/**
 * Moves `me` (in place) after a measured `rttMs` to `peer`; returns the new error. A
 * non-positive RTT or an invalid peer point changes nothing. `float` breaks ties when both points
 * coincide (a random direction, as Go).
 */
export function vivaldiUpdate(me: Coordinates, peer: Coordinates, rttMs: number, float: () => number): number {
  if (!validCoordinates(peer) || !(rttMs > 0)) return me.error
  const predicted = vivaldiDistance(me, peer)
  const err = rttMs - predicted
  const total = me.error + peer.error || 0.001
  const w = me.error / total
  me.error = Math.min(2, Math.max(0.001, me.error * VIVALDI.ce * w + Math.abs(err) * (1 - VIVALDI.ce * w)))
  const dx = me.x - peer.x
  const dy = me.y - peer.y
  const dist = Math.hypot(dx, dy)
  let ux: number
  let uy: number
  if (dist > 0.0001) {
    ux = dx / dist
    uy = dy / dist
  } else {
    const angle = float() * 2 * Math.PI
    ux = Math.cos(angle)
    uy = Math.sin(angle)
  }
  const delta = VIVALDI.cc * w * err
  me.x += ux * delta
  me.y += uy * delta
  me.height = Math.max(VIVALDI.minHeight, me.height + delta * 0.1)
  return me.error
}
