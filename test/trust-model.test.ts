/**
 * The trust model (docs/trust-model.md), one rule at a time, on a real NaraNode fed through
 * its plaza entry point and bulk intake with a manual clock: who may speak for a name, what
 * unverified and mistimed statements change (nothing), ghosts, and the codec's strictness.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { ManualClock } from '../main/core/clock'
import { main } from '../main/cli/nara'
import { startControlSocket } from '../main/core/bus/nng/controlSocket'
import { createCommandRouter, PEERS_PAGE_DEFAULT } from '../main/core/bus/control/router'
import { eventTrust } from '../main/core/mesh/merge'
import { meshHostFor } from '../main/core/mesh/nodeMesh'
import { ReplayCache } from '../main/core/mesh/replayCache'
import { SKEW, checkTimeMs, checkTimeNs, judgeClaim, AdmissionLimiter, SeenSignatures } from '../main/core/presence/trust'
import { decodeBase64Strict, parsePublicKey, parseSignature, signerFromSeed, sha256, type Signer } from '../main/core/protocol/crypto'
import { decodeEvent, encodeEvent, newChauEvent, newHeyThereEvent, newSocialEvent, signEvent } from '../main/core/protocol/events'
import { buildNewspaper, encodeNewspaperEnvelope } from '../main/core/protocol/newspaper'
import { zeroStatus } from '../main/core/protocol/status'
import type { SyncEvent } from '../main/core/protocol/types'
import type { NaraNode } from '../main/core/node'
import type { EventView, NeighbourView } from '../main/core/views'
import { FakeNode, neighbour } from './control-fixtures'
import { makeNode, testIdentity } from './support/nodes'

const MS = 1_000_000n

function watcher(clock = new ManualClock()): { node: NaraNode; clock: ManualClock; events: EventView[] } {
  const node = makeNode('watcher', 'mqtt://127.0.0.1:1', { timings: { bootingMs: 0 } }, { clock })
  const events: EventView[] = []
  node.on('event', (e) => events.push(e))
  return { node, clock, events }
}

const victim = testIdentity('victim')
const attacker = (i = 0): Signer => signerFromSeed(sha256(`attacker ${i}`))

function hello(from: string, signer: Signer, tsMs: number, key = signer.publicKeyBase64): string {
  return encodeEvent(signEvent(newHeyThereEvent({ From: from, PublicKey: key, MeshIP: '', ID: '' }, BigInt(tsMs) * MS), from, signer))
}

function chau(from: string, signer: Signer | null, tsMs: number, key = signer?.publicKeyBase64 ?? ''): SyncEvent {
  const e = newChauEvent({ From: from, PublicKey: key, ID: '' }, BigInt(tsMs) * MS)
  return signer ? signEvent(e, from, signer) : e
}

const send = (n: NaraNode, topic: string, payload: string): void => n.receive(topic, Buffer.from(payload))

/** The victim is known: bound by its own verified hello, ONLINE. */
function withVictim(): ReturnType<typeof watcher> & { before: NeighbourView } {
  const w = watcher()
  send(w.node, 'nara/plaza/hey_there', hello('victim', victim.signer!, w.clock.nowMs()))
  const before = w.node.neighbour('victim')!
  expect(before.status).toBe('ONLINE')
  expect(w.node.neighbourhood.get('victim')!.keyBound).toBe(true)
  return { ...w, before }
}

