/**
 * The plaza's inbound side (plaza.md §3): one handler per topic. Every payload is
 * untrusted: decode failures, bad keys and bad signatures are counted by reason and dropped;
 * nothing here throws past `dispatch` (the node counts a handler error if one ever does).
 */
import { decodeEvent, eventSignatureVerdict, isSigned, newSocialEvent, signEvent, verifyCheckpointEvent } from '../protocol/events'
import { decodeNewspaper, verifyNewspaper } from '../protocol/newspaper'
import { buildHowdy, decodeHowdy, encodeHowdy, verifyHowdy } from '../protocol/howdy'
import { decodeProposal, decodeVote, verifyAttestation, type Attestation } from '../protocol/checkpoint'
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

export interface CheckpointActivity {
  kind: 'propose' | 'vote'
  attestation: Attestation
  valid: boolean
  atMs: number
}

export interface PlazaHandlerDeps {
  sightings: Sightings
  heyThere: HeyThereSender
  howdy: HowdyCoordinator
  newspaper: NewspaperService
  startTimeVotes: StartTimeVotes
  emitNewspaper(view: NewspaperView): void
}

const CHECKPOINT_ACTIVITY_KEPT = 100

export class PlazaHandlers {
  readonly newspaperViews = new Map<string, NewspaperView>()
  readonly checkpointActivity: CheckpointActivity[] = []

