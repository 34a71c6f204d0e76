/**
 * Presence rules for events that arrive in bulk — zines, sync responses, DMs — as opposed
 * to one by one on the plaza (Go `MergeSyncEventsWithVerification` with
 * `processHeyThereSyncEvents`, `processChauSyncEvents`; presence.md §2.3, §4.3, §5.1).
 * The mesh merge and `NaraNode.ingestEvents` both run exactly this, before storing the batch:
 *
 * - hey-there: import the identity (only filling empty fields); a bad embedded signature
 *   skips the import (the event is still stored). No ID, no howdy on this path.
 * - chau: ignored entirely while booting; only a verified chau counts (trust-model.md: a
 *   goodbye nobody can verify takes nobody offline); a newer hey-there from the same nara
 *   (in the batch or the ledger) wins; otherwise an ONLINE peer becomes OFFLINE.
 * - emitters of verified events count as seen at their event time (not while booting, not
 *   chau senders of this batch, not when already ONLINE, only recent evidence that is not
 *   dated ahead of our clock).
 */
import { SKEW } from './trust'
import type { SyncEvent } from '../protocol/types'
import type { Trust } from '../views'

export const RECENT_EVIDENCE_S = 300

export interface BulkDirectory {
  learn(peer: { name: string; publicKey: string; meshIP: string }, opts?: { bind?: boolean }): void
  isOnline(name: string): boolean
  markOffline(name: string, goneAtMs?: number): void
  recordOnline(name: string, tSeconds: number): void
}

export interface BulkIntakeContext {
  self: string
  booting: boolean
  nowMs: number
  directory: BulkDirectory
  /** The signature verdict of each event (cached by the caller). */
  trustOf(e: SyncEvent): Trust
  hasNewerHeyThere(from: string, ts: bigint): boolean
}

export function applyBulkPresence(events: readonly SyncEvent[], ctx: BulkIntakeContext): void {
  const { self, booting, directory: dir } = ctx

  for (const e of events) {
    if (e.svc !== 'hey-there' || e.hey_there.From === self || e.hey_there.From === '') continue
    const trust = ctx.trustOf(e)
    if (trust === 'bad-signature') continue
    // A hello verified with the key it carries, signed by the nara itself, binds that key (trust on first use).
    const bind = trust === 'verified' && e.emitter === e.hey_there.From && e.hey_there.PublicKey !== ''
    dir.learn({ name: e.hey_there.From, publicKey: e.hey_there.PublicKey, meshIP: e.hey_there.MeshIP }, { bind })
  }

  const chauSenders = new Set<string>()
  for (const e of events) if (e.svc === 'chau') chauSenders.add(e.chau.From)
  if (booting) return

  for (const e of events) {
    if (e.svc !== 'chau' || e.chau.From === self || e.chau.From === '') continue
    const trust = ctx.trustOf(e)
    if (trust !== 'verified' || e.emitter !== e.chau.From) continue
    const newerInBatch = events.some((h) => h.svc === 'hey-there' && h.hey_there.From === e.chau.From && h.ts > e.ts)
    if (newerInBatch || ctx.hasNewerHeyThere(e.chau.From, e.ts)) continue
    if (dir.isOnline(e.chau.From)) dir.markOffline(e.chau.From, Number(e.ts / 1_000_000n))
  }

  const nowS = ctx.nowMs / 1000
  for (const e of events) {
    const emitter = e.emitter ?? ''
    if (emitter === '' || emitter === self || chauSenders.has(emitter) || dir.isOnline(emitter)) continue
    if (ctx.trustOf(e) !== 'verified') continue
    const t = Number(e.ts / 1_000_000_000n)
    if (nowS - t < RECENT_EVIDENCE_S && (t - nowS) * 1000 <= SKEW.event.futureMs) dir.recordOnline(emitter, t)
  }
}
