/**
 * Realistic event streams for benches: the service mix, name lengths, key and signature
 * sizes of the live network, built with the real protocol constructors and encoder.
 */
import { randomBytes } from 'node:crypto'
import { seededRandom, type Random } from '../../main/core/clock'
import { sha256, signerFromSeed, type Signer } from '../../main/core/protocol/crypto'
import type { IngestStages } from '../../main/core/bus/control/ingest'
import type { Ledger } from '../../main/core/ledger/ledger'
import {
  decodeEvent,
  encodeEvent,
  eventSigningDigest,
  newChauEvent,
  newCheckpointEvent,
  newHeyThereEvent,
  newObservationEvent,
  newPingEvent,
  newSeenEvent,
  newSocialEvent,
  signEvent
} from '../../main/core/protocol/events'
import type { SyncEvent } from '../../main/core/protocol/types'

const ADJECTIVES = ['wild', 'quiet', 'amber', 'lucky', 'rapid', 'gentle', 'brave', 'misty', 'solar', 'velvet', 'cosmic', 'humble']
const NOUNS = ['river', 'falcon', 'meadow', 'lantern', 'otter', 'comet', 'willow', 'harbor', 'pebble', 'cactus', 'summit']
const REASONS = ['high-restarts', 'comeback', 'trend-abandon', 'random', 'nice-number']
const BASE_TS = 1_768_800_000_000_000_000n

export function naraNames(count: number, rnd: Random): string[] {
  const names = new Set<string>()
  while (names.size < count) {
    names.add(`${ADJECTIVES[rnd.intn(ADJECTIVES.length)]}-${NOUNS[rnd.intn(NOUNS.length)]}-${String(rnd.intn(1000)).padStart(3, '0')}`)
  }
  return [...names]
}

export interface BenchIdentity {
  name: string
  signer: Signer
  /** 32 raw bytes, as a key cache would hold them. */
  publicKey: Buffer
  meshIp: string
  id: string
}

export function benchIdentities(count: number): BenchIdentity[] {
  return Array.from({ length: count }, (_, i) => {
    const signer = signerFromSeed(sha256(`nara bench identity ${i}`))
    return {
      name: `bench-nara-${String(i).padStart(3, '0')}`,
      signer,
      publicKey: signer.publicKey,
      meshIp: `100.64.0.${i + 1}`,
      // Same length as a real Base58 nara ID; its value is irrelevant here.
      id: sha256(`id ${i}`).toString('base64').replace(/[^A-Za-z0-9]/g, '').slice(0, 44)
    }
  })
}

/** The kinds a signer emits itself (what a zine mostly carries). */
function signedPayloadEvent(who: BenchIdentity, other: string, ts: bigint, rnd: Random): SyncEvent {
  const k = rnd.intn(100)
  if (k < 45) return newSocialEvent({ type: 'tease', actor: who.name, target: other, reason: REASONS[rnd.intn(REASONS.length)] }, ts)
  if (k < 70) return newPingEvent({ observer: who.name, target: other, rtt: 5 + rnd.intn(200) }, ts)
  if (k < 85) return newHeyThereEvent({ From: who.name, PublicKey: who.signer.publicKeyBase64, MeshIP: who.meshIp, ID: who.id }, ts)
  if (k < 93) return newSeenEvent({ observer: who.name, subject: other, via: 'mesh' }, ts)
  return newChauEvent({ From: who.name, PublicKey: who.signer.publicKeyBase64, ID: who.id }, ts)
}

/** `count` events really signed by `identities`, in ts order. */
export function signedEvents(count: number, identities: readonly BenchIdentity[], others: readonly string[], rnd: Random): SyncEvent[] {
  const out: SyncEvent[] = []
  let ts = BASE_TS
  for (let i = 0; i < count; i++) {
    ts += BigInt(1 + rnd.intn(50_000_000))
    const who = identities[rnd.intn(identities.length)]!
    const e = signedPayloadEvent(who, others[rnd.intn(others.length)]!, ts, rnd)
    out.push(signEvent(e, who.name, who.signer))
  }
  return out
}

/**
 * A ledger-shaped stream for memory measurements: signed kinds carry a 64-byte signature of
 * random bytes (same size as a real one; signing 320k events would only slow the bench),
 * plus unsigned observations and the odd checkpoint, about many peers.
 */
