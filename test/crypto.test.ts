import { describe, expect, it } from 'vitest'
import {
  decodeBase64Strict,
  ed25519Verify,
  parsePublicKey,
  parseSignature,
  publicKeyBase64,
  signerFromSeed,
  verifyWithPublicKeyBase64
} from '../main/core/protocol/crypto'
import { base58Decode, base58Encode } from '../main/core/protocol/base58'
import { loadVectors } from './support/vectors'
import { seededRandom } from '../main/core/clock'

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

  it('accepts exactly the Base64 that encoding its own bytes gives back, and decodes it as Buffer does', () => {
    const rnd = seededRandom(13)
    const cases: string[] = ['', 'QQ==', 'QR==', 'QUI=', 'QUJ=', '====', 'Q===', 'QQ', 'QQ=']
    for (let len = 1; len <= 66; len++) {
      const b64 = Buffer.from(Array.from({ length: len }, () => rnd.intn(256))).toString('base64')
      cases.push(b64, b64.replace(/=+$/, ''), `${b64}=`, `${b64} `, b64.replace(/\+/g, '-').replace(/\//g, '_'))
      for (const c of ['A', '=', 'é', '\n', '/']) {
        const at = rnd.intn(b64.length)
        cases.push(b64.slice(0, at) + c + b64.slice(at + 1))
      }
    }
    let accepted = 0
    for (const s of cases) {
      const canonical = Buffer.from(s, 'base64').toString('base64') === s
      const raw = decodeBase64Strict(s)
      expect(raw !== null, JSON.stringify(s)).toBe(canonical)
      if (raw) {
        accepted++
        expect(raw.equals(Buffer.from(s, 'base64'))).toBe(true)
      }
    }
    expect(accepted).toBeGreaterThan(66)
  })
})

describe('public key cache', () => {
  const alice = signerFromSeed(Buffer.alloc(32, 1))
  const bob = signerFromSeed(Buffer.alloc(32, 2))
  const msg = 'hello plaza'

  it('verifies with a wire-form key, and fails (never throws) on a wrong, malformed or short input', () => {
    const sig = alice.sign(msg)
    expect(verifyWithPublicKeyBase64(alice.publicKeyBase64, msg, sig)).toBe(true)
    expect(verifyWithPublicKeyBase64(alice.publicKeyBase64, msg, sig)).toBe(true) // cached path
    expect(verifyWithPublicKeyBase64(bob.publicKeyBase64, msg, sig)).toBe(false)
    expect(verifyWithPublicKeyBase64(alice.publicKeyBase64, msg + '!', sig)).toBe(false)
    expect(verifyWithPublicKeyBase64('not base64!', msg, sig)).toBe(false)
    expect(verifyWithPublicKeyBase64(Buffer.alloc(31).toString('base64'), msg, sig)).toBe(false)
    expect(verifyWithPublicKeyBase64(alice.publicKeyBase64, msg, sig.subarray(0, 63))).toBe(false)
  })

  it('a 32-byte key that is no curve point (or a small-order one) fails the verify, never throws', () => {
    const sig = alice.sign(msg)
    for (const fill of [0xff, 0x00, 0x01]) {
      const key = Buffer.alloc(32, fill)
      expect(() => ed25519Verify(key, msg, sig)).not.toThrow()
      expect(ed25519Verify(key, msg, sig)).toBe(false)
      expect(verifyWithPublicKeyBase64(key.toString('base64'), msg, sig)).toBe(false)
    }
  })

  it('a buffer refilled with another key is verified against the new bytes, not the cached key', () => {
    const key = Buffer.from(alice.publicKey)
    expect(ed25519Verify(key, msg, alice.sign(msg))).toBe(true)
    expect(publicKeyBase64(key)).toBe(alice.publicKeyBase64)
    bob.publicKey.copy(key)
    expect(ed25519Verify(key, msg, alice.sign(msg))).toBe(false)
    expect(ed25519Verify(key, msg, bob.sign(msg))).toBe(true)
    expect(publicKeyBase64(key)).toBe(bob.publicKeyBase64)
  })
})