describe('trust.ts: the rule and the windows', () => {
  it('judgeClaim: first verified key binds; another key is a claimant; unverified changes nothing about a bound name', () => {
    const K = 'K'
    expect(judgeClaim({ boundKey: '', claimedKey: K, signature: 'valid' })).toEqual({ accept: true, verified: true, bind: K })
    expect(judgeClaim({ boundKey: K, claimedKey: K, signature: 'valid' })).toEqual({ accept: true, verified: true, bind: null })
    expect(judgeClaim({ boundKey: K, claimedKey: 'J', signature: 'valid' })).toEqual({ accept: false, reason: 'key_conflict', claimant: 'J' })
    expect(judgeClaim({ boundKey: K, claimedKey: '', signature: 'absent' })).toMatchObject({ accept: false, reason: 'unverified_for_bound_name' })
    expect(judgeClaim({ boundKey: K, claimedKey: '', signature: 'invalid' })).toMatchObject({ accept: false, reason: 'bad_signature' })
    expect(judgeClaim({ boundKey: '', claimedKey: '', signature: 'absent' })).toEqual({ accept: true, verified: false, trust: 'unsigned' })
    expect(judgeClaim({ boundKey: '', claimedKey: '', signature: 'no-key' })).toEqual({ accept: true, verified: false, trust: 'unknown-key' })
  })

  it('time windows: future beyond the skew, stale beyond the live window, nonsense refused', () => {
    const now = 1_768_800_000_000
    expect(checkTimeMs(now + SKEW.event.futureMs + 1, now, 'event')).toBe('future')
    expect(checkTimeMs(now + SKEW.event.futureMs, now, 'event')).toBe('ok')
    expect(checkTimeMs(now - SKEW.event.pastMs - 1, now, 'event')).toBe('stale')
    expect(checkTimeMs(now - 365 * 86_400_000, now, 'chau')).toBe('ok') // a will may be old; its effect is bounded elsewhere
    expect(checkTimeNs(0n, now, 'event')).toBe('invalid')
    expect(checkTimeNs(-5n, now, 'event')).toBe('invalid')
    expect(checkTimeNs(2n ** 62n, now, 'chau')).toBe('future')
  })

  it('admission limiter and replay memory', () => {
    const a = new AdmissionLimiter(10, 5)
    const admitted = Array.from({ length: 20 }, () => a.tryAdmit(1000)).filter(Boolean).length
    expect(admitted).toBe(5)
    expect(a.tryAdmit(1100)).toBe(true) // 0.1 s × 10/s refills one
    const seen = new SeenSignatures(2)
    expect(seen.remember('x', 's1')).toBe(true)
    expect(seen.remember('x', 's1')).toBe(false)
    expect(seen.remember('y', 's1')).toBe(true)
  })

  it('replay memory keeps the signatures, not the payloads they were cut from', () => {
    // A slice of a parsed text is a V8 sliced string holding its whole parent: remembering 16
    // per name of those would keep 16 newspapers per neighbour alive.
    setFlagsFromString('--expose_gc')
    const gc = runInNewContext('gc') as () => void
    const seen = new SeenSignatures(16)
    const payloadBytes = 200_000
    gc()
    const before = process.memoryUsage().heapUsed
    for (let i = 0; i < 64; i++) {
      const sig = Buffer.alloc(64, i).toString('base64')
      const payload = JSON.stringify({ Signature: sig, pad: 'x'.repeat(payloadBytes) })
      expect(seen.remember(`n${i % 4}`, payload.slice(14, 14 + sig.length))).toBe(true)
    }
    gc()
    const kept = process.memoryUsage().heapUsed - before
    expect(kept).toBeLessThan(2 * 1024 * 1024) // 64 payloads kept would be 12.8 MB
    expect(seen.remember('n0', Buffer.alloc(64, 60).toString('base64'))).toBe(false)
  })
})

describe('a name binds to its first verified key', () => {
  it('a hey_there for the victim carrying another (validly self-signed) key changes nothing and shows a warning', () => {
    const { node, clock, events } = withVictim()
    for (let i = 0; i < 5; i++) send(node, 'nara/plaza/hey_there', hello('victim', attacker(i), clock.nowMs() + i))
    const v = node.neighbour('victim')!
    expect(v.publicKey).toBe(victim.publicKeyBase64)
    expect(v.trust).toBe('verified')
    expect(v.status).toBe('ONLINE')
    expect(v.keyWarning).toMatch(/other keys claimed this name/)
    expect(node.drops.get('hey_there_key_conflict')).toBe(5)
    expect(events.filter((e) => e.rejected === 'hey_there_key_conflict')).toHaveLength(5)
    expect(node.ledger.all().filter((e) => e.svc === 'hey-there')).toHaveLength(1)
  })

  it('a newspaper on nara/newspaper/victim with Status.PublicKey = K, signed by K, is refused; a badly signed one too', () => {
    const { node, before } = withVictim()
    const k = attacker()
    const forged = buildNewspaper('victim', { ...zeroStatus(), PublicKey: k.publicKeyBase64, Buzz: 99, Personality: { Agreeableness: 1, Sociability: 2, Chill: 3 } }, k)
    send(node, 'nara/newspaper/victim', encodeNewspaperEnvelope('victim', forged.statusJson, forged.signature))
    const badSig = buildNewspaper('victim', { ...zeroStatus(), Buzz: 77 }, k)
    send(node, 'nara/newspaper/victim', encodeNewspaperEnvelope('victim', badSig.statusJson, badSig.signature))
    const unsigned = buildNewspaper('victim', { ...zeroStatus(), Buzz: 55 }, k)
    send(node, 'nara/newspaper/victim', encodeNewspaperEnvelope('victim', unsigned.statusJson, ''))
    const v = node.neighbour('victim')!
    expect(v.publicKey).toBe(before.publicKey)
    expect(v.buzz).toBe(before.buzz)
    expect(v.personality).toEqual(before.personality)
    expect(v.trust).toBe('verified')
    expect(node.drops.get('newspaper_key_conflict')).toBe(1)
    expect(node.drops.get('newspaper_bad_signature')).toBe(1)
    expect(node.drops.get('newspaper_unverified_for_bound_name')).toBe(1)
  })

  it('the victim’s own paper still merges (same key)', () => {
    const { node } = withVictim()
    const p = buildNewspaper('victim', { ...zeroStatus(), PublicKey: victim.publicKeyBase64, Buzz: 42 }, victim.signer!)
    send(node, 'nara/newspaper/victim', encodeNewspaperEnvelope('victim', p.statusJson, p.signature))
    expect(node.neighbour('victim')!.buzz).toBe(42)
    // The same signed bytes again are a replay.
    send(node, 'nara/newspaper/victim', encodeNewspaperEnvelope('victim', p.statusJson, p.signature))
    expect(node.drops.get('newspaper_replay')).toBe(1)
  })

  it('a howdy from the victim’s name with another key is refused', () => {
    const { node } = withVictim()
    const before = node.drops.get('howdy_key_conflict')
    // Built by hand as the reference does: signature over From:To:Seq with the claimed key.
    const k = attacker()
    const body = { From: 'victim', To: 'watcher', Seq: 1, You: {}, Neighbors: null, Me: { ...zeroStatus(), PublicKey: k.publicKeyBase64 } }
    const sig = k.signBase64('howdy:victim:watcher:1')
    send(node, 'nara/plaza/howdy', JSON.stringify({ ...body, Signature: sig }))
    expect(node.drops.get('howdy_key_conflict')).toBe(before + 1)
    expect(node.neighbour('victim')!.publicKey).toBe(victim.publicKeyBase64)
  })
})

