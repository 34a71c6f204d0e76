/** Which payload each event service carries, and under which JSON key (events.md §1). */
import type {
  ChauPayload, CheckpointPayload, HeyTherePayload, ObservationPayload, PingPayload, SeenPayload,
  Service, SocialPayload, SyncEvent
} from './types'
import { SERVICES } from './types'

/** Far above any real event (a checkpoint with 10 signatures is ~1.5 KB). */
export const MAX_EVENT_BYTES = 64 * 1024

/** The JSON key carrying each service's payload. */
export const PAYLOAD_KEY = {
  social: 'social',
  ping: 'ping',
  observation: 'observation',
  'hey-there': 'hey_there',
  chau: 'chau',
  seen: 'seen',
  checkpoint: 'checkpoint'
} as const satisfies Record<Service, string>

type PayloadByService = {
  social: SocialPayload
  ping: PingPayload
  observation: ObservationPayload
  'hey-there': HeyTherePayload
  chau: ChauPayload
  seen: SeenPayload
  checkpoint: CheckpointPayload
}

export type PayloadOf<S extends Service> = PayloadByService[S]

export function isService(s: string): s is Service {
  return (SERVICES as readonly string[]).includes(s)
}

export function payloadOf(e: SyncEvent): PayloadOf<Service> {
  switch (e.svc) {
    case 'social': return e.social
    case 'ping': return e.ping
    case 'observation': return e.observation
    case 'hey-there': return e.hey_there
    case 'chau': return e.chau
    case 'seen': return e.seen
    case 'checkpoint': return e.checkpoint
  }
}
