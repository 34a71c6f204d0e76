/**
 * World journeys (Go `world.go`, `world_network.go`): a postcard travels over the mesh from
 * nara to nara, each signing a hop, until it comes back to its originator. We relay what
 * arrives on POST /world/relay, start our own, and remember the journeys we took part in.
 *
 * Network input is untrusted: a broken hop chain, a loop, a replay, an oversized postcard or a
 * journey claiming to be ours that we never started is refused with a counted reason. The maps
 * of journeys are bounded.
 */
import { newSocialEvent, signEvent } from '../protocol/events'
import { addHop, encodeJourneyCompletion, isJourneyComplete, verifyWorldMessage, worldMessageId, type JourneyCompletion, type WorldMessage } from '../protocol/world'
import { TOPIC } from '../plaza/topics'
import type { PresenceCore } from '../presence/core'
import type { JourneyView } from '../views'
import { rankNextHops } from '../social/clout'
import { shuffle } from '../clock'

/** Go's stamps, picked by hop count. */
export const STAMPS = ['🌟', '🎉', '🚀', '💫', '✨', '🌈', '🎊', '💖', '🌸', '🔥'] as const
/** A pass-through journey not heard back from within this long times out (Go: 5 min, checked every 30 s). */
export const JOURNEY_TIMEOUT_MS = 5 * 60_000
export const MAX_HOPS = 64
export const MAX_MESSAGE_CHARS = 2048
export const JOURNEYS_KEPT = 200
/** Candidates tried in turn when the next hop does not take the postcard (Go tries one). */
export const FORWARD_ATTEMPTS = 3

export type RelayOutcome = { ok: true } | { ok: false; reason: string }

export interface WorldHost {
  /** Mesh peers we consider ONLINE (Go: online naras with the mesh enabled). */
  onlinePeers(): string[]
  keyOf(name: string): Uint8Array | null
  /** Our clout for others (social/clout.ts): the next hop is the unvisited peer we rate highest. */
  clout(): ReadonlyMap<string, number>
  /** POST /world/relay to `name`; true when it answered 200. */
  send(name: string, m: WorldMessage): Promise<boolean>
  emit(v: JourneyView): void
}

export class WorldJourneys {
  private readonly journeys = new Map<string, JourneyView>()
  /** Journeys we passed on, awaiting their journey_complete (Go `pendingJourneys`). */
  private readonly pending = new Map<string, { originator: string; seenAtMs: number }>()

  constructor(
    private readonly core: PresenceCore,
    private readonly host: WorldHost
  ) {}

  /** Starts a journey of ours; the postcard leaves with no hops (the originator signs on return). */
  async start(message: string): Promise<{ ok: true; id: string } | { ok: false; reason: string }> {
    const c = this.core
    if (c.config.readOnly) return { ok: false, reason: 'read-only' }
    if (!message) return { ok: false, reason: 'message is required' }
    if ([...message].length > MAX_MESSAGE_CHARS) return { ok: false, reason: 'message too long' }
    const me = c.identity.name
    const m: WorldMessage = { id: worldMessageId(me, message, c.clock.nowNs()), message, originator: me, hops: [] }
    this.note(m, 'originator', 'travelling')
    const next = await this.forward(m)
    if (!next) {
      this.note(m, 'originator', 'stuck')
      return { ok: false, reason: 'no nara took the postcard' }
    }
    return { ok: true, id: m.id }
  }

  /** POST /world/relay: verify, sign our hop, and complete or pass it on (forwarding happens after we answered). */
  receive(m: WorldMessage): RelayOutcome {
    const c = this.core
    const me = c.identity.name
    const refuse = (reason: string, detail: string): RelayOutcome => {
      c.drops.count(`world_${reason}`, detail)
      return { ok: false, reason: detail }
    }
    if (!m.id || !m.originator) return refuse('bad_message', 'id and originator are required')
    if ([...m.message].length > MAX_MESSAGE_CHARS) return refuse('too_long', `${m.message.length} chars`)
    if (m.hops.length >= MAX_HOPS) return refuse('too_many_hops', `${m.hops.length} hops`)
    const names = m.hops.map((h) => h.nara)
    if (new Set(names).size !== names.length || names.includes(m.originator) || names.includes(me)) {
      return refuse('loop', `${m.id}: ${names.join(' → ')}`)
    }
    if (m.originator === me) {
      const ours = this.journeys.get(m.id)
      if (!ours || ours.role !== 'originator' || ours.state === 'complete') return refuse('not_ours', m.id)
    } else if (this.journeys.has(m.id)) {
      return refuse('replay', m.id)
    }
    const v = verifyWorldMessage(m, (n) => this.host.keyOf(n))
    if (!v.valid) return refuse('bad_chain', v.reason)

    const stamped = addHop(m, me, c.signer, Math.floor(c.clock.nowMs() / 1000), STAMPS[m.hops.length % STAMPS.length] as string)
    if (isJourneyComplete(stamped)) {
      this.complete(stamped)
      return { ok: true }
    }
    this.note(stamped, 'relay', 'travelling')
    this.pending.set(m.id, { originator: m.originator, seenAtMs: c.clock.nowMs() })
    this.observe(m.originator, 'journey-pass')
    c.buzz.bump(2)
    void this.forward(stamped).then((next) => {
      if (!next) this.note(stamped, 'relay', 'stuck')
    })
    return { ok: true }
  }