describe('unverified or mistimed statements change nothing', () => {
  it('an unsigned chau for a bound name is refused: still ONLINE, no restart counted', () => {
    const { node, clock, events } = withVictim()
    send(node, 'nara/plaza/chau', encodeEvent(chau('victim', null, clock.nowMs())))
    send(node, 'nara/plaza/chau', encodeEvent(chau('victim', attacker(), clock.nowMs())))
    clock.advance(2000)
    const v = node.neighbour('victim')!
    expect(v.status).toBe('ONLINE')
    expect(v.restarts).toBe(0)
    expect(node.drops.get('chau_unverified_for_bound_name')).toBe(1)
    expect(node.drops.get('chau_key_conflict')).toBe(1)
    expect(events.some((e) => e.rejected === 'chau_unverified_for_bound_name')).toBe(true)
  })

  it('a future-dated chau (even one the victim signed) is refused; so are future-dated events of any kind', () => {
    const { node, clock } = withVictim()
    send(node, 'nara/plaza/chau', encodeEvent(chau('victim', victim.signer!, clock.nowMs() + 3600_000)))
    expect(node.drops.get('chau_future_timestamp')).toBe(1)
    expect(node.neighbour('victim')!.status).toBe('ONLINE')
    send(node, 'nara/plaza/hey_there', hello('victim', victim.signer!, clock.nowMs() + 365 * 86_400_000))
    expect(node.drops.get('hey_there_future_timestamp')).toBe(1)
    const e = signEvent(newSocialEvent({ type: 'tease', actor: 'victim', target: 'x', reason: 'r' }, BigInt(clock.nowMs() + 86_400_000) * MS), 'victim', victim.signer!)
    node.ingestEvents([{ event: e, trust: 'verified' }])
    expect(node.ledger.has(e.id)).toBe(false)
    expect(node.drops.get('event_future_timestamp')).toBe(1)
    expect(node.neighbour('victim')!.lastSeenMs).toBeLessThanOrEqual(clock.nowMs())
  })

  it('integers are integers: ts as 1e30, 1.5, 1e3 or beyond int64 is refused by the codec', () => {
    const base = JSON.parse(hello('victim', victim.signer!, 1_768_800_000_000)) as Record<string, unknown>
    const text = JSON.stringify(base)
    for (const bad of ['1e30', '1.5', '1e3', '1768800000000000000.0', '9223372036854775808', '-9223372036854775809']) {
      const d = decodeEvent(text.replace(/"ts":\d+/, `"ts":${bad}`))
      expect(d.ok, bad).toBe(false)
    }
    expect(decodeEvent(text).ok).toBe(true)
  })

  it('a year-old signed hello (a replay) raises nobody: no record for an unknown name, no sighting for a known one', () => {
    const { node, clock } = withVictim()
    const yearAgo = clock.nowMs() - 365 * 86_400_000
    send(node, 'nara/plaza/hey_there', hello('old-timer', attacker(3), yearAgo))
    expect(node.neighbour('old-timer')).toBeNull()
    expect(node.drops.get('hey_there_stale_timestamp')).toBe(1)
  })

  it('a zine chau{From: victim} with a random signature neither counts for presence nor is stored', () => {
    const { node, clock } = withVictim()
    const e = { ...chau('victim', attacker(), clock.nowMs(), ''), sig: attacker(9).signBase64('random') } as SyncEvent
    const trust = eventTrust(e, meshHostFor(node))
    expect(trust).toBe('bad-signature')
    node.ingestEvents([{ event: e, trust }])
    expect(node.neighbour('victim')!.status).toBe('ONLINE')
    expect(node.ledger.has(e.id)).toBe(false)
  })

  it('unsigned third-party events are kept (Go relays them) but never shape presence', () => {
    const { node, clock } = withVictim()
    const e = newSocialEvent({ type: 'observation', actor: 'nobody', target: 'victim', reason: 'offline' }, BigInt(clock.nowMs()) * MS)
    node.ingestEvents([{ event: e, trust: 'unsigned' }])
    expect(node.ledger.has(e.id)).toBe(true)
    expect(node.projection.stateOf('nobody')).toBeUndefined()
  })
})

