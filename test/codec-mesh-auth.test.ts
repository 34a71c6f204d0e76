import { describe, expect, it } from 'vitest'
import { loadProtocolTestVectors, loadVectors } from './support/vectors'
import {
  bodyHashBase64, meshRequestMessage, meshRequestSignatureVerdict, meshResponseMessage, meshTimestampVerdict,
  readMeshAuthHeaders, signMeshRequest, signMeshResponse, verifyMeshRequest, verifyMeshResponse
} from '../main/core/protocol/meshAuth'
import { parsePublicKey, signerFromSeed } from '../main/core/protocol/crypto'

const { cases } = loadVectors('mesh_auth.json')
const bodyOf = (c: any): Buffer => Buffer.from(c.body_b64, 'base64')

describe('mesh_auth.json', () => {
  for (const c of cases) {
    it(`${c.name}: signature verdict ${c.expect_valid}`, () => {
      const key = parsePublicKey(c.verify_public_key)!
      if (c.kind === 'request') {
        const auth = readMeshAuthHeaders(c.headers)
        if (!auth.ok) throw new Error(auth.error.reason)
        expect(meshRequestMessage(auth.value.name, auth.value.timestampMs, c.method, c.url)).toBe(c.message)
        expect(meshRequestSignatureVerdict(auth.value, c.method, c.url, key).valid).toBe(c.expect_valid)
        // the full server check also passes when the clock agrees
        expect(verifyMeshRequest(c.headers, c.method, c.path, key, c.timestamp_ms + 1000).valid).toBe(c.expect_valid)
      } else {
        expect(bodyHashBase64(bodyOf(c))).toBe(c.body_sha256_b64)
        expect(meshResponseMessage(c.headers['X-Nara-Name'], Number(c.headers['X-Nara-Timestamp']), bodyOf(c))).toBe(c.message)
        expect(verifyMeshResponse(c.headers, bodyOf(c), key).valid).toBe(c.expect_valid)
      }
    })
  }
  for (const c of cases.filter((c) => !c.tampered)) {
    it(`${c.name}: producing side`, () => {
      const signer = signerFromSeed(Buffer.from(c.signer.seed_hex, 'hex'))
      const h = c.kind === 'request'
        ? signMeshRequest(c.signer.name, signer, c.method, c.url, c.timestamp_ms)
        : signMeshResponse(c.signer.name, signer, bodyOf(c), c.timestamp_ms)
      expect(h).toEqual(c.headers)
    })
  }
  it('test-vectors.json mesh_auth strings', () => {
    const tv = loadProtocolTestVectors()
    const alice = signerFromSeed(Buffer.from(tv.identity.custom_alice.SeedHex, 'hex'))
    expect(meshRequestMessage('alice', 1768800000123, 'POST', '/gossip/zine')).toBe(tv.mesh_auth.request_string)
    expect(signMeshRequest('alice', alice, 'POST', '/gossip/zine', 1768800000123)['X-Nara-Signature']).toBe(tv.mesh_auth.request_sig_alice)
    expect(bodyHashBase64('')).toBe(tv.mesh_auth.empty_body_sha256_b64)
    expect(meshResponseMessage('bob', 1768800000130, tv.mesh_auth.response_body)).toBe(tv.mesh_auth.response_string)
  })
})

describe('mesh auth — freshness and bad input', () => {
  const c = cases[0]!
  const key = parsePublicKey(c.verify_public_key)!
  it('±30 s window is separate from the signature, with reasons', () => {
    expect(meshTimestampVerdict(1000, 31_000)).toEqual({ valid: true })
    expect(meshTimestampVerdict(1000, 31_001)).toEqual({ valid: false, reason: 'timestamp too old' })
    expect(meshTimestampVerdict(31_001, 1000)).toEqual({ valid: false, reason: 'timestamp in the future' })
    expect(verifyMeshRequest(c.headers, c.method, c.path, key, c.timestamp_ms + 30_001)).toEqual({ valid: false, reason: 'timestamp too old' })
    expect(verifyMeshRequest(c.headers, c.method, c.path, key, c.timestamp_ms - 30_001)).toEqual({ valid: false, reason: 'timestamp in the future' })
  })
  it('header lookup is case-insensitive (Node lower-cases) and supports fetch Headers', () => {
    const lower: Record<string, string> = Object.fromEntries(Object.entries(c.headers as Record<string, string>).map(([k, v]) => [k.toLowerCase(), v]))
    expect(verifyMeshRequest(lower, c.method, c.path, key, c.timestamp_ms).valid).toBe(true)
    expect(verifyMeshRequest(new Headers(c.headers), c.method, c.path, key, c.timestamp_ms).valid).toBe(true)
  })
  it('missing headers, bad timestamp, bad base64, unknown sender', () => {
    const { 'X-Nara-Signature': _s, ...noSig } = c.headers
    expect(verifyMeshRequest(noSig, c.method, c.path, key, c.timestamp_ms)).toEqual({ valid: false, reason: 'missing authentication headers' })
    expect(readMeshAuthHeaders({ ...c.headers, 'X-Nara-Timestamp': '12abc' })).toMatchObject({ ok: false, error: { code: 'wrong_type' } })
    expect(verifyMeshRequest({ ...c.headers, 'X-Nara-Signature': '***' }, c.method, c.path, key, c.timestamp_ms)).toEqual({ valid: false, reason: 'bad signature encoding' })
    expect(verifyMeshRequest(c.headers, c.method, c.path, null, c.timestamp_ms)).toEqual({ valid: false, reason: 'unknown sender' })
  })
})
