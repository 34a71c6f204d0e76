/**
 * The health SURVEY's respondents: one answer per subsystem of a running node, computed from
 * what the node already knows (no probes, no I/O), so each answers at once unless broken.
 */
import type { HealthAnswer } from './control/survey'
import type { NodeState } from '../views'

/** The slice of NaraNode the respondents read. */
export interface HealthSource {
  readonly nodeState: NodeState
  readonly plazaConnected: boolean
  readonly broker: string | null
  readonly config: { readonly transport: 'mqtt' | 'gossip' | 'hybrid' }
  readonly ledger: { readonly size: number; readonly capacity: number }
  selfView(): { meshListen: string | null }
  stats(): { meshPeers: number; dropped: Record<string, number> }
}

export function plazaHealth(node: HealthSource): HealthAnswer {
  if (node.config.transport === 'gossip') return { healthy: true, detail: 'gossip only: no plaza' }
  const state = node.nodeState
  if (state === 'offline' || state === 'leaving') return { healthy: true, detail: `${state}: not on the plaza by choice` }
  if (node.plazaConnected) return { healthy: true, detail: `${state}, connected to ${node.broker ?? 'the plaza'}` }
  return { healthy: false, detail: `${state}, not connected to ${node.broker ?? 'the plaza'}; reconnecting` }
}

export function ledgerHealth(node: HealthSource): HealthAnswer {
  const { size, capacity } = node.ledger
  const dropped = Object.entries(node.stats().dropped).reduce((n, [, v]) => n + v, 0)
  return { healthy: size <= capacity, detail: `${size} of ${capacity} events, ${dropped} inputs dropped` }
}

/** Registered only while a mesh is attached (SelfView.meshListen is set). */
export function meshAttached(node: HealthSource): boolean {
  return node.selfView().meshListen !== null
}

export function meshHealth(node: HealthSource): HealthAnswer {
  const listen = node.selfView().meshListen
  if (listen === null) return { healthy: false, detail: 'mesh detached' }
  return { healthy: true, detail: `listening on ${listen}, ${node.stats().meshPeers} mesh peers online` }
}

export interface BusFigures {
  closed: boolean
  carriers: number
  published: number
  dropped: number
  withheld: number
  controlSocket: string | null
}

export function busHealth(f: BusFigures): HealthAnswer {
  if (f.closed) return { healthy: false, detail: 'nervous system closed' }
  const parts = [`${f.carriers} carriers`, `${f.published} samples published`, `${f.dropped} dropped`]
  if (f.withheld) parts.push(`${f.withheld} frames withheld (contained a secret)`)
  if (f.controlSocket) parts.push(`control socket ${f.controlSocket}`)
  // A withheld frame means some code tried to send a secret: report it loudly.
  return { healthy: f.withheld === 0, detail: parts.join(', ') }
}