describe('presence without ghosts', () => {
  it('after a verified chau, relayed older evidence does not resurrect the peer; fresh evidence does', () => {
    const { node, clock } = withVictim()
    const wentAt = clock.nowMs() + 1000
    clock.advance(2000)
    send(node, 'nara/plaza/chau', encodeEvent(chau('victim', victim.signer!, wentAt)))
    expect(node.neighbour('victim')!.status).toBe('OFFLINE')
    clock.advance(60_000)
    // A newcomer's zine carries the victim's older (verified) event: stale for presence.
    const older = signEvent(newSocialEvent({ type: 'tease', actor: 'victim', target: 'x', reason: 'r' }, BigInt(wentAt - 500) * MS), 'victim', victim.signer!)
    node.ingestEvents([{ event: older, trust: 'verified' }])
    clock.advance(1000)
    expect(node.neighbour('victim')!.status).toBe('OFFLINE')
    expect(node.neighbour('victim')!.restarts).toBe(0)
    expect(node.ledger.all().some((e) => e.svc === 'observation' && e.observation.type === 'restart')).toBe(false)
    // The replayed will and an old paper change nothing either.
    send(node, 'nara/plaza/hey_there', hello('victim', victim.signer!, wentAt - 200))
    const p = buildNewspaper('victim', { ...zeroStatus(), PublicKey: victim.publicKeyBase64, Buzz: 3 }, victim.signer!)
    send(node, 'nara/newspaper/victim', encodeNewspaperEnvelope('victim', p.statusJson, p.signature))
    clock.advance(1000)
    expect(node.neighbour('victim')!.status).toBe('OFFLINE')
    // A real restart: a hello dated after the going.
    send(node, 'nara/plaza/hey_there', hello('victim', victim.signer!, clock.nowMs()))
    expect(node.neighbour('victim')!.status).toBe('ONLINE')
    expect(node.neighbour('victim')!.restarts).toBe(1)
  })

  it('a late copy of an old will does not take a peer offline that spoke since', () => {
    const { node, clock } = withVictim()
    const will = chau('victim', victim.signer!, clock.nowMs() - 5000)
    clock.advance(1000)
    send(node, 'nara/plaza/chau', encodeEvent(will))
    expect(node.neighbour('victim')!.status).toBe('ONLINE')
    expect(node.drops.get('chau_stale')).toBe(1)
  })

  it('a first sighting from a relayed event is dated by that event, so it keeps nobody alive longer than the event does', () => {
    const { node, clock } = watcher()
    const ghost = testIdentity('ghost')
    node.neighbourhood.bindKey('ghost', ghost.publicKeyBase64, clock.nowMs())
    const at = clock.nowMs() - 240_000
    const e = signEvent(newSocialEvent({ type: 'tease', actor: 'ghost', target: 'x', reason: 'r' }, BigInt(at) * MS), 'ghost', ghost.signer!)
    node.ingestEvents([{ event: e, trust: eventTrust(e, meshHostFor(node)) }])
    const seen = node.ledger.all().find((x) => x.svc === 'observation' && x.observation.type === 'first-seen' && x.observation.subject === 'ghost')!
    expect(seen.ts).toBe(BigInt(at) * MS)
    expect(node.neighbour('ghost')!.status).toBe('ONLINE')
    clock.advance(61_000)
    expect(node.neighbour('ghost')!.status).toBe('MISSING')
  })

  it('no MISSING on first sighting: a peer known only by name/key emits no view until evidence arrives', () => {
    const { node } = watcher()
    const seen: NeighbourView[] = []
    node.on('peer', (v) => seen.push(v))
    node.directory.learn({ name: 'meshy', publicKey: testIdentity('meshy').publicKeyBase64, meshIP: '127.0.9.9' })
    expect(seen).toHaveLength(0)
    node.recordMeshSighting('meshy')
    expect(seen.map((v) => v.status)).toEqual(['ONLINE'])
  })
})

