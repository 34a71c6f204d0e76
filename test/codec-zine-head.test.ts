/**
 * decodeZineHead (a zine's head and element ids now, its events after the reply) against
 * decodeZine: the same verdict, error code, head fields, signed ids, events and refused
 * elements, for the vectors, for hand-made edge cases and for thousands of seeded mutations
 * of a real zine — and the outline actually serves the plain zines every node sends.
 */
import { describe, expect, it } from 'vitest'
import { loadVectors } from './support/vectors'
import { seededRandom } from '../main/core/clock'
import { signerFromSeed } from '../main/core/protocol/crypto'
import { newHeyThereEvent, newPingEvent, newSocialEvent, signEvent } from '../main/core/protocol/events'
import { createZine, decodeZine, decodeZineHead, encodeZine, outlineZine, verifyZine } from '../main/core/protocol/zine'
import { decodeZineBody, decodeZineHeadBody } from '../main/core/mesh/wire'

const zineCases = loadVectors<{ name: string; json: string }>('zine.json').cases

const alice = signerFromSeed(Buffer.alloc(32, 21))
const T0 = 1_768_800_000_000_000_000n

function sampleZine(): string {
  const events = [
    signEvent(newSocialEvent({ type: 'tease', actor: 'alice', target: 'bob', reason: 'random' }, T0), 'alice', alice),
    signEvent(newPingEvent({ observer: 'alice', target: 'bob', rtt: 42 }, T0 + 1n), 'alice', alice),
    signEvent(newHeyThereEvent({ From: 'alice', PublicKey: alice.publicKeyBase64, MeshIP: '100.64.0.9', ID: 'abc' }, T0 + 2n), 'alice', alice)
  ]
  return encodeZine(createZine('alice', 1_768_800_000, events, alice))
}

/** decodeZineHead must say exactly what decodeZine says about `text`. */
function expectSameAsFullDecode(text: string, label: string): void {
  const full = decodeZine(text)
  const head = decodeZineHead(text)
  expect(head.ok, label).toBe(full.ok)
  if (!full.ok || !head.ok) {
    if (!full.ok && !head.ok) expect(head.error, label).toEqual(full.error)
    return
  }
  const h = head.value
  const z = full.value
  expect({ from: h.from, created_at: h.created_at, signature: h.signature, eventIds: h.eventIds }, label).toEqual({
    from: z.from,
    created_at: z.created_at,
    signature: z.signature,
    eventIds: z.eventIds
  })
  expect(h.events(), label).toEqual({ events: z.events, rejected: z.rejected })
}

