/**
 * Souls, bonds, nara IDs and the boot-time identity decision (identity.md §2–§5).
 *
 * A soul is the private identity: 32-byte Ed25519 seed ‖ 8-byte tag bonding it to a name.
 * Nothing in this module logs or persists it; callers must keep it that way.
 */
import { timingSafeEqual } from 'node:crypto'
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js'
import { err, ok, type DecodeError, type Result } from '../result'
import type { Personality } from './types'
import { base58Decode, base58Encode } from './base58'
import { hkdfSha256, hmacSha256, sha256, signerFromSeed, type Signer } from './crypto'
import { generateName, isGenericHostname } from './names'
import { personalityFromSoul } from './personality'

export const SEED_LEN = 32
export const TAG_LEN = 8
export const SOUL_LEN = SEED_LEN + TAG_LEN
/**
 * The longest Base58 text that can decode to 40 bytes is 55 characters; anything much longer
 * is rejected before the quadratic big-integer decode runs.
 */
export const MAX_SOUL_TEXT = 64

declare const soulBrand: unique symbol

/** A well-formed soul. Only parseSoul / soulFromParts / nativeSoul can make one. */
export interface Soul {
  readonly seed: Uint8Array
  readonly tag: Uint8Array
  /** seed ‖ tag, 40 bytes. */
  readonly bytes: Uint8Array
  /** Canonical Base58 text (Bitcoin alphabet). */
  readonly text: string
  readonly [soulBrand]: true
}

function makeSoul(bytes: Uint8Array): Soul {
  const copy = Uint8Array.from(bytes)
  return Object.freeze({
    seed: copy.subarray(0, SEED_LEN),
    tag: copy.subarray(SEED_LEN),
    bytes: copy,
    text: base58Encode(copy)
  }) as Soul
}

export function soulFromParts(seed: Uint8Array, tag: Uint8Array): Soul {
  if (seed.length !== SEED_LEN || tag.length !== TAG_LEN) {
    throw new RangeError(`soul parts must be ${SEED_LEN}+${TAG_LEN} bytes, got ${seed.length}+${tag.length}`)
  }
  const bytes = new Uint8Array(SOUL_LEN)
  bytes.set(seed, 0)
  bytes.set(tag, SEED_LEN)
  return makeSoul(bytes)
}

/** Go's ParseSoul: Base58 that decodes to exactly 40 bytes. Never throws. */
export function parseSoul(text: unknown): Result<Soul> {
  if (typeof text !== 'string') return err('wrong_type', `soul must be a string, got ${describeType(text)}`)
  if (text === '') return err('bad_length', 'soul is empty')
  if (text.length > MAX_SOUL_TEXT) {
    return err('too_large', `soul text is ${text.length} characters; a soul is at most ${MAX_SOUL_TEXT}`)
  }
  const bytes = base58Decode(text)
  if (bytes === null) return err('bad_base58', 'soul contains a character outside the Base58 alphabet')
  if (bytes.length !== SOUL_LEN) {
    return err('bad_length', `soul decodes to ${bytes.length} bytes; a soul is exactly ${SOUL_LEN}`)
  }
  return ok(makeSoul(bytes))
}

export function encodeSoul(soul: Soul): string {
  return soul.text
}

/** First 8 bytes of HMAC-SHA256(seed, "nara:name:v2:" + name). */
export function computeTag(seed: Uint8Array, name: string): Uint8Array {
  return new Uint8Array(hmacSha256(seed, 'nara:name:v2:' + name).subarray(0, TAG_LEN))
}

/** Whether the soul's tag bonds it to this name; an empty name is never bonded. */
export function validateBond(soul: Soul, name: string): boolean {
  if (name === '') return false
  return timingSafeEqual(soul.tag, computeTag(soul.seed, name))
}

/** Base58(SHA-256(soul40 ‖ UTF-8 name)); a soul given as text must parse. */
export function computeNaraId(soul: Soul | string, name: string): Result<string> {
  let parsed: Soul
  if (typeof soul === 'string') {
    const r = parseSoul(soul)
    if (!r.ok) return r
    parsed = r.value
  } else {
    parsed = soul
  }
  const preimage = Buffer.concat([parsed.bytes, Buffer.from(name, 'utf8')])
  return ok(base58Encode(sha256(preimage)))
}

export type NativeSoulMode = { readonly custom: string } | 'generated'

const SOUL_SALT = 'nara:soul:v2'

/**
 * The soul this hardware would grow without a -soul argument. In generated mode the
 * name is derived from the seed, so it is returned alongside.
 */
export function nativeSoul(fingerprint: Uint8Array, mode: NativeSoulMode): { soul: Soul; name: string } {
  if (mode === 'generated') {
    const seed = hkdfSha256(fingerprint, SOUL_SALT, 'seed:generated', SEED_LEN)
    const name = nameFromSeed(seed)
    return { soul: soulFromParts(seed, computeTag(seed, name)), name }
  }
  const name = mode.custom
  const seed = hkdfSha256(fingerprint, SOUL_SALT, 'seed:custom:' + name, SEED_LEN)
  return { soul: soulFromParts(seed, computeTag(seed, name)), name }
}