describe('codec strictness and the mesh replay cache', () => {
  it('only canonical Base64: non-zero padding bits (…Bh==) are refused for keys and signatures', () => {
    const sig = attacker().signBase64('m')
    expect(sig.endsWith('==')).toBe(true)
    const c = sig[sig.length - 3]!
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'
    const twin = sig.slice(0, -3) + alphabet[alphabet.indexOf(c) ^ 1] + '=='
    expect(Buffer.from(twin, 'base64').equals(Buffer.from(sig, 'base64'))).toBe(true) // same bytes, other spelling
    expect(parseSignature(sig)).not.toBeNull()
    expect(parseSignature(twin)).toBeNull()
    const key = victim.publicKeyBase64
    const keyTwin = key.slice(0, -2) + alphabet[alphabet.indexOf(key[key.length - 2]!) ^ 1] + '='
    expect(parsePublicKey(keyTwin)).toBeNull()
    expect(decodeBase64Strict('QQ==')).not.toBeNull()
    expect(decodeBase64Strict('QR==')).toBeNull()
  })

  it('the replay cache keys on decoded signature bytes', () => {
    const cache = new ReplayCache(60_000)
    const bytes = Buffer.from(attacker().signBase64('m'), 'base64')
    expect(cache.checkAndRemember('x', 1000, bytes, 1000)).toBe(true)
    expect(cache.checkAndRemember('x', 1000, Buffer.from(bytes), 1000)).toBe(false)
  })
})

describe('control: large results and odd commands', () => {
  it('peers are paged: 4,096 peers come back in pages under the 1 MiB frame, and `nara peers --json` lists them all', async () => {
    const peers = Array.from({ length: 4096 }, (_, i) => ({ ...neighbour(`peer-${String(i).padStart(4, '0')}-${'x'.repeat(40)}`), flair: '🌟'.repeat(20) }))
    const node = new FakeNode('big', peers)
    const route = createCommandRouter(node)
    const first = (await route({ cmd: 'peers' })) as { ok: true; peers: unknown[]; total: number; next: number | null }
    expect(first.peers).toHaveLength(PEERS_PAGE_DEFAULT)
    expect(first.total).toBe(4096)
    expect(first.next).toBe(PEERS_PAGE_DEFAULT)
    expect(Buffer.byteLength(JSON.stringify(first))).toBeLessThan(1024 * 1024)
    expect(JSON.stringify(peers).length).toBeGreaterThan(1024 * 1024) // the whole list would not fit one frame
    expect(await route({ cmd: 'peers', limit: 100000 })).toMatchObject({ ok: false })
    const dir = mkdtempSync(join(tmpdir(), 'nara-trust-'))
    const sock = await startControlSocket(node, 'big', { env: { XDG_RUNTIME_DIR: dir } })
    try {
      const out: string[] = []
      const err: string[] = []
      const code = await main(['peers', '--json', '--name', 'big'], { out: (l) => out.push(l), err: (l) => err.push(l), readStdin: async () => '', env: { XDG_RUNTIME_DIR: dir } })
      expect(err).toEqual([])
      expect(code).toBe(0)
      const listed = JSON.parse(out.join('\n')) as Array<{ name: string }>
      expect(listed.map((p) => p.name)).toEqual(peers.map((p) => p.name))
    } finally {
      await sock.close()
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('{"cmd":"__proto__"} is an unknown command with a readable error', async () => {
    const route = createCommandRouter(new FakeNode('x', []))
    expect(await route(JSON.parse('{"cmd":"__proto__"}'))).toEqual({ ok: false, error: 'unknown command: __proto__' })
    expect(await route(JSON.parse('{"cmd":"constructor"}'))).toEqual({ ok: false, error: 'unknown command: constructor' })
  })
})
