/**
 * Checkpoint consensus messages (plaza.md §6, events.md §2.7): attestation signing strings,
 * proposals and votes on nara/checkpoint/{propose,vote}. Only the flattened attestation is
 * signed (Ed25519 directly over the UTF-8 string); round / proposal_ts / approved are not.
 */
import type { CheckpointPayload, NaraObservation } from './types'
import { goBool, goInt, goObject, goQuote, omitStr } from './gojson'
import { decodeNaraObservation, encodeNaraObservation } from './status'
import { bool, catchDecode, fields, int, object, optStr, parseOrValue, shape, str } from './codec-fields'
import { ed25519Verify, parseSignature, type Signer } from './crypto'
import type { Result } from '../result'

export const MAX_CHECKPOINT_MESSAGE_BYTES = 64 * 1024

export interface AttestationValues {
  version: number
  attesterId: string
  subjectId: string
  asOfTime: number
  restarts: number
  totalUptime: number
  startTime: number
  /** v2 only: the chain reference (`last_seen_checkpoint_id` / `previous_checkpoint_id`). */
  reference?: string
}

/** `attestation:v2:{attester}:{subject}:{as_of}:{restarts}:{uptime}:{start}:{ref}`, or the v1 form for version 0/1. */
export function attestationSigningString(v: AttestationValues): string {
  const base = `${v.attesterId}:${v.subjectId}:${v.asOfTime}:${v.restarts}:${v.totalUptime}:${v.startTime}`
  return v.version >= 2 ? `attestation:v${v.version}:${base}:${v.reference ?? ''}` : `attestation:v1:${base}`
}

export interface Attestation {
  version: number
  subject: string
  subject_id: string
  observation: NaraObservation
  attester: string
  attester_id: string
  last_seen_checkpoint_id?: string
  /** Unix seconds. */
  as_of_time: number
  signature: string
}

export interface CheckpointProposal extends Attestation {
  round: number
}

export interface CheckpointVote extends Attestation {
  /** The proposal's as_of_time (seconds). */
  proposal_ts: number
  round: number
  approved: boolean
}

/** The three figures a checkpoint attests (absent = 0, as Go's zero values). */
export function checkpointFigures(o: NaraObservation): { restarts: number; totalUptime: number; startTime: number } {
  return { restarts: o.restarts ?? 0, totalUptime: o.total_uptime ?? 0, startTime: o.start_time ?? 0 }
}

export function attestationValues(a: Omit<Attestation, 'signature'>): AttestationValues {
  return {
    version: a.version,
    attesterId: a.attester_id,
    subjectId: a.subject_id,
    asOfTime: a.as_of_time,
    ...checkpointFigures(a.observation),
    reference: a.last_seen_checkpoint_id ?? ''
  }
}

/** The values voter `voterId` signed for a finalised checkpoint (its attestation, events.md §2.7). */
export function checkpointAttestationValues(p: CheckpointPayload, voterId: string): AttestationValues {
  return {
    version: p.version,
    attesterId: voterId,
    subjectId: p.subject_id,
    asOfTime: p.as_of_time,
    ...checkpointFigures(p.observation),
    reference: p.previous_checkpoint_id ?? ''
  }
}

export function signAttestation<T extends Omit<Attestation, 'signature'>>(a: T, signer: Signer): T & { signature: string } {
  return { ...a, signature: signer.signBase64(attestationSigningString(attestationValues(a))) }
}

/** Ed25519 check of an attestation against the attester's key (looked up by attester_id by the caller). */
export function verifyAttestation(a: Attestation, publicKey: Uint8Array): boolean {
  const sig = parseSignature(a.signature)
  if (!sig) return false
  return ed25519Verify(publicKey, attestationSigningString(attestationValues(a)), sig)
}

function attestationMembers(a: Attestation): Array<[string, string | undefined]> {
  return [
    ['version', goInt(a.version)],
    ['subject', goQuote(a.subject)],
    ['subject_id', goQuote(a.subject_id)],
    ['observation', encodeNaraObservation(a.observation)],
    ['attester', goQuote(a.attester)],
    ['attester_id', goQuote(a.attester_id)],
    ['last_seen_checkpoint_id', omitStr(a.last_seen_checkpoint_id)],
    ['as_of_time', goInt(a.as_of_time)],
    ['signature', goQuote(a.signature)]
  ]
}

export function encodeProposal(p: CheckpointProposal): string {
  return goObject([...attestationMembers(p), ['round', goInt(p.round)]])
}

export function encodeVote(v: CheckpointVote): string {
  return goObject([
    ...attestationMembers(v),
    ['proposal_ts', goInt(v.proposal_ts)],
    ['round', goInt(v.round)],
    ['approved', goBool(v.approved)]
  ])
}

const ATTESTATION_KEYS = ['version', 'subject', 'subject_id', 'observation', 'attester', 'attester_id', 'last_seen_checkpoint_id', 'as_of_time', 'signature']
const PROPOSAL = shape([...ATTESTATION_KEYS, 'round'])
const VOTE = shape([...ATTESTATION_KEYS, 'proposal_ts', 'round', 'approved'])

function attestationFrom(f: Record<string, unknown>): Attestation {
  const a: Attestation = {
    version: int(f.version, 'version'),
    subject: str(f.subject, 'subject'),
    subject_id: str(f.subject_id, 'subject_id'),
    observation: decodeNaraObservation(f.observation, 'observation'),
    attester: str(f.attester, 'attester'),
    attester_id: str(f.attester_id, 'attester_id'),
    as_of_time: int(f.as_of_time, 'as_of_time'),
    signature: str(f.signature, 'signature')
  }
  const ref = optStr(f.last_seen_checkpoint_id, 'last_seen_checkpoint_id')
  if (ref !== undefined) a.last_seen_checkpoint_id = ref
  return a
}

export function decodeProposal(input: unknown): Result<CheckpointProposal> {
  return catchDecode(() => {
    const f = fields(object(parseOrValue(input, { maxBytes: MAX_CHECKPOINT_MESSAGE_BYTES }), 'proposal'), PROPOSAL)
    return { ...attestationFrom(f), round: int(f.round, 'round') }
  })
}

export function decodeVote(input: unknown): Result<CheckpointVote> {
  return catchDecode(() => {
    const f = fields(object(parseOrValue(input, { maxBytes: MAX_CHECKPOINT_MESSAGE_BYTES }), 'vote'), VOTE)
    return {
      ...attestationFrom(f),
      proposal_ts: int(f.proposal_ts, 'proposal_ts'),
      round: int(f.round, 'round'),
      approved: bool(f.approved, 'approved')
    }
  })
}
