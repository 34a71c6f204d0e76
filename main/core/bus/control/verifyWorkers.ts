/**
 * Ed25519 verification off the main thread. The worker body is plain JavaScript evaluated by
 * node:worker_threads (no separate bundle entry, works the same under vitest, tsx and the
 * esbuild CLI bundle). Jobs travel in batches so the message-passing cost is amortised.
 */
import { Worker } from 'node:worker_threads'
import { ed25519Verify } from '../../protocol/crypto'

export interface VerifyJob {
  publicKey: Uint8Array
  message: Uint8Array
  signature: Uint8Array
}

export interface BatchVerifier {
  /**
   * One flag per job: 1 = valid signature. Never rejects for bad input (it verifies false).
   * The batch is consumed: a worker verifier takes its buffers over.
   */
  verifyBatch(jobs: PackedJobs): Promise<Uint8Array>
  close(): Promise<void>
}

/** Verifies on the calling thread. */
export const inlineVerifier: BatchVerifier = {
  async verifyBatch({ bytes, ends }) {
    const out = new Uint8Array(ends.length)
    let at = 0
    for (let i = 0; i < ends.length; i++) {
      const end = ends[i]!
      if (end - at >= KEY_LEN + SIG_LEN) {
        out[i] = ed25519Verify(bytes.subarray(at, at + KEY_LEN), bytes.subarray(at + KEY_LEN + SIG_LEN, end), bytes.subarray(at + KEY_LEN, at + KEY_LEN + SIG_LEN)) ? 1 : 0
      }
      at = end
    }
    return out
  },
  async close() {}
}

/**
 * A batch is packed as it is formed, so a queued batch is one buffer rather than three small
 * Buffers per job (fewer objects for the GC to carry while the batch waits), and it crosses
 * to a worker as that buffer, transferred: records of key (32) + signature (64) + message,
 * `ends[i]` marking the end of record i. A job with a wrong key or signature length gets an
 * empty record (verifies false).
 */
const KEY_LEN = 32
const SIG_LEN = 64

export interface PackedJobs {
  bytes: Uint8Array<ArrayBuffer>
  ends: Uint32Array<ArrayBuffer>
}

export function packJobs(jobs: readonly VerifyJob[]): PackedJobs {
  let total = 0
  for (const j of jobs) if (j.publicKey.length === KEY_LEN && j.signature.length === SIG_LEN) total += KEY_LEN + SIG_LEN + j.message.length
  const bytes = new Uint8Array(total)
  const ends = new Uint32Array(jobs.length)
  let at = 0
  for (let i = 0; i < jobs.length; i++) {
    const j = jobs[i] as VerifyJob
    if (j.publicKey.length === KEY_LEN && j.signature.length === SIG_LEN) {
      bytes.set(j.publicKey, at)
      bytes.set(j.signature, at + KEY_LEN)
      bytes.set(j.message, at + KEY_LEN + SIG_LEN)
      at += KEY_LEN + SIG_LEN + j.message.length
    }
    ends[i] = at
  }
  return { bytes, ends }
}

const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { createPublicKey, verify } = require('node:crypto');
const keys = new Map();
function keyOf(raw) {
  const id = raw.toString('base64url');
  let k = keys.get(id);
  if (!k) {
    k = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: id }, format: 'jwk' });
    if (keys.size >= 16384) keys.delete(keys.keys().next().value);
    keys.set(id, k);
  }
  return k;
}
parentPort.on('message', (msg) => {
  const bytes = Buffer.from(msg.bytes.buffer, msg.bytes.byteOffset, msg.bytes.byteLength);
  const ends = msg.ends;
  const results = new Uint8Array(ends.length);
  let at = 0;
  for (let i = 0; i < ends.length; i++) {
    const end = ends[i];
    if (end - at >= ${KEY_LEN + SIG_LEN}) {
      try {
        const key = keyOf(bytes.subarray(at, at + ${KEY_LEN}));
        const sig = bytes.subarray(at + ${KEY_LEN}, at + ${KEY_LEN + SIG_LEN});
        results[i] = verify(null, bytes.subarray(at + ${KEY_LEN + SIG_LEN}, end), key, sig) ? 1 : 0;
      } catch (e) { results[i] = 0; }
    }
    at = end;
  }
  parentPort.postMessage({ seq: msg.seq, results }, [results.buffer]);
});
`

/** One worker thread; batches are answered in order. */
export class WorkerVerifier implements BatchVerifier {
  private readonly worker: Worker
  private seq = 0
  private readonly pending = new Map<number, { resolve: (r: Uint8Array) => void; reject: (e: Error) => void }>()
  private failure: Error | null = null

  constructor() {
    this.worker = new Worker(WORKER_SOURCE, { eval: true })
    this.worker.on('message', (m: { seq: number; results: Uint8Array }) => {
      const p = this.pending.get(m.seq)
      this.pending.delete(m.seq)
      p?.resolve(m.results)
    })
    const fail = (e: Error): void => {
      this.failure = e
      for (const p of this.pending.values()) p.reject(e)
      this.pending.clear()
    }
    this.worker.on('error', fail)
    this.worker.on('exit', () => fail(new Error('verify worker exited')))
  }

  verifyBatch({ bytes, ends }: PackedJobs): Promise<Uint8Array> {
    if (this.failure) return Promise.reject(this.failure)
    const seq = ++this.seq
    return new Promise((resolve, reject) => {
      this.pending.set(seq, { resolve, reject })
      this.worker.postMessage({ seq, bytes, ends }, [bytes.buffer, ends.buffer])
    })
  }

  async close(): Promise<void> {
    await this.worker.terminate()
  }
}
