/**
 * The plaza's inbound side (plaza.md §3): one handler per topic. Every payload is
 * untrusted: decode failures, bad keys and bad signatures are counted by reason and dropped;
 * nothing here throws past `dispatch` (the node counts a handler error if one ever does).
 */
import { decodeEvent, eventSignatureVerdict, isSigned, newSocialEvent, signEvent, verifyCheckpointEvent } from '../protocol/events'
import { decodeNewspaper, verifyNewspaperWithKey } from '../protocol/newspaper'
import { buildHowdy, decodeHowdy, encodeHowdy, verifyHowdy } from '../protocol/howdy'
import { decodeProposal, decodeVote, type CheckpointProposal, type CheckpointVote } from '../protocol/checkpoint'
import { decodeJourneyCompletion, type JourneyCompletion } from '../protocol/world'
import { decodeRuntimeMessage, type RuntimeMessage } from '../protocol/runtimeMessage'
import { decodeLedgerRequest, decodeLedgerResponse, encodeLedgerResponse, legacyToSocialEvent, socialEventToLegacy } from '../protocol/ledgerMessages'
import { parsePublicKey } from '../protocol/crypto'
import type { NaraObservation, SyncEvent, SyncEventOf } from '../protocol/types'
import { TOPIC, classifyTopic, ledgerResponseTopic } from '../plaza/topics'
import type { NewspaperView, Trust } from '../views'
import type { PresenceCore } from './core'
import type { NeighbourRecord } from './neighbourhood'
import type { HeyThereSender } from './heyThere'
import { howdyNeighbourLimit, selectNeighborsForHowdy, type HowdyCoordinator } from './howdy'
import type { NewspaperService } from './newspaperService'
import type { Sightings } from './sightings'
import type { StartTimeVotes } from './startTime'
import { SeenSignatures, checkTimeNs, checkTimeSec, judgeClaim, type SignatureCheck, type TrustDecision } from './trust'

export interface PlazaHandlerDeps {
  sightings: Sightings
  heyThere: HeyThereSender
  howdy: HowdyCoordinator
  newspaper: NewspaperService
  startTimeVotes: StartTimeVotes
  emitNewspaper(view: NewspaperView): void
  /** Checkpoint consensus (checkpoints/service.ts): decoded messages, still unverified. */
  checkpoints: { onProposal(p: CheckpointProposal): void; onVote(v: CheckpointVote): void }
  /** World journeys (world/journeys.ts): a decoded `journey_complete`. */
  journeyComplete(c: JourneyCompletion): void
  /** Stash (stash/service.ts): a decoded `stash_refresh`, and every hey_there (a confidant pushes back what it holds). */
  stashRefresh(m: RuntimeMessage): void
  heardHello(name: string, id: string): void
}

export class PlazaHandlers {
  readonly newspaperViews = new Map<string, NewspaperView>()
  /** Newspapers and howdys carry no time: the same signed bytes again are a replay. */
  private readonly seenPapers = new SeenSignatures()
  private readonly seenHowdys = new SeenSignatures()

  constructor(
    private readonly core: PresenceCore,
    private readonly deps: PlazaHandlerDeps
  ) {
    // One newspaper view per known peer: a forgotten peer's paper goes with it.
    core.neighbourhood.onEvict((name) => {
      this.newspaperViews.delete(name)
      this.seenPapers.forget(name)
      this.seenHowdys.forget(name)
    })
  }

  /** trust.ts's rule for a statement about `name` carrying `claimedKey`; `verify` checks the signature with a key. */
  private judge(name: string, claimedKey: string, signed: boolean, verify: (key: Buffer) => boolean): TrustDecision | 'bad_public_key' {
    const r = this.core.neighbourhood.get(name)
    const boundKey = r?.keyBound ? r.publicKey : ''
    let signature: SignatureCheck = 'absent'
    if (signed) {
      const keyText = claimedKey || boundKey
      const key = keyText ? parsePublicKey(keyText) : null
      if (claimedKey && !key) return 'bad_public_key'
      // A conflicting key is judged before any signature work: it cannot speak for the name either way.
      signature = !key ? 'no-key' : boundKey && claimedKey && claimedKey !== boundKey ? 'invalid' : verify(key) ? 'valid' : 'invalid'
    }
    return judgeClaim({ boundKey, claimedKey, signature })
  }

