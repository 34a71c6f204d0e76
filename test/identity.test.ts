import { describe, expect, it } from 'vitest'
import {
  MAX_SOUL_TEXT,
  SOUL_LEN,
  computeNaraId,
  computeTag,
  determineIdentity,
  encodeSoul,
  nativeSoul,
  parseSoul,
  soulFromParts,
  stashKey,
  stashOpen,
  stashSeal,
  validateBond,
  type Soul
} from '../main/core/protocol/identity'
import { fingerprintInput, hardwareFingerprint } from '../main/core/protocol/hardware'
import { generateName, isGenericHostname, shortHostname, UNNAMED } from '../main/core/protocol/names'
import { gemstone, personalityFromSoul } from '../main/core/protocol/personality'
import { base58Decode, base58Encode } from '../main/core/protocol/base58'
import { sha256, signerFromSeed } from '../main/core/protocol/crypto'
import { loadProtocolTestVectors, loadVectors } from './support/vectors'

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')
const fromHex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'hex'))

const cases = loadVectors('identity.json').cases
const ofKind = (kind: string) => cases.filter((c) => c.kind === kind)
const hardware = ofKind('hardware_identity')

function mustParse(text: string): Soul {
  const r = parseSoul(text)
  if (!r.ok) throw new Error(`vector soul did not parse: ${r.error.reason}`)
  return r.value
}

function fingerprintOf(c: Record<string, any>): Uint8Array {
  const macs = c.macs === '' ? [] : (c.macs as string).split(',')
  return hardwareFingerprint(c.host_id, macs)
}

