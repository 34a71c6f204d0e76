/**
 * What the views need from the data plane: a snapshot (`get`) and a stream (`subscribe`).
 * Backed by C1's RemoteDataPlane over whichever carrier the transport picked.
 */
import type { Carrier } from '../../../main/core/bus/carriers/carrier'
import { RemoteDataPlane } from '../../../main/core/bus/dataPlane'

export interface Sample {
  key: string
  value: unknown
}

export interface DataSource {
  /** `all`: every stored sample (e.g. the recent events per service), not just the latest per key. */
  get(selector: string, opts?: { timeoutMs?: number; all?: boolean }): Promise<Sample[]>
  subscribe(keyExpr: string, cb: (s: Sample) => void): () => void
}

export function remoteDataSource(carrier: Carrier<unknown>): DataSource {
  const remote = new RemoteDataPlane(carrier)
  return {
    async get(selector, opts = {}) {
      const replies = await remote.get(selector, { timeoutMs: opts.timeoutMs ?? 5000, consolidation: opts.all ? 'none' : 'latest' })
      return replies.map((r) => ({ key: r.key, value: r.value }))
    },
    subscribe(keyExpr, cb) {
      return remote.subscribe(keyExpr, (s) => cb({ key: s.key, value: s.value }))
    }
  }
}
