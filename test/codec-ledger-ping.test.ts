import { describe, expect, it } from 'vitest'
import { loadProtocolTestVectors } from './support/vectors'
import {
  decodeLedgerRequest, decodeLedgerResponse, encodeLedgerRequest, encodeLedgerResponse, legacyToSocialEvent,
  partitionSubjects, socialEventToLegacy
} from '../main/core/protocol/ledgerMessages'
import { decodePingResponse, encodePingResponse } from '../main/core/protocol/ping'
import { decodeEvent } from '../main/core/protocol/events'
import type { SyncEventOf } from '../main/core/protocol/types'

const tv = loadProtocolTestVectors()

describe('ledger request/response (test-vectors.json)', () => {
  it('request round-trips', () => {
    const r = decodeLedgerRequest(tv.ledger.request_json)
    if (!r.ok) throw new Error(r.error.reason)
    expect(r.value).toEqual({ From: 'alice', Subjects: ['bob', 'alice'] })
    expect(encodeLedgerRequest(r.value)).toBe(tv.ledger.request_json)
    expect(encodeLedgerRequest({ From: 'alice', Subjects: null })).toBe('{"From":"alice","Subjects":null}')
  })
  it('legacy SocialEvent ↔ SyncEvent conversion keeps the id', () => {
    const tease = (tv.events as any[]).find((e) => e.id === 'cbbc385e76f9299616899cb05aecd2e3')
    const d = decodeEvent(tease.json)
    if (!d.ok) throw new Error(d.error.reason)
    const legacy = socialEventToLegacy(d.value as SyncEventOf<'social'>)
    expect(encodeLedgerResponse({ From: 'bob', Events: [legacy] })).toBe(tv.ledger.response_json)
    const r = decodeLedgerResponse(tv.ledger.response_json)
    if (!r.ok) throw new Error(r.error.reason)
    const back = legacyToSocialEvent(r.value.Events![0]!)
    expect(back.id).toBe(d.value.id)
    expect(back.emitter).toBeUndefined()
    expect(back.social).toEqual((d.value as SyncEventOf<'social'>).social)
  })
  it('empty response is Events:null', () => {
    expect(encodeLedgerResponse({ From: 'bob', Events: null })).toBe(tv.ledger.response_empty_json)
    const r = decodeLedgerResponse(tv.ledger.response_empty_json)
    expect(r.ok && r.value.Events).toBeNull()
  })
  it('bad input', () => {
    expect(decodeLedgerRequest('{"From":"a","Subjects":"b"}')).toMatchObject({ ok: false, error: { code: 'wrong_type' } })
    expect(decodeLedgerResponse('{"From":"a","Events":[{"Timestamp":"x"}]}')).toMatchObject({ ok: false, error: { code: 'wrong_type' } })
    expect(decodeLedgerResponse('{"From"')).toMatchObject({ ok: false, error: { code: 'malformed_json' } })
  })
  it('partitionSubjects spreads names by the reference hash', () => {
    const parts = partitionSubjects(['bob', 'alice', 'carol', 'dave'], 3)
    expect(parts.flat().sort()).toEqual(['alice', 'bob', 'carol', 'dave'])
    expect(parts).toHaveLength(3)
    // "ab" with n = 2: h = 97 mod 2 = 1, then (1·31 + 98) mod 2 = 1
    expect(partitionSubjects(['ab', 'x'], 2)[1]).toContain('ab')
    expect(partitionSubjects(['a'], 5)).toEqual([['a']])
  })
})

describe('/ping body (test-vectors.json)', () => {
  it('sorted keys + newline, t exact', () => {
    const r = decodePingResponse(tv.ping_response_body)
    if (!r.ok) throw new Error(r.error.reason)
    expect(r.value.t).toBe(1768800000123456789n)
    expect(encodePingResponse(r.value)).toBe(tv.ping_response_body)
  })
  it('bad input', () => {
    expect(decodePingResponse('{"from":1}')).toMatchObject({ ok: false, error: { code: 'wrong_type' } })
    expect(decodePingResponse('<html>')).toMatchObject({ ok: false, error: { code: 'malformed_json' } })
  })
})
