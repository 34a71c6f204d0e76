/**
 * Checkpoint consensus as a citizen of the network (plaza.md §6, Go `checkpoint_service.go`):
 * we vote on every verifiable proposal about someone else, propose our own once a day when
 * enough naras are online, collect votes for our proposal and finalise (round 2 with trimmed
 * means when round 1 finds no agreement). Everything arriving here is untrusted: each refusal
 * is counted by reason, and rounds and votes are kept in bounded maps.
 */
import { checkpointFigures, encodeProposal, encodeVote, verifyAttestation, type CheckpointProposal, type CheckpointVote } from '../protocol/checkpoint'
import { encodeEvent, newCheckpointEvent, verifyCheckpointEvent } from '../protocol/events'
import type { SyncEvent, SyncEventOf } from '../protocol/types'
import { TOPIC } from '../plaza/topics'
import type { PresenceCore } from '../presence/core'
import type { CheckpointRoundView, CheckpointView, NeighbourCheckpoint } from '../views'
import { buildProposal, buildVote, findConsensus, historyOf, MIN_VOTERS, type Party } from './consensus'
import { trimmedMean } from '../presence/projection'
import { deriveHistory, deriveTotalUptime, latestCheckpoint, type DerivedHistory } from './derive'

export interface CheckpointTimings {
  /** Time between own checkpoints. Go: 24 h. */
  intervalMs: number
  /** How often we consider proposing. Go: 15 min. */
  checkEveryMs: number
  /** How long our proposal collects votes. Go: 1 min. */
  voteWindowMs: number
  /** Vote publish jitter: intn(voteJitterMs). Go: 3000. */
  voteJitterMs: number
}

export const GO_CHECKPOINT_TIMINGS: CheckpointTimings = {
  intervalMs: 24 * 3600_000,
  checkEveryMs: 15 * 60_000,
  voteWindowMs: 60_000,
  voteJitterMs: 3000
}

/** Rounds remembered for the timeline, and votes kept per round (a flood cannot grow memory). */
export const ROUNDS_KEPT = 64
export const VOTES_PER_ROUND = 64
export const HISTORY_KEPT = 256
export const ABOUT_CACHE_KEPT = 4096

export interface CheckpointHost {
  /** Boot recovery done and our opinions formed (Go `IsBootRecoveryComplete`). */
  ready(): boolean
  /** Other naras we consider ONLINE. */
  onlineOthers(): number
  emitRound(v: CheckpointRoundView): void
  emitCheckpoint(v: CheckpointView): void
}

interface OwnRound {
  proposal: CheckpointProposal
  votes: Map<string, CheckpointVote>
  finalised: boolean
}

const roundKey = (subject: string, asOfTime: number, round: number): string => `${subject}\u0000${asOfTime}\u0000${round}`

export class CheckpointService {
  private readonly timings: CheckpointTimings
  private own: OwnRound | null = null
  private lastCheckpointMs: number | null = null
  private lastCheckMs: number | null = null
  private readonly rounds = new Map<string, CheckpointRoundView>()
  private readonly history = new Map<string, CheckpointView>()
  private readonly about = new Map<string, SyncEvent[]>()
  private cacheVersion = -1

  constructor(
    private readonly core: PresenceCore,
    private readonly host: CheckpointHost,
    timings: Partial<CheckpointTimings> = {}
  ) {
    this.timings = { ...GO_CHECKPOINT_TIMINGS, ...timings }
  }

  private get me(): Party {
    return { name: this.core.identity.name, id: this.core.identity.id }
  }

  private nowSec(): number {
    return Math.floor(this.core.clock.nowMs() / 1000)
  }

  /**
   * The subject's observation and checkpoint events, cached per subject: views ask on every peer
   * update, and a full ledger scan each time would cost O(ledger) per neighbour.
   */
  private eventsAbout(subject: string): SyncEvent[] {
    const ledger = this.core.ledger
    if (ledger.version !== this.cacheVersion) {
      this.about.clear()
      this.cacheVersion = ledger.version
    }
    let events = this.about.get(subject)
    if (!events) {
      events = ledger.query({ services: ['observation', 'checkpoint'], subjects: [subject] })
      this.about.set(subject, events)
      if (this.about.size > ABOUT_CACHE_KEPT) this.about.delete(this.about.keys().next().value as string)
    }
    return events
  }

