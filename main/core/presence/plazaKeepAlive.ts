/**
 * Staying ONLINE in a Go peer's eyes with the plaza alone (docs/reference-notes.md, "Plaza
 * keep-alive"). A Go nara derives a peer's status only from events in its ledger and calls the
 * peer MISSING once the newest one is 300 s old; newspapers and howdys refresh nothing there.
 * Over MQTT only hey_there, chau and social events reach a Go ledger, so when none of ours has
 * gone out for `KEEPALIVE_EVERY_MS` we publish one signed social event: an `observation` /
 * `online` about a peer we currently see ONLINE (else about ourselves). It is true, it is the kind of event Go itself
 * emits (with `offline`) when it hears a chau, and it makes its actor — us — ONLINE in every Go
 * projection. A very chill Go nara (Chill > 85) drops routine online/offline observations; when
 * such a peer is listening, a hey_there (stored unfiltered, at the price of its howdy answers)
 * is the only signed evidence it keeps, so we say that instead.
 */
import { encodeEvent, newSocialEvent, signEvent } from '../protocol/events'
import type { Personality, SocialPayload, SyncEventOf } from '../protocol/types'
import { TOPIC } from '../plaza/topics'
import type { PresenceCore } from './core'
import type { NeighbourRecord } from './neighbourhood'
import { socialEventIsMeaningful } from './socialFilter'
import type { HeyThereSender } from './heyThere'

/**
 * Go's MISSING threshold is 300 s (`DefaultMissingThresholdNano`, presence_projection.go); a
 * minute of margin covers broker latency and Go's 1 s maintenance tick.
 */
export const KEEPALIVE_EVERY_MS = 240_000

/**
 * Who may still be judging us: anyone heard on the plaza within Go's longest MISSING threshold
 * (`DefaultMissingThresholdGossipNano`, 1 h) who has not said chau. A quiet Go nara (Chattiness
 * near 0 posts a newspaper every 300 s) often looks MISSING to us while it still listens.
 */
export const LISTENER_WINDOW_MS = 3_600_000

export type KeepAliveKind = 'social' | 'hey-there'

/** What to send now, or why nothing is needed. */
export type KeepAliveDecision =
  | { send: false; why: 'recent' | 'off-plaza' }
  | { send: true; kind: 'social'; target: string }
  | { send: true; kind: 'hey-there' }

export interface KeepAlivePeer {
  name: string
  /** ONLINE in our view: only such a peer is named as the target of our observation. */
  online: boolean
  /** From its newspapers; unknown until one arrived. */
  personality: Personality | null
}

export function onlineObservationPayload(me: string, target: string): SocialPayload {
  return { type: 'observation', actor: me, target, reason: 'online' }
}

/**
 * Pure rule: `listeners` are the peers we know may be judging us, most recently heard first.
 * Nothing is sent while our last ledger-landing event is younger than the interval. We send even
 * when we know of no listener: a Go nara that heard our hey_there may never have spoken since
 * (a quiet one posts every 300 s, and howdy coordination may leave it silent). The observation
 * names the most recent peer we see ONLINE, else ourselves (we are online too — either way the
 * event makes its actor, us, ONLINE in Go's projection).
 */
export function decideKeepAlive(opts: {
  me: string
  nowMs: number
  lastLandedMs: number
  /** A function is called only when a keep-alive is due (the node's scan walks every neighbour). */
  listeners: readonly KeepAlivePeer[] | (() => readonly KeepAlivePeer[])
}): KeepAliveDecision {
  if (opts.nowMs - opts.lastLandedMs < KEEPALIVE_EVERY_MS) return { send: false, why: 'recent' }
  const listeners = typeof opts.listeners === 'function' ? opts.listeners() : opts.listeners
  const target = listeners.find((p) => p.online)?.name ?? opts.me
  const payload = onlineObservationPayload(opts.me, target)
  const ignored = listeners.some((p) => p.personality !== null && !socialEventIsMeaningful(payload, p.personality))
  return ignored ? { send: true, kind: 'hey-there' } : { send: true, kind: 'social', target }
}

export function buildOnlineObservation(core: Pick<PresenceCore, 'identity' | 'signer'>, target: string, ts: bigint): SyncEventOf<'social'> {
  const me = core.identity.name
  return signEvent(newSocialEvent(onlineObservationPayload(me, target), ts), me, core.signer)
}

/** Peers whose Go projection of us matters (see LISTENER_WINDOW_MS), newest first. */
export function plazaListeners(core: Pick<PresenceCore, 'identity' | 'neighbourhood' | 'peerStatus' | 'clock'>): KeepAlivePeer[] {
  const now = core.clock.nowMs()
  const out: { r: NeighbourRecord; online: boolean; heardMs: number }[] = []
  for (const r of core.neighbourhood.all()) {
    // A verified paper says it listens even where no timed evidence (yet) shows it alive to us.
    const heardMs = Math.max(r.lastSeenMs, r.lastPaperMs)
    if (r.name === core.identity.name || !r.viaPlaza || now - heardMs > LISTENER_WINDOW_MS) continue
    const status = core.peerStatus(r)
    if (status !== 'OFFLINE') out.push({ r, online: status === 'ONLINE', heardMs })
  }
  out.sort((a, b) => b.heardMs - a.heardMs)
  return out.map(({ r, online }) => ({ name: r.name, online, personality: r.status?.Personality ?? null }))
}

/** The node's side: remembers when our last ledger-landing event went out and sends the next. */
export class PlazaKeepAlive {
  private lastLandedMs: number
  /** Keep-alives sent, by kind (a stat and a sync point for tests). */
  readonly sent: Record<KeepAliveKind, number> = { social: 0, 'hey-there': 0 }

  constructor(
    private readonly core: PresenceCore,
    private readonly hello: Pick<HeyThereSender, 'send' | 'lastSentAtMs'>
  ) {
    this.lastLandedMs = core.clock.nowMs()
  }

  /** A social event of ours reached the plaza (our hey_theres are read from the sender). */
  landed(atMs: number): void {
    if (atMs > this.lastLandedMs) this.lastLandedMs = atMs
  }

  /** Called from the node's 1 s tick while online on the plaza. */
  tick(): KeepAliveDecision {
    const c = this.core
    const plaza = c.plaza()
    if (c.config.readOnly || !plaza?.connected) return { send: false, why: 'off-plaza' }
    const now = c.clock.nowMs()
    const d = decideKeepAlive({ me: c.identity.name, nowMs: now, lastLandedMs: Math.max(this.lastLandedMs, this.hello.lastSentAtMs), listeners: () => plazaListeners(c) })
    if (!d.send) return d
    if (d.kind === 'hey-there') {
      if (this.hello.send()) this.sent['hey-there']++
      this.landed(now)
      return d
    }
    const e = buildOnlineObservation(c, d.target, c.clock.nowNs())
    c.addEvent(e, 'verified')
    void plaza.publish(TOPIC.social, encodeEvent(e))
    this.sent.social++
    this.landed(now)
    return d
  }
}
