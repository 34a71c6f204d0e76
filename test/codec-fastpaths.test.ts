/**
 * The codec fast paths give the same answers as the plain ones: the lossless parser's shared
 * key copies, the event decoder's inline readers (same values, same error paths), zine bytes
 * assembled from cached per-event encodings, and the ledger's compact storage shapes.
 */
import { describe, expect, it } from 'vitest'
import { seededRandom, type Random } from '../main/core/clock'
import { parseJsonLossless } from '../main/core/protocol/jsonLossless'
import { decodeEvent, encodeEvent, newPingEvent, newSocialEvent, signEvent } from '../main/core/protocol/events'
import {
  clearEncodedEventCache,
  createZine,
  decodeZine,
  encodeZine,
  encodeZineBytes,
  ENCODED_EVENT_CACHE_MAX,
  verifyZine,
  zineSigningPreimage
} from '../main/core/protocol/zine'
import { sha256, signerFromSeed } from '../main/core/protocol/crypto'
import { Ledger } from '../main/core/ledger/ledger'
import type { SyncEvent } from '../main/core/protocol/types'
import { loadVectors } from './support/vectors'

const eventVectors = loadVectors<{ name: string; json: string }>('events.json').cases
const zineVectors = loadVectors<{ name: string; json: string; tampered?: boolean; signer: { seed_hex: string }; from: string; created_at: number }>('zine.json').cases

function decoded(json: string): SyncEvent {
  const r = decodeEvent(json)
  if (!r.ok) throw new Error(r.error.reason)
  return r.value
}

/** Random JSON values with safe numbers (what JSON.parse itself gets right). */
function randomJson(rnd: Random, depth: number): unknown {
  const k = rnd.intn(depth > 3 ? 5 : 7)
  const keys = ['id', 'ts', 'svc', 'a', 'é', 'x"y', 'back\\slash', '', 'abXcd', 'abYcd', 'observer_uptime', 'constructor', '__proto__', '\u2028']
  switch (k) {
    case 0: return rnd.intn(2) === 0
    case 1: return null
    case 2: return [0, -0, 1.5, -3e-7, 1e21, 9007199254740991, -9007199254740991, 123456789012345][rnd.intn(8)]
    case 3: return ['', 'plain', 'tab\there', 'quote"', 'uni ☃ 😀', '\u0000nul', 'x'.repeat(40)][rnd.intn(7)]
    case 4: return rnd.intn(1000)
    case 5: return Array.from({ length: rnd.intn(4) }, () => randomJson(rnd, depth + 1))
    default: {
      const o: Record<string, unknown> = {}
      for (let i = rnd.intn(5); i > 0; i--) {
        const key = keys[rnd.intn(keys.length)]!
        Object.defineProperty(o, key, { value: randomJson(rnd, depth + 1), enumerable: true, writable: true, configurable: true })
      }
      return o
    }
  }
}

describe('parseJsonLossless fast paths', () => {
  it('agrees with JSON.parse on random documents (escaped keys, colliding key-cache slots, __proto__)', () => {
    const rnd = seededRandom(77)
    for (let i = 0; i < 2000; i++) {
      const text = JSON.stringify(randomJson(rnd, 0), null, i % 3 === 0 ? 1 : undefined)
      const r = parseJsonLossless(text)
      if (!r.ok) throw new Error(`${text}: ${r.error.reason}`)
      expect(r.value, text).toEqual(JSON.parse(text))
    }
  })

  it('keys sharing a cache slot stay distinct, in one document and across documents', () => {
    // same first char, last char and length: the same slot
    const r = parseJsonLossless('{"abXcd":1,"abYcd":2,"abXcd":3}')
    expect(r.ok && r.value).toEqual({ abXcd: 3, abYcd: 2 })
    expect(parseJsonLossless('[{"abYcd":1},{"abXcd":2},{"abYcd":3}]')).toEqual({ ok: true, value: [{ abYcd: 1 }, { abXcd: 2 }, { abYcd: 3 }] })
    expect(parseJsonLossless('{"id":1,"idx":2,"i":3,"":4}')).toEqual({ ok: true, value: { id: 1, idx: 2, i: 3, '': 4 } })
    expect(parseJsonLossless('{"i\\u0064":1}')).toEqual({ ok: true, value: { id: 1 } })
  })

  it('malformed keys still fail with typed errors', () => {
    for (const bad of ['{"ab', '{"a\u0001":1}', '{"abc"', '{"abc":', '{"a\\q":1}']) {
      expect(parseJsonLossless(bad), JSON.stringify(bad)).toMatchObject({ ok: false, error: { code: 'malformed_json' } })
    }
  })

  it('keeps nanosecond timestamps exact wherever they appear', () => {
    const r = parseJsonLossless('{"events":[{"ts":1768800000123456789},{"ts":-9223372036854775808}],"n":9007199254740993}')
    expect(r.ok && r.value).toEqual({ events: [{ ts: 1768800000123456789n }, { ts: -9223372036854775808n }], n: 9007199254740993n })
  })
})