  /**
   * A hey_there or chau about `from`: its time, then the trust rule. Returns the verified
   * decision, or null when the event was refused (counted, shown) or only read: an unverifiable
   * statement about an unbound name is stored as Go sends it, but binds nothing and is no presence.
   */
  private judgeEvent(kind: string, window: 'event' | 'chau', e: SyncEvent, from: string, claimedKey: string): { bind: string | null } | null {
    if (!this.timely(window, e, kind)) return null
    const d = this.judge(from, claimedKey, isSigned(e), (key) => eventSignatureVerdict(e, key).valid)
    if (d === 'bad_public_key' || !d.accept) {
      this.refuse(kind, from, d, e)
      return null
    }
    if (!d.verified) {
      this.core.addEvent(e, d.trust)
      return null
    }
    return d
  }

  /** A refused statement: counted with its reason, a claimant remembered, and shown as rejected. */
  private refuse(kind: string, name: string, d: TrustDecision | 'bad_public_key', e: SyncEvent | null): void {
    const c = this.core
    const reason = d === 'bad_public_key' ? 'bad_public_key' : d.accept ? 'refused' : d.reason
    if (d !== 'bad_public_key' && !d.accept && d.claimant) {
      const r = c.neighbourhood.get(name)
      if (r) c.neighbourhood.noteClaimant(r, d.claimant)
      c.emitPeer(name)
    }
    if (e) c.rejectEvent(e, reason === 'bad_signature' ? 'bad-signature' : 'unsigned', `${kind}_${reason}`, name)
    else c.drops.count(`${kind}_${reason}`, name)
  }

  /** A name we do not know yet takes a table slot: rate-limited once the table fills (floods of invented names). */
  private admits(name: string, kind: string): boolean {
    const c = this.core
    if (c.neighbourhood.admits(name, c.clock.nowMs())) return true
    c.drops.count(`${kind}_admission_limited`, name)
    return false
  }

  /** A network timestamp checked against our clock (trust.ts windows); false when refused (counted). */
  private timely(kind: 'event' | 'chau', e: SyncEvent, what: string): boolean {
    const v = checkTimeNs(e.ts, this.core.clock.nowMs(), kind)
    if (v === 'ok') return true
    this.core.rejectEvent(e, 'unsigned', `${what}_${v === 'future' ? 'future_timestamp' : v === 'stale' ? 'stale_timestamp' : 'bad_timestamp'}`, String(e.ts))
    return false
  }

  /** No observation in a status or howdy may date anyone ahead of our clock. */
  private observationsTimely(observations: ReadonlyArray<NaraObservation | undefined>): boolean {
    const now = this.core.clock.nowMs()
    return observations.every((o) => !o || [o.last_seen, o.start_time, o.last_restart].every((t) => checkTimeSec(t, now, 'howdy') === 'ok'))
  }

