/**
 * Saying hey_there (presence.md §2.1): a signed hey-there event, published on the plaza and
 * kept in our ledger (so zines carry it), rate-limited to one per 5 s. Each connection also
 * gets a will (a signed chau, see `chau.ts`) whose timestamp pairs with that connection's hello.
 */
import { encodeEvent, newHeyThereEvent, signEvent } from '../protocol/events'
import type { SyncEventOf } from '../protocol/types'
import { TOPIC } from '../plaza/topics'
import type { WillMessage } from '../plaza/transport'
import { buildChau } from './chau'
import type { PresenceCore } from './core'

export function buildHeyThere(core: PresenceCore, ts: bigint): SyncEventOf<'hey-there'> {
  const me = core.identity
  return signEvent(newHeyThereEvent({ From: me.name, PublicKey: me.publicKeyBase64, MeshIP: core.config.meshIP, ID: me.id }, ts), me.name, core.signer)
}

export class HeyThereSender {
  private lastSentMs = -Infinity
  /** ID of our latest hey_there: when the broker sends it back, the plaza carries our words. */
  private lastSentId: string | null = null
  private connectionHello: SyncEventOf<'hey-there'> | null = null

  constructor(private readonly core: PresenceCore) {}

  /**
   * Built for every connection attempt: the will is a chau stamped at connect time and that
   * connection's first hey_there is stamped 1 ns earlier, so in every projection the will (if
   * the broker ever sends it) is newer than the hello of the session it ends, yet older than
   * the hey_there of any later session.
   */
  buildWill(): WillMessage | null {
    if (this.core.config.readOnly) return null
    const t = this.core.clock.nowNs()
    this.connectionHello = buildHeyThere(this.core, t)
    return { topic: TOPIC.chau, payload: encodeEvent(buildChau(this.core, t + 1n)) }
  }

  /** The hello that pairs with the current connection's will (used once). */
  takeConnectionHello(): SyncEventOf<'hey-there'> | null {
    const h = this.connectionHello
    this.connectionHello = null
    return h
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
