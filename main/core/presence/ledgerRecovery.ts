/**
 * Boot recovery over MQTT, for a node without a mesh (plaza.md §3.8, Go
 * `bootRecoveryViaMQTT`): 30 s after start, ask up to 5 online neighbours (2 in short-memory
 * mode) for the social events about a share of the subjects (online names + us, split by
 * `partitionSubjects`). No neighbours yet → retry after 30 s, then 60 s. The responses are
 * merged through the personality filter by the ledger_response handler.
 */
import { encodeLedgerRequest, partitionSubjects } from '../protocol/ledgerMessages'
import { ledgerRequestTopic } from '../plaza/topics'
import type { PresenceCore } from './core'

export const BOOT_RECOVERY_FIRST_WAIT_MS = 30_000
export const BOOT_RECOVERY_RETRY_WAITS_MS: readonly number[] = [30_000, 60_000]

export interface LedgerRequestPlan {
  neighbour: string
  subjects: string[]
}

/** Which neighbour gets which subjects: neighbour i asks for partition i. */
export function planLedgerRequests(self: string, online: readonly string[], shortMemory: boolean): LedgerRequestPlan[] {
  const max = Math.min(shortMemory ? 2 : 5, online.length)
  const parts = partitionSubjects([...online, self], max)
  const plans: LedgerRequestPlan[] = []
  for (let i = 0; i < max; i++) {
    const subjects = parts[i] ?? []
    if (subjects.length) plans.push({ neighbour: online[i]!, subjects })
  }
  return plans
}

export class LedgerRecovery {
  private done = false

  constructor(
    private readonly core: PresenceCore,
    /** True when a mesh is attached: the mesh's own boot sync applies instead. */
    private readonly hasMesh: () => boolean
  ) {}

  /** Call once the node has joined; later calls are no-ops. */
  start(): void {
    if (this.done) return
    this.done = true
    this.core.later(BOOT_RECOVERY_FIRST_WAIT_MS, () => this.attempt(0))
  }

  private attempt(n: number): void {
    const c = this.core
    if (this.hasMesh() || c.config.readOnly) return
    const online = c.neighbourhood
      .all()
      .filter((r) => r.name !== c.identity.name && c.peerStatus(r) === 'ONLINE')
      .map((r) => r.name)
    if (online.length === 0) {
      const wait = BOOT_RECOVERY_RETRY_WAITS_MS[n]
      if (wait !== undefined) c.later(wait, () => this.attempt(n + 1))
      else c.log.debug('no neighbours for boot recovery after retries')
      return
    }
    this.request(online)
  }

  /** Publishes the requests; returns what was asked of whom. */
  request(online: readonly string[]): LedgerRequestPlan[] {
    const c = this.core
    const plaza = c.plaza()
    if (!plaza?.connected) return []
    const plans = planLedgerRequests(c.identity.name, online, c.ledger.mode === 'short')
    for (const p of plans) void plaza.publish(ledgerRequestTopic(p.neighbour), encodeLedgerRequest({ From: c.identity.name, Subjects: p.subjects }))
    c.log.debug(`boot recovery over the plaza: asked ${plans.length} neighbours`)
    return plans
  }
}
