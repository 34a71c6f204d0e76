/** Saying chau (presence.md §4.1): a signed chau event, also the MQTT will of each connection. */
import { newChauEvent, signEvent } from '../protocol/events'
import type { SyncEventOf } from '../protocol/types'
import type { PresenceCore } from './core'

export function buildChau(core: Pick<PresenceCore, 'identity' | 'signer'>, ts: bigint): SyncEventOf<'chau'> {
  const me = core.identity
  return signEvent(newChauEvent({ From: me.name, PublicKey: me.publicKeyBase64, ID: me.id }, ts), me.name, core.signer)
}
