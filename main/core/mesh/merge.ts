/**
 * Merging events received over the mesh (zines-and-mesh.md §5.5, reference
 * `MergeSyncEventsWithVerification`): hey-there identities and chau events update the
 * directory, emitters count as seen, signatures are checked — and every event is stored
 * anyway. A bad event signature is only marked (trust 'bad-signature') and counted.
 */
import { BoundedMemo } from '../boundedMemo'
import type { SyncEvent, Zine } from '../protocol/types'
import { carriedPublicKeyBytes, eventSigningDigest } from '../protocol/events'
import { ed25519Verify, parseSignature, publicKeyBase64 } from '../protocol/crypto'
import type { Trust } from '../views'
import { storeEvent, type MergedEvent, type MergeSource, type MeshHost } from './host'
import type { MeshStats } from './stats'
import type { VerifyJob } from '../bus/control/verifyWorkers'
import { createZine, isSigned } from './wire'
import { applyBulkPresence } from '../presence/bulkIntake'

/** The zine window: events with ts ≥ now − 5 min. */
export const ZINE_WINDOW_NS = 5n * 60n * 1_000_000_000n

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
const verdicts = new BoundedMemo<string, boolean>(100_000)

const verdictKey = (digest: Buffer, e: SyncEvent, key: Uint8Array): string => `${digest.toString('base64')}|${e.sig}|${publicKeyBase64(key)}`

function cachedVerify(e: SyncEvent, key: Uint8Array): boolean {
  const digest = eventSigningDigest(e)
  return verdicts.get(verdictKey(digest, e, key), () => {
    const sig = parseSignature(e.sig ?? '')
    return !!sig && ed25519Verify(key, digest, sig)
  })
}

/**
 * The key an event's signature must verify with (trust-model.md): the key bound to the emitter
 * when there is one — a carried key cannot speak for a bound name — else the key a hey-there or
 * chau carries, else the emitter's known (hearsay) key.
 */
function trustKey(e: SyncEvent, host: MeshHost): Uint8Array | null {
  const emitter = e.emitter ?? ''
  return host.directory.boundKeyOf?.(emitter) ?? ((e.svc === 'hey-there' || e.svc === 'chau' ? carriedPublicKeyBytes(e) : null) ?? host.directory.publicKeyOf(emitter))
}

export function eventTrust(e: SyncEvent, host: MeshHost): Trust {
  if (!isSigned(e)) return 'unsigned'
  const key = trustKey(e, host)
  if (!key) return 'unknown-key'
  return cachedVerify(e, key) ? 'verified' : 'bad-signature'
}

/**
 * Checks, on the host's verify workers, every signature of the batch that has no verdict yet,
 * and remembers the verdicts, so the merge loop below finds them all and a large zine costs
 * the main thread no Ed25519 work. Keys are resolved exactly as `eventTrust` resolves them, after
 * the batch's own hey-theres are applied; a key that changes during the merge misses the memo
 * and is checked there as before.
 */
async function prefetchVerdicts(host: MeshHost, events: readonly SyncEvent[]): Promise<void> {
  const checker = host.verifier
  if (!checker) return
  const jobs: VerifyJob[] = []
  const keys: string[] = []
  const queued = new Set<string>()
  for (const e of events) {
    if (!isSigned(e)) continue
    const key = trustKey(e, host)
    if (!key) continue
    const digest = eventSigningDigest(e)
    const k = verdictKey(digest, e, key)
    if (verdicts.has(k) || queued.has(k)) continue
    const signature = parseSignature(e.sig ?? '')
    if (!signature) continue // the merge loop records it as bad without a worker
    queued.add(k)
    keys.push(k)
    jobs.push({ publicKey: key, message: digest, signature })
  }
  if (jobs.length === 0) return
  const flags = await checker.verify(jobs)
  // Remembered unless a concurrent merge got there first (with the same verdict).
  keys.forEach((k, i) => verdicts.get(k, () => flags[i] === 1))
}

/**
 * Longest stretch of merging between yields. A time budget rather than an event count: a
 * verdict-cache hit costs microseconds and a fresh signature check tens of them, so a fixed
 * count would either yield needlessly or hold the loop for a long time.
 */
const MERGE_SLICE_MS = 8
const yieldToLoop = (): Promise<void> => new Promise((r) => setImmediate(r))

/**
 * Merges in slices, yielding to the event loop between them, so a 5,000-event zine never
 * blocks the server for the length of 5,000 signature checks.
 */
export async function mergeEvents(host: MeshHost, events: readonly SyncEvent[], source: MergeSource, peer: string, stats: MeshStats): Promise<MergeReport> {
  // One presence path for every bulk arrival (shared with NaraNode.ingestEvents).
  applyBulkPresence(events, {
    self: host.self.name,
    booting: host.isBooting(),
    nowMs: host.clock.nowMs(),
    directory: host.directory,
    trustOf: (e) => eventTrust(e, host),
    hasNewerHeyThere: (from, ts) => host.ledger.hasNewerHeyThere(from, ts)
  })
  await prefetchVerdicts(host, events)

  const report: MergeReport = { added: 0, duplicate: 0, rejected: 0, badSignature: 0, unsigned: 0, unknownKey: 0, merged: [] }
  let sliceStart = performance.now()
  for (const e of events) {
    if (performance.now() - sliceStart >= MERGE_SLICE_MS) {
      await yieldToLoop()
      sliceStart = performance.now()
    }
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

export function zineHasChauFrom(zine: Pick<Zine, 'from' | 'events'>): boolean {
  return zine.events.some((e) => e.svc === 'chau' && e.chau.From === zine.from)
}

/** Our recent events (ts ≥ now − 5 min, ledger order), signed as a zine. */
export function buildOwnZine(host: MeshHost): Zine {
  const cut = host.clock.nowNs() - ZINE_WINDOW_NS
  const events = host.ledger.since(cut).filter((e) => e.ts >= cut)
  return createZine(host.self.name, Math.floor(host.clock.nowMs() / 1000), events, host.self.signer)
}
