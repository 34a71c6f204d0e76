/**
 * The inbound event path as a PIPELINE: decode → verify → dedupe → ledger → projections.
 * Decoding runs on the caller; verification is pushed round-robin to N verifier pullers
 * (worker threads when `workers > 0`, the main thread otherwise) through bounded queues, so a
 * flood of events meets back-pressure instead of unbounded memory; dedupe, ledger and
 * projections run on the main thread, which owns that state. Every rejection is counted by reason.
 */
import { availableParallelism } from 'node:os'
import type { Result } from '../../result'
import { Puller, Pusher } from './pipeline'
import { inlineVerifier, packJobs, WorkerVerifier, type BatchVerifier, type PackedJobs, type VerifyJob } from './verifyWorkers'

export interface IngestStages<Raw, E> {
  decode(raw: Raw): Result<E>
  /** The signature to check; null when the event is unsigned or its key unknown (rejected). */
  verifyJob(e: E): VerifyJob | null
  id(e: E): string
  ledgerAdd(e: E): 'added' | 'duplicate' | 'rejected'
  project(e: E): void
}

export interface IngestOptions<Raw, E> {
  stages: IngestStages<Raw, E>
  /** Verifier threads; 0 verifies on the main thread; 'auto' one per core of this machine. */
  workers?: number | 'auto'
  /**
   * Verifiers the caller owns instead (`workers` is then ignored): threads kept running from one
   * pipeline to the next, as a node keeps its workers for its lifetime. `close` leaves them running.
   */
  verifiers?: readonly BatchVerifier[]
  /** Batches each verifier may hold queued (back-pressure bound). */
  queueCapacity?: number
  /** How many recent ids the dedupe stage remembers. */
  dedupeWindow?: number
}

export interface IngestStats {
  received: number
  verified: number
  duplicates: number
  added: number
  projected: number
  rejected: Record<string, number>
  blockedPushes: number
}

export interface IngestPipeline<Raw> {
  /** Feeds a batch; resolves once it is queued (waits while all verifiers are full). */
  ingest(batch: Raw[]): Promise<void>
  /** Resolves when every queued batch has gone through all stages. */
  drain(): Promise<void>
  stats(): IngestStats
  close(): Promise<void>
}

/** Verify workers sized to the machine: one per core the OS lets this process use. */
export function machineVerifyWorkers(): number {
  return Math.max(1, availableParallelism())
}

export function createIngestPipeline<Raw, E>(opts: IngestOptions<Raw, E>): IngestPipeline<Raw> {
  const { stages } = opts
  const workers = opts.workers === 'auto' ? machineVerifyWorkers() : Math.max(0, Math.floor(opts.workers ?? 0))
  const owned = !opts.verifiers?.length
  const verifiers: readonly BatchVerifier[] = opts.verifiers?.length
    ? opts.verifiers
    : workers === 0 ? [inlineVerifier] : Array.from({ length: workers }, () => new WorkerVerifier())
  const stats: IngestStats = { received: 0, verified: 0, duplicates: 0, added: 0, projected: 0, rejected: {}, blockedPushes: 0 }
  const reject = (reason: string, n = 1): void => {
    stats.rejected[reason] = (stats.rejected[reason] ?? 0) + n
  }
  const seen = new Set<string>()
  const window = opts.dedupeWindow ?? 100_000

  const sink = (events: E[], flags: Uint8Array): void => {
    for (let i = 0; i < events.length; i++) {
      const e = events[i] as E
      if (flags[i] !== 1) {
        reject('bad_signature')
        continue
      }
      stats.verified++
      const id = stages.id(e)
      if (seen.has(id)) {
        stats.duplicates++
        continue
      }
      seen.add(id)
      if (seen.size > window) {
        const oldest = seen.values().next().value
        if (oldest !== undefined) seen.delete(oldest)
      }
      const outcome = stages.ledgerAdd(e)
      if (outcome === 'duplicate') {
        stats.duplicates++
        continue
      }
      if (outcome === 'rejected') {
        reject('ledger_rejected')
        continue
      }
      stats.added++
      try {
        stages.project(e)
        stats.projected++
      } catch {
        reject('projection_error')
      }
    }
  }

  interface Batch {
    events: E[]
    jobs: PackedJobs
  }
  const pusher = new Pusher<Batch>()
  // A worker gets its next batch while we apply its last results, so it never waits on us.
  const inFlight = verifiers[0] === inlineVerifier ? 1 : 2
  const capacity = Math.max(inFlight, opts.queueCapacity ?? 4)
  verifiers.forEach((v, i) => {
    pusher.addPuller(
      new Puller<Batch>(`verify-${i}`, capacity, async (b) => {
        let flags: Uint8Array
        try {
          flags = await v.verifyBatch(b.jobs)
        } catch {
          reject('verifier_failed', b.events.length)
          return
        }
        sink(b.events, flags)
      }, inFlight)
    )
  })

  return {
    async ingest(batch) {
      const events: E[] = []
      const jobs: VerifyJob[] = []
      for (const raw of batch) {
        stats.received++
        const decoded = stages.decode(raw)
        if (!decoded.ok) {
          reject(decoded.error.code)
          continue
        }
        const job = stages.verifyJob(decoded.value)
        if (!job) {
          reject('unverifiable')
          continue
        }
        events.push(decoded.value)
        jobs.push(job)
      }
      if (events.length === 0) return
      const before = pusher.stats.blocked
      await pusher.push({ events, jobs: packJobs(jobs) })
      stats.blockedPushes += pusher.stats.blocked - before
    },
    drain: () => pusher.idle(),
    stats: () => ({ ...stats, rejected: { ...stats.rejected } }),
    async close() {
      await pusher.idle()
      if (owned) await Promise.all(verifiers.map((v) => v.close()))
    }
  }
}