  dispatch(topic: string, payload: Buffer): void {
    const t = classifyTopic(topic)
    switch (t.kind) {
      case 'hey_there':
        return this.heyThere(payload)
      case 'chau':
        return this.chau(payload)
      case 'howdy':
        return this.howdy(payload)
      case 'newspaper':
        return this.newspaper(t.name, payload)
      case 'social':
        return this.social(payload)
      case 'ledger_request':
        return this.ledgerRequest(payload)
      case 'ledger_response':
        return this.ledgerResponse(payload)
      case 'checkpoint_propose': {
        const d = decodeProposal(payload)
        if (!d.ok) return this.core.drops.count(`checkpoint_propose_${d.error.code}`, d.error.reason)
        return this.deps.checkpoints.onProposal(d.value)
      }
      case 'checkpoint_vote': {
        const d = decodeVote(payload)
        if (!d.ok) return this.core.drops.count(`checkpoint_vote_${d.error.code}`, d.error.reason)
        return this.deps.checkpoints.onVote(d.value)
      }
      case 'checkpoint_final':
        return this.checkpointFinal(payload)
      case 'journey_complete': {
        const d = decodeJourneyCompletion(payload)
        if (!d.ok) return this.core.drops.count(`journey_complete_${d.error.code}`, d.error.reason)
        return this.deps.journeyComplete(d.value)
      }
      case 'stash_refresh': {
        // Go's own handler never matches (plaza.md §3.7); ours answers with what we hold.
        const d = decodeRuntimeMessage(payload)
        if (!d.ok || d.value.kind !== 'stash-refresh') return this.core.flag('ignored_stash_refresh')
        return this.deps.stashRefresh(d.value)
      }
      default:
        this.core.drops.count('unknown_topic', topic)
    }
  }

  private decodeSyncEvent<S extends SyncEvent['svc']>(payload: Buffer, svc: S, topic: string): SyncEventOf<S> | null {
    const d = decodeEvent(payload, { maxBytes: this.core.config.maxPayloadBytes })
    if (!d.ok) {
      this.core.drops.count(`${topic}_${d.error.code}`, d.error.reason)
      return null
    }
    if (d.value.svc !== svc) {
      this.core.drops.count(`${topic}_wrong_svc`, d.value.svc)
      return null
    }
    return d.value as SyncEventOf<S>
  }

  /** presence.md §2.2 */
  heyThere(payload: Buffer): void {
    const c = this.core
    const e = this.decodeSyncEvent(payload, 'hey-there', 'hey_there')
    if (!e) return
    const p = e.hey_there
    if (!p.From) return c.drops.count('hey_there_no_from')
    if (p.From === c.identity.name) {
      if (this.deps.heyThere.isOwnEcho(e.id)) c.plazaSignal({ kind: 'hey-there-echoed' })
      return
    }
    const d = this.judgeEvent('hey_there', 'event', e, p.From, p.PublicKey)
    if (!d) return
    if (!this.admits(p.From, 'hey_there')) return
    const now = c.clock.nowMs()
    if (d.bind) c.neighbourhood.bindKey(p.From, d.bind, now)
    // Go overwrites the key (a change is only logged); a bound key stays (trust.ts).
    const r = c.neighbourhood.importIdentity(p.From, { meshIP: p.MeshIP, id: p.ID, via: 'hey_there' }, now, 'overwrite')
    r.viaPlaza = true
    if (!r.trustFromNewspaper) r.trust = 'verified'
    if (c.addEvent(e, 'verified') === 'duplicate') return c.drops.count('hey_there_replay', p.From)
    this.deps.sightings.seen(p.From, Number(e.ts / 1_000_000_000n), Number(e.ts / 1_000_000n))
    c.buzz.bump(1)
    if (!c.config.readOnly) this.deps.howdy.onHeyThere(p.From)
    if (p.ID) this.deps.heardHello(p.From, p.ID)
    c.emitPeer(p.From)
  }

