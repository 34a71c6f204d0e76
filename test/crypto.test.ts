import { describe, expect, it } from 'vitest'
import { ed25519Verify, parsePublicKey, parseSignature, signerFromSeed, decodeBase64Strict } from '../main/core/protocol/crypto'
import { base58Decode, base58Encode } from '../main/core/protocol/base58'
import { loadVectors } from './support/vectors'

describe('crypto primitives against identity vectors', () => {
  const identities = loadVectors('identity.json').cases.filter((c) => c.kind === 'hardware_identity')

  it('derives the public key from the soul seed and signs byte-exactly', () => {
    expect(identities.length).toBeGreaterThan(0)
    for (const c of identities) {
      const signer = signerFromSeed(Buffer.from(c.custom.seed_hex, 'hex'))
      expect(signer.publicKeyBase64).toBe(c.custom.public_key)
      expect(signer.signBase64(c.custom.sign_message)).toBe(c.custom.sign_signature)
      expect(ed25519Verify(signer.publicKey, c.custom.sign_message, parseSignature(c.custom.sign_signature)!)).toBe(true)
      expect(ed25519Verify(signer.publicKey, c.custom.sign_message + '!', parseSignature(c.custom.sign_signature)!)).toBe(false)
    }
  })

  it('round-trips souls through Base58 with leading zero bytes', () => {
    for (const c of loadVectors('identity.json').cases.filter((c) => c.kind === 'soul_encoding')) {
      const bytes = base58Decode(c.soul)
      expect(bytes).not.toBeNull()
      expect(base58Encode(bytes!)).toBe(c.soul)
    }
  })

  it('rejects malformed keys, signatures and Base58 instead of throwing', () => {
    expect(parsePublicKey('not base64!')).toBeNull()
    expect(parsePublicKey(Buffer.alloc(31).toString('base64'))).toBeNull()
    expect(parseSignature(Buffer.alloc(63).toString('base64'))).toBeNull()
    expect(decodeBase64Strict('abc')).toBeNull()
    expect(base58Decode('0OIl')).toBeNull()
    expect(ed25519Verify(Buffer.alloc(5), 'x', Buffer.alloc(64))).toBe(false)
  })
})
