/**
 * The stash is sealed for ourselves only (Go `identity/crypto.go`): XChaCha20-Poly1305 with a key
 * derived from the soul seed by HKDF-SHA256 (salt `nara:stash:v1`, info `symmetric`). Confidants
 * hold ciphertext they cannot read.
 */
import { randomBytes } from 'node:crypto'
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js'
import { hkdfSha256 } from '../protocol/crypto'

export const STASH_NONCE_BYTES = 24

export function stashKey(seed: Uint8Array): Uint8Array {
  return hkdfSha256(seed, 'nara:stash:v1', 'symmetric', 32)
}

export function sealStash(seed: Uint8Array, plaintext: Uint8Array, nonce: Uint8Array = randomBytes(STASH_NONCE_BYTES)): { nonce: Buffer; ciphertext: Buffer } {
  return { nonce: Buffer.from(nonce), ciphertext: Buffer.from(xchacha20poly1305(stashKey(seed), nonce).encrypt(plaintext)) }
}

/** The plaintext, or null when it was not sealed with our key (or was altered). */
export function openStash(seed: Uint8Array, nonce: Uint8Array, ciphertext: Uint8Array): Uint8Array | null {
  if (nonce.length !== STASH_NONCE_BYTES) return null
  try {
    return xchacha20poly1305(stashKey(seed), nonce).decrypt(ciphertext)
  } catch {
    return null
  }
}