  /** presence.md §4.2 */
  chau(payload: Buffer): void {
    const c = this.core
    const e = this.decodeSyncEvent(payload, 'chau', 'chau')
    if (!e) return
    const p = e.chau
    if (!p.From) return c.drops.count('chau_no_from')
    if (p.From === c.identity.name) return
    const d = this.judgeEvent('chau', 'chau', e, p.From, p.PublicKey)
    if (!d || !this.admits(p.From, 'chau')) return
    const now = c.clock.nowMs()
    const known = c.neighbourhood.get(p.From)
    // Older than what we already hold about it (a replayed or late will): stored, but nobody leaves.
    const latest = c.projection.lastEventTs(p.From)
    if (latest !== undefined && latest >= e.ts) {
      c.addEvent(e, 'verified')
      return c.drops.count('chau_stale', p.From)
    }
    const wasOnline = known ? c.peerStatus(known) === 'ONLINE' : false
    if (d.bind) c.neighbourhood.bindKey(p.From, d.bind, now)
    if (known) c.neighbourhood.importIdentity(p.From, { id: p.ID }, now, 'overwrite')
    if (c.addEvent(e, 'verified') === 'duplicate') return c.drops.count('chau_replay', p.From)
    c.neighbourhood.markOffline(p.From, now, Number(e.ts / 1_000_000n))
    c.buzz.bump(2)
    if (wasOnline && !c.isBooting() && !c.config.readOnly) {
      const me = c.identity.name
      c.addEvent(signEvent(newSocialEvent({ type: 'observation', actor: me, target: p.From, reason: 'offline' }, c.clock.nowNs()), me, c.signer), 'verified')
    }
    c.emitPeer(p.From)
  }

  /** presence.md §3.4 */
  howdy(payload: Buffer): void {
    const c = this.core
    const d = decodeHowdy(payload)
    if (!d.ok) return c.drops.count(`howdy_${d.error.code}`, d.error.reason)
    const h = d.value
    if (!h.From || h.From === c.identity.name) return
    // Coordination counts every howdy, before its signature is checked (as Go).
    this.deps.howdy.onHowdySeen(h.To, h.From, (h.Neighbors ?? []).map((n) => n.Name))
    const observations = [h.You, ...Object.values(h.Me.Observations ?? {}), ...(h.Neighbors ?? []).map((n) => n.Observation)]
    if (!this.observationsTimely(observations)) return c.drops.count('howdy_future_timestamp', h.From)
    const j = this.judge(h.From, h.Me.PublicKey, !!h.Signature, (key) => verifyHowdy(h, key).valid)
    if (j === 'bad_public_key' || !j.accept) return this.refuse('howdy', h.From, j, null)
    if (!j.verified) return c.drops.count('howdy_unverified', h.From)
    if (!this.seenHowdys.remember(h.From, h.Signature)) return c.drops.count('howdy_replay', h.From)
    // Its observations date a howdy: all of them long past means an old howdy played back.
    const dated = Object.values(h.Me.Observations ?? {}).map((o) => o.last_seen ?? 0)
    if (dated.length > 0 && checkTimeSec(Math.max(...dated), c.clock.nowMs(), 'event') === 'stale') return c.drops.count('howdy_stale', h.From)
    if (!this.admits(h.From, 'howdy')) return
    const now = c.clock.nowMs()
    if (j.bind) c.neighbourhood.bindKey(h.From, j.bind, now)
    const r = c.neighbourhood.mergeStatus(h.From, { ...h.Me, Observations: null }, now, 'howdy')
    this.deps.sightings.seen(h.From, 0)
    r.viaPlaza = true
    if (!r.trustFromNewspaper) r.trust = 'verified'
    c.buzz.bump(1)
    if (h.To === c.identity.name) {
      c.lifecycle('howdy', `howdy from ${h.From}`)
      c.plazaSignal({ kind: 'howdy', from: h.From })
      this.deps.startTimeVotes.add(h.You?.start_time, h.Me.HostStats?.Uptime ?? 0)
      // Counted, never acted on: a Go peer that saw us go quiet says so until it hears us again.
      if (!h.You?.start_time) c.flag('howdy_you_without_start_time')
      if (h.You?.online && h.You.online !== 'ONLINE') c.flag(`howdy_says_we_are_${h.You.online.toLowerCase()}`)
      for (const n of h.Neighbors ?? []) {
        if (!n.Name || n.Name === c.identity.name) continue
        const existing = c.neighbourhood.get(n.Name)
        c.neighbourhood.importIdentity(n.Name, { publicKey: n.PublicKey, meshIP: n.MeshIP, id: n.ID, via: 'howdy-neighbour' }, now, existing?.publicKey ? 'fill' : 'overwrite')
        c.neighbourhood.mergeObservation(n.Name, n.Observation, now)
        c.emitPeer(n.Name)
      }
    }
    c.emitPeer(h.From)
  }