describe('identity vectors: hardware_identity', () => {
  it('has every kind of case', () => {
    expect(hardware.length).toBeGreaterThan(0)
    for (const kind of ['soul_encoding', 'generate_name', 'generic_hostname', 'nara_id_error']) {
      expect(ofKind(kind).length).toBeGreaterThan(0)
    }
  })

  for (const c of hardware) {
    describe(c.name, () => {
      const fp = fingerprintOf(c)

      it('hashes host id and MACs into the fingerprint', () => {
        const macs = c.macs === '' ? [] : c.macs.split(',')
        expect(fingerprintInput(c.host_id, macs)).toBe(c.fingerprint_input)
        expect(hex(fp)).toBe(c.hw_fingerprint_hex)
      })

      it('grows the native custom soul, its ID, key, gemstone and signature', () => {
        const { soul, name } = nativeSoul(fp, { custom: c.custom.name })
        expect(name).toBe(c.custom.name)
        expect(hex(soul.seed)).toBe(c.custom.seed_hex)
        expect(hex(soul.tag)).toBe(c.custom.tag_hex)
        expect(hex(soul.bytes)).toBe(c.custom.soul_bytes_hex)
        expect(encodeSoul(soul)).toBe(c.custom.soul)
        expect(hex(computeTag(soul.seed, name))).toBe(c.custom.tag_hex)
        expect(validateBond(soul, name)).toBe(true)
        expect(hex(Buffer.concat([soul.bytes, Buffer.from(name, 'utf8')]))).toBe(c.custom.nara_id_preimage_hex)
        expect(computeNaraId(soul, name)).toEqual({ ok: true, value: c.custom.nara_id })
        expect(computeNaraId(c.custom.soul, name)).toEqual({ ok: true, value: c.custom.nara_id })
        const signer = signerFromSeed(soul.seed)
        expect(signer.publicKeyBase64).toBe(c.custom.public_key)
        expect(hex(signer.publicKey)).toBe(c.custom.public_key_hex)
        expect(signer.signBase64(c.custom.sign_message)).toBe(c.custom.sign_signature)
        expect(gemstone(name, soul.text)).toBe(c.custom.gemstone)
      })

      it('derives the stash key and reproduces the stash seal', () => {
        const seed = fromHex(c.custom.seed_hex)
        expect(hex(stashKey(seed))).toBe(c.custom.stash_key_hex)
        const nonce = fromHex(c.custom.stash_seal.nonce_hex)
        const plaintext = new TextEncoder().encode(c.custom.stash_seal.plaintext)
        const sealed = stashSeal(seed, nonce, plaintext)
        expect(hex(sealed)).toBe(c.custom.stash_seal.ciphertext_hex)
        const opened = stashOpen(seed, nonce, fromHex(c.custom.stash_seal.ciphertext_hex))
        expect(opened.ok && new TextDecoder().decode(opened.value)).toBe(c.custom.stash_seal.plaintext)
      })

      it('grows the generated-name soul', () => {
        const { soul, name } = nativeSoul(fp, 'generated')
        expect(hex(soul.seed)).toBe(c.generated.seed_hex)
        expect(hex(soul.seed)).toBe(c.generated.generate_name_input)
        expect(generateName(c.generated.generate_name_input)).toBe(c.generated.name)
        expect(name).toBe(c.generated.name)
        expect(hex(soul.tag)).toBe(c.generated.tag_hex)
        expect(soul.text).toBe(c.generated.soul)
        expect(computeNaraId(soul, name)).toEqual({ ok: true, value: c.generated.nara_id })
        expect(signerFromSeed(soul.seed).publicKeyBase64).toBe(c.generated.public_key)
      })

      it('resolves the boot-time identity (determine_identity)', () => {
        expect(c.determine_identity.length).toBeGreaterThan(0)
        for (const d of c.determine_identity) {
          const id = determineIdentity({ nameArg: d.name_arg, soulArg: d.soul_arg, hostname: d.hostname, fingerprint: fp })
          const got = { name: id.name, soul: id.soulText, nara_id: id.id, is_valid_bond: id.bonded, is_native: id.native }
          expect(got, d.description).toEqual(d.expect)
          if (d.expect.soul === '') {
            expect(id.soul).toBeNull()
            expect(id.signer).toBeNull()
            expect(id.soulError?.code).toBeTruthy()
          } else {
            expect(id.signer!.publicKeyBase64).toBe(id.publicKeyBase64)
            expect(id.personality).toEqual(personalityFromSoul(d.expect.soul))
            expect(id.soulError).toBeUndefined()
          }
        }
      })

      it('checks bonds (bond_checks)', () => {
        for (const b of c.bond_checks) {
          expect(validateBond(mustParse(b.soul), b.name), `${b.soul}/${b.name}`).toBe(b.expect_valid)
        }
      })

      it('parses souls only when they decode to 40 bytes (parse_soul)', () => {
        for (const p of c.parse_soul) {
          expect(base58Decode(p.input)?.length ?? 0).toBe(p.decoded_len)
          const r = parseSoul(p.input)
          expect(r.ok, p.input).toBe(p.expect_ok)
          if (r.ok) {
            expect(hex(r.value.seed)).toBe(p.seed_hex)
            expect(hex(r.value.tag)).toBe(p.tag_hex)
            expect(r.value.text).toBe(p.input)
          } else {
            expect(r.error.code).toBe(p.decoded_len === 0 ? 'bad_base58' : 'bad_length')
          }
        }
      })
    })
  }
})

describe('identity vectors: other kinds', () => {
  it('soul_encoding keeps one leading 1 per zero byte', () => {
    for (const c of ofKind('soul_encoding')) {
      const soul = soulFromParts(fromHex(c.seed_hex), fromHex(c.tag_hex))
      expect(soul.text).toBe(c.soul)
      expect(hex(computeTag(soul.seed, c.nara_name))).toBe(c.tag_hex)
      expect(validateBond(soul, c.nara_name)).toBe(c.bond_valid)
      expect(computeNaraId(soul, c.nara_name)).toEqual({ ok: true, value: c.nara_id })
      expect(signerFromSeed(soul.seed).publicKeyBase64).toBe(c.public_key)
      const reparsed = mustParse(c.soul)
      expect(hex(reparsed.bytes)).toBe(c.seed_hex + c.tag_hex)
    }
  })

  it('generate_name', () => {
    for (const c of ofKind('generate_name')) expect(generateName(c.input), c.name).toBe(c.expect)
  })

  it('generic_hostname', () => {
    for (const c of ofKind('generic_hostname')) expect(isGenericHostname(c.hostname), c.name).toBe(c.expect)
  })

  it('nara_id_error: ComputeNaraID fails with a typed error', () => {
    for (const c of ofKind('nara_id_error')) {
      const r = computeNaraId(c.soul, c.nara_name)
      expect(r.ok, c.name).toBe(!c.expect_error)
      if (!r.ok) expect(['bad_length', 'bad_base58']).toContain(r.error.code)
    }
  })
})