  /** Every event the ledger accepted (the node calls this): keeps the per-subject cache true. */
  noteStored(e: SyncEvent): void {
    if (e.svc === 'observation') this.about.delete(e.observation.subject ?? '')
    else if (e.svc === 'checkpoint') {
      this.about.delete(e.checkpoint.subject)
      this.onStored(e)
    }
  }

  /** What our ledger says about `subject` now. */
  derive(subject: string): DerivedHistory {
    return deriveHistory(this.eventsAbout(subject), subject, this.nowSec())
  }

  private latestId(subject: string): string {
    return latestCheckpoint(this.eventsAbout(subject), subject)?.id ?? ''
  }

  // ---------------------------------------------------------------------------------------
  // Proposing (Go: checked every 15 min once the service runs after boot recovery)

  /** Called on every node tick. */
  tick(): void {
    const c = this.core
    if (c.config.readOnly || !this.host.ready()) return
    const now = c.clock.nowMs()
    if (this.lastCheckpointMs === null) {
      // Our newest checkpoint anchors the schedule; none yet → wait a full interval from now.
      const asOf = latestCheckpoint(this.eventsAbout(this.me.name), this.me.name)?.checkpoint.as_of_time
      this.lastCheckpointMs = asOf ? asOf * 1000 : now
      this.lastCheckMs = now
      return
    }
    if (now - (this.lastCheckMs ?? now) < this.timings.checkEveryMs) return
    this.lastCheckMs = now
    if (now - this.lastCheckpointMs < this.timings.intervalMs) return
    if (this.own && !this.own.finalised) return
    if (this.host.onlineOthers() < MIN_VOTERS + 1) return
    this.propose(1, null)
  }

  /** Starts round 1 now, whatever the schedule (control command); false when it cannot. */
  proposeNow(): { ok: boolean; reason?: string } {
    if (this.core.config.readOnly) return { ok: false, reason: 'read-only' }
    if (this.own && !this.own.finalised) return { ok: false, reason: 'a round of ours is still open' }
    return this.propose(1, null) ? { ok: true } : { ok: false, reason: 'plaza not connected' }
  }

  private propose(round: number, values: DerivedHistory | null): boolean {
    const c = this.core
    const plaza = c.plaza()
    if (!plaza?.connected) return false
    const v = values ?? this.derive(this.me.name)
    const p = buildProposal(this.me, v, this.nowSec(), this.latestId(this.me.name), round, c.signer)
    const own: OwnRound = { proposal: p, votes: new Map(), finalised: false }
    this.own = own
    this.noteRound(p, true, 'proposed by us')
    void plaza.publish(TOPIC.checkpointPropose, encodeProposal(p))
    c.later(this.timings.voteWindowMs, () => this.finalise(own))
    return true
  }

  private finalise(own: OwnRound): void {
    if (own.finalised || own !== this.own) return
    own.finalised = true
    const c = this.core
    const p = own.proposal
    const votes = [...own.votes.values()]
    const payload = findConsensus(p, votes, (name) => deriveTotalUptime(this.eventsAbout(name), name, this.nowSec()))
    if (payload) {
      this.lastCheckpointMs = c.clock.nowMs()
      const e = newCheckpointEvent(payload, c.clock.nowNs())
      const verdict = verifyCheckpointEvent(e, (id) => this.keyOfId(id))
      if (!verdict.valid) {
        c.drops.count('checkpoint_own_unverified', `${verdict.validCount} of ${verdict.total}`)
        this.closeRound(p, 'failed', `only ${verdict.validCount} signatures verify`)
        return
      }
      c.addEvent(e, 'verified')
      const plaza = c.plaza()
      if (plaza?.connected) void plaza.publish(TOPIC.checkpointFinal, encodeEvent(e))
      this.closeRound(p, 'finalised', `${payload.voter_ids?.length ?? 0} signatures`)
    } else if (p.round === 1) {
      // As Go: no votes at all → no round 2 and no day-long wait; the next check tries again.
      this.closeRound(p, 'failed', votes.length ? `no agreement among ${votes.length} votes; round 2` : 'no votes')
      if (votes.length === 0) return
      const values: DerivedHistory = {
        restarts: trimmedMean(votes.map((v) => v.observation.restarts ?? 0)),
        totalUptime: trimmedMean(votes.map((v) => v.observation.total_uptime ?? 0)),
        firstSeen: trimmedMean(votes.map((v) => v.observation.start_time ?? 0))
      }
      this.propose(2, values)
    } else {
      this.lastCheckpointMs = c.clock.nowMs()
      this.closeRound(p, 'failed', `no agreement among ${votes.length} votes; next try in a day`)
    }
  }

