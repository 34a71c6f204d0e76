import { describe, expect, it } from 'vitest'
import { loadProtocolTestVectors, loadVectors } from './support/vectors'
import {
  attestationSigningString, attestationValues, decodeProposal, decodeVote, encodeProposal, encodeVote,
  signAttestation, verifyAttestation, type CheckpointProposal, type CheckpointVote
} from '../main/core/protocol/checkpoint'
import { parsePublicKey, sha256Hex, signerFromSeed } from '../main/core/protocol/crypto'

const { cases } = loadVectors('checkpoint.json')
const isVote = (c: any): boolean => c.topic === 'nara/checkpoint/vote'

function decoded(c: any): CheckpointProposal | CheckpointVote {
  const r = isVote(c) ? decodeVote(c.json) : decodeProposal(c.json)
  if (!r.ok) throw new Error(r.error.reason)
  return r.value
}
const encode = (c: any, m: any): string => (isVote(c) ? encodeVote(m) : encodeProposal(m))

describe('checkpoint.json', () => {
  for (const c of cases) {
    it(`${c.name}: receiving side → ${c.expect_valid}`, () => {
      const m = decoded(c)
      expect(encode(c, m)).toBe(c.json)
      expect(attestationSigningString(attestationValues(m))).toBe(c.attestation_signable)
      expect(verifyAttestation(m, parsePublicKey(c.signer.public_key)!)).toBe(c.expect_valid)
    })
  }
  for (const c of cases.filter((c) => !c.tampered)) {
    it(`${c.name}: producing side`, () => {
      const { signature: _old, ...unsigned } = decoded(c)
      const signed = signAttestation(unsigned, signerFromSeed(Buffer.from(c.signer.seed_hex, 'hex')))
      expect(signed.signature).toBe(c.signature)
      expect(encode(c, signed)).toBe(c.json)
      expect(sha256Hex(encode(c, signed))).toBe(c.json_sha256)
    })
  }
  it('test-vectors.json checkpoint_mqtt', () => {
    const tv = loadProtocolTestVectors().checkpoint_mqtt
    const p = decodeProposal(tv.proposal_json)
    const v = decodeVote(tv.vote_json)
    if (!p.ok || !v.ok) throw new Error('decode failed')
    expect(attestationSigningString(attestationValues(p.value))).toBe(tv.proposal_signing_string)
    expect(attestationSigningString(attestationValues(v.value))).toBe(tv.vote_signing_string)
    expect(encodeProposal(p.value)).toBe(tv.proposal_json)
    expect(encodeVote(v.value)).toBe(tv.vote_json)
  })
})

describe('checkpoint messages — bad input', () => {
  it('typed errors', () => {
    expect(decodeVote('{"version":"2"}')).toMatchObject({ ok: false, error: { code: 'wrong_type' } })
    expect(decodeVote('{"approved":"yes"}')).toMatchObject({ ok: false, error: { code: 'wrong_type' } })
    expect(decodeProposal('{"observation":[]}')).toMatchObject({ ok: false, error: { code: 'wrong_type' } })
    expect(decodeProposal('{')).toMatchObject({ ok: false, error: { code: 'malformed_json' } })
  })
  it('bad base64 signature never verifies', () => {
    const m = decoded(cases[0])
    expect(verifyAttestation({ ...m, signature: '@@' }, parsePublicKey(cases[0]!.signer.public_key)!)).toBe(false)
  })
})
