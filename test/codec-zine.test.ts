import { describe, expect, it } from 'vitest'
import { loadProtocolTestVectors, loadVectors } from './support/vectors'
import { createZine, decodeZine, encodeZine, verifyZine, zineSignatureVerdict, zineSigningPreimage } from '../main/core/protocol/zine'
import { carriedPublicKeyBytes, verifyCheckpointEvent, verifyEvent } from '../main/core/protocol/events'
import { parsePublicKey, sha256Hex, signerFromSeed } from '../main/core/protocol/crypto'
import type { SyncEvent } from '../main/core/protocol/types'

const { cases } = loadVectors('zine.json')
const eventCases = loadVectors('events.json').cases
const keyByName = new Map<string, Buffer>()
const keyById = new Map<string, Buffer>()
for (const c of [...eventCases, ...cases]) {
  if (c.signer) keyByName.set(c.signer.name, parsePublicKey(c.signer.public_key)!)
  if (c.signer) keyById.set(c.signer.nara_id, parsePublicKey(c.signer.public_key)!)
  for (const v of c.checkpoint_voters ?? []) keyById.set(v.nara_id, parsePublicKey(v.public_key)!)
}

/** What a receiver concludes about one contained event (events.json's verify methods). */
function eventVerdict(e: SyncEvent): boolean {
  if (e.svc === 'checkpoint') return verifyCheckpointEvent(e, (id) => keyById.get(id)).valid
  const carried = carriedPublicKeyBytes(e)
  const key = carried ?? (e.emitter ? keyByName.get(e.emitter) : undefined)
  return key ? verifyEvent(e, key) : false
}

function decoded(json: string) {
  const r = decodeZine(json)
  if (!r.ok) throw new Error(r.error.reason)
  return r.value
}

describe('TestZineSigning', () => {
  for (const c of cases) {
    it(`${c.name}: receiver verdict ${c.expect_valid}`, () => {
      const z = decoded(c.json)
      expect(z.rejected).toEqual([])
      expect(zineSigningPreimage(z.from, z.created_at, z.eventIds)).toBe(c.signing_preimage)
      expect(sha256Hex(zineSigningPreimage(z.from, z.created_at, z.eventIds))).toBe(c.signing_digest_hex)
      expect(verifyZine(z, parsePublicKey(c.verify_public_key)!)).toBe(c.expect_valid)
      // the contained events keep their own verdicts (the zine signature covers ids only)
      ;(c.events_expect_valid ?? []).forEach((want: boolean, i: number) => {
        expect(eventVerdict(z.events[i] as SyncEvent), `event ${i}`).toBe(want)
      })
    })
  }

  for (const c of cases.filter((c) => !c.tampered)) {
    it(`${c.name}: producing side rebuilds the exact JSON and signature`, () => {
      const z = decoded(c.json)
      const signer = signerFromSeed(Buffer.from(c.signer.seed_hex, 'hex'))
      const rebuilt = createZine(c.from, c.created_at, z.events, signer)
      expect(rebuilt.signature).toBe(c.signature)
      expect(encodeZine(rebuilt, { nilEvents: c.json.includes('"events":null') })).toBe(c.json)
      expect(sha256Hex(encodeZine(rebuilt, { nilEvents: c.json.includes('"events":null') }))).toBe(c.json_sha256)
    })
  }

  it('test-vectors.json zine and empty zine', () => {
    const tv = loadProtocolTestVectors()
    const alice = signerFromSeed(Buffer.from(tv.identity.custom_alice.SeedHex, 'hex'))
    const bob = signerFromSeed(Buffer.from(tv.identity.custom_bob.SeedHex, 'hex'))
    const z = decoded(tv.zine.json)
    expect(zineSigningPreimage(z.from, z.created_at, z.eventIds)).toBe(tv.zine.preimage)
    expect(encodeZine(createZine(z.from, z.created_at, z.events, alice))).toBe(tv.zine.json)
    const empty = decoded(tv.zine.empty_json)
    expect(zineSigningPreimage(empty.from, empty.created_at, [])).toBe(tv.zine.empty_preimage)
    expect(encodeZine(createZine(empty.from, empty.created_at, [], bob))).toBe(tv.zine.empty_json)
    expect(verifyZine(empty, bob.publicKey)).toBe(true)
    expect(verifyZine(empty, alice.publicKey)).toBe(false)
  })
})

describe('decodeZine — bad input', () => {
  const good = cases[0]!
  it('rejects malformed JSON, wrong types and oversize', () => {
    expect(decodeZine('{"from":"x",')).toMatchObject({ ok: false, error: { code: 'malformed_json' } })
    expect(decodeZine('{"from":"x","created_at":"yesterday"}')).toMatchObject({ ok: false, error: { code: 'wrong_type' } })
    expect(decodeZine('{"from":"x","events":{}}')).toMatchObject({ ok: false, error: { code: 'wrong_type' } })
    expect(decodeZine('"zine"')).toMatchObject({ ok: false, error: { code: 'wrong_type' } })
    expect(decodeZine(good.json, { maxBytes: 100 })).toMatchObject({ ok: false, error: { code: 'too_large' } })
  })

  it('reports undecodable events individually and still covers their ids in the signature', () => {
    const broken = good.json.replace('"svc":"social"', '"svc":"telepathy"')
    const z = decoded(broken)
    expect(z.rejected).toMatchObject([{ index: 0, error: { code: 'unknown_kind' } }])
    expect(z.events).toHaveLength(2)
    expect(z.eventIds).toEqual(good.event_ids)
    expect(verifyZine(z, parsePublicKey(good.verify_public_key)!)).toBe(true)
  })

  it('bad base64 or wrong-length signatures fail verification with a reason', () => {
    const z = decoded(good.json)
    const key = parsePublicKey(good.verify_public_key)!
    expect(zineSignatureVerdict({ ...z, signature: '!!' }, key)).toEqual({ valid: false, reason: 'bad signature encoding' })
    expect(zineSignatureVerdict({ ...z, signature: Buffer.alloc(32).toString('base64') }, key)).toEqual({ valid: false, reason: 'bad signature encoding' })
    expect(zineSignatureVerdict({ ...z, signature: '' }, key)).toEqual({ valid: false, reason: 'unsigned' })
    expect(zineSignatureVerdict(z, null)).toEqual({ valid: false, reason: 'no public key' })
  })
})
