/** The renderer's pure helpers: deterministic avatars, safe colours, formatting, bus guards. */
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import { avatarSpec, hash32, initials, safeColour } from '../renderer/src/lib/avatar'
import { ago, bytes, duration, nsToMs, prettyJson } from '../renderer/src/lib/format'
import { isNeighbourView, isNewspaperView, isZineExchangeView } from '../renderer/src/lib/guards'
import { repoRoot } from './support/vectors'

describe('renderer helpers', () => {
  it('raw JSON is indented without rounding nanosecond timestamps', () => {
    const raw = '{"id":"a","ts":1767225601358024680,"n":-9007199254740993,"s":"big1n","x":[1.5,true,null]}'
    const pretty = prettyJson(raw)
    expect(pretty).toContain('"ts": 1767225601358024680,')
    expect(pretty).toContain('"n": -9007199254740993,')
    expect(pretty).toContain('"s": "big1n"')
    expect(pretty.split('\n').length).toBeGreaterThan(5)
    expect(JSON.parse(pretty)).toMatchObject({ id: 'a', s: 'big1n', x: [1.5, true, null] })
    expect(prettyJson('not json {')).toBe('not json {')
  })

  it('avatars are deterministic per identity and use the aura colours', () => {
    const a = avatarSpec('lisa', 'id1', { primary: '#AABBCC', secondary: '#112233' })
    expect(avatarSpec('lisa', 'id1', { primary: '#AABBCC', secondary: '#112233' })).toEqual(a)
    expect(a.primary).toBe('#aabbcc')
    expect(a.secondary).toBe('#112233')
    expect(a.initials).toBe('LI')
    expect(avatarSpec('lisa', 'id2', null).path).not.toBe(a.path)
    expect(avatarSpec('bart', '', null).primary).toMatch(/^#[0-9a-f]{6}$/)
    expect(a.gradientId).toMatch(/^aura-[0-9a-z]+$/)
    expect(hash32('a')).toBe(hash32('a'))
    expect(initials('wild-river-042')).toBe('WR')
    expect(initials('')).toBe('?')
  })

  it('only well-formed #rrggbb colours pass', () => {
    for (const bad of ['red', '#abc', 'url(x)', '#12345g', '#1234567', 'javascript:alert(1)', null, 7]) {
      expect(safeColour(bad, '#000000')).toBe('#000000')
    }
    expect(safeColour('#A1B2C3', '#000000')).toBe('#a1b2c3')
  })

  it('formats durations, ages, sizes and nanosecond timestamps', () => {
    expect(duration(0)).toBe('—')
    expect(duration(59)).toBe('59s')
    expect(duration(3600 * 26)).toBe('1d 2h')
    expect(ago(0, 1000)).toBe('never')
    expect(ago(1000, 2000)).toBe('just now')
    expect(ago(0 + 1, 120_001)).toBe('2m ago')
    expect(bytes(2048)).toBe('2.0 KB')
    expect(nsToMs('1768800000123456789')).toBe(1768800000123)
    expect(nsToMs('not-a-number')).toBe(0)
  })

  it('guards drop malformed bus samples', () => {
    expect(isNeighbourView({ name: 'x', status: 'ONLINE', lastSeenMs: 1, flair: '', trust: 'verified' })).toBe(true)
    expect(isNeighbourView({ name: 'x', status: 'PWNED', lastSeenMs: 1, flair: '', trust: 'verified' })).toBe(false)
    expect(isNeighbourView({ name: 1, status: 'ONLINE', lastSeenMs: 1, flair: '', trust: 'verified' })).toBe(false)
    expect(isNeighbourView(null)).toBe(false)
    expect(isNewspaperView({ from: 'x', receivedAtMs: 1, changed: [], status: {} })).toBe(true)
    expect(isNewspaperView({ from: 'x', receivedAtMs: 'soon', changed: [], status: {} })).toBe(false)
    expect(isZineExchangeView({ peer: 'p', direction: 'sideways', atMs: 1, eventsIn: 0, eventsOut: 0, newEvents: 0, knownEvents: 0, verdict: 'ok' })).toBe(false)
  })

  it('no component renders raw HTML ({@html}) or sets inline style attributes', () => {
    const files: string[] = []
    const walk = (d: string): void => {
      for (const f of readdirSync(d)) {
        const p = join(d, f)
        if (statSync(p).isDirectory()) walk(p)
        else if (/\.(svelte|ts)$/.test(f)) files.push(p)
      }
    }
    walk(resolve(repoRoot, 'renderer/src'))
    expect(files.length).toBeGreaterThan(10)
    for (const f of files) {
      const text = readFileSync(f, 'utf8')
      expect(text, f).not.toMatch(/\{@html/)
      expect(text, f).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML/)
      expect(text, f).not.toMatch(/\sstyle="/) // CSP style-src 'self': only style: directives (CSSOM)
    }
  })
})
