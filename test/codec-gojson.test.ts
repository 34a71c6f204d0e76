import { describe, expect, it } from 'vitest'
import { loadProtocolTestVectors } from './support/vectors'
import { compareGoKeys, goFloat, goFormatF1, goMap, goObject, goQuote, omitStr } from '../main/core/protocol/gojson'
import { parseJsonLossless } from '../main/core/protocol/jsonLossless'

const tv = loadProtocolTestVectors()

describe('Go float and %.1f formatting (test-vectors.json)', () => {
  it('go_json_floats', () => {
    const want = tv.go_json_floats as string
    const values = JSON.parse(want) as number[]
    expect('[' + values.map(goFloat).join(',') + ']').toBe(want)
  })
  it('go_percent_.1f (half-to-even on the exact binary value)', () => {
    for (const line of tv['go_percent_.1f'] as string[]) {
      const [input, want] = line.split(' -> ') as [string, string]
      expect(goFormatF1(Number(input)), line).toBe(want)
    }
  })
  it('edge cases: negatives, zero, huge, non-finite', () => {
    expect(goFormatF1(-12.25)).toBe('-12.2')
    expect(goFormatF1(-0)).toBe('-0.0')
    expect(goFormatF1(0.75)).toBe('0.8')
    expect(goFormatF1(1e-7)).toBe('0.0')
    expect(goFormatF1(1e21)).toBe('1000000000000000000000.0')
    expect(goFormatF1(Infinity)).toBe('+Inf')
    expect(goFloat(-0)).toBe('-0')
    expect(goFloat(1e21)).toBe('1e+21')
    expect(() => goFloat(NaN)).toThrow(RangeError)
  })
})

describe('goQuote', () => {
  it('html escaping as Go (test-vectors.json)', () => {
    expect(goObject([['x', goQuote('<a&b>')]])).toBe(tv.go_json_html_escape)
  })
  it('controls, quotes, line separators, lone surrogates, raw non-ASCII', () => {
    expect(goQuote('a"b\\c\n\r\t\b\f\u0001\u001f')).toBe('"a\\"b\\\\c\\n\\r\\t\\b\\f\\u0001\\u001f"')
    expect(goQuote('x\u2028y\u2029')).toBe('"x\\u2028y\\u2029"')
    expect(goQuote('\ud800x\udc00')).toBe('"\ufffdx\ufffd"')
    expect(goQuote('naïve ✨ 🧑‍🚀')).toBe('"naïve ✨ 🧑‍🚀"')
    expect(goQuote('plain')).toBe('"plain"')
  })
  it('maps sort keys by UTF-8 bytes, nil maps are null, omitempty drops members', () => {
    expect(goMap({ b: 1, a: 2, '\uffff': 3, '😀': 4 }, String)).toBe('{"a":2,"b":1,"\uffff":3,"😀":4}')
    expect(compareGoKeys('\uffff', '😀')).toBeLessThan(0)
    expect(goMap(null, String)).toBe('null')
    expect(goObject([['a', omitStr('')], ['b', '1']])).toBe('{"b":1}')
  })
})

describe('parseJsonLossless', () => {
  it('matches JSON.parse, with unsafe integers as bigint', () => {
    const text = '{"ts":1767225601358024680,"n":-9223372036854775808,"safe":9007199254740991,"f":1.5e300,"s":"a\\u00e9\\n\\"","a":[true,false,null,{}],"e":[]}'
    const r = parseJsonLossless(text)
    if (!r.ok) throw new Error(r.error.reason)
    const v = r.value as any
    expect(v.ts).toBe(1767225601358024680n)
    expect(v.n).toBe(-9223372036854775808n)
    expect(v.safe).toBe(9007199254740991)
    const plain = JSON.parse(text)
    expect({ ...v, ts: 0, n: 0 }).toEqual({ ...plain, ts: 0, n: 0 })
  })
  it('9007199254740993 is not rounded', () => {
    const r = parseJsonLossless('[9007199254740993, 12345678901234567890.5]')
    expect(r.ok && r.value).toEqual([9007199254740993n, 12345678901234567890.5])
  })
  it('__proto__ keys are plain data, as with JSON.parse', () => {
    const r = parseJsonLossless('{"__proto__":{"polluted":true}}')
    expect(r.ok && Object.getPrototypeOf(r.value)).toBe(Object.prototype)
    expect(({} as any).polluted).toBeUndefined()
  })
  it('rejects malformed JSON with typed errors', () => {
    for (const bad of ['', '{', '{"a":}', '[1,]', '{"a" 1}', '01', '1.', '-', '"\u0001"', '"\\x"', '"\\u12g4"', 'tru', '{} x', '"abc', '[1 2]', "{'a':1}"]) {
      expect(parseJsonLossless(bad), JSON.stringify(bad)).toMatchObject({ ok: false, error: { code: 'malformed_json' } })
    }
  })
  it('caps size (bytes, not UTF-16 units) and nesting depth', () => {
    expect(parseJsonLossless('"' + 'é'.repeat(60) + '"', { maxBytes: 100 })).toMatchObject({ ok: false, error: { code: 'too_large' } })
    expect(parseJsonLossless('"' + 'e'.repeat(60) + '"', { maxBytes: 100 }).ok).toBe(true)
    expect(parseJsonLossless(Buffer.alloc(200, 0x20), { maxBytes: 100 })).toMatchObject({ ok: false, error: { code: 'too_large' } })
    expect(parseJsonLossless('['.repeat(100) + ']'.repeat(100))).toMatchObject({ ok: false, error: { code: 'malformed_json' } })
    expect(parseJsonLossless('['.repeat(10) + ']'.repeat(10)).ok).toBe(true)
  })
  it('decodes bytes, replacing invalid UTF-8 with U+FFFD like Go', () => {
    const r = parseJsonLossless(Buffer.from([0x22, 0x61, 0xff, 0x22]))
    expect(r.ok && r.value).toBe('a\ufffd')
  })
})