  /** Our welcome for `target` (presence.md §3.3), skipping names other howdys already mentioned. */
  sendHowdy(target: string, seq: number, mentioned: ReadonlySet<string>): void {
    const c = this.core
    const plaza = c.plaza()
    if (c.config.readOnly || !plaza?.connected) return
    const neighbours = selectNeighborsForHowdy(c.neighbourhood.all(), c.identity.name, target, mentioned, howdyNeighbourLimit(c.ledger.mode))
    const h = buildHowdy(
      {
        from: c.identity.name,
        to: target,
        seq,
        you: howdyYou(c.neighbourhood.get(target)),
        neighbors: neighbours.length ? neighbours : null,
        me: this.deps.newspaper.ownStatus(true)
      },
      c.signer
    )
    void plaza.publish(TOPIC.howdy, encodeHowdy(h))
  }

  /** newspaper.md §5 */
  newspaper(name: string, payload: Buffer): void {
    const c = this.core
    if (name === c.identity.name) return
    const d = decodeNewspaper(payload, { maxBytes: c.config.maxPayloadBytes })
    if (!d.ok) return c.drops.count(`newspaper_${d.error.code}`, `${name}: ${d.error.reason}`)
    const paper = d.value
    if (paper.from && paper.from !== name) c.flag('newspaper_from_mismatch')
    if (!this.observationsTimely(Object.values(paper.status.Observations ?? {}))) return c.drops.count('newspaper_future_timestamp', name)
    const known = c.neighbourhood.get(name)
    const decision = this.judge(name, paper.status.PublicKey, !!paper.signature, (key) => verifyNewspaperWithKey(paper, key).valid)
    if (decision === 'bad_public_key' || !decision.accept) return this.refuse('newspaper', name, decision, null)
    const trust: Trust = decision.verified ? 'verified' : decision.trust
    const now = c.clock.nowMs()
    if (decision.verified) {
      if (!this.seenPapers.remember(name, paper.signature)) return c.drops.count('newspaper_replay', name)
      if (!this.admits(name, 'newspaper')) return
      if (decision.bind) c.neighbourhood.bindKey(name, decision.bind, now)
      const wasOnline = c.neighbourhood.get(name)?.observation.online === 'ONLINE'
      const r = c.neighbourhood.mergeStatus(name, paper.status, now)
      r.trust = trust
      r.trustFromNewspaper = true
      r.viaPlaza = true
      r.lastPaperMs = now
      // A paper carries no date, so it only keeps a peer alive that timed evidence (a hey_there,
      // a howdy, a verified event) showed alive: an old paper replayed cannot raise anyone.
      if (wasOnline) this.deps.sightings.seen(name, 0)
      else c.flag('newspaper_without_timed_evidence')
    } else {
      // Shown as received (Go merges it); an unverifiable paper about an unbound name changes no peer.
      c.flag(`newspaper_${trust}`)
    }
    if (!known && c.chattiness() > 0) this.deps.heyThere.send() // "whodis"
    const statusObj = JSON.parse(paper.statusRaw.toString('utf8')) as Record<string, unknown>
    const prevView = this.newspaperViews.get(name)
    const changed = prevView ? Object.keys(statusObj).filter((k) => !sameJson(statusObj[k], prevView.status[k])) : Object.keys(statusObj)
    const view: NewspaperView = { from: name, receivedAtMs: now, trust, changed, status: statusObj }
    // Kept per known peer only: papers about names we hold no record of cannot grow this map.
    if (c.neighbourhood.get(name)) this.newspaperViews.set(name, view)
    this.deps.emitNewspaper(view)
    c.emitPeer(name)
  }

