/**
 * Legacy MQTT ledger sync (plaza.md §3.8, events.md §8): `{"From","Subjects"}` requests on
 * nara/ledger/{neighbour}/request and `{"From","Events"}` responses carrying the tag-less
 * legacy SocialEvent, which receivers turn back into unsigned social SyncEvents.
 */
import type { SyncEventOf } from './types'
import { goArray, goInt, goObject, goQuote } from './gojson'
import { newSocialEvent } from './events'
import { array, catchDecode, fields, int64, object, parseOrValue, shape, str, strArray } from './codec-fields'
import type { Result } from '../result'

export const MAX_LEDGER_MESSAGE_BYTES = 8 * 1024 * 1024

export interface LedgerRequest {
  From: string
  Subjects: string[] | null
}

export interface LegacySocialEvent {
  ID: string
  /** Nanoseconds. */
  Timestamp: bigint
  Type: string
  Actor: string
  Target: string
  Reason: string
  Witness: string
  Signature: string
}

export interface LedgerResponse {
  From: string
  Events: LegacySocialEvent[] | null
}

export function encodeLedgerRequest(r: LedgerRequest): string {
  return goObject([['From', goQuote(r.From)], ['Subjects', goArray(r.Subjects, goQuote)]])
}

function encodeLegacy(e: LegacySocialEvent): string {
  return goObject([
    ['ID', goQuote(e.ID)],
    ['Timestamp', goInt(e.Timestamp)],
    ['Type', goQuote(e.Type)],
    ['Actor', goQuote(e.Actor)],
    ['Target', goQuote(e.Target)],
    ['Reason', goQuote(e.Reason)],
    ['Witness', goQuote(e.Witness)],
    ['Signature', goQuote(e.Signature)]
  ])
}

export function encodeLedgerResponse(r: LedgerResponse): string {
  return goObject([['From', goQuote(r.From)], ['Events', goArray(r.Events, encodeLegacy)]])
}

const REQUEST = shape(['From', 'Subjects'])
const RESPONSE = shape(['From', 'Events'])
const LEGACY = shape(['ID', 'Timestamp', 'Type', 'Actor', 'Target', 'Reason', 'Witness', 'Signature'])

export function decodeLedgerRequest(input: unknown): Result<LedgerRequest> {
  return catchDecode(() => {
    const f = fields(object(parseOrValue(input, { maxBytes: MAX_LEDGER_MESSAGE_BYTES }), 'ledger request'), REQUEST)
    return { From: str(f.From, 'From'), Subjects: strArray(f.Subjects, 'Subjects') }
  })
}

export function decodeLedgerResponse(input: unknown): Result<LedgerResponse> {
  return catchDecode(() => {
    const f = fields(object(parseOrValue(input, { maxBytes: MAX_LEDGER_MESSAGE_BYTES }), 'ledger response'), RESPONSE)
    const items = array(f.Events, 'Events')
    return {
      From: str(f.From, 'From'),
      Events:
        items === null
          ? null
          : items.map((raw, i) => {
              const e = fields(object(raw, `Events[${i}]`), LEGACY)
              const p = `Events[${i}]`
              return {
                ID: str(e.ID, `${p}.ID`),
                Timestamp: int64(e.Timestamp, `${p}.Timestamp`),
                Type: str(e.Type, `${p}.Type`),
                Actor: str(e.Actor, `${p}.Actor`),
                Target: str(e.Target, `${p}.Target`),
                Reason: str(e.Reason, `${p}.Reason`),
                Witness: str(e.Witness, `${p}.Witness`),
                Signature: str(e.Signature, `${p}.Signature`)
              }
            })
    }
  })
}

/** SyncEvent → legacy struct (the signature is dropped, as the reference does). */
export function socialEventToLegacy(e: SyncEventOf<'social'>): LegacySocialEvent {
  const p = e.social
  return {
    ID: e.id,
    Timestamp: e.ts,
    Type: p.type,
    Actor: p.actor ?? '',
    Target: p.target ?? '',
    Reason: p.reason ?? '',
    Witness: p.witness ?? '',
    Signature: ''
  }
}

/** Legacy struct → unsigned social SyncEvent; the ID is recomputed and equals the original's. */
export function legacyToSocialEvent(l: LegacySocialEvent): SyncEventOf<'social'> {
  const payload: SyncEventOf<'social'>['social'] = { type: l.Type }
  if (l.Actor) payload.actor = l.Actor
  if (l.Target) payload.target = l.Target
  if (l.Reason) payload.reason = l.Reason
  if (l.Witness) payload.witness = l.Witness
  return newSocialEvent(payload, l.Timestamp)
}

/**
 * Splits subject names across n neighbours as the reference does: per code point,
 * h = ((h·31 + c) mod n + n) mod n. n is capped at the number of subjects.
 */
export function partitionSubjects(subjects: readonly string[], neighbours: number): string[][] {
  const n = Math.min(neighbours, subjects.length)
  if (n <= 0) return []
  const parts: string[][] = Array.from({ length: n }, () => [])
  for (const name of subjects) {
    let h = 0
    for (const ch of name) h = (((h * 31 + (ch.codePointAt(0) as number)) % n) + n) % n
    ;(parts[h] as string[]).push(name)
  }
  return parts
}