  // ---------------------------------------------------------------------------------------
  // Voting

  onProposal(p: CheckpointProposal): void {
    const c = this.core
    if (p.subject === this.me.name) return // our own echo
    const key = this.keyOfId(p.subject_id)
    if (!key) return c.drops.count('checkpoint_propose_unknown_subject', p.subject)
    const bound = c.neighbourhood.get(p.subject)?.id
    if (bound && bound !== p.subject_id) return c.drops.count('checkpoint_propose_id_mismatch', p.subject)
    if (!p.signature || !verifyAttestation(p, key)) return c.drops.count('checkpoint_propose_bad_signature', p.subject)
    if ((p.version || 1) < 2) return c.drops.count('checkpoint_propose_old_version', p.subject)
    if (p.round !== 1 && p.round !== 2) return c.drops.count('checkpoint_propose_bad_round', `${p.subject}: ${p.round}`)
    const round = this.noteRound(p, false, '')
    if (c.config.readOnly) return this.setNote(round, 'read-only: not voting')
    if (!this.host.ready()) {
      c.flag('checkpoint_vote_skipped_booting')
      return this.setNote(round, 'booting: not voting yet')
    }
    const vote = buildVote(p, this.derive(p.subject), this.me, this.latestId(p.subject), c.signer)
    round.ourVote = vote.approved
    round.note = vote.approved ? 'we approved' : 'we signed our own values'
    this.host.emitRound(round)
    c.later(c.random.intn(Math.max(1, this.timings.voteJitterMs)), () => {
      const plaza = c.plaza()
      if (plaza?.connected) void plaza.publish(TOPIC.checkpointVote, encodeVote(vote))
    })
  }

  onVote(v: CheckpointVote): void {
    const c = this.core
    if (v.attester_id === this.me.id) return // our own echo
    const key = this.keyOfId(v.attester_id)
    if (!key) return c.drops.count('checkpoint_vote_unknown_voter', v.attester)
    if (!v.signature || !verifyAttestation(v, key)) return c.drops.count('checkpoint_vote_bad_signature', v.attester)
    if ((v.version || 1) < 2) return c.drops.count('checkpoint_vote_old_version', v.attester)
    const round = this.rounds.get(roundKey(v.subject, v.proposal_ts, v.round))
    if (round && !round.votes.some((x) => x.attester === v.attester)) {
      if (round.votes.length < VOTES_PER_ROUND) {
        round.votes.push({ attester: v.attester, approved: v.approved, atMs: c.clock.nowMs() })
        this.host.emitRound(round)
      }
    }
    if (v.subject !== this.me.name) return
    const own = this.own
    if (!own || own.finalised) return c.drops.count('checkpoint_vote_no_open_round', v.attester)
    const p = own.proposal
    if (v.proposal_ts !== p.as_of_time || v.round !== p.round) return c.drops.count('checkpoint_vote_stale', v.attester)
    // Stricter than Go: a vote must sign our ID and our as_of_time, or its signature cannot count in the checkpoint.
    if (v.subject_id !== p.subject_id || v.as_of_time !== p.as_of_time) return c.drops.count('checkpoint_vote_mismatch', v.attester)
    // Stricter than Go (which appends every copy): one vote per voter.
    if (own.votes.has(v.attester_id)) return c.drops.count('checkpoint_vote_duplicate', v.attester)
    if (own.votes.size >= VOTES_PER_ROUND) return c.drops.count('checkpoint_vote_round_full', v.attester)
    own.votes.set(v.attester_id, v)
    if (own.votes.size >= MIN_VOTERS) this.finalise(own)
  }

