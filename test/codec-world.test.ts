import { describe, expect, it } from 'vitest'
import { loadVectors } from './support/vectors'
import {
  addHop, decodeWorldMessage, encodeWorldMessage, hopSigningJson, isJourneyComplete, verifyWorldMessage, worldMessageId,
  type WorldMessage
} from '../main/core/protocol/world'
import { parsePublicKey, sha256Hex, signerFromSeed } from '../main/core/protocol/crypto'

const { cases } = loadVectors('world.json')
const journey = cases.find((c) => c.name === 'world/complete-journey')!
const keyByName = new Map<string, Buffer>(journey.hops.map((h: any) => [h.nara, parsePublicKey(h.public_key)!]))

function decoded(json: string): WorldMessage {
  const r = decodeWorldMessage(json)
  if (!r.ok) throw new Error(r.error.reason)
  return r.value
}

describe('world.json', () => {
  for (const c of cases) {
    it(`${c.name}: every hop verifies → ${c.expect_valid}`, () => {
      const m = decoded(c.json)
      expect(encodeWorldMessage(m)).toBe(c.json)
      expect(verifyWorldMessage(m, (n) => keyByName.get(n)).valid).toBe(c.expect_valid)
      expect(isJourneyComplete(m)).toBe(c.complete)
    })
  }

  it('producing side: id from its preimage, each hop signed in turn', () => {
    const final = decoded(journey.json)
    const [originator, message, ns] = (journey.id_preimage as string).split(':') as [string, string, string]
    const id = worldMessageId(originator, message, BigInt(ns))
    expect(id).toBe(final.id)
    let m: WorldMessage = { id, message, originator, hops: [] }
    journey.hops.forEach((h: any, i: number) => {
      expect(hopSigningJson(m, m.hops, h.nara)).toBe(h.signing_json)
      expect(sha256Hex(h.signing_json)).toBe(h.signing_digest_hex)
      const hop = final.hops[i]!
      m = addHop(m, h.nara, signerFromSeed(Buffer.from(h.signer.seed_hex, 'hex')), hop.timestamp, hop.stamp)
      expect(m.hops[i]!.signature).toBe(h.signature)
    })
    expect(encodeWorldMessage(m)).toBe(journey.json)
    expect(sha256Hex(encodeWorldMessage(m))).toBe(journey.json_sha256)
  })

  it('bad input and unknown keys', () => {
    expect(decodeWorldMessage('{"hops":{}}')).toMatchObject({ ok: false, error: { code: 'wrong_type' } })
    expect(decodeWorldMessage('{"hops":[{"timestamp":"x"}]}')).toMatchObject({ ok: false, error: { code: 'wrong_type' } })
    expect(decodeWorldMessage('{')).toMatchObject({ ok: false, error: { code: 'malformed_json' } })
    const m = decoded(journey.json)
    expect(verifyWorldMessage(m, () => null).valid).toBe(false)
    expect(verifyWorldMessage({ ...m, hops: [{ ...m.hops[0]!, signature: 'zz' }] }, (n) => keyByName.get(n))).toMatchObject({ valid: false })
  })
})
