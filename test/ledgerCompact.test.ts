import { describe, expect, it } from 'vitest'
import { StringInterner, compactEvent, detachString } from '../main/core/ledger/compact'
import { Ledger } from '../main/core/ledger/ledger'
import { decodeEvent, encodeEvent, verifyEvent } from '../main/core/protocol/events'
import { parsePublicKey } from '../main/core/protocol/crypto'
import { loadVectors } from './support/vectors'

interface EventVector {
  name: string
  json: string
  signed: boolean
  signer?: { name: string; public_key: string }
}

describe('ledger compact storage', () => {
  const vectors = loadVectors<EventVector>('events.json').cases

  it('stores a copy that encodes byte-for-byte like the received event, for every golden event', () => {
    expect(vectors.length).toBeGreaterThan(10)
    const ledger = new Ledger({ capacity: 1000 })
    for (const v of vectors) {
      const decoded = decodeEvent(v.json)
      expect(decoded.ok, v.name).toBe(true)
      if (!decoded.ok) continue
      const outcome = ledger.add(decoded.value)
      if (outcome !== 'added') continue // e.g. a vector that is invalid for the ledger on purpose
      const stored = ledger.get(decoded.value.id)!
      expect(stored).not.toBe(decoded.value)
      expect(encodeEvent(stored), v.name).toBe(v.json)
      expect(stored).toEqual(decoded.value)
      // Signatures still verify on the stored copy.
      if (v.signed && v.signer) expect(verifyEvent(stored, parsePublicKey(v.signer.public_key)!), v.name).toBe(true)
    }
    expect(ledger.size).toBeGreaterThan(10)
  })

  it('shares repeating strings and keeps exact values, including lone surrogates', () => {
    const interner = new StringInterner(3)
    const text = JSON.stringify({ a: 'wild-river-123', b: 'wild-river-123' })
    const a = text.slice(6, 20)
    const b = text.slice(27, 41)
    expect(a).toBe('wild-river-123')
    expect(interner.intern(a)).toBe(interner.intern(b))
    expect(interner.size).toBe(1)
    interner.intern('x1')
    interner.intern('x2')
    interner.intern('x3') // full: the table starts over rather than grow
    expect(interner.size).toBe(1)
    expect(interner.intern(undefined)).toBeUndefined()
    expect(interner.intern('')).toBe('')
    expect(detachString('\ud800abc')).toBe('\ud800abc')
    expect(detachString('héllo ☃ 😀')).toBe('héllo ☃ 😀')
    expect(detachString('')).toBe('')
  })

  it('keeps absent optional fields absent', () => {
    const r = decodeEvent(vectors.find((v) => v.json.includes('"observation":{'))!.json)
    expect(r.ok).toBe(true)
    if (!r.ok) return
    const copy = compactEvent(r.value, new StringInterner())
    expect(Object.keys(copy).sort()).toEqual(Object.keys(r.value).sort())
    const payloadKey = Object.keys(r.value).find((k) => !['id', 'ts', 'svc', 'emitter', 'emitter_id', 'sig'].includes(k))!
    expect(Object.keys((copy as any)[payloadKey]).sort()).toEqual(
      Object.entries((r.value as any)[payloadKey]).filter(([, v]) => v !== undefined).map(([k]) => k).sort()
    )
  })
})
