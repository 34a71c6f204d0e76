import { describe, expect, it } from 'vitest'
import { loadProtocolTestVectors, loadVectors } from './support/vectors'
import { buildHowdy, decodeHowdy, encodeHowdy, howdySigningMessage, verifyHowdy } from '../main/core/protocol/howdy'
import { sha256Hex, signerFromSeed } from '../main/core/protocol/crypto'
import type { HowdyEvent } from '../main/core/protocol/types'

const { cases } = loadVectors('howdy.json')

function decoded(json: string): HowdyEvent {
  const r = decodeHowdy(json)
  if (!r.ok) throw new Error(r.error.reason)
  return r.value
}

describe('howdy.json', () => {
  for (const c of cases) {
    it(`${c.name}: receiving side → ${c.expect_valid}`, () => {
      const h = decoded(c.json)
      expect(encodeHowdy(h)).toBe(c.json)
      if (!c.tampered) expect(howdySigningMessage(h.From, h.To, h.Seq)).toBe(c.signing_message)
      expect(verifyHowdy(h).valid).toBe(c.expect_valid)
    })
  }
  for (const c of cases.filter((c) => !c.tampered)) {
    it(`${c.name}: producing side`, () => {
      const h = decoded(c.json)
      const signer = signerFromSeed(Buffer.from(c.signer.seed_hex, 'hex'))
      const built = buildHowdy({ from: c.from, to: c.to, seq: c.seq, you: h.You, neighbors: h.Neighbors, me: h.Me }, signer)
      expect(built.Signature).toBe(c.signature)
      expect(encodeHowdy(built)).toBe(c.json)
      expect(sha256Hex(encodeHowdy(built))).toBe(c.json_sha256)
    })
  }
  it('test-vectors.json howdy', () => {
    const tv = loadProtocolTestVectors()
    const bob = signerFromSeed(Buffer.from(tv.identity.custom_bob.SeedHex, 'hex'))
    const h = decoded(tv.howdy.json)
    expect(howdySigningMessage(h.From, h.To, h.Seq)).toBe(tv.howdy.signing_string)
    expect(encodeHowdy(buildHowdy({ from: h.From, to: h.To, seq: h.Seq, you: h.You, neighbors: h.Neighbors, me: h.Me }, bob))).toBe(tv.howdy.json)
  })
})

describe('decodeHowdy / verifyHowdy — bad input', () => {
  const good = cases[0]!.json as string
  it('typed errors', () => {
    expect(decodeHowdy('{"From":')).toMatchObject({ ok: false, error: { code: 'malformed_json' } })
    expect(decodeHowdy(good.replace('"Seq":3', '"Seq":"3"'))).toMatchObject({ ok: false, error: { code: 'wrong_type' } })
    expect(decodeHowdy(good.replace('"Neighbors":[', '"Neighbors":[7,'))).toMatchObject({ ok: false, error: { code: 'wrong_type' } })
    expect(decodeHowdy(good, { maxBytes: 100 })).toMatchObject({ ok: false, error: { code: 'too_large' } })
  })
  it('unsigned, missing key, malformed key and bad base64 give reasons', () => {
    const h = decoded(good)
    expect(verifyHowdy({ ...h, Signature: '' })).toEqual({ valid: false, reason: 'unsigned' })
    expect(verifyHowdy({ ...h, Me: { ...h.Me, PublicKey: '' } })).toEqual({ valid: false, reason: 'no public key' })
    expect(verifyHowdy({ ...h, Me: { ...h.Me, PublicKey: 'AAAA' } })).toEqual({ valid: false, reason: 'bad public key' })
    expect(verifyHowdy({ ...h, Signature: 'not base64!' })).toEqual({ valid: false, reason: 'bad signature encoding' })
    expect(verifyHowdy({ ...h, Seq: h.Seq + 1 })).toEqual({ valid: false, reason: 'bad signature' })
  })
})