  /** plaza.md §3.5: stored subject to the personality filter. */
  social(payload: Buffer): void {
    const c = this.core
    const e = this.decodeSyncEvent(payload, 'social', 'social')
    if (!e) return
    if (e.social.actor === c.identity.name) return
    if (!this.timely('event', e, 'social')) return
    if (e.social.target === c.identity.name && e.social.type === 'observation' && e.social.reason === 'offline') c.flag('peer_saw_us_offline')
    let trust: Trust = 'unsigned'
    if (isSigned(e)) {
      const key = c.neighbourhood.keyOf(e.emitter ?? '')
      if (key) {
        const v = eventSignatureVerdict(e, key)
        if (!v.valid) return c.drops.count('social_bad_signature', `${e.emitter}: ${v.reason}`)
        trust = 'verified'
      } else {
        trust = 'unknown-key'
      }
    }
    const outcome = c.addFilteredEvent(e, trust)
    if (outcome === 'filtered') c.flag('social_filtered_by_personality')
    else if (outcome === 'added') c.buzz.bump(5) // Go: a social event that made it into memory raises buzz by 5
  }

  /** plaza.md §3.8, responder side: the social events about the requested subjects. */
  ledgerRequest(payload: Buffer): void {
    const c = this.core
    const d = decodeLedgerRequest(payload)
    if (!d.ok) return c.drops.count(`ledger_request_${d.error.code}`, d.error.reason)
    const from = d.value.From
    if (!from || from === c.identity.name) return
    const plaza = c.plaza()
    if (c.config.readOnly || !plaza?.connected) return
    const subjects = d.value.Subjects ?? []
    const events = c.ledger
      .query({ services: ['social'], subjects })
      .filter((e): e is SyncEventOf<'social'> => e.svc === 'social')
      .map(socialEventToLegacy)
    void plaza.publish(ledgerResponseTopic(from), encodeLedgerResponse({ From: c.identity.name, Events: events.length ? events : null }))
  }

  /** plaza.md §3.8, requester side: merged through the personality filter. */
  ledgerResponse(payload: Buffer): void {
    const c = this.core
    const d = decodeLedgerResponse(payload)
    if (!d.ok) return c.drops.count(`ledger_response_${d.error.code}`, d.error.reason)
    for (const legacy of d.value.Events ?? []) {
      if (c.addFilteredEvent(legacyToSocialEvent(legacy), 'unsigned') === 'filtered') c.flag('ledger_response_filtered_by_personality')
    }
  }

  private checkpointFinal(payload: Buffer): void {
    const c = this.core
    const e = this.decodeSyncEvent(payload, 'checkpoint', 'checkpoint_final')
    if (!e) return
    if (e.checkpoint.subject === c.identity.name) return
    if ((e.checkpoint.signatures ?? []).length < 5) return c.drops.count('checkpoint_final_too_few_signatures', e.checkpoint.subject)
    const v = verifyCheckpointEvent(e, (id) => c.neighbourhood.keyOfId(id) ?? (id === c.identity.id ? c.signer.publicKey : null))
    if (!v.valid) return c.drops.count('checkpoint_final_unverified', `${e.checkpoint.subject}: ${v.validCount} of ${v.total} verify`)
    c.addEvent(e, 'verified')
  }
}

/** Equal as JSON text; primitives compare directly (same answer, no stringify per field). */
function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false
  return JSON.stringify(a) === JSON.stringify(b)
}

/**
 * The `You` of a howdy we send: our observation of the newcomer, with a start time whenever we
 * have one — its first-seen time, else when we saw its current run begin (Go sends 0 when it was
 * booting at first sight, and 0 is no vote at all).
 */
export function howdyYou(r: NeighbourRecord | undefined): NaraObservation {
  const you: NaraObservation = { ...(r?.observation ?? {}) }
  if (!you.start_time && r) {
    const seen = r.runSinceSec || r.firstSightingSec
    if (seen > 0) you.start_time = seen
  }
  return you
}