  // ---------------------------------------------------------------------------------------
  // Finalised checkpoints (ours or received): history and round outcomes

  private onStored(e: SyncEventOf<'checkpoint'>): void {
    const p = e.checkpoint
    const view: CheckpointView = {
      id: e.id,
      subject: p.subject,
      subjectId: p.subject_id,
      asOfTime: p.as_of_time,
      round: p.round,
      ...checkpointFigures(p.observation),
      previousId: p.previous_checkpoint_id ?? '',
      voterIds: [...(p.voter_ids ?? [])],
      signedByUs: (p.voter_ids ?? []).includes(this.me.id)
    }
    this.history.delete(e.id)
    this.history.set(e.id, view)
    if (this.history.size > HISTORY_KEPT) this.history.delete(this.history.keys().next().value as string)
    const round = this.rounds.get(roundKey(p.subject, p.as_of_time, p.round))
    if (round && round.outcome === 'open') {
      round.outcome = 'finalised'
      round.note = `${view.voterIds.length} signatures`
      this.host.emitRound(round)
    }
    this.host.emitCheckpoint(view)
  }

  /**
   * A finalised checkpoint anchors what we show about a peer (Go derives restarts and uptime
   * from it): restarts and total uptime from the checkpoint plus what happened since.
   */
  anchoredHistory(subject: string): NeighbourCheckpoint | null {
    if (!this.core.ledger.hasCheckpointFor(subject)) return null
    const events = this.eventsAbout(subject)
    const cp = latestCheckpoint(events, subject)
    if (!cp) return null
    const h = deriveHistory(events, subject, this.nowSec())
    return { asOfTime: cp.checkpoint.as_of_time, restarts: h.restarts, totalUptime: h.totalUptime, startTime: h.firstSeen }
  }

  /** Checkpoints stored since start (oldest first), optionally about one subject. */
  checkpoints(subject?: string): CheckpointView[] {
    const all = [...this.history.values()]
    return subject === undefined ? all : all.filter((v) => v.subject === subject)
  }

  /** Rounds seen since start, oldest first. */
  roundViews(): CheckpointRoundView[] {
    return [...this.rounds.values()]
  }

  // ---------------------------------------------------------------------------------------

  private keyOfId(id: string): Uint8Array | null {
    if (!id) return null
    if (id === this.me.id) return this.core.signer.publicKey
    return this.core.neighbourhood.keyOfId(id)
  }

  private noteRound(p: CheckpointProposal, mine: boolean, note: string): CheckpointRoundView {
    const k = roundKey(p.subject, p.as_of_time, p.round)
    const existing = this.rounds.get(k)
    if (existing) return existing
    const h = historyOf(p.observation)
    const view: CheckpointRoundView = {
      subject: p.subject,
      asOfTime: p.as_of_time,
      round: p.round,
      restarts: h.restarts,
      totalUptime: h.totalUptime,
      startTime: h.firstSeen,
      startedAtMs: this.core.clock.nowMs(),
      votes: [],
      ourVote: null,
      mine,
      outcome: 'open',
      note
    }
    this.rounds.set(k, view)
    if (this.rounds.size > ROUNDS_KEPT) this.rounds.delete(this.rounds.keys().next().value as string)
    this.host.emitRound(view)
    return view
  }

  private setNote(round: CheckpointRoundView, note: string): void {
    round.note = note
    this.host.emitRound(round)
  }

  private closeRound(p: CheckpointProposal, outcome: 'finalised' | 'failed', note: string): void {
    const round = this.rounds.get(roundKey(p.subject, p.as_of_time, p.round))
    if (!round) return
    round.outcome = outcome
    round.note = note
    this.host.emitRound(round)
  }
}
