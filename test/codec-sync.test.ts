import { describe, expect, it } from 'vitest'
import { loadProtocolTestVectors, loadVectors } from './support/vectors'
import {
  decodeSyncRequest, decodeSyncResponse, encodeSyncRequest, encodeSyncResponse, signSyncResponse,
  syncResponseSigningPreimage, verifySyncResponse
} from '../main/core/protocol/syncMessages'
import { parsePublicKey, sha256Hex, signerFromSeed } from '../main/core/protocol/crypto'

const { cases } = loadVectors('sync_response.json')

function decoded(json: string) {
  const r = decodeSyncResponse(json)
  if (!r.ok) throw new Error(r.error.reason)
  return r.value
}

describe('sync_response.json', () => {
  for (const c of cases) {
    it(`${c.name}: receiving side → ${c.expect_valid}`, () => {
      const r = decoded(c.json)
      expect(syncResponseSigningPreimage(r.from, r.ts ?? 0, r.eventIds)).toBe(c.signing_preimage)
      expect(sha256Hex(c.signing_preimage)).toBe(c.signing_digest_hex)
      expect(verifySyncResponse(r, parsePublicKey(c.verify_public_key)).valid).toBe(c.expect_valid)
    })
  }
  for (const c of cases.filter((c) => !c.tampered)) {
    it(`${c.name}: producing side`, () => {
      const r = decoded(c.json)
      const signed = signSyncResponse(c.from, r.events, c.ts, signerFromSeed(Buffer.from(c.signer.seed_hex, 'hex')), r.next_cursor)
      expect(signed.sig).toBe(c.signature)
      expect(encodeSyncResponse(signed)).toBe(c.json)
      expect(sha256Hex(encodeSyncResponse(signed))).toBe(c.json_sha256)
    })
  }
  it('test-vectors.json sync request and response', () => {
    const tv = loadProtocolTestVectors()
    const req = decodeSyncRequest(tv.sync.request_json)
    if (!req.ok) throw new Error(req.error.reason)
    expect(req.value).toEqual({ from: 'alice', services: null, subjects: null, mode: 'sample', sample_size: 5000 })
    expect(encodeSyncRequest(req.value)).toBe(tv.sync.request_json)
    const bob = signerFromSeed(Buffer.from(tv.identity.custom_bob.SeedHex, 'hex'))
    const res = decoded(tv.sync.response_json)
    expect(syncResponseSigningPreimage(res.from, res.ts!, res.eventIds)).toBe(tv.sync.response_preimage)
    expect(encodeSyncResponse(signSyncResponse('bob', res.events, res.ts!, bob))).toBe(tv.sync.response_json)
  })
})

describe('sync messages — bad input and round trips', () => {
  it('SyncRequest with every field round-trips, since_time stays exact', () => {
    const json = '{"from":"a","services":["ping"],"subjects":[],"mode":"page","sample_size":1,"cursor":"1767225643333332974","page_size":2,"limit":3,"since_time":1767225643333332974,"slice_index":1,"slice_total":4,"max_events":5}'
    const r = decodeSyncRequest(json)
    if (!r.ok) throw new Error(r.error.reason)
    expect(r.value.since_time).toBe(1767225643333332974n)
    expect(encodeSyncRequest(r.value)).toBe(json)
  })
  it('typed errors', () => {
    expect(decodeSyncRequest('{"from":"a","services":"ping"}')).toMatchObject({ ok: false, error: { code: 'wrong_type' } })
    expect(decodeSyncRequest('{"from":"a","services":[1]}')).toMatchObject({ ok: false, error: { code: 'wrong_type' } })
    expect(decodeSyncRequest('{"from":')).toMatchObject({ ok: false, error: { code: 'malformed_json' } })
    expect(decodeSyncRequest('{"from":"' + 'a'.repeat(70_000) + '"}')).toMatchObject({ ok: false, error: { code: 'too_large' } })
    expect(decodeSyncResponse('{"from":"a","events":5}')).toMatchObject({ ok: false, error: { code: 'wrong_type' } })
    expect(decodeSyncResponse('{"from":"a","ts":"now"}')).toMatchObject({ ok: false, error: { code: 'wrong_type' } })
  })
  it('unsigned or badly encoded signatures give reasons', () => {
    const c = cases[0]!
    const r = decoded(c.json)
    const key = parsePublicKey(c.verify_public_key)
    expect(verifySyncResponse({ ...r, sig: undefined }, key)).toEqual({ valid: false, reason: 'unsigned' })
    expect(verifySyncResponse({ ...r, sig: 'abc' }, key)).toEqual({ valid: false, reason: 'bad signature encoding' })
    expect(verifySyncResponse(r, null)).toEqual({ valid: false, reason: 'no public key' })
  })
})
