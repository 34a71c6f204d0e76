/**
 * Plain SyncEvent builders for ledger/projection tests. Ids are 32 hex chars derived from
 * the fields so distinct events get distinct ids (the ledger never recomputes them).
 */
import { sha256Hex } from '../main/core/protocol/crypto'
import type {
  CheckpointPayload,
  ObservationPayload,
  SyncEvent,
  SyncEventOf
} from '../main/core/protocol/types'

export const T0 = 1_768_800_000_000_000_000n
export const S = 1_000_000_000n

let counter = 0
const idFor = (parts: unknown[]): string =>
  sha256Hex(JSON.stringify(parts, (_k, v) => (typeof v === 'bigint' ? v.toString() : v)) + ':' + counter++).slice(0, 32)

export function social(actor: string, target: string, ts: bigint, reason = 'random'): SyncEventOf<'social'> {
  const social = { type: 'tease', actor, target, reason }
  return { id: idFor([ts, 'social', social]), ts, svc: 'social', emitter: actor, social }
}

export function ping(observer: string, target: string, ts: bigint, rtt = 12): SyncEventOf<'ping'> {
  const ping = { observer, target, rtt }
  return { id: idFor([ts, 'ping', ping]), ts, svc: 'ping', emitter: observer, ping }
}

export function seen(observer: string, subject: string, ts: bigint): SyncEventOf<'seen'> {
  const seen = { observer, subject, via: 'mesh' }
  return { id: idFor([ts, 'seen', seen]), ts, svc: 'seen', emitter: observer, seen }
}

export function heyThere(from: string, ts: bigint): SyncEventOf<'hey-there'> {
  const hey_there = { From: from, PublicKey: 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=', MeshIP: '', ID: '', Signature: '' }
  return { id: idFor([ts, 'hey-there', hey_there]), ts, svc: 'hey-there', emitter: from, hey_there }
}

export function chau(from: string, ts: bigint): SyncEventOf<'chau'> {
  const chau = { From: from, PublicKey: '', ID: '', Signature: '' }
  return { id: idFor([ts, 'chau', chau]), ts, svc: 'chau', emitter: from, chau }
}

export function observation(
  observer: string,
  subject: string,
  ts: bigint,
  kind: 'restart' | 'first-seen' | 'status-change',
  extra: Partial<ObservationPayload> = {}
): SyncEventOf<'observation'> {
  const base: ObservationPayload =
    kind === 'restart'
      ? { observer, subject, type: kind, importance: 3, start_time: 1_760_000_000, restart_num: 1, last_restart: 1_768_800_000 }
      : kind === 'first-seen'
        ? { observer, subject, type: kind, importance: 3, start_time: 1_768_799_999 }
        : { observer, subject, type: kind, importance: 2, online_state: 'MISSING' }
  const obs = { ...base, ...extra }
  return { id: idFor([ts, 'observation', obs]), ts, svc: 'observation', observation: obs }
}

export function checkpoint(subject: string, ts: bigint, asOf = 1_768_800_000, extra: Partial<CheckpointPayload> = {}): SyncEventOf<'checkpoint'> {
  const checkpoint: CheckpointPayload = {
    version: 2,
    subject,
    subject_id: '',
    observation: { restarts: 3, total_uptime: 100, start_time: 1_760_000_000 },
    as_of_time: asOf,
    round: 1,
    voter_ids: ['a', 'b'],
    signatures: ['x', 'y'],
    ...extra
  }
  return { id: idFor([ts, 'checkpoint', checkpoint]), ts, svc: 'checkpoint', checkpoint }
}

export const at = (seconds: number | bigint): bigint => T0 + BigInt(seconds) * S

export type AnyEvent = SyncEvent