describe('event decoding fast path', () => {
  it('decoded payloads carry only defined fields and re-encode byte for byte (every golden event)', () => {
    for (const v of eventVectors) {
      const r = decodeEvent(v.json)
      if (!r.ok) continue // invalid vectors are covered by codec-events
      const e = r.value
      for (const [k, value] of Object.entries(e)) expect(value, `${v.name}.${k}`).not.toBeUndefined()
      const payload = Object.values(e).find((x) => typeof x === 'object' && x !== null) as Record<string, unknown>
      for (const [k, value] of Object.entries(payload)) expect(value, `${v.name} payload.${k}`).not.toBeUndefined()
      expect(encodeEvent(e), v.name).toBe(v.json)
    }
  })

  it('errors name the same paths as before: event.* for one event, events[i].* inside a zine', () => {
    expect(decodeEvent('{"id":"x","ts":"soon","svc":"social","social":{"type":"tease"}}')).toEqual({
      ok: false,
      error: { code: 'wrong_type', reason: 'event.ts must be an integer, got string' }
    })
    expect(decodeEvent('{"svc":"nope","nope":{}}')).toMatchObject({ ok: false, error: { code: 'unknown_kind', reason: 'event.svc "nope" is not a known service' } })
    expect(decodeEvent('{"svc":"ping","ts":1}')).toMatchObject({ ok: false, error: { code: 'missing_payload', reason: 'event has no ping payload for svc ping' } })
    expect(decodeEvent('{"svc":"ping","ts":1,"ping":{"rtt":"fast"}}')).toMatchObject({ ok: false, error: { code: 'wrong_type', reason: 'ping.rtt must be a number, got string' } })
    expect(decodeEvent('{"svc":"social","ts":1,"sig":7,"social":{"type":"tease"}}')).toMatchObject({ ok: false, error: { reason: 'event.sig must be a string, got number' } })
    const good = eventVectors.map((v) => v.json).find((j) => j.includes('"svc":"social"'))!
    const zine = `{"from":"a","created_at":1,"events":[${good},{"id":"x","ts":1,"svc":"social","emitter":["no"],"social":{"type":"tease"}},3],"signature":""}`
    const r = decodeZine(zine)
    if (!r.ok) throw new Error(r.error.reason)
    expect(r.value.events).toHaveLength(1)
    expect(r.value.eventIds).toEqual([r.value.events[0]!.id, 'x', ''])
    expect(r.value.rejected).toEqual([
      { index: 1, error: { code: 'wrong_type', reason: 'events[1].emitter must be a string, got array' } },
      { index: 2, error: { code: 'wrong_type', reason: 'events[2] must be an object, got number' } }
    ])
  })

  it('case-insensitive keys and null members decode as Go does', () => {
    const e = decoded('{"ID":"abc","Ts":5,"SVC":"ping","Emitter":null,"PING":{"Observer":"a","target":"b","RTT":1.5,"observer_id":null}}')
    expect(e).toEqual({ id: 'abc', ts: 5n, svc: 'ping', ping: { observer: 'a', target: 'b', rtt: 1.5 } })
  })
})

describe('zine bytes from cached event encodings', () => {
  const signer = signerFromSeed(Buffer.alloc(32, 5))

  it('equal encodeZine + "\\n" byte for byte, for every zine vector, cold and warm', () => {
    for (const c of zineVectors.filter((c) => !c.tampered)) {
      const r = decodeZine(c.json)
      if (!r.ok) throw new Error(r.error.reason)
      const z = createZine(c.from, c.created_at, r.value.events, signerFromSeed(Buffer.from(c.signer.seed_hex, 'hex')))
      const want = Buffer.from(encodeZine(z) + '\n', 'utf8')
      clearEncodedEventCache()
      expect(encodeZineBytes(z, '\n').equals(want), c.name).toBe(true)
      expect(encodeZineBytes(z, '\n').equals(want), `${c.name} (warm)`).toBe(true)
      if (!c.json.includes('"events":null')) expect(encodeZineBytes(z).toString('utf8')).toBe(c.json)
    }
  })

  it('handle non-ASCII, escapes and lone surrogates like encodeZine, and an empty zine', () => {
    const events = [
      signEvent(newSocialEvent({ type: 'tease', actor: 'ñandú ☃', target: 'b<&>', reason: 'quote " and \\ and \u2028' }, 1768800000000000001n), 'ñandú ☃', signer),
      signEvent(newPingEvent({ observer: 'lone\ud800', target: '😀', rtt: 12.5 }, 1768800000000000002n), 'x', signer)
    ]
    for (const z of [createZine('zé', 1768800000, events, signer), createZine('empty', 1, [], signer)]) {
      expect(encodeZineBytes(z, '\n').equals(Buffer.from(encodeZine(z) + '\n', 'utf8'))).toBe(true)
    }
  })

  it('stays exact past the cache bound (oldest encodings are dropped, not reused wrongly)', () => {
    clearEncodedEventCache()
    const events: SyncEvent[] = []
    for (let i = 0; i < ENCODED_EVENT_CACHE_MAX + 50; i++) {
      events.push(newSocialEvent({ type: 'tease', actor: `a${i}`, target: 'b', reason: 'random' }, 1768800000000000000n + BigInt(i)))
    }
    const z = createZine('many', 1, events, signer)
    expect(encodeZineBytes(z).toString('utf8')).toBe(encodeZine(z))
    const first = createZine('first', 1, events.slice(0, 3), signer)
    expect(encodeZineBytes(first).toString('utf8')).toBe(encodeZine(first))
  })
})

