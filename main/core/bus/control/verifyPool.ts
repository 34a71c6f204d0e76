/**
 * Signature checks for a running node, on every core: a batch is split into one contiguous
 * share per verify worker and the flags come back in job order. The workers start on the first
 * batch worth sending and stop after a quiet spell, so a tray app that is only idling on the
 * plaza holds no threads; a small batch is checked on the calling thread, where a round trip
 * to a worker would cost more than it saves. A failed worker never fails a check: its share is
 * verified on the calling thread instead.
 */
import { inlineVerifier, packJobs, WorkerVerifier, type VerifyJob } from './verifyWorkers'
import { machineVerifyWorkers } from './ingest'

export interface VerifyPoolOptions {
  /** Worker threads when busy; 'auto' (default) one per core of this machine. */
  workers?: number | 'auto'
  /** Batches smaller than this are verified on the calling thread (default 64). */
  inlineBelow?: number
  /** The workers stop after this long without a batch (default 30 s). */
  idleMs?: number
}

export interface VerifyPoolStats {
  /** Jobs checked by worker threads. */
  offThread: number
  /** Jobs checked on the calling thread (small batches, or a failed worker's share). */
  inline: number
  /** Worker threads running now. */
  threads: number
}

export interface BatchSignatureChecker {
  /** One flag per job, in order: 1 = valid signature. Never rejects. */
  verify(jobs: readonly VerifyJob[]): Promise<Uint8Array>
}

export class VerifyPool implements BatchSignatureChecker {
  private workers: WorkerVerifier[] = []
  private idleTimer: NodeJS.Timeout | null = null
  private busy = 0
  private closed = false
  private readonly size: number
  private readonly inlineBelow: number
  private readonly idleMs: number
  private readonly counts = { offThread: 0, inline: 0 }

  constructor(opts: VerifyPoolOptions = {}) {
    this.size = opts.workers === undefined || opts.workers === 'auto' ? machineVerifyWorkers() : Math.max(1, Math.floor(opts.workers))
    this.inlineBelow = Math.max(1, opts.inlineBelow ?? 64)
    this.idleMs = opts.idleMs ?? 30_000
  }

  async verify(jobs: readonly VerifyJob[]): Promise<Uint8Array> {
    if (jobs.length < this.inlineBelow || this.closed) return this.inline(jobs)
    this.busy++
    this.cancelIdle()
    try {
      const workers = this.start()
      const share = Math.ceil(jobs.length / workers.length)
      const parts = await Promise.all(
        workers.map(async (w, i) => {
          const part = jobs.slice(i * share, (i + 1) * share)
          if (part.length === 0) return new Uint8Array(0)
          try {
            const flags = await w.verifyBatch(packJobs(part))
            this.counts.offThread += part.length
            return flags
          } catch {
            this.forget(w)
            return this.inline(part)
          }
        })
      )
      const out = new Uint8Array(jobs.length)
      let at = 0
      for (const p of parts) {
        out.set(p, at)
        at += p.length
      }
      return out
    } finally {
      this.busy--
      if (this.busy === 0) this.armIdle()
    }
  }

  stats(): VerifyPoolStats {
    return { ...this.counts, threads: this.workers.length }
  }

  async close(): Promise<void> {
    this.closed = true
    this.cancelIdle()
    await this.stopWorkers()
  }

  private inline(jobs: readonly VerifyJob[]): Promise<Uint8Array> {
    this.counts.inline += jobs.length
    return inlineVerifier.verifyBatch(packJobs(jobs))
  }

  private start(): WorkerVerifier[] {
    while (this.workers.length < this.size) this.workers.push(new WorkerVerifier())
    return this.workers
  }

  private forget(w: WorkerVerifier): void {
    this.workers = this.workers.filter((x) => x !== w)
    void w.close()
  }

  private armIdle(): void {
    if (this.closed || this.workers.length === 0) return
    this.idleTimer = setTimeout(() => {
      this.idleTimer = null
      if (this.busy === 0) void this.stopWorkers()
    }, this.idleMs)
    this.idleTimer.unref()
  }

  private cancelIdle(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer)
    this.idleTimer = null
  }

  private async stopWorkers(): Promise<void> {
    const ws = this.workers
    this.workers = []
    await Promise.all(ws.map((w) => w.close()))
  }
}
