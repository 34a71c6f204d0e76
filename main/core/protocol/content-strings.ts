/**
 * Content strings (events.md §2): the text an event's identity and signature are computed
 * over. Byte-exact with the reference; pure and free of Node imports, so the renderer's
 * in-window signature check (renderer/src/lib/eventCheck.ts) computes the very same text.
 */
import type {
  ChauPayload, CheckpointPayload, HeyTherePayload, ObservationPayload, PingPayload, SeenPayload,
  SocialPayload, SyncEvent
} from './types'
import { goFormatF1 } from './gojson'

export function socialContent(p: SocialPayload): string {
  return `${p.type}:${p.actor ?? ''}:${p.target ?? ''}:${p.reason ?? ''}:${p.witness ?? ''}`
}

export function pingContent(p: PingPayload): string {
  return `${p.observer ?? ''}:${p.target ?? ''}:${goFormatF1(p.rtt)}`
}

export function observationContent(p: ObservationPayload): string {
  // restart content leaves the observer out so that every witness of one restart agrees
  if (p.type === 'restart') return `${p.subject ?? ''}:restart:${p.restart_num ?? 0}:${p.start_time ?? 0}`
  return `${p.observer ?? ''}:${p.subject ?? ''}:${p.type}:${p.online_state ?? ''}:${p.start_time ?? 0}:${p.restart_num ?? 0}`
}

export function heyThereContent(p: HeyTherePayload): string {
  return `hey_there:${p.From}:${p.PublicKey}:${p.MeshIP}`
}

export function chauContent(p: ChauPayload): string {
  return `chau:${p.From}:${p.PublicKey}`
}

export function seenContent(p: SeenPayload): string {
  return `seen:${p.observer ?? ''}:${p.subject ?? ''}:${p.via}`
}

export function checkpointContent(p: CheckpointPayload): string {
  const sid = p.subject_id || p.subject
  const o = p.observation
  const values = `${sid}:${p.as_of_time}:${o.start_time ?? 0}:${o.restarts ?? 0}:${o.total_uptime ?? 0}`
  return p.version >= 2 ? `checkpoint:v2:${values}:${p.previous_checkpoint_id ?? ''}` : `checkpoint:${values}`
}

export function contentString(e: SyncEvent): string {
  switch (e.svc) {
    case 'social': return socialContent(e.social)
    case 'ping': return pingContent(e.ping)
    case 'observation': return observationContent(e.observation)
    case 'hey-there': return heyThereContent(e.hey_there)
    case 'chau': return chauContent(e.chau)
    case 'seen': return seenContent(e.seen)
    case 'checkpoint': return checkpointContent(e.checkpoint)
  }
}

/** What an event id hashes (events.md §3): "{ts}:{svc}:{content}". The one place that spells it. */
export function eventIdPreimage(ts: bigint | string, svc: string, content: string): string {
  return `${ts}:${svc}:${content}`
}

/** What an event signature's SHA-256 digest covers (events.md §4): "{id}:{ts}:{svc}:{emitter}:{content}". */
export function eventSigningPreimage(id: string, ts: bigint | string, svc: string, emitter: string, content: string): string {
  return `${id}:${ts}:${svc}:${emitter}:${content}`
}