describe('decodeZineHead', () => {
  it('agrees with decodeZine on every zine vector, through the outline', () => {
    for (const c of zineCases) {
      expect(outlineZine(c.json), c.name).not.toBeNull()
      expectSameAsFullDecode(c.json, c.name)
    }
  })

  it('serves a zine we send from the outline; the signature checks over the outlined ids', () => {
    const text = sampleZine()
    const outline = outlineZine(text)
    expect(outline).not.toBeNull()
    expect(verifyZine(outline!, alice.publicKey)).toBe(true)
    expect(verifyZine(outline!, signerFromSeed(Buffer.alloc(32, 22)).publicKey)).toBe(false)
    expectSameAsFullDecode(text, 'sample')
    expectSameAsFullDecode(text + '\n', 'sample + newline')
  })

  const base = sampleZine()
  const firstId = (JSON.parse(base) as { events: { id: string }[] }).events[0]!.id
  const edgeCases: [string, string][] = [
    ['an id under a folded key', base.replace('{"id":', '{"ID":')],
    ['an id and a folded duplicate', base.replace('{"id":', '{"iD":"ffff","id":')],
    ['two ids, the last wins', base.replace('{"id":', '{"id":"0000","id":')],
    ['an empty id (computed from the content)', base.replace(`"id":"${firstId}"`, '"id":""')],
    ['no id at all', base.replace(`"id":"${firstId}",`, '')],
    ['a null id', base.replace(`"id":"${firstId}"`, '"id":null')],
    ['a numeric id', base.replace(`"id":"${firstId}"`, '"id":7')],
    ['an escaped id', base.replace(`"id":"${firstId}"`, `"id":"\\u0061${firstId.slice(1)}"`)],
    ['an element that is not an object', base.replace('"events":[', '"events":[7,')],
    ['an element of unknown service (refused, still signed over)', base.replace('"svc":"social"', '"svc":"gossip"')],
    ['an element without its payload', base.replace(/,"social":\{[^}]*\}/, '')],
    ['events null', base.replace(/"events":\[.*\],"signature"/, '"events":null,"signature"')],
    ['events absent', base.replace(/"events":\[.*\],"signature"/, '"signature"')],
    ['events an object', base.replace(/"events":\[.*\],"signature"/, '"events":{},"signature"')],
    ['events twice', base.replace('"signature"', '"events":[],"signature"')],
    ['from under a folded key', base.replace('"from"', '"FROM"')],
    ['from twice', base.replace('"created_at"', '"from":"mallory","created_at"')],
    ['from null', base.replace('"from":"alice"', '"from":null')],
    ['created_at as a float literal', base.replace(/"created_at":(\d+)/, '"created_at":$1.0')],
    ['created_at with an exponent', base.replace(/"created_at":(\d+)/, '"created_at":1e9')],
    ['created_at beyond 2^53', base.replace(/"created_at":(\d+)/, '"created_at":123456789012345678901')],
    ['created_at as a string', base.replace(/"created_at":(\d+)/, '"created_at":"now"')],
    ['an unknown top-level member', base.replace('"signature"', '"extra":{"a":[1,2,{"b":null}]},"signature"')],
    ['a __proto__ member', base.replace('"signature"', '"__proto__":{"from":"x"},"signature"')],
    ['a bad escape inside a payload', base.replace('"reason":"random"', '"reason":"ran\\qdom"')],
    ['a control character inside a payload', base.replace('"reason":"random"', '"reason":"ran\u0001dom"')],
    ['a bad \\u escape inside a payload', base.replace('"reason":"random"', '"reason":"\\u12g4"')],
    ['a bad number inside a payload', base.replace('"rtt":42', '"rtt":04')],
    ['a truncated body', base.slice(0, base.length - 40)],
    ['trailing data', base + 'x'],
    ['a top-level array', `[${base}]`],
    ['a leading byte-order mark', '\ufeff' + base],
    ['whitespace everywhere', base.replace(/([{}[\],:])/g, ' \n$1\t ')],
    ['nesting deeper than the parser allows, inside a payload', base.replace('"reason":"random"', `"reason":${'['.repeat(70)}${']'.repeat(70)}`)],
    ['nesting just within the limit, inside a payload', base.replace('"reason":"random"', `"reason":${'['.repeat(60)}${']'.repeat(60)}`)],
    ['an empty object', '{}'],
    ['not JSON', 'zine']
  ]
  for (const [label, text] of edgeCases) {
    it(`agrees with decodeZine: ${label}`, () => {
      expect(text, 'the case changes the zine').not.toBe(base)
      expectSameAsFullDecode(text, label)
    })
  }

  it('keeps the outline to the plain shape: folded or repeated zine fields, odd ids and odd values go the full way', () => {
    const fullWay = [
      'an id under a folded key', 'an id and a folded duplicate', 'an empty id (computed from the content)', 'no id at all', 'a null id', 'a numeric id',
      'an element that is not an object', 'events twice', 'from under a folded key', 'from null', 'created_at as a float literal', 'created_at with an exponent',
      'created_at beyond 2^53', 'created_at as a string', 'events an object', 'an empty object'
    ]
    for (const [label, text] of edgeCases) expect(outlineZine(text) === null, label).toBe(fullWay.includes(label) || !decodeZine(text).ok)
    expect(outlineZine(edgeCases.find(([l]) => l === 'two ids, the last wins')![1])?.eventIds[0]).toBe(firstId)
    expect(outlineZine(base.replace('"from"', '"FROM"'))).toBeNull()
    expect(outlineZine(base.replace('"signature"', '"events":[],"signature"'))).toBeNull()
  })

  it('agrees with decodeZine on 4,000 seeded mutations of a real zine', () => {
    const rnd = seededRandom(910)
    const pieces = ['"', '\\', '{', '}', '[', ']', ',', ':', '0', '9', '-', '.', 'e', 'E', '+', ' ', '\n', '\u0001', 'a', 'I', 'D', 'null', 'true', '"id":', '\\u00', 'é', '\ud800']
    let outlined = 0
    for (let i = 0; i < 4_000; i++) {
      let text = base
      for (let m = 1 + rnd.intn(3); m > 0; m--) {
        const at = rnd.intn(text.length + 1)
        const op = rnd.intn(4)
        if (op === 0) text = text.slice(0, at) + text.slice(at + 1 + rnd.intn(3))
        else if (op === 1) text = text.slice(0, at) + pieces[rnd.intn(pieces.length)]! + text.slice(at)
        else if (op === 2) text = text.slice(0, at) + pieces[rnd.intn(pieces.length)]! + text.slice(at + 1)
        else {
          const from = rnd.intn(text.length)
          text = text.slice(0, at) + text.slice(from, from + 1 + rnd.intn(40)) + text.slice(at)
        }
      }
      if (outlineZine(text) !== null) outlined++
      expectSameAsFullDecode(text, `mutation ${i}: ${JSON.stringify(text)}`)
    }
    // Both ways are exercised: many mutants keep the plain shape (a changed payload or signature).
    expect(outlined).toBeGreaterThan(100)
    expect(outlined).toBeLessThan(4_000)
  })
})

describe('zine bodies as bytes', () => {
  it('read as TextDecoder reads them: ASCII, UTF-8 names, invalid bytes, a leading BOM', () => {
    const ascii = Buffer.from(sampleZine(), 'utf8')
    const named = Buffer.from(sampleZine().replace(/"bob"/g, '"ñandú ☃"'), 'utf8')
    const invalid = Buffer.concat([ascii.subarray(0, 20), Buffer.from([0xff, 0xc3]), ascii.subarray(20)])
    const bom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), ascii])
    const td = new TextDecoder('utf-8')
    for (const [label, body] of [['ascii', ascii], ['utf-8 names', named], ['invalid bytes', invalid], ['bom', bom]] as const) {
      const text = td.decode(body)
      expect(decodeZineBody(body), label).toEqual(decodeZine(text, { maxBytes: body.length + 1 }))
      const head = decodeZineHeadBody(new Uint8Array(body))
      const want = decodeZineHead(text, { maxBytes: body.length + 1 })
      expect(head.ok, label).toBe(want.ok)
      if (head.ok && want.ok) expect(head.value.eventIds, label).toEqual(want.value.eventIds)
    }
    expect(decodeZineBody(named).ok).toBe(true)
  })
})
