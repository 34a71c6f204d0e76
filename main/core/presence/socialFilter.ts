/**
 * `socialEventIsMeaningful` (events.md §7): what a nara's personality lets into its own memory.
 * Local policy only; nothing on the wire depends on it.
 */
import type { Personality, SocialPayload } from '../protocol/types'

export function socialEventIsMeaningful(p: SocialPayload, me: Personality): boolean {
  const reason = p.reason ?? ''
  if (me.Chill > 70 && reason === 'random') return false
  if (p.type === 'observation') {
    if (reason === 'journey-timeout') return true
    if (me.Chill > 85 && (reason === 'online' || reason === 'offline')) return false
    if (me.Sociability < 30 && (reason === 'journey-pass' || reason === 'journey-complete')) return false
    return true
  }
  if (me.Chill > 85) return reason === 'comeback' || reason === 'high-restarts'
  if (me.Agreeableness > 80 && reason === 'trend-abandon') return false
  if (me.Sociability < 20 && reason === 'random') return false
  return true
}