  constructor(
    private readonly core: PresenceCore,
    private readonly deps: PlazaHandlerDeps
  ) {
    // One newspaper view per known peer: a forgotten peer's paper goes with it.
    core.neighbourhood.onEvict((name) => this.newspaperViews.delete(name))
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
      case 'checkpoint_propose':
        return this.checkpointMessage('propose', payload)
      case 'checkpoint_vote':
        return this.checkpointMessage('vote', payload)
      case 'checkpoint_final':
        return this.checkpointFinal(payload)
      case 'journey_complete':
      case 'stash_refresh':
        // Go's stash_refresh handler never matches; journeys are not ours to complete.
        return this.core.flag(`ignored_${t.kind}`)
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
    let trust: Trust = 'unsigned'
    if (isSigned(e) && p.PublicKey) {
      const key = parsePublicKey(p.PublicKey)
      if (!key) return c.drops.count('hey_there_bad_public_key', p.From)
      const v = eventSignatureVerdict(e, key)
      if (!v.valid) return c.drops.count('hey_there_bad_signature', `${p.From}: ${v.reason}`)
      trust = 'verified'
    } else if (isSigned(e)) {
      trust = 'unknown-key'
    }
    const now = c.clock.nowMs()
    this.deps.sightings.seen(p.From, Number(e.ts / 1_000_000_000n))
    const r = c.neighbourhood.get(p.From)
    if (r) {
      // Go overwrites the key (a change is only logged); we only take an unauthenticated key when we have none.
      if (trust === 'verified' || !r.publicKey) {
        c.neighbourhood.importIdentity(p.From, { publicKey: p.PublicKey, meshIP: p.MeshIP, id: p.ID, via: 'hey_there' }, now, 'overwrite')
      }
      r.viaPlaza = true
      if (!r.trustFromNewspaper) r.trust = trust
    }
    c.addEvent(e, trust)
    c.buzz.bump(1)
    if (!c.config.readOnly) this.deps.howdy.onHeyThere(p.From)
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
    let trust: Trust = 'unsigned'
    if (isSigned(e)) {
      let key: Buffer | null
      if (p.PublicKey) {
        key = parsePublicKey(p.PublicKey)
        if (!key) return c.drops.count('chau_bad_public_key', p.From)
      } else {
        key = c.neighbourhood.keyOf(p.From)
      }
      if (key) {
        const v = eventSignatureVerdict(e, key)
        if (!v.valid) return c.drops.count('chau_bad_signature', `${p.From}: ${v.reason}`)
        trust = 'verified'
      } else {
        trust = 'unknown-key'
      }
    }
    const now = c.clock.nowMs()
    const known = c.neighbourhood.get(p.From)
    const wasOnline = known ? c.peerStatus(known) === 'ONLINE' : false
    if (known && trust === 'verified') c.neighbourhood.importIdentity(p.From, { publicKey: p.PublicKey, id: p.ID }, now, 'overwrite')
    c.addEvent(e, trust)
    c.neighbourhood.markOffline(p.From, now)
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
    const v = verifyHowdy(h)
    if (!v.valid) return c.drops.count('howdy_bad_signature', `${h.From}: ${v.reason}`)
    const now = c.clock.nowMs()
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
    if (paper.status.PublicKey && !parsePublicKey(paper.status.PublicKey)) return c.drops.count('newspaper_bad_public_key', name)
    if (paper.from && paper.from !== name) c.flag('newspaper_from_mismatch')
    const known = c.neighbourhood.get(name)
    const verdict = verifyNewspaper(paper, c.neighbourhood.keyOf(name))
    const trust: Trust = verdict.valid ? 'verified' : verdict.reason === 'unsigned' ? 'unsigned' : verdict.reason === 'no public key' ? 'unknown-key' : 'bad-signature'
    if (!verdict.valid) c.flag(`newspaper_${trust}`)
    const now = c.clock.nowMs()
    const keep = known && trust !== 'verified' && known.publicKey ? { key: known.publicKey, id: known.id } : null
    const r = c.neighbourhood.mergeStatus(name, paper.status, now)
    if (keep) {
      // Our policy: an unverified newspaper never rebinds a name to a different key.
      r.publicKey = keep.key
      // Through the neighbourhood, so its ID index follows (the paper's ID must not stay bound to this name).
      if (keep.id) c.neighbourhood.importIdentity(name, { id: keep.id }, now, 'overwrite')
    }
    r.trust = trust
    r.trustFromNewspaper = true
    r.viaPlaza = true
    this.deps.sightings.seen(name, 0)
    if (!known && c.chattiness() > 0) this.deps.heyThere.send() // "whodis"
    const statusObj = JSON.parse(paper.statusRaw.toString('utf8')) as Record<string, unknown>
    const prevView = this.newspaperViews.get(name)
    const changed = prevView ? Object.keys(statusObj).filter((k) => JSON.stringify(statusObj[k]) !== JSON.stringify(prevView.status[k])) : Object.keys(statusObj)
    const view: NewspaperView = { from: name, receivedAtMs: now, trust, changed, status: statusObj }
    this.newspaperViews.set(name, view)
    this.deps.emitNewspaper(view)
    c.emitPeer(name)
  }

  /** plaza.md §3.5: stored subject to the personality filter. */
  social(payload: Buffer): void {
    const c = this.core
    const e = this.decodeSyncEvent(payload, 'social', 'social')
    if (!e) return
    if (e.social.actor === c.identity.name) return
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
    if (c.addFilteredEvent(e, trust) === 'filtered') c.flag('social_filtered_by_personality')
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

  private checkpointMessage(kind: 'propose' | 'vote', payload: Buffer): void {
    const c = this.core
    const d = kind === 'propose' ? decodeProposal(payload) : decodeVote(payload)
    if (!d.ok) return c.drops.count(`checkpoint_${kind}_${d.error.code}`, d.error.reason)
    const a = d.value
    const key = c.neighbourhood.keyOfId(a.attester_id)
    const valid = !!key && verifyAttestation(a, key)
    if (key && !valid) return c.drops.count(`checkpoint_${kind}_bad_signature`, a.attester)
    this.checkpointActivity.push({ kind, attestation: a, valid, atMs: c.clock.nowMs() })
    if (this.checkpointActivity.length > CHECKPOINT_ACTIVITY_KEPT) this.checkpointActivity.shift()
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