describe('zines reused while the window is unchanged', () => {
  const signer = signerFromSeed(Buffer.alloc(32, 6))
  const other = signerFromSeed(Buffer.alloc(32, 7))
  const window = Array.from({ length: 4 }, (_, i) =>
    signEvent(newSocialEvent({ type: 'tease', actor: 'w', target: `t${i}`, reason: 'random' }, 1768800000000000000n + BigInt(i)), 'w', signer)
  )
  const exact = (z: ReturnType<typeof createZine>, suffix = '\n') => expect(encodeZineBytes(z, suffix).toString('utf8')).toBe(encodeZine(z) + suffix)

  it('the same events, name, second and signer give the same signed zine and the same bytes', () => {
    clearEncodedEventCache()
    const a = createZine('w', 1768800000, window, signer)
    const b = createZine('w', 1768800000, [...window], signer)
    expect(b).toBe(a)
    expect(encodeZineBytes(b, '\n')).toBe(encodeZineBytes(a, '\n'))
    exact(b)
    exact(b, '')
    expect(encodeZine(b)).toBe(encodeZine({ ...a, signature: signer.signBase64(sha256(zineSigningPreimage('w', 1768800000, window.map((e) => e.id)))) }))
  })

  it('any change makes a new zine whose bytes are its own (window bytes reused only for the same events)', () => {
    clearEncodedEventCache()
    const a = createZine('w', 1768800000, window, signer)
    exact(a)
    const changed = [
      createZine('w', 1768800001, window, signer), // next second: same window bytes, new head
      createZine('w', 1768800001, window.slice(1), signer), // oldest event aged out
      createZine('w', 1768800001, [...window.slice(0, 3), { ...window[3]!, id: 'f'.repeat(32) }], signer), // same length, one other object
      createZine('v', 1768800001, window, signer), // another name
      createZine('w', 1768800001, window, other) // another signer
    ]
    for (const z of changed) {
      expect(z).not.toBe(a)
      expect(verifyZine(z, z === changed[4] ? other.publicKey : signer.publicKey)).toBe(true)
      exact(z)
    }
    // Interleaved senders and windows never hand out another one's bytes.
    exact(changed[1]!)
    exact(a)
    exact(changed[3]!)
    exact(changed[2]!)
  })
})

describe('ledger packed storage shapes', () => {
  // hotWindow 0: every read is rebuilt from the packed record; the default keeps recent ones as objects.
  for (const hotWindow of [0, undefined]) {
    it(`gives back exactly the decoded fields, for every golden event and every service (hot window ${hotWindow ?? 'default'})`, () => {
      const ledger = new Ledger({ capacity: 10_000, hotWindow })
      const seen = new Set<string>()
      for (const v of eventVectors) {
        const r = decodeEvent(v.json)
        if (!r.ok || ledger.add(r.value) !== 'added') continue
        const copy = ledger.get(r.value.id)!
        expect(copy).not.toBe(r.value)
        seen.add(copy.svc)
        expect(copy, v.name).toEqual(r.value)
        expect(Object.keys(copy).sort(), v.name).toEqual(Object.keys(r.value).sort())
        const key = Object.keys(r.value).find((k) => typeof (r.value as unknown as Record<string, unknown>)[k] === 'object')!
        const payload = (copy as unknown as Record<string, Record<string, unknown>>)[key]!
        expect(Object.keys(payload).sort(), v.name).toEqual(
          Object.entries((r.value as unknown as Record<string, Record<string, unknown>>)[key]!).filter(([, x]) => x !== undefined).map(([k]) => k).sort()
        )
        expect(encodeEvent(copy), v.name).toBe(v.json)
      }
      expect([...seen].sort()).toEqual(['chau', 'checkpoint', 'hey-there', 'observation', 'ping', 'seen', 'social'])
    })
  }
})
