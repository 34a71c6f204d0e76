/**
 * Merging events received over the mesh (zines-and-mesh.md §5.5, reference
 * `MergeSyncEventsWithVerification`): hey-there identities and chau events update the
 * directory, emitters count as seen, signatures are checked — and every event is stored
 * anyway. A bad event signature is only marked (trust 'bad-signature') and counted.
 */
import type { SyncEvent, Zine } from '../protocol/types'
import { carriedPublicKeyBytes, eventSigningDigest } from '../protocol/events'
import { ed25519Verify, parseSignature } from '../protocol/crypto'
import type { Trust } from '../views'
import { storeEvent, type MergedEvent, type MergeSource, type MeshHost } from './host'
import type { MeshStats } from './stats'
import { createZine, isSigned } from './wire'

/** The zine window: events with ts ≥ now − 5 min. */
export const ZINE_WINDOW_NS = 5n * 60n * 1_000_000_000n
const RECENT_S = 300

export interface MergeReport {
  added: number
  duplicate: number
  rejected: number
  badSignature: number
  unsigned: number
  unknownKey: number
  merged: MergedEvent[]
}

/**
 * Verdicts by (signed digest, sig, key): the same 5-minute window travels in every zine round,
 * so each event's Ed25519 check is paid once, not once per peer per round. The key is the
 * digest of the signed content, never the id alone: a payload altered under a kept id and
 * signature must miss the cache (the tampered/zine-inner-event-payload vector).
 */
const verdictCache = new Map<string, boolean>()
const VERDICT_CACHE_MAX = 100_000

function cachedVerify(e: SyncEvent, key: Uint8Array): boolean {
  const digest = eventSigningDigest(e)
  const k = `${digest.toString('base64')}|${e.sig}|${Buffer.from(key).toString('base64')}`
  const hit = verdictCache.get(k)
  if (hit !== undefined) return hit
  const sig = parseSignature(e.sig ?? '')
  const ok = !!sig && ed25519Verify(key, digest, sig)
  if (verdictCache.size >= VERDICT_CACHE_MAX) verdictCache.clear()
  verdictCache.set(k, ok)
  return ok
}

/** The key an event's signature must verify with: embedded for hey-there, else the emitter's known key. */
export function eventTrust(e: SyncEvent, host: MeshHost): Trust {
  if (!isSigned(e)) return 'unsigned'
  const key = e.svc === 'hey-there' ? (carriedPublicKeyBytes(e) ?? host.directory.publicKeyOf(e.emitter ?? '')) : host.directory.publicKeyOf(e.emitter ?? '')
  if (!key) return 'unknown-key'
  return cachedVerify(e, key) ? 'verified' : 'bad-signature'
}

const MERGE_CHUNK = 250
const yieldToLoop = (): Promise<void> => new Promise((r) => setImmediate(r))

/**
 * Merges in chunks, yielding to the event loop between them, so a 5,000-event zine never
 * blocks the server for the length of 5,000 signature checks.
 */
export async function mergeEvents(host: MeshHost, events: readonly SyncEvent[], source: MergeSource, peer: string, stats: MeshStats): Promise<MergeReport> {
  const self = host.self.name
  const booting = host.isBooting()
  const dir = host.directory

  // hey-there identities (presence.md §2.3): a bad embedded signature skips the import only.
  for (const e of events) {
    if (e.svc !== 'hey-there' || e.hey_there.From === self || e.hey_there.From === '') continue
    if (isSigned(e)) {
      const key = carriedPublicKeyBytes(e)
      if (!key || !cachedVerify(e, key)) continue
    }
    dir.learn({ name: e.hey_there.From, publicKey: e.hey_there.PublicKey, meshIP: e.hey_there.MeshIP })
  }

  // chau events (presence.md §4.3): ignored while booting; a newer hey-there wins.
  const chauSenders = new Set<string>()
  for (const e of events) if (e.svc === 'chau') chauSenders.add(e.chau.From)
  if (!booting) {
    for (const e of events) {
      if (e.svc !== 'chau' || e.chau.From === self || e.chau.From === '') continue
      if (isSigned(e)) {
        const key = carriedPublicKeyBytes(e) ?? dir.publicKeyOf(e.chau.From)
        if (!key || !cachedVerify(e, key)) continue
      }
      const newerInBatch = events.some((h) => h.svc === 'hey-there' && h.hey_there.From === e.chau.From && h.ts > e.ts)
      if (newerInBatch || host.ledger.hasNewerHeyThere(e.chau.From, e.ts)) continue
      if (dir.isOnline(e.chau.From)) dir.markOffline(e.chau.From)
    }
  }

  // Emitters of merged events count as seen (not while booting; not chau senders).
  if (!booting) {
    const nowS = host.clock.nowMs() / 1000
    for (const e of events) {
      const emitter = e.emitter ?? ''
      if (emitter === '' || emitter === self || chauSenders.has(emitter) || dir.isOnline(emitter)) continue
      const t = Number(e.ts / 1_000_000_000n)
      if (nowS - t < RECENT_S) dir.recordOnline(emitter, t)
    }
  }

  const report: MergeReport = { added: 0, duplicate: 0, rejected: 0, badSignature: 0, unsigned: 0, unknownKey: 0, merged: [] }
  for (const [i, e] of events.entries()) {
    if (i > 0 && i % MERGE_CHUNK === 0) await yieldToLoop()
    const trust = eventTrust(e, host)
    if (trust === 'bad-signature') {
      report.badSignature++
      stats.reject('event_bad_signature', `${e.svc} ${e.id} from ${e.emitter ?? '?'} via ${peer}`)
    } else if (trust === 'unsigned') report.unsigned++
    else if (trust === 'unknown-key') report.unknownKey++
    const result = storeEvent(host, e, trust)
    if (result === 'added') report.added++
    else if (result === 'duplicate') report.duplicate++
    else {
      report.rejected++
      stats.reject('event_invalid', `${e.svc} ${e.id} refused by the ledger`)
    }
    report.merged.push({ event: e, trust, result })
  }
  stats.count(`merge.${source}.added`, report.added)
  host.onMerged?.(report.merged, source, peer)
  return report
}

export function zineHasChauFrom(zine: Zine): boolean {
  return zine.events.some((e) => e.svc === 'chau' && e.chau.From === zine.from)
}

/** Our recent events (ts ≥ now − 5 min, ledger order), signed as a zine. */
export function buildOwnZine(host: MeshHost): Zine {
  const cut = host.clock.nowNs() - ZINE_WINDOW_NS
  const events = host.ledger.since(cut).filter((e) => e.ts >= cut)
  return createZine(host.self.name, Math.floor(host.clock.nowMs() / 1000), events, host.self.signer)
}
