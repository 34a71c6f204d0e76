import { describe, expect, it } from 'vitest'
import { loadProtocolTestVectors, loadVectors } from './support/vectors'
import {
  buildNewspaper, decodeNewspaper, encodeStatus, extractRawMember, verifyNewspaper, verifyNewspaperWithKey
} from '../main/core/protocol/newspaper'
import { decodeStatusValue, zeroStatus } from '../main/core/protocol/status'
import { parseJsonLossless } from '../main/core/protocol/jsonLossless'
import { sha256Hex, signerFromSeed } from '../main/core/protocol/crypto'

const { cases } = loadVectors('newspaper.json')

function status(json: string) {
  const parsed = parseJsonLossless(json)
  if (!parsed.ok) throw new Error(parsed.error.reason)
  return decodeStatusValue(parsed.value)
}

describe('TestMQTT_NewspaperSignature', () => {
  for (const c of cases) {
    it(`${c.name}: receiver verifies raw Status bytes → ${c.expect_valid}`, () => {
      const d = decodeNewspaper(c.envelope_json)
      if (!d.ok) throw new Error(d.error.reason)
      expect(d.value.statusRaw.toString('utf8')).toBe(c.status_json)
      expect(d.value.from).toBe(c.from)
      expect(verifyNewspaper(d.value).valid).toBe(c.expect_valid)
    })
  }

  for (const c of cases.filter((c) => !c.tampered)) {
    it(`${c.name}: sender rebuilds status JSON, signature and envelope byte for byte`, () => {
      const s = status(c.status_json)
      expect(encodeStatus(s)).toBe(c.status_json)
      expect(sha256Hex(encodeStatus(s))).toBe(c.status_json_sha256)
      const built = buildNewspaper(c.from, s, signerFromSeed(Buffer.from(c.signer.seed_hex, 'hex')))
      expect(built.statusJson).toBe(c.status_json)
      expect(built.signature).toBe(c.signature)
      expect(built.payload).toBe(c.envelope_json)
      expect(sha256Hex(built.payload)).toBe(c.envelope_sha256)
    })
  }

  it('uses a supplied known key when Status.PublicKey is empty, and rejects a malformed carried key', () => {
    const c = cases[0]!
    const signer = signerFromSeed(Buffer.from(c.signer.seed_hex, 'hex'))
    const s = { ...status(c.status_json), PublicKey: '' }
    const d = decodeNewspaper(buildNewspaper(c.from, s, signer).payload)
    if (!d.ok) throw new Error(d.error.reason)
    expect(verifyNewspaper(d.value)).toEqual({ valid: false, reason: 'no public key' })
    expect(verifyNewspaper(d.value, signer.publicKey)).toEqual({ valid: true })
    expect(verifyNewspaper(d.value, signerFromSeed(Buffer.alloc(32, 1)).publicKey)).toEqual({ valid: false, reason: 'bad signature' })
    const bad = decodeNewspaper(buildNewspaper(c.from, { ...s, PublicKey: 'short' }, signer).payload)
    if (!bad.ok) throw new Error(bad.error.reason)
    expect(verifyNewspaper(bad.value, signer.publicKey)).toEqual({ valid: false, reason: 'bad public key' })
  })

  it('test-vectors.json newspaper and the all-zero status', () => {
    const tv = loadProtocolTestVectors()
    const bob = signerFromSeed(Buffer.from(tv.identity.custom_bob.SeedHex, 'hex'))
    const built = buildNewspaper('bob', status(tv.newspaper.status_json), bob)
    expect(built.payload).toBe(tv.newspaper.envelope_json)
    expect(built.signature).toBe(tv.newspaper.signature)
    expect(encodeStatus(zeroStatus())).toBe(tv.newspaper_zero_status_json)
  })
})

describe('extractRawMember', () => {
  it('keeps exact bytes, skips whitespace around the value, honours strings with braces and escapes', () => {
    const payload = '{ "From" : "a}\\"{" ,\n "Status" :\t {"x":"}\\\\","y":[1,{"z":"]"}]} , "Signature":"s"}'
    const r = extractRawMember(payload, 'Status')
    expect(r.ok && r.value.toString()).toBe('{"x":"}\\\\","y":[1,{"z":"]"}]}')
  })
  it('matches keys case-insensitively, last one wins (as Go)', () => {
    const r = extractRawMember('{"Status":{"a":1},"status":{"b":2}}', 'Status')
    expect(r.ok && r.value.toString()).toBe('{"b":2}')
  })
  it('works on bytes with multi-byte UTF-8', () => {
    const r = extractRawMember(Buffer.from('{"From":"🌊","Status":{"Flair":"🪙"}}'), 'Status')
    expect(r.ok && r.value.toString()).toBe('{"Flair":"🪙"}')
  })
  it('typed errors for truncated input or a missing member', () => {
    expect(extractRawMember('{"Status":{"a":"b}', 'Status')).toMatchObject({ ok: false, error: { code: 'malformed_json' } })
    expect(extractRawMember('{"From":"x"}', 'Status')).toMatchObject({ ok: false, error: { code: 'missing_field' } })
    expect(extractRawMember('[]', 'Status')).toMatchObject({ ok: false, error: { code: 'malformed_json' } })
  })
})