export function nameFromSeed(seed: Uint8Array): string {
  return generateName(Buffer.from(seed).toString('hex'))
}

function soulsEqual(a: Soul, b: Soul): boolean {
  return timingSafeEqual(a.bytes, b.bytes)
}

export interface IdentityInput {
  /** -nara-id / NARA_ID; empty when not given. */
  readonly nameArg: string
  /** -soul / NARA_SOUL; empty when not given. */
  readonly soulArg: string
  /** Short host name (before the first dot). */
  readonly hostname: string
  /** SHA-256(hostId + "-" + macs). */
  readonly fingerprint: Uint8Array
  /**
   * 'auto' (default) is the reference's rule: generated-name mode when the effective name
   * looks generic. 'generated' forces generated-name mode (used by `nara soul` without --name).
   */
  readonly nameMode?: 'auto' | 'generated'
}

export interface Identity {
  readonly name: string
  /** null only when the given soul could not be parsed (see soulError). */
  readonly soul: Soul | null
  readonly soulText: string
  /** Empty when the soul could not be parsed, as in the reference. */
  readonly id: string
  readonly bonded: boolean
  readonly native: boolean
  readonly signer: Signer | null
  readonly publicKeyBase64: string
  readonly personality: Personality
  /** Why the given soul was rejected; present exactly when soul is null. */
  readonly soulError?: DecodeError
}

/** Base58 of 40 zero bytes: the soul a Go nara ends up formatting when its -soul is unparsable. */
const ZERO_SOUL_TEXT = '1'.repeat(SOUL_LEN)

/** Go's DetermineIdentity, plus the key material and personality that follow from it. */
export function determineIdentity(input: IdentityInput): Identity {
  const effectiveName = input.nameArg !== '' ? input.nameArg : input.hostname
  const generatedMode = input.nameMode === 'generated' || isGenericHostname(effectiveName)

  let soul: Soul
  let name: string
  if (input.soulArg !== '') {
    const parsed = parseSoul(input.soulArg)
    if (!parsed.ok) {
      return {
        name: effectiveName,
        soul: null,
        soulText: '',
        id: '',
        bonded: false,
        native: false,
        signer: null,
        publicKeyBase64: '',
        personality: personalityFromSoul(ZERO_SOUL_TEXT),
        soulError: parsed.error
      }
    }
    soul = parsed.value
    name = generatedMode ? nameFromSeed(soul.seed) : effectiveName
  } else if (generatedMode) {
    ;({ soul, name } = nativeSoul(input.fingerprint, 'generated'))
  } else {
    name = effectiveName
    soul = nativeSoul(input.fingerprint, { custom: name }).soul
  }

  const expected = nativeSoul(input.fingerprint, generatedMode ? 'generated' : { custom: name }).soul
  const idResult = computeNaraId(soul, name)
  // A parsed soul always yields an ID; the guard only satisfies the type.
  const id = idResult.ok ? idResult.value : ''
  const signer = signerFromSeed(soul.seed)
  return {
    name,
    soul,
    soulText: soul.text,
    id,
    bonded: validateBond(soul, name),
    native: soulsEqual(soul, expected),
    signer,
    publicKeyBase64: signer.publicKeyBase64,
    personality: personalityFromSoul(soul.text)
  }
}

// --- stash (encrypted personal storage kept by peers) ---

const STASH_NONCE_LEN = 24

/** HKDF-SHA256(seed, salt "nara:stash:v1", info "symmetric"), 32 bytes. */
export function stashKey(seed: Uint8Array): Uint8Array {
  return new Uint8Array(hkdfSha256(seed, 'nara:stash:v1', 'symmetric', 32))
}

/** XChaCha20-Poly1305 seal with the stash key; the caller supplies a fresh random 24-byte nonce. */
export function stashSeal(seed: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array): Uint8Array {
  if (nonce.length !== STASH_NONCE_LEN) throw new RangeError(`stash nonce must be ${STASH_NONCE_LEN} bytes`)
  return xchacha20poly1305(stashKey(seed), nonce).encrypt(plaintext)
}

/** Opens a sealed stash; a wrong key, nonce or tampered ciphertext is a typed error. */
export function stashOpen(seed: Uint8Array, nonce: Uint8Array, ciphertext: Uint8Array): Result<Uint8Array> {
  if (nonce.length !== STASH_NONCE_LEN) return err('bad_length', `stash nonce must be ${STASH_NONCE_LEN} bytes`)
  if (ciphertext.length < 16) return err('bad_length', 'stash ciphertext is shorter than its authentication tag')
  try {
    return ok(xchacha20poly1305(stashKey(seed), nonce).decrypt(ciphertext))
  } catch {
    return err('bad_signature', 'stash authentication failed')
  }
}

function describeType(v: unknown): string {
  if (v === null) return 'null'
  if (Array.isArray(v)) return 'array'
  return typeof v
}
