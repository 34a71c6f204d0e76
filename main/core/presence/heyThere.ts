/**
 * Saying hey_there (presence.md §2.1): a signed hey-there event, published on the plaza and
 * kept in our ledger (so zines carry it), rate-limited to one per 5 s. No MQTT will goes with
 * it: Go has none, and a will chau only makes Go peers flip us OFFLINE and back (reference-notes).
 */
import { encodeEvent, newHeyThereEvent, signEvent } from '../protocol/events'
import type { SyncEventOf } from '../protocol/types'
import { TOPIC } from '../plaza/topics'
import type { PresenceCore } from './core'

export function buildHeyThere(core: PresenceCore, ts: bigint): SyncEventOf<'hey-there'> {
  const me = core.identity
  return signEvent(newHeyThereEvent({ From: me.name, PublicKey: me.publicKeyBase64, MeshIP: core.advertisedMeshIP(), ID: me.id }, ts), me.name, core.signer)
}

export class HeyThereSender {
  private lastSentMs = -Infinity
  /** ID of our latest hey_there: when the broker sends it back, the plaza carries our words. */
  private lastSentId: string | null = null

  constructor(private readonly core: PresenceCore) {}

  /** When our last hey_there went out (ms; -Infinity before the first). */
  get lastSentAtMs(): number {
    return this.lastSentMs
  }

  /** True for the broker's copy of the hey_there we sent last. */
  isOwnEcho(id: string): boolean {
    return id === this.lastSentId
  }

  /** Rate-limited as Go (skip when the last one is ≤ 5 s old). */
  send(prebuilt: SyncEventOf<'hey-there'> | null = null): boolean {
    const c = this.core
    const plaza = c.plaza()
    if (c.config.readOnly || !plaza?.connected) return false
    const now = c.clock.nowMs()
    if (now - this.lastSentMs <= c.config.timings.heyThereMinIntervalMs) return false
    this.lastSentMs = now
    const e = prebuilt ?? buildHeyThere(c, c.clock.nowNs())
    this.lastSentId = e.id
    c.addEvent(e, 'verified')
    c.buzz.bump(2)
    void plaza.publish(TOPIC.heyThere, encodeEvent(e))
    c.lifecycle('hey_there', 'said hey_there')
    return true
  }
}
