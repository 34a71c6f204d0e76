import { describe, expect, it } from 'vitest'
import { BoundedMemo } from '../main/core/boundedMemo'

describe('BoundedMemo', () => {
  it('computes each key once, remembers falsy results, and drops the oldest entry when full', () => {
    const calls: string[] = []
    const memo = new BoundedMemo<string, number | boolean>(2)
    const f = (k: string): number | boolean => {
      calls.push(k)
      return k === 'no' ? false : k.length
    }
    expect(memo.get('no', f)).toBe(false)
    expect(memo.get('no', f)).toBe(false)
    expect(memo.get('abc', f)).toBe(3)
    expect(calls).toEqual(['no', 'abc'])
    expect(memo.get('de', f)).toBe(2) // full: 'no' (the oldest) gives way
    expect(memo.size).toBe(2)
    expect(memo.has('no')).toBe(false)
    expect(memo.peek('abc')).toBe(3)
    expect(memo.get('no', f)).toBe(false)
    expect(calls).toEqual(['no', 'abc', 'de', 'no'])
    memo.clear()
    expect(memo.size).toBe(0)
    expect(() => new BoundedMemo(0)).toThrow(RangeError)
  })
})
