import { describe, expect, it } from 'vitest'
import { loadProtocolTestVectors, loadVectors } from './support/vectors'
import {
  computeEventId, contentString, createEvent, decodeEvent, encodeEvent, eventSignatureVerdict, eventSigningDigest,
  invalidReason, isSigned, newChauEvent, newHeyThereEvent, payloadOf, PAYLOAD_KEY, signEvent, verifyCheckpointEvent,
  verifyEvent
} from '../main/core/protocol/events'
import { parsePublicKey, sha256Hex, signerFromSeed } from '../main/core/protocol/crypto'
import type { SyncEvent, SyncEventOf } from '../main/core/protocol/types'

const vectors = loadVectors('events.json')
const cases = vectors.cases
const byName = new Map(cases.map((c) => [c.name as string, c]))

/** Every nara ID → key known anywhere in the vectors (checkpoint voters are looked up by ID). */
const keysById = new Map<string, Buffer>()
for (const c of cases) {
  if (c.signer) keysById.set(c.signer.nara_id, parsePublicKey(c.signer.public_key)!)
  for (const v of c.checkpoint_voters ?? []) keysById.set(v.nara_id, parsePublicKey(v.public_key)!)
}

function decodeOk(json: string): SyncEvent {
  const r = decodeEvent(json)
  if (!r.ok) throw new Error(`decode failed: ${r.error.code} ${r.error.reason}`)
  return r.value
}

function receiverVerdict(c: any, e: SyncEvent): boolean {
  if (c.verify.method === 'checkpoint_attestations') {
    return verifyCheckpointEvent(e as SyncEventOf<'checkpoint'>, (id) => keysById.get(id), c.verify.min_required).valid
  }
  const pk = c.verify.public_key ? parsePublicKey(c.verify.public_key) : null
  return pk ? verifyEvent(e, pk) : false
}

describe('events.json — producing side', () => {
  for (const c of cases.filter((c) => !c.name.startsWith('tampered/'))) {
    it(`${c.name}: content, id, signature and exact JSON`, () => {
      const received = decodeOk(c.json)
      const ts = BigInt(c.timestamp_ns)
      expect(received.ts).toBe(ts)
      // rebuild from the inputs (payload + timestamp) with the constructor, never from the received id
      const rebuilt = createEvent(received.svc, payloadOf(received) as never, ts) as SyncEvent
      expect(contentString(rebuilt)).toBe(c.content_string)
      expect(computeEventId(ts, c.service, c.content_string)).toBe(c.id)
      expect(rebuilt.id).toBe(c.id)
      let produced: SyncEvent = rebuilt
      if (c.signed) {
        expect(sha256Hex(`${c.id}:${ts}:${c.service}:${c.signer.name}:${c.content_string}`)).toBe(c.signing_digest_hex)
        expect(eventSigningDigest(rebuilt, c.signer.name).toString('hex')).toBe(c.signing_digest_hex)
        produced = signEvent(rebuilt, c.signer.name, signerFromSeed(Buffer.from(c.signer.seed_hex, 'hex')))
        expect(produced.sig).toBe(c.signature)
      }
      if (received.emitter_id) produced = { ...produced, emitter_id: received.emitter_id }
      expect(encodeEvent(produced)).toBe(c.json)
      expect(sha256Hex(encodeEvent(produced))).toBe(c.json_sha256)
    })
  }

  it('hey-there and chau constructors fill the always-present capitalised keys', () => {
    const c = byName.get('hey-there/full')!
    const r = decodeOk(c.json) as SyncEventOf<'hey-there'>
    const e = newHeyThereEvent({ From: r.hey_there.From, PublicKey: r.hey_there.PublicKey, MeshIP: r.hey_there.MeshIP, ID: r.hey_there.ID }, r.ts)
    expect(e.id).toBe(c.id)
    const chau = byName.get('chau/full')!
    const rc = decodeOk(chau.json) as SyncEventOf<'chau'>
    expect(newChauEvent({ From: rc.chau.From, PublicKey: rc.chau.PublicKey, ID: rc.chau.ID }, rc.ts).id).toBe(chau.id)
  })
})

