/**
 * The checkpoint round as pure decisions (plaza.md §6.2): how a voter judges a proposal, and
 * which set of signed values a proposer may finalise. The service (service.ts) supplies the
 * ledger-derived values and does the I/O.
 */
import { signAttestation, type CheckpointProposal, type CheckpointVote } from '../protocol/checkpoint'
import type { Signer } from '../protocol/crypto'
import type { CheckpointPayload } from '../protocol/types'
import type { DerivedHistory } from './derive'
import type { Party } from '../presence/observationEvents'

export type { Party }

/** Voters needed besides the proposer (Go `MinVotersRequired`). */
export const MIN_VOTERS = 5
/** Signatures kept in a checkpoint, proposer included (Go `MaxCheckpointSignatures`). */
export const MAX_CHECKPOINT_SIGNATURES = 10
export const CHECKPOINT_VERSION = 2
const TOLERANCE = { restarts: 5, totalUptime: 60, firstSeen: 60 } as const

/** Agreement within Go's tolerances: restarts ±5, uptime ±60 s, first seen ±60 s. */
export function approves(proposed: DerivedHistory, ours: DerivedHistory): boolean {
  return (
    Math.abs(proposed.restarts - ours.restarts) <= TOLERANCE.restarts &&
    Math.abs(proposed.totalUptime - ours.totalUptime) <= TOLERANCE.totalUptime &&
    Math.abs(proposed.firstSeen - ours.firstSeen) <= TOLERANCE.firstSeen
  )
}

export function historyOf(o: { restarts?: number; total_uptime?: number; start_time?: number }): DerivedHistory {
  return { restarts: o.restarts ?? 0, totalUptime: o.total_uptime ?? 0, firstSeen: o.start_time ?? 0 }
}

function observationOf(h: DerivedHistory): { restarts?: number; total_uptime?: number; start_time?: number } {
  const o: { restarts?: number; total_uptime?: number; start_time?: number } = {}
  if (h.restarts) o.restarts = h.restarts
  if (h.totalUptime) o.total_uptime = h.totalUptime
  if (h.firstSeen) o.start_time = h.firstSeen
  return o
}

/** Our self-attestation for `round` (attester = subject), signed. */
export function buildProposal(me: Party, values: DerivedHistory, asOfTime: number, lastSeenCheckpointId: string, round: number, signer: Signer): CheckpointProposal {
  const a = signAttestation(
    {
      version: CHECKPOINT_VERSION,
      subject: me.name,
      subject_id: me.id,
      observation: observationOf(values),
      attester: me.name,
      attester_id: me.id,
      ...(lastSeenCheckpointId ? { last_seen_checkpoint_id: lastSeenCheckpointId } : {}),
      as_of_time: asOfTime
    },
    signer
  )
  return { ...a, round }
}

/**
 * Our vote: the proposal's values signed when they match ours, else our own values; always the
 * proposal's as_of_time and subject_id, and our own newest checkpoint ID for the subject.
 */
export function buildVote(p: CheckpointProposal, ours: DerivedHistory, me: Party, lastSeenCheckpointId: string, signer: Signer): CheckpointVote {
  const approved = approves(historyOf(p.observation), ours)
  const a = signAttestation(
    {
      version: CHECKPOINT_VERSION,
      subject: p.subject,
      subject_id: p.subject_id,
      observation: approved ? { ...p.observation } : observationOf(ours),
      attester: me.name,
      attester_id: me.id,
      ...(lastSeenCheckpointId ? { last_seen_checkpoint_id: lastSeenCheckpointId } : {}),
      as_of_time: p.as_of_time
    },
    signer
  )
  return { ...a, proposal_ts: p.as_of_time, round: p.round, approved }
}

function valueKey(o: { observation: { restarts?: number; total_uptime?: number; start_time?: number }; last_seen_checkpoint_id?: string }): string {
  const h = historyOf(o.observation)
  return `${h.restarts}:${h.totalUptime}:${h.firstSeen}:${o.last_seen_checkpoint_id ?? ''}`
}

/**
 * The checkpoint a proposer may finalise from its votes, or null: the largest group of votes
 * signing identical values (≥ MIN_VOTERS), unless the approvals of the proposal form a larger
 * group; voters ordered by `uptimeOf` (highest first), proposer's own signature first when its
 * values won, at most MAX_CHECKPOINT_SIGNATURES in all.
 */
export function findConsensus(p: CheckpointProposal, votes: readonly CheckpointVote[], uptimeOf: (name: string) => number): CheckpointPayload | null {
  if (votes.length < MIN_VOTERS) return null
  const groups = new Map<string, CheckpointVote[]>()
  for (const v of votes) {
    const k = valueKey(v)
    const g = groups.get(k)
    if (g) g.push(v)
    else groups.set(k, [v])
  }
  let best: { key: string; votes: CheckpointVote[]; template: CheckpointVote | CheckpointProposal } | null = null
  for (const [key, g] of groups) {
    if (g.length >= MIN_VOTERS && g.length > (best?.votes.length ?? 0)) best = { key, votes: g, template: g[0] as CheckpointVote }
  }
  const approvals = votes.filter((v) => v.approved)
  if (approvals.length >= MIN_VOTERS && approvals.length > (best?.votes.length ?? 0)) best = { key: valueKey(p), votes: approvals, template: p }
  if (!best) return null

  const ranked = best.votes.map((v) => ({ v, uptime: uptimeOf(v.attester) })).sort((a, b) => b.uptime - a.uptime)
  const proposerIncluded = best.key === valueKey(p)
  const voterIds: string[] = []
  const signatures: string[] = []
  if (proposerIncluded) {
    voterIds.push(p.subject_id)
    signatures.push(p.signature)
  }
  for (const { v } of ranked.slice(0, MAX_CHECKPOINT_SIGNATURES - (proposerIncluded ? 1 : 0))) {
    voterIds.push(v.attester_id)
    signatures.push(v.signature)
  }
  const payload: CheckpointPayload = {
    version: CHECKPOINT_VERSION,
    subject: p.subject,
    subject_id: p.subject_id,
    observation: observationOf(historyOf(best.template.observation)),
    as_of_time: p.as_of_time,
    round: p.round,
    voter_ids: voterIds,
    signatures
  }
  const ref = best.template.last_seen_checkpoint_id
  if (ref) payload.previous_checkpoint_id = ref
  return payload
}