describe('protocol test-vectors: identity and generate_name sections', () => {
  const tv = loadProtocolTestVectors()

  it('reproduces the Go identities from the shared fingerprint', () => {
    const input: string = tv.identity.hw_fingerprint_input
    const sep = input.indexOf('-', 36) // host id is a 36-char UUID
    const hostId = input.slice(0, sep)
    const macs = input.slice(sep + 1).split(',')
    expect(fingerprintInput(hostId, macs)).toBe(input)
    const fp = hardwareFingerprint(hostId, macs)
    const entries = Object.entries(tv.identity).filter(([k]) => k !== 'hw_fingerprint_input') as [string, any][]
    expect(entries.length).toBeGreaterThanOrEqual(3)
    for (const [key, v] of entries) {
      expect(hex(fp)).toBe(v.HwFingerprintHex)
      const { soul, name } = nativeSoul(fp, key === 'generated' ? 'generated' : { custom: v.Name })
      expect(name, key).toBe(v.Name)
      expect(hex(soul.seed)).toBe(v.SeedHex)
      expect(hex(soul.tag)).toBe(v.TagHex)
      expect(soul.text).toBe(v.Soul)
      expect(computeNaraId(soul, name)).toEqual({ ok: true, value: v.ID })
      expect(signerFromSeed(soul.seed).publicKeyBase64).toBe(v.PubB64)
      expect(personalityFromSoul(soul.text)).toEqual(v.Personality)
    }
  })

  it('generate_name map', () => {
    const entries = Object.entries(tv.generate_name as Record<string, string>)
    expect(entries.length).toBeGreaterThan(0)
    for (const [input, name] of entries) expect(generateName(input)).toBe(name)
  })
})

describe('bad soul input never throws and names the problem', () => {
  const good = hardware[0]!.custom.soul as string

  it('rejects wrong types', () => {
    for (const v of [undefined, null, 42, 4.2, true, {}, [], ['x'], Buffer.from(good), 10n, Symbol('s')]) {
      const r = parseSoul(v)
      expect(r.ok).toBe(false)
      if (!r.ok) expect(r.error.code).toBe('wrong_type')
    }
  })

  it('rejects the empty string', () => {
    const r = parseSoul('')
    expect(!r.ok && r.error.code).toBe('bad_length')
  })

  it('rejects characters outside the Base58 alphabet', () => {
    for (const bad of ['0', 'O', 'I', 'l', ' ', '+', '/', '=', 'é', '🪙', '\n']) {
      const text = good.slice(0, 10) + bad + good.slice(11)
      const r = parseSoul(text)
      expect(!r.ok && r.error.code, JSON.stringify(bad)).toBe('bad_base58')
    }
    for (const text of [` ${good}`, `${good} `, `${good}\n`]) {
      expect(parseSoul(text).ok).toBe(false)
    }
  })

  it('rejects 39- and 41-byte decodings', () => {
    const material = Buffer.concat([sha256('a'), sha256('b')])
    for (const len of [1, 8, 32, 39, 41]) {
      const text = base58Encode(material.subarray(0, len))
      const r = parseSoul(text)
      expect(!r.ok && r.error.code, `len ${len}`).toBe('bad_length')
      expect(computeNaraId(text, 'lisa').ok).toBe(false)
    }
    // 48 bytes needs more characters than any soul can have: rejected by the length cap.
    expect(parseSoul(base58Encode(material.subarray(0, 48)))).toMatchObject({ ok: false, error: { code: 'too_large' } })
    const exactly40 = base58Encode(material.subarray(0, SOUL_LEN))
    expect(parseSoul(exactly40).ok).toBe(true)
  })

  it('caps absurd lengths before decoding', () => {
    for (const text of ['1'.repeat(MAX_SOUL_TEXT + 1), 'z'.repeat(1_000_000), good + good]) {
      const started = performance.now()
      const r = parseSoul(text)
      expect(!r.ok && r.error.code).toBe('too_large')
      expect(performance.now() - started).toBeLessThan(1000)
    }
  })

  it('treats an unparsable -soul as the reference does: empty id, no signer', () => {
    const fp = hardwareFingerprint('host', [])
    for (const soulArg of ['not-a-soul', good.slice(0, -3), 'x'.repeat(5000)]) {
      const id = determineIdentity({ nameArg: 'lisa', soulArg, hostname: '', fingerprint: fp })
      expect(id).toMatchObject({ name: 'lisa', soul: null, soulText: '', id: '', bonded: false, native: false })
      expect(id.signer).toBeNull()
      expect(id.publicKeyBase64).toBe('')
      expect(id.soulError?.reason.length).toBeGreaterThan(0)
    }
  })

  it('soulFromParts refuses wrong part lengths', () => {
    expect(() => soulFromParts(new Uint8Array(31), new Uint8Array(8))).toThrow(RangeError)
    expect(() => soulFromParts(new Uint8Array(32), new Uint8Array(9))).toThrow(RangeError)
  })

  it('a parsed soul is a private copy, immune to later mutation of the input', () => {
    const seed = new Uint8Array(32).fill(7)
    const tag = new Uint8Array(8).fill(9)
    const soul = soulFromParts(seed, tag)
    seed.fill(0)
    expect(soul.seed.every((b) => b === 7)).toBe(true)
    expect(Object.isFrozen(soul)).toBe(true)
  })
})