export function* realisticEventTexts(names: readonly string[], rnd: Random): Generator<string> {
  let ts = BASE_TS
  const keys = names.map((n) => sha256(`key ${n}`).toString('base64'))
  for (;;) {
    ts += BigInt(1 + rnd.intn(20_000_000))
    const a = rnd.intn(names.length)
    const b = rnd.intn(names.length)
    const actor = names[a]!
    const other = names[b]!
    const k = rnd.intn(100)
    let e: SyncEvent
    if (k < 30) {
      const kind = rnd.intn(10)
      e =
        kind < 4
          ? newObservationEvent({ observer: actor, observer_id: keys[a]!.slice(0, 44), subject: other, subject_id: keys[b]!.slice(0, 44), type: 'restart', importance: 3, start_time: 1_760_000_000 + rnd.intn(1_000_000), restart_num: rnd.intn(500), last_restart: 1_768_000_000 + rnd.intn(800_000) }, ts)
          : kind < 6
            ? newObservationEvent({ observer: actor, observer_id: keys[a]!.slice(0, 44), subject: other, type: 'first-seen', importance: 3, start_time: 1_768_000_000 + rnd.intn(800_000) }, ts)
            : newObservationEvent({ observer: actor, observer_id: keys[a]!.slice(0, 44), subject: other, type: 'status-change', importance: 2, online_state: rnd.intn(2) ? 'MISSING' : 'OFFLINE' }, ts)
    } else if (k < 31) {
      e = newCheckpointEvent(
        {
          version: 2,
          subject: other,
          subject_id: keys[b]!.slice(0, 44),
          observation: { restarts: rnd.intn(500), total_uptime: rnd.intn(10_000_000), start_time: 1_760_000_000 },
          as_of_time: Number(ts / 1_000_000_000n),
          round: 1,
          voter_ids: Array.from({ length: 5 }, (_, i) => keys[(a + i) % keys.length]!.slice(0, 44)),
          signatures: Array.from({ length: 5 }, () => randomBytes(64).toString('base64'))
        },
        ts
      )
    } else {
      const m = rnd.intn(100)
      const base =
        m < 55
          ? newSocialEvent({ type: 'tease', actor, target: other, reason: REASONS[rnd.intn(REASONS.length)] }, ts)
          : m < 62
            ? newPingEvent({ observer: actor, target: other, rtt: 5 + rnd.intn(200) }, ts)
            : m < 82
              ? newHeyThereEvent({ From: actor, PublicKey: keys[a]!, MeshIP: `100.64.${a >> 8}.${a & 255}`, ID: keys[a]!.slice(0, 44) }, ts)
              : m < 92
                ? newSeenEvent({ observer: actor, subject: other, via: 'mesh' }, ts)
                : newChauEvent({ From: actor, PublicKey: keys[a]!, ID: keys[a]!.slice(0, 44) }, ts)
      e = { ...base, emitter: actor, sig: randomBytes(64).toString('base64') }
    }
    yield encodeEvent(e)
  }
}

/** A signed corpus for the verify benches: wire texts and, per event, its digest, signature and signer's key. */
export interface SignedCorpus {
  texts: string[]
  digests: Buffer[]
  sigs: Buffer[]
  /** The signer's raw public key, per event. */
  pubs: Buffer[]
  /** Name → raw public key of the signing identities. */
  keys: Map<string, Buffer>
}

export function signedCorpus(count: number, seed: number): SignedCorpus {
  const r = seededRandom(seed)
  const ids = benchIdentities(8)
  const events = signedEvents(count, ids, naraNames(200, r), r)
  const keys = new Map(ids.map((i) => [i.name, i.publicKey]))
  return {
    texts: events.map(encodeEvent),
    digests: events.map((e) => eventSigningDigest(e)),
    sigs: events.map((e) => Buffer.from(e.sig ?? '', 'base64')),
    pubs: events.map((e) => keys.get(e.emitter ?? '')!),
    keys
  }
}

/** The pipeline's stages as the benches run them: decode, verify by the signer's known key, ledger insert. */
export function ledgerIngestStages(keys: ReadonlyMap<string, Buffer>, ledger: Ledger): IngestStages<string, SyncEvent> {
  return {
    decode: (t) => decodeEvent(t),
    verifyJob: (e) => {
      const publicKey = keys.get(e.emitter ?? '')
      return publicKey && e.sig ? { publicKey, message: eventSigningDigest(e), signature: Buffer.from(e.sig, 'base64') } : null
    },
    id: (e) => e.id,
    ledgerAdd: (e) => ledger.add(e),
    project: () => undefined
  }
}
