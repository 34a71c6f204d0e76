/**
 * Checkpoint consensus (plaza.md §6): the ledger derivations, the voter's and proposer's
 * decisions, and real rounds among our own nodes on a mosquitto broker — a round that needs
 * our votes finalises, and one vote short it does not. Bad input is refused by counted reason.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { startMosquitto, type TestBroker } from './support/brokers'
import { eventually, makeNode, testIdentity } from './support/nodes'
import type { NaraNode, NaraNodeOptions } from '../main/core/node'
import { deriveRestartCount, deriveTotalUptime, firstSeenFromEvents, latestCheckpoint } from '../main/core/checkpoints/derive'
import { trimmedMean } from '../main/core/presence/projection'
import { buildProposal, buildVote, findConsensus, MIN_VOTERS } from '../main/core/checkpoints/consensus'
import { encodeProposal, encodeVote, verifyAttestation, type CheckpointVote } from '../main/core/protocol/checkpoint'
import { newCheckpointEvent, newObservationEvent, verifyCheckpointEvent } from '../main/core/protocol/events'
import type { SyncEvent, SyncEventOf } from '../main/core/protocol/types'
import { TOPIC } from '../main/core/plaza/topics'
import { DataPlane } from '../main/core/bus/dataPlane'
import { bridgeNode } from '../main/core/bus/nodeBridge'
import { createCommandRouter } from '../main/core/bus/control/router'
import { keys, type CheckpointRoundView, type CheckpointView } from '../main/core/views'

const cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!()
})

const S = 1_000_000_000n
const restart = (subject: string, startTime: number, at: number, observer = 'obs', extra = {}): SyncEventOf<'observation'> =>
  newObservationEvent({ observer, subject, type: 'restart', importance: 3, start_time: startTime, restart_num: 1, ...extra }, BigInt(at) * S)
const status = (subject: string, state: string, at: number): SyncEventOf<'observation'> =>
  newObservationEvent({ observer: 'obs', subject, type: 'status-change', importance: 2, online_state: state }, BigInt(at) * S)
const checkpoint = (subject: string, asOf: number, o: { restarts?: number; total_uptime?: number; start_time?: number }): SyncEventOf<'checkpoint'> =>
  newCheckpointEvent({ version: 2, subject, subject_id: 'sid', observation: o, as_of_time: asOf, round: 1, voter_ids: [], signatures: [] }, BigInt(asOf) * S)

describe('ledger derivations (checkpoint_types.go)', () => {
  it('restarts: distinct start times; after a checkpoint only newer ones add; a backfill excludes its own start', () => {
    const plain: SyncEvent[] = [restart('bob', 100, 100), restart('bob', 100, 101, 'other'), restart('bob', 200, 200), restart('eve', 300, 300)]
    expect(deriveRestartCount(plain, 'bob')).toBe(2)
    const anchored = [...plain, checkpoint('bob', 150, { restarts: 40 })]
    expect(deriveRestartCount(anchored, 'bob')).toBe(41)
    const backfilled = [...plain, restart('bob', 100, 90, 'obs', { is_backfill: true, restart_num: 7 })]
    expect(deriveRestartCount(backfilled, 'bob')).toBe(8)
    expect(latestCheckpoint([...anchored, checkpoint('bob', 120, { restarts: 1 })], 'bob')?.checkpoint.as_of_time).toBe(150)
  })

  it('uptime: ONLINE→MISSING periods, open period up to now, checkpoint base, backfill assumption', () => {
    const ev = [status('bob', 'ONLINE', 1000), status('bob', 'MISSING', 1100), status('bob', 'ONLINE', 1200)]
    expect(deriveTotalUptime(ev, 'bob', 1250)).toBe(100 + 50)
    expect(deriveTotalUptime([...ev, checkpoint('bob', 1150, { total_uptime: 5000 })], 'bob', 1250)).toBe(5000 + 50)
    expect(deriveTotalUptime([restart('bob', 900, 900, 'o', { is_backfill: true })], 'bob', 1000)).toBe(100)
    expect(deriveTotalUptime([], 'bob', 1000)).toBe(0)
  })

  it('first seen: earliest positive start time among observations and checkpoints', () => {
    expect(firstSeenFromEvents([restart('bob', 500, 500), checkpoint('bob', 900, { start_time: 400 }), restart('eve', 10, 10)], 'bob')).toBe(400)
  })

  it('trimmed mean as Go: outliers beyond 5× the median dropped, zero and negative medians', () => {
    expect(trimmedMean([10, 11, 12, 1000])).toBe(11)
    expect(trimmedMean([0, 0, 5, 100])).toBe(5)
    expect(trimmedMean([0, 0, 0, 3, 100])).toBe(0)
    expect(trimmedMean([-10, -12, -11])).toBe(-11)
    expect(trimmedMean([])).toBe(0)
    expect(trimmedMean([7])).toBe(7)
  })
})

describe('votes and consensus (checkpoint_service.go)', () => {
  const names = ['pia', 'v1', 'v2', 'v3', 'v4', 'v5', 'v6']
  const ids = Object.fromEntries(names.map((n) => [n, testIdentity(n)]))
  const party = (n: string) => ({ name: n, id: ids[n]!.id })
  const p = buildProposal(party('pia'), { restarts: 3, totalUptime: 1000, firstSeen: 5000 }, 1_770_000_000, '', 1, ids.pia!.signer!)

  it('a voter approves within tolerance (±5, ±60 s, ±60 s) and signs the proposal values; otherwise its own', () => {
    const yes = buildVote(p, { restarts: 8, totalUptime: 1060, firstSeen: 4940 }, party('v1'), 'ref', ids.v1!.signer!)
    expect(yes.approved).toBe(true)
    expect(yes.observation).toEqual(p.observation)
    expect(yes.as_of_time).toBe(p.as_of_time)
    expect(yes.proposal_ts).toBe(p.as_of_time)
    expect(yes.last_seen_checkpoint_id).toBe('ref')
    expect(verifyAttestation(yes, ids.v1!.signer!.publicKey)).toBe(true)
    const no = buildVote(p, { restarts: 9, totalUptime: 1000, firstSeen: 5000 }, party('v2'), '', ids.v2!.signer!)
    expect(no.approved).toBe(false)
    expect(no.observation.restarts).toBe(9)
  })

  it('five approvals finalise with the proposer first; four do not; the largest identical group wins', () => {
    const votes = names.slice(1, 6).map((n) => buildVote(p, { restarts: 3, totalUptime: 1000, firstSeen: 5000 }, party(n), '', ids[n]!.signer!))
    const cp = findConsensus(p, votes, () => 0)!
    expect(cp.voter_ids).toEqual([ids.pia!.id, ...votes.map((v) => v.attester_id)])
    const keys = new Map(names.map((n) => [ids[n]!.id, ids[n]!.signer!.publicKey]))
    const e = newCheckpointEvent(cp, 1n)
    expect(verifyCheckpointEvent(e, (id) => keys.get(id)).validCount).toBe(6)
    expect(findConsensus(p, votes.slice(0, MIN_VOTERS - 1), () => 0)).toBeNull()

    const other = { restarts: 50, totalUptime: 9, firstSeen: 9 }
    const mixed = names.slice(1).map((n) => buildVote(p, other, party(n), '', ids[n]!.signer!))
    const won = findConsensus(p, mixed, (name) => (name === 'v6' ? 99 : 0))!
    expect(won.observation.restarts).toBe(50)
    expect(won.voter_ids).not.toContain(ids.pia!.id)
    expect(won.voter_ids![0]).toBe(ids.v6!.id) // highest uptime first
  })
})

async function broker(): Promise<TestBroker> {
  const b = await startMosquitto()
  cleanups.push(() => b.stop())
  return b
}

const FAST: NaraNodeOptions['checkpoints'] = { intervalMs: 60 * 60_000, checkEveryMs: 100, voteWindowMs: 4000, voteJitterMs: 100 }

function node(name: string, url: string, extra = {}, checkpoints = FAST): NaraNode {
  const n = makeNode(name, url, { timings: { bootingMs: 300 }, ...extra }, { presence: { keepAlivePingMs: 0 }, checkpoints })
  cleanups.push(() => n.stop())
  return n
}

async function network(url: string, names: string[], stillBooting: string[] = []): Promise<NaraNode[]> {
  const nodes = names.map((n) => node(n, url, stillBooting.includes(n) ? { timings: { bootingMs: 600_000 } } : {}))
  await Promise.all(nodes.map((n) => n.start()))
  await eventually(() => {
    for (const n of nodes) {
      expect(n.neighbours().filter((v) => v.status === 'ONLINE' && v.id).length, n.name).toBe(names.length - 1)
      expect(n.checkpoints.roundViews()).toBeDefined()
    }
  }, 15000)
  await new Promise((r) => setTimeout(r, 500)) // past the (shortened) boot
  return nodes
}

describe('rounds among our own nodes on mosquitto', () => {
  it('a round that needs our five votes finalises; every node stores the final checkpoint', async () => {
    const b = await broker()
    const nodes = await network(b.url, ['pia', 'ana', 'ben', 'cleo', 'dov', 'eli'])
    const [pia, ...voters] = nodes as [NaraNode, ...NaraNode[]]
    const plane = new DataPlane()
    const bridge = bridgeNode(voters[0]!, plane)
    cleanups.push(() => bridge.close())
    const streamed: string[] = []
    plane.subscribe(keys.rounds, (s) => void streamed.push(s.key))
    expect(await createCommandRouter(pia)({ cmd: 'checkpoint.propose' })).toEqual({ ok: true })
    expect(await createCommandRouter(pia)({ cmd: 'checkpoint.propose' })).toEqual({ ok: false, error: 'a round of ours is still open' })
    await eventually(() => expect(pia.checkpointHistory('pia')).toHaveLength(1), 10000)
    const cp = pia.checkpointHistory('pia')[0]!
    expect(cp.voterIds).toHaveLength(6)
    expect(cp.voterIds[0]).toBe(pia.identity.id)
    expect(new Set(cp.voterIds)).toEqual(new Set(nodes.map((n) => n.identity.id)))
    expect(pia.checkpointRounds().find((r) => r.mine)?.outcome).toBe('finalised')
    await eventually(() => {
      for (const v of voters) {
        expect(v.checkpointHistory('pia').map((c) => c.id)).toEqual([cp.id])
        expect(v.checkpointHistory('pia')[0]!.signedByUs).toBe(true)
        expect(v.neighbour('pia')?.checkpoint?.asOfTime).toBe(cp.asOfTime)
        const round = v.checkpointRounds().find((r) => r.subject === 'pia')!
        expect(round.ourVote).toBe(true)
        expect(round.outcome).toBe('finalised')
      }
    }, 8000)
    // The UI's data plane: the voter's checkpoint history and the round, snapshot and stream.
    const history = await plane.get<CheckpointView>(keys.checkpoints, { consolidation: 'none' })
    expect(history.map((h) => [h.key, h.value.id])).toEqual([[keys.checkpoint('pia'), cp.id]])
    const rounds = await plane.get<CheckpointRoundView>(keys.rounds, { consolidation: 'none' })
    expect(rounds.find((r) => r.value.subject === 'pia')?.value.outcome).toBe('finalised')
    expect(streamed).toContain(keys.round('pia'))
    // A restart seen after the checkpoint adds to the anchored count shown for pia.
    const ben = voters[0]!
    const anchored = ben.neighbour('pia')!.checkpoint!
    ben.addEvent(restart('pia', cp.asOfTime + 5, cp.asOfTime + 6, 'ben'), 'unsigned')
    expect(ben.neighbour('pia')!.checkpoint!.restarts).toBe(anchored.restarts + 1)
    const stored = pia.ledger.get(cp.id) as SyncEventOf<'checkpoint'>
    expect(verifyCheckpointEvent(stored, (id) => nodes.find((n) => n.identity.id === id)?.identity.signer!.publicKey).validCount).toBe(6)
  }, 40000)

  it('one vote short (a nara still booting does not vote, as in Go): rounds 1 and 2 fail and nothing is stored', async () => {
    const b = await broker()
    const nodes = await network(b.url, ['pia', 'ana', 'ben', 'cleo', 'dov', 'newt'], ['newt'])
    const pia = nodes[0]!
    expect(pia.proposeCheckpoint().ok).toBe(true)
    await eventually(() => {
      const mine = pia.checkpointRounds().filter((r) => r.mine)
      expect(mine.map((r) => [r.round, r.outcome])).toEqual([[1, 'failed'], [2, 'failed']])
      expect(mine[0]!.votes).toHaveLength(4)
    }, 15000)
    expect(pia.checkpointHistory()).toHaveLength(0)
    expect(nodes[5]!.checkpointRounds().find((r) => r.subject === 'pia')?.ourVote).toBeNull()
  }, 40000)

  it('the schedule: with ≥ 6 others online each nara proposes once its interval passed, and all rounds finalise', async () => {
    const b = await broker()
    const names = ['pia', 'ana', 'ben', 'cleo', 'dov', 'eli', 'fay']
    const nodes = names.map((n) => node(n, b.url, {}, { ...FAST, intervalMs: 4000 }))
    await Promise.all(nodes.map((n) => n.start()))
    await eventually(() => {
      for (const n of nodes) for (const s of names) expect(n.checkpointHistory(s).length, `${n.name} has ${s}'s`).toBeGreaterThanOrEqual(1)
    }, 30000, 200)
  }, 45000)

  it('bad input: forged, unknown, stale, duplicate and malformed messages are refused by counted reason', async () => {
    const b = await broker()
    const nodes = await network(b.url, ['pia', 'ana', 'ben', 'cleo', 'dov', 'eli'])
    const [pia, ana] = nodes as [NaraNode, NaraNode]
    const ids = Object.fromEntries(nodes.map((n) => [n.name, n.identity]))
    const mallory = testIdentity('mallory')
    // A proposal about a nara nobody knows.
    const unknown = buildProposal({ name: 'mallory', id: mallory.id }, { restarts: 0, totalUptime: 0, firstSeen: 0 }, 1_770_000_000, '', 1, mallory.signer!)
    ana.receive(TOPIC.checkpointPropose, Buffer.from(encodeProposal(unknown)))
    expect(ana.drops.get('checkpoint_propose_unknown_subject')).toBe(1)
    // A proposal claiming to be ben's but signed by mallory.
    const forged = { ...unknown, subject: 'ben', subject_id: ids.ben!.id, attester: 'ben', attester_id: ids.ben!.id }
    ana.receive(TOPIC.checkpointPropose, Buffer.from(encodeProposal(forged)))
    expect(ana.drops.get('checkpoint_propose_bad_signature')).toBe(1)

    // pia's open round: forged, stale and duplicate votes never count.
    pia.proposeCheckpoint()
    const open = pia.checkpointRounds().find((r) => r.mine)!
    const p = buildProposal({ name: 'pia', id: ids.pia!.id }, { restarts: open.restarts, totalUptime: open.totalUptime, firstSeen: open.startTime }, open.asOfTime, '', 1, ids.pia!.signer!)
    const vote = (who: string, signer = ids[who]!.signer!): CheckpointVote => buildVote(p, { restarts: open.restarts, totalUptime: open.totalUptime, firstSeen: open.startTime }, { name: who, id: ids[who]!.id }, '', signer)
    const forgedVote = vote('ben', mallory.signer!)
    pia.receive(TOPIC.checkpointVote, Buffer.from(encodeVote(forgedVote)))
    expect(pia.drops.get('checkpoint_vote_bad_signature')).toBe(1)
    pia.receive(TOPIC.checkpointVote, Buffer.from(encodeVote({ ...vote('ben'), proposal_ts: 1 })))
    expect(pia.drops.get('checkpoint_vote_stale')).toBe(1) // proposal_ts is not signed, so only the round check catches it
    const honest = Buffer.from(encodeVote(vote('ben')))
    pia.receive(TOPIC.checkpointVote, honest)
    pia.receive(TOPIC.checkpointVote, honest)
    expect(pia.drops.get('checkpoint_vote_duplicate')).toBeGreaterThanOrEqual(1)
    const mv = buildVote(p, { restarts: 0, totalUptime: 0, firstSeen: 0 }, { name: 'mallory', id: mallory.id }, '', mallory.signer!)
    pia.receive(TOPIC.checkpointVote, Buffer.from(encodeVote(mv)))
    expect(pia.drops.get('checkpoint_vote_unknown_voter')).toBe(1)
    pia.receive(TOPIC.checkpointVote, Buffer.from('{"version":2,"subject":'))
    pia.receive(TOPIC.checkpointVote, Buffer.from('x'.repeat(70_000)))
    expect(Object.entries(pia.drops.snapshot()).filter(([k]) => k.startsWith('checkpoint_vote_') && !/(bad_signature|stale|unknown_voter|duplicate)/.test(k)).reduce((s, [, v]) => s + v, 0)).toBe(2)
    // The honest voters' copies arrive (and are duplicated by a replay) — the round still finalises once.
    await eventually(() => expect(pia.checkpointHistory('pia')).toHaveLength(1), 30000)
    expect(pia.checkpointHistory('pia')[0]!.voterIds).not.toContain(mallory.id)
  }, 60000)
})