  /** A journey_complete heard on the plaza: a journey we passed on made it home. */
  onCompletion(done: JourneyCompletion): void {
    const c = this.core
    if (done.reported_by === c.identity.name) return
    if (!done.journey_id || !done.originator) return c.drops.count('journey_complete_incomplete')
    const p = this.pending.get(done.journey_id)
    if (!p) return
    this.pending.delete(done.journey_id)
    this.observe(p.originator, 'journey-complete')
    const view = this.journeys.get(done.journey_id)
    if (view) {
      view.state = 'complete'
      if (done.hops?.length) view.hops = done.hops.map((h) => ({ nara: h.nara, timestamp: h.timestamp, stamp: h.stamp }))
      this.host.emit({ ...view })
    }
  }

  /** Pass-through journeys silent for 5 minutes time out (Go checks every 30 s; we on every tick). */
  tick(): void {
    const now = this.core.clock.nowMs()
    for (const [id, p] of this.pending) {
      if (now - p.seenAtMs <= JOURNEY_TIMEOUT_MS) continue
      this.pending.delete(id)
      this.observe(p.originator, 'journey-timeout')
      const view = this.journeys.get(id)
      if (view && view.state === 'travelling') {
        view.state = 'timed-out'
        this.host.emit({ ...view })
      }
    }
  }

  views(): JourneyView[] {
    return [...this.journeys.values()].map((v) => ({ ...v }))
  }

  // ---------------------------------------------------------------------------------------

  private complete(m: WorldMessage): void {
    const c = this.core
    this.note(m, 'originator', 'complete')
    this.pending.delete(m.id)
    this.observe(m.originator, 'journey-complete')
    c.buzz.bump(10)
    const plaza = c.plaza()
    if (!c.config.readOnly && plaza?.connected) {
      const done: JourneyCompletion = { journey_id: m.id, originator: m.originator, reported_by: c.identity.name, message: m.message, hops: m.hops }
      void plaza.publish(TOPIC.journeyComplete, encodeJourneyCompletion(done))
    }
  }

  /** Go `ChooseNextNara`: unvisited online peers by our clout for them, the originator last; ties in random order. */
  private candidates(m: WorldMessage): string[] {
    const visited = new Set(m.hops.map((h) => h.nara))
    const random = (xs: string[]): string[] => shuffle(xs, this.core.random)
    return rankNextHops(this.core.identity.name, m.originator, visited, this.host.onlinePeers(), this.host.clout(), random).slice(0, FORWARD_ATTEMPTS)
  }

  private async forward(m: WorldMessage): Promise<string | null> {
    for (const next of this.candidates(m)) {
      if (await this.host.send(next, m).catch(() => false)) return next
      this.core.drops.count('world_forward_failed', next)
    }
    return null
  }

  /** Signed social observation about the originator (Go `NewJourneyObservationSyncEvent`). */
  private observe(originator: string, reason: 'journey-pass' | 'journey-complete' | 'journey-timeout'): void {
    const c = this.core
    if (c.config.readOnly) return
    const me = c.identity.name
    c.addFilteredEvent(signEvent(newSocialEvent({ type: 'observation', actor: me, target: originator, reason }, c.clock.nowNs()), me, c.signer), 'verified')
  }

  private note(m: WorldMessage, role: JourneyView['role'], state: JourneyView['state']): void {
    const existing = this.journeys.get(m.id)
    const view: JourneyView = {
      id: m.id,
      originator: m.originator,
      message: m.message,
      role,
      state,
      hops: m.hops.map((h) => ({ nara: h.nara, timestamp: h.timestamp, stamp: h.stamp })),
      startedAtMs: existing?.startedAtMs ?? this.core.clock.nowMs(),
      updatedAtMs: this.core.clock.nowMs()
    }
    this.journeys.delete(m.id)
    this.journeys.set(m.id, view)
    if (this.journeys.size > JOURNEYS_KEPT) {
      const oldest = this.journeys.keys().next().value as string
      this.journeys.delete(oldest)
      this.pending.delete(oldest)
    }
    this.host.emit({ ...view })
  }
}
