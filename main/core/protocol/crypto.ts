/**
 * The one place that touches key material. Node's native crypto is ~100x faster than
 * tweetnacl for Ed25519 verification, so every hot path goes through here.
 */
import { canonicalBase64Length, decodeCanonicalBase64Into } from './base64'
import {
  createHmac,
  createPrivateKey,
  createPublicKey,
  hash,
  hkdfSync,
  sign as nodeSign,
  verify as nodeVerify,
  type KeyObject
} from 'node:crypto'
import { BoundedMemo } from '../boundedMemo'

const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex')
const SPKI_ED25519_PREFIX = Buffer.from('302a300506032b6570032100', 'hex')

export const SEED_LEN = 32
export const PUBLIC_KEY_LEN = 32
export const SIGNATURE_LEN = 64

// The one-shot `hash` skips a Hash object per call (≈ 1.7 → 0.5 µs for an event's digest); its
// 'buffer' output is slower than a 'binary' (latin1) string turned back into bytes.
export function sha256(data: string | Uint8Array): Buffer {
  return Buffer.from(hash('sha256', data, 'binary'), 'binary')
}

export function sha256Hex(data: string | Uint8Array): string {
  return hash('sha256', data, 'hex')
}

export function hmacSha256(key: Uint8Array, msg: string | Uint8Array): Buffer {
  return createHmac('sha256', key).update(msg).digest()
}

export function hkdfSha256(ikm: Uint8Array, salt: string | Uint8Array, info: string | Uint8Array, len: number): Buffer {
  return Buffer.from(hkdfSync('sha256', ikm, salt, info, len))
}

/** An Ed25519 signer built from the 32-byte soul seed (RFC 8032 seed, as Go's NewKeyFromSeed). */
export interface Signer {
  readonly publicKey: Buffer
  /** Standard padded Base64 of the public key, as it travels on the wire. */
  readonly publicKeyBase64: string
  sign(message: Uint8Array | string): Buffer
  signBase64(message: Uint8Array | string): string
}

export function signerFromSeed(seed: Uint8Array): Signer {
  if (seed.length !== SEED_LEN) throw new RangeError(`Ed25519 seed must be ${SEED_LEN} bytes, got ${seed.length}`)
  const privateKey = createPrivateKey({
    key: Buffer.concat([PKCS8_ED25519_PREFIX, Buffer.from(seed)]),
    format: 'der',
    type: 'pkcs8'
  })
  const spki = createPublicKey(privateKey).export({ format: 'der', type: 'spki' })
  const publicKey = Buffer.from(spki.subarray(SPKI_ED25519_PREFIX.length))
  const sign = (message: Uint8Array | string): Buffer =>
    nodeSign(null, typeof message === 'string' ? Buffer.from(message, 'utf8') : message, privateKey)
  return {
    publicKey,
    publicKeyBase64: publicKey.toString('base64'),
    sign,
    signBase64: (m) => sign(m).toString('base64')
  }
}

/** A public key as the cache knows it: its bytes (copied), wire form and parsed object. */
interface KnownKey {
  readonly bytes: Uint8Array
  readonly base64: string
  readonly object: KeyObject
}

// The network reuses a few hundred keys, and callers hold on to the Buffer a key was parsed
// into (the directory caches it per peer). So the first look-up is by that very object, which
// costs no encoding; the bytes are compared too, because a caller may reuse a buffer for other
// bytes. Behind it, a map by Base64 serves new buffers of a known key and wire-form callers.
const keysByBuffer = new WeakMap<Uint8Array, KnownKey>()
/**
 * Room for every key of a 10,000-nara plaza. When full, the oldest entry gives way: clearing
 * everything at once made each message of a plaza larger than the cache parse its key again
 * (~50–100 µs, as much as the verify itself).
 */
export const PUBLIC_KEY_CACHE_MAX = 16_384
const keysByBase64 = new BoundedMemo<string, KnownKey>(PUBLIC_KEY_CACHE_MAX)

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}

function knownKeyFromBase64(base64: string, raw: Uint8Array): KnownKey {
  return keysByBase64.get(base64, () => {
    const bytes = Buffer.from(raw)
    // JWK rather than SPKI DER: Node then builds the key from its raw bytes, about 10 µs, where
    // OpenSSL's DER decoders take about 80 µs; a plaza newcomer's first message pays this.
    const object = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: bytes.toString('base64url') }, format: 'jwk' })
    return { bytes, base64, object }
  })
}

function knownKey(raw: Uint8Array): KnownKey {
  const hit = keysByBuffer.get(raw)
  if (hit && sameBytes(hit.bytes, raw)) return hit
  const known = knownKeyFromBase64(Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('base64'), raw)
  keysByBuffer.set(raw, known)
  return known
}

/** A parsed public key, cached (see above). */
export function publicKeyObject(raw: Uint8Array): KeyObject {
  return knownKey(raw).object
}

/** The wire form (standard Base64) of a public key, from the same cache: a cheap cache key for callers. */
export function publicKeyBase64(raw: Uint8Array): string {
  return knownKey(raw).base64
}

/** Verifies an Ed25519 signature; never throws (wrong lengths simply fail). */
export function ed25519Verify(publicKey: Uint8Array, message: Uint8Array | string, signature: Uint8Array): boolean {
  if (publicKey.length !== PUBLIC_KEY_LEN || signature.length !== SIGNATURE_LEN) return false
  try {
    const msg = typeof message === 'string' ? Buffer.from(message, 'utf8') : message
    return nodeVerify(null, msg, publicKeyObject(publicKey), signature)
  } catch {
    return false
  }
}

/**
 * Strict, canonical standard Base64 with padding; null when not valid. Canonical means the
 * unused bits before the padding are zero (`…Bg==`, never `…Bh==`): otherwise one signature has
 * several spellings, and anything keyed on the text (a replay cache) could be walked around.
 * Go's StdEncoding accepts the other spellings; its encoder never produces them.
 */
export function decodeBase64Strict(text: string): Buffer | null {
  const n = canonicalBase64Length(text)
  if (n < 0) return null
  const raw = Buffer.allocUnsafe(n)
  return decodeCanonicalBase64Into(text, raw, 0) === n ? raw : null
}

/** Verifies with a key in its wire form; a malformed key simply fails. Parses each key once. */
export function verifyWithPublicKeyBase64(publicKeyB64: string, message: Uint8Array | string, signature: Uint8Array): boolean {
  if (signature.length !== SIGNATURE_LEN) return false
  let known = keysByBase64.peek(publicKeyB64)
  if (!known) {
    const raw = parsePublicKey(publicKeyB64)
    if (!raw) return false
    known = knownKeyFromBase64(publicKeyB64, raw)
  }
  try {
    return nodeVerify(null, typeof message === 'string' ? Buffer.from(message, 'utf8') : message, known.object, signature)
  } catch {
    return false
  }
}

/** True when `text` is a well-formed wire public key; a key already in the cache is known good. */
export function isPublicKeyText(text: string): boolean {
  return keysByBase64.has(text) || parsePublicKey(text) !== null
}

/** Parses a wire public key (44-char Base64 of 32 bytes); null when malformed. */
export function parsePublicKey(text: string): Buffer | null {
  const raw = decodeBase64Strict(text)
  return raw && raw.length === PUBLIC_KEY_LEN ? raw : null
}

/** Parses a wire signature (88-char Base64 of 64 bytes); null when malformed. */
export function parseSignature(text: string): Buffer | null {
  const raw = decodeBase64Strict(text)
  return raw && raw.length === SIGNATURE_LEN ? raw : null
}
