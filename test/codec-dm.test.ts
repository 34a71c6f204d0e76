import { describe, expect, it } from 'vitest'
import { decodeDmResponse, encodeDmResponse } from '../main/core/protocol/dm'

describe('POST /dm reply codec', () => {
  it('writes a Go map (keys sorted) plus the encoder newline, escaping like Go', () => {
    expect(encodeDmResponse({ from: 'bob', success: true })).toBe('{"from":"bob","success":true}\n')
    expect(encodeDmResponse({ from: '<b>', success: false })).toBe('{"from":"\\u003cb\\u003e","success":false}\n')
  })

  it('reads what it writes, from text or bytes, and Go key casing', () => {
    for (const r of [{ from: 'bob', success: true }, { from: '', success: false }]) {
      expect(decodeDmResponse(encodeDmResponse(r))).toEqual({ ok: true, value: r })
      expect(decodeDmResponse(Buffer.from(encodeDmResponse(r)))).toEqual({ ok: true, value: r })
    }
    expect(decodeDmResponse('{"From":"bob","Success":true}')).toEqual({ ok: true, value: { from: 'bob', success: true } })
  })

  it('refuses malformed JSON, wrong types, a missing verdict and oversized bodies with a reason', () => {
    const bad = ['nope', '[]', '{"from":"bob"}', '{"from":"bob","success":"yes"}', '{"from":7,"success":true}', '{"from":"' + 'x'.repeat(70_000) + '","success":true}']
    for (const text of bad) {
      const r = decodeDmResponse(text)
      expect(r.ok).toBe(false)
      if (!r.ok) expect(r.error.reason.length).toBeGreaterThan(0)
    }
  })
})