describe('decodeNewspaper — bad input', () => {
  const good = cases[0]!.envelope_json as string
  it('malformed, wrong types, missing Status, oversized', () => {
    expect(decodeNewspaper(good.slice(0, -5))).toMatchObject({ ok: false, error: { code: 'malformed_json' } })
    expect(decodeNewspaper('{"From":"x","Signature":"y"}')).toMatchObject({ ok: false, error: { code: 'missing_field' } })
    expect(decodeNewspaper('{"From":"x","Status":"hello"}')).toMatchObject({ ok: false, error: { code: 'wrong_type' } })
    expect(decodeNewspaper(good.replace('"Buzz":12', '"Buzz":"loud"'))).toMatchObject({ ok: false, error: { code: 'wrong_type' } })
    expect(decodeNewspaper(good.replace('"Buzz":12', '"Buzz":1.5'))).toMatchObject({ ok: false, error: { code: 'wrong_type' } })
    expect(decodeNewspaper(good, { maxBytes: 512 })).toMatchObject({ ok: false, error: { code: 'too_large' } })
  })
  it('bad base64 signatures are reported, not thrown', () => {
    const d = decodeNewspaper(good.replace(/"Signature":"[^"]+"/, '"Signature":"%%%"'))
    if (!d.ok) throw new Error(d.error.reason)
    expect(verifyNewspaper(d.value)).toEqual({ valid: false, reason: 'bad signature encoding' })
    const u = decodeNewspaper(good.replace(/"Signature":"[^"]+"/, '"Signature":""'))
    expect(u.ok && verifyNewspaper(u.value)).toEqual({ valid: false, reason: 'unsigned' })
  })
})

describe('decodeNewspaper — the signed bytes come from the payload itself', () => {
  const signer = signerFromSeed(Buffer.alloc(32, 9))
  const s = { ...zeroStatus(), Flair: '🪙', Buzz: 7 }
  const built = buildNewspaper('🌊wave', s, signer)

  it('text and bytes give the same Status and raw bytes, and the signature verifies over them', () => {
    for (const payload of [built.payload, Buffer.from(built.payload)]) {
      const d = decodeNewspaper(payload)
      if (!d.ok) throw new Error(d.error.reason)
      expect(d.value.statusRaw.toString('utf8')).toBe(built.statusJson)
      expect(d.value.status.Flair).toBe('🪙')
      expect(verifyNewspaperWithKey(d.value, signer.publicKey)).toEqual({ valid: true })
    }
  })

  it('Status named more than once (any case): the last one is both what is read and what the signature must cover', () => {
    const other = buildNewspaper('x', { ...s, Buzz: 99 }, signer)
    const payload = `{"From":"x","Status":${other.statusJson},"status":${other.statusJson},"Status":${built.statusJson},"Signature":"${built.signature}"}`
    const d = decodeNewspaper(Buffer.from(payload))
    if (!d.ok) throw new Error(d.error.reason)
    expect(d.value.status.Buzz).toBe(7)
    expect(d.value.statusRaw.toString('utf8')).toBe(built.statusJson)
    expect(verifyNewspaperWithKey(d.value, signer.publicKey).valid).toBe(true)
  })

  it('invalid UTF-8 keeps the exact payload bytes of Status; a leading BOM is refused (as Go refuses it)', () => {
    // 0xff inside the Flair string: the signature covers the raw bytes, not a repaired text.
    const bad = Buffer.from(built.payload)
    bad[bad.indexOf(Buffer.from('🪙'))] = 0xff
    const d = decodeNewspaper(bad)
    if (!d.ok) throw new Error(d.error.reason)
    expect(d.value.statusRaw.equals(bad.subarray(bad.indexOf(':{') + 1, bad.indexOf(',"Signature"')))).toBe(true)
    expect(verifyNewspaperWithKey(d.value, signer.publicKey).valid).toBe(false)
    // The same on that path with Status named three times: the last is read and must verify.
    const a = buildNewspaper('x', { ...s, Buzz: 1 }, signer)
    const thrice = Buffer.from(`{"From":"x?","Status":${a.statusJson},"status":${a.statusJson},"Status":${built.statusJson},"Signature":"${built.signature}"}`)
    thrice[thrice.indexOf('?')] = 0xff
    const t = decodeNewspaper(thrice)
    if (!t.ok) throw new Error(t.error.reason)
    expect(t.value.status.Buzz).toBe(7)
    expect(verifyNewspaperWithKey(t.value, signer.publicKey).valid).toBe(true)
    const bom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(built.payload)])
    expect(decodeNewspaper(bom)).toMatchObject({ ok: false, error: { code: 'malformed_json' } })
  })

  it('the key-only check ignores the Status.PublicKey claim and reports unsigned and bad encodings', () => {
    const claimed = decodeNewspaper(buildNewspaper('x', { ...s, PublicKey: signerFromSeed(Buffer.alloc(32, 3)).publicKeyBase64 }, signer).payload)
    if (!claimed.ok) throw new Error(claimed.error.reason)
    expect(verifyNewspaper(claimed.value).valid).toBe(false)
    expect(verifyNewspaperWithKey(claimed.value, signer.publicKey)).toEqual({ valid: true })
    const unsigned = decodeNewspaper(built.payload.replace(/"Signature":"[^"]+"/, '"Signature":""'))
    expect(unsigned.ok && verifyNewspaperWithKey(unsigned.value, signer.publicKey)).toEqual({ valid: false, reason: 'unsigned' })
    const garbled = decodeNewspaper(built.payload.replace(/"Signature":"[^"]+"/, '"Signature":"%%%"'))
    expect(garbled.ok && verifyNewspaperWithKey(garbled.value, signer.publicKey)).toEqual({ valid: false, reason: 'bad signature encoding' })
  })

  it('trailing data, a non-object and truncation fail as before, with their codes', () => {
    expect(decodeNewspaper(built.payload + 'x')).toMatchObject({ ok: false, error: { code: 'malformed_json' } })
    expect(decodeNewspaper(`[${built.payload}]`)).toMatchObject({ ok: false, error: { code: 'wrong_type' } })
    expect(decodeNewspaper(Buffer.from(built.payload).subarray(0, 40))).toMatchObject({ ok: false, error: { code: 'malformed_json' } })
  })
})