describe('events.json — receiving side', () => {
  for (const c of cases) {
    it(`${c.name}: verdict ${c.expect_valid}`, () => {
      const e = decodeOk(c.json)
      expect(encodeEvent(e)).toBe(c.json) // lossless round trip, ts included
      expect(receiverVerdict(c, e)).toBe(c.expect_valid)
      if (c.verify.method !== 'checkpoint_attestations') expect(isSigned(e)).toBe(c.signed)
      expect(invalidReason(e)).toBeNull()
    })
  }

  it('checkpoint verification counts known and valid attestations', () => {
    const c = byName.get('checkpoint/v2-one-forged-signature')!
    const v = verifyCheckpointEvent(decodeOk(c.json) as SyncEventOf<'checkpoint'>, (id) => keysById.get(id), c.verify.min_required)
    expect({ validCount: v.validCount, knownCount: v.knownCount, total: v.total }).toEqual({
      validCount: c.verify.valid_count, knownCount: c.verify.known_count, total: c.verify.total_count
    })
    const unknown = verifyCheckpointEvent(decodeOk(byName.get('checkpoint/v2-first')!.json) as SyncEventOf<'checkpoint'>, () => null)
    expect(unknown).toMatchObject({ valid: false, knownCount: 0 })
  })
})

describe('TestMQTT_SignedSyncEvents', () => {
  const tease = byName.get('social/tease')!
  const key = parsePublicKey(tease.verify.public_key)!

  it('accepts the correctly signed event and rejects unsigned and invalidly signed ones', () => {
    expect(eventSignatureVerdict(decodeOk(tease.json), key)).toEqual({ valid: true })
    const unsigned = decodeOk(byName.get('social/unsigned')!.json)
    expect(eventSignatureVerdict(unsigned, key)).toEqual({ valid: false, reason: 'unsigned' })
    for (const name of ['tampered/tease-sig-bitflip', 'tampered/tease-signed-by-other-key', 'tampered/tease-reason', 'tampered/tease-id-recomputed']) {
      const v = eventSignatureVerdict(decodeOk(byName.get(name)!.json), key)
      expect(v, name).toEqual({ valid: false, reason: 'bad signature' })
    }
    expect(eventSignatureVerdict(decodeOk(byName.get('tampered/tease-sig-garbage')!.json), key)).toEqual({
      valid: false, reason: 'bad signature encoding'
    })
  })

  it('a signature only verifies with the signer key, and emitter without sig counts as unsigned', () => {
    const e = decodeOk(tease.json)
    const other = signerFromSeed(Buffer.alloc(32, 7))
    expect(verifyEvent(e, other.publicKey)).toBe(false)
    expect(eventSignatureVerdict({ ...e, sig: undefined }, key)).toEqual({ valid: false, reason: 'unsigned' })
    expect(eventSignatureVerdict(e, null)).toEqual({ valid: false, reason: 'no public key' })
    // wrong-length signature that is valid base64
    expect(eventSignatureVerdict({ ...e, sig: Buffer.alloc(63).toString('base64') }, key).valid).toBe(false)
  })
})

describe('protocol test-vectors.json events (alice)', () => {
  const tv = loadProtocolTestVectors()
  const alice = signerFromSeed(Buffer.from(tv.identity.custom_alice.SeedHex, 'hex'))
  for (const v of tv.events as any[]) {
    it(v.name, () => {
      const e = decodeOk(v.json)
      const rebuilt = createEvent(e.svc, payloadOf(e) as never, e.ts) as SyncEvent
      expect(`${e.ts}:${e.svc}:${contentString(rebuilt)}`).toBe(v.id_preimage)
      expect(rebuilt.id).toBe(v.id)
      if (v.sig) {
        expect(signEvent(rebuilt, 'alice', alice).sig).toBe(v.sig)
        expect(verifyEvent(e, alice.publicKey)).toBe(true)
      }
      expect(encodeEvent(e)).toBe(v.json)
    })
  }
})