describe('name mode edge cases', () => {
  const fp = hardwareFingerprint('0b5e9c3d-77aa-4f10-b2c4-98e1d0a3f6c2', ['00:16:3e:5a:7b:9c'])

  it('an explicit name containing "nara" is replaced by a generated one', () => {
    const id = determineIdentity({ nameArg: 'bananara', soulArg: '', hostname: 'homer', fingerprint: fp })
    const generated = nativeSoul(fp, 'generated')
    expect(id.name).toBe(generated.name)
    expect(id.name).not.toBe('bananara')
    expect(id.soulText).toBe(generated.soul.text)
    expect(id.bonded && id.native).toBe(true)
  })

  it('nameMode generated forces generated-name mode for any host name', () => {
    const id = determineIdentity({ nameArg: '', soulArg: '', hostname: 'homer', fingerprint: fp, nameMode: 'generated' })
    expect(id.name).toBe(nativeSoul(fp, 'generated').name)
    expect(id.bonded && id.native).toBe(true)
  })

  it('an empty effective name is never bonded', () => {
    const id = determineIdentity({ nameArg: '', soulArg: '', hostname: '', fingerprint: fp })
    expect(id.name).toBe('')
    expect(id.bonded).toBe(false)
  })

  it('generateName of the empty string and short hostnames', () => {
    expect(generateName('')).toBe(UNNAMED)
    expect(shortHostname('lisa.local')).toBe('lisa')
    expect(shortHostname('lisa')).toBe('lisa')
    expect(shortHostname('')).toBe('')
  })
})

describe('stash bad input', () => {
  const seed = new Uint8Array(32).fill(1)
  const nonce = new Uint8Array(24).fill(2)
  const sealed = stashSeal(seed, nonce, new TextEncoder().encode('secret'))

  it('rejects a tampered ciphertext, wrong key or wrong nonce', () => {
    const tampered = Uint8Array.from(sealed)
    tampered[0]! ^= 1
    expect(stashOpen(seed, nonce, tampered)).toMatchObject({ ok: false, error: { code: 'bad_signature' } })
    expect(stashOpen(new Uint8Array(32), nonce, sealed).ok).toBe(false)
    expect(stashOpen(seed, new Uint8Array(24), sealed).ok).toBe(false)
  })

  it('rejects wrong nonce and too-short ciphertext lengths', () => {
    expect(stashOpen(seed, new Uint8Array(12), sealed)).toMatchObject({ ok: false, error: { code: 'bad_length' } })
    expect(stashOpen(seed, nonce, new Uint8Array(15))).toMatchObject({ ok: false, error: { code: 'bad_length' } })
    expect(() => stashSeal(seed, new Uint8Array(23), new Uint8Array(1))).toThrow(RangeError)
  })
})
