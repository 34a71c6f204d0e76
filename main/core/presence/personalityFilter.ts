/**
 * What a nara's personality lets into its own memory on the filtered insert path (events.md
 * §7, Go `AddEventFiltered` and `MergeSocialEventsFiltered`): very chill naras (Chill > 85)
 * do not keep normal-importance observations (status changes); social events must be
 * meaningful to this personality. Critical observations and every other service pass.
 */
import type { Personality, SyncEvent } from '../protocol/types'
import { IMPORTANCE_NORMAL } from './observationEvents'
import { socialEventIsMeaningful } from './socialFilter'

export function keepInMemory(e: SyncEvent, me: Personality): boolean {
  if (e.svc === 'observation') return !(e.observation.importance === IMPORTANCE_NORMAL && me.Chill > 85)
  if (e.svc === 'social') return socialEventIsMeaningful(e.social, me)
  return true
}