describe('decodeEvent — bad input', () => {
  const good = JSON.parse(byName.get('social/tease')!.json.replace(/"ts":(\d+)/, '"ts":"$1"'))
  const withTs = (o: object): string => JSON.stringify(o).replace(/"ts":"(\d+)"/, '"ts":$1')

  it('malformed JSON and oversized input are typed errors', () => {
    expect(decodeEvent('{"id":')).toMatchObject({ ok: false, error: { code: 'malformed_json' } })
    expect(decodeEvent('not json')).toMatchObject({ ok: false, error: { code: 'malformed_json' } })
    expect(decodeEvent('[1,2]')).toMatchObject({ ok: false, error: { code: 'wrong_type' } })
    expect(decodeEvent('x'.repeat(70_000))).toMatchObject({ ok: false, error: { code: 'too_large' } })
  })

  it('wrong field types are rejected with the field named', () => {
    const r = decodeEvent(withTs({ ...good, social: { ...good.social, actor: 5 } }))
    expect(r).toMatchObject({ ok: false, error: { code: 'wrong_type' } })
    if (!r.ok) expect(r.error.reason).toContain('social.actor')
    expect(decodeEvent(JSON.stringify({ ...good, ts: 'soon' }))).toMatchObject({ ok: false, error: { code: 'wrong_type' } })
    expect(decodeEvent(withTs({ ...good, ts: '1.5' }).replace('"ts":"1.5"', '"ts":1.5'))).toMatchObject({ ok: false, error: { code: 'wrong_type' } })
    expect(decodeEvent(withTs({ ...good, sig: 12 }))).toMatchObject({ ok: false, error: { code: 'wrong_type' } })
    expect(decodeEvent(withTs({ ...good, ts: '99999999999999999999' }))).toMatchObject({ ok: false, error: { code: 'wrong_type' } })
  })

  it('a missing or null payload for the svc is refused, and unknown services are typed errors', () => {
    const { social: _s, ...noPayload } = good
    expect(decodeEvent(withTs(noPayload))).toMatchObject({ ok: false, error: { code: 'missing_payload' } })
    expect(decodeEvent(withTs({ ...good, social: null }))).toMatchObject({ ok: false, error: { code: 'missing_payload' } })
    expect(decodeEvent(withTs({ ...good, svc: 'ping' }))).toMatchObject({ ok: false, error: { code: 'missing_payload' } })
    expect(decodeEvent(withTs({ ...good, svc: 'telepathy' }))).toMatchObject({ ok: false, error: { code: 'unknown_kind' } })
    expect(decodeEvent(withTs({ ...good, social: 'tease' }))).toMatchObject({ ok: false, error: { code: 'wrong_type' } })
  })

  it('accepts Go-style case-insensitive keys for hey_there/chau payloads and the envelope', () => {
    const c = byName.get('hey-there/full')!
    const lower = c.json.replace('"From"', '"from"').replace('"PublicKey"', '"publickey"').replace('"MeshIP"', '"meship"')
    const e = decodeOk(lower)
    expect(encodeEvent(e)).toBe(c.json)
    expect(verifyEvent(e, parsePublicKey(c.verify.public_key)!)).toBe(true)
    const chau = byName.get('chau/full')!
    expect(encodeEvent(decodeOk(chau.json.replace('"chau":{"From"', '"chau":{"FROM"').replace('"svc"', '"SVC"')))).toBe(chau.json)
  })

  it('validity rules flag events the ledger would drop', () => {
    const e = decodeOk(byName.get('ping/rtt-42')!.json) as SyncEventOf<'ping'>
    expect(invalidReason({ ...e, ping: { ...e.ping, rtt: 0 } })).toMatch(/rtt/)
    expect(invalidReason({ ...e, ts: 0n })).toMatch(/ts/)
    const s = decodeOk(byName.get('social/tease')!.json) as SyncEventOf<'social'>
    expect(invalidReason({ ...s, social: { ...s.social, type: 'hug' } })).toMatch(/social type/)
    const o = decodeOk(byName.get('observation/status-change-ONLINE-signed')!.json) as SyncEventOf<'observation'>
    expect(invalidReason({ ...o, observation: { ...o.observation, online_state: 'ASLEEP' } })).toMatch(/online_state/)
    expect(invalidReason({ ...o, observation: { ...o.observation, importance: 4 } })).toMatch(/importance/)
  })

  it('never produces an event without its payload key', () => {
    for (const c of cases) {
      const e = decodeOk(c.json)
      expect(encodeEvent(e)).toContain(`"${PAYLOAD_KEY[e.svc]}":{`)
    }
  })
})
