import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import {
  canonize,
  includes,
  intersects,
  InvalidKeyExprError,
  isCanon,
  keyExprToMqttFilter,
  mqttFilterToKeyExpr,
  parseKeyExpr,
  type KeyExprErrorCode
} from '../main/core/bus/keyexpr'
import { sharedDir } from './support/vectors'

// The conformance cases live in the shared docs; they are parsed here, never copied.
const casesPath = join(sharedDir, 'rfc0910', 'keyexpr-cases.md')
const markdown = readFileSync(casesPath, 'utf8')

type Relation = 'intersects' | 'includes'
interface Check {
  row: string
  a: string
  b: string
  relation: Relation
  expected: boolean
}

const ticks = (cell: string): string[] => [...cell.matchAll(/`([^`]+)`/g)].map((m) => m[1]!)
const bool = (s: string): boolean => {
  const t = s.trim()
  if (t !== 'true' && t !== 'false') throw new Error(`cannot read boolean ${JSON.stringify(s)}`)
  return t === 'true'
}

function tableChecks(md: string): Check[] {
  const checks: Check[] = []
  for (const line of md.split('\n')) {
    const cells = line.split('|').map((c) => c.trim())
    // | # | A | B | relation | expected |  → ['', '#', A, B, relation, expected, '']
    if (cells.length < 7 || !/^\d+$/.test(cells[1]!)) continue
    const [, row, aCell, bCell, relCell, expCell] = cells as [string, string, string, string, string, string]
    const as = ticks(aCell)
    const bs = ticks(bCell)
    if (as.length !== 1 || bs.length === 0) throw new Error(`row ${row}: cannot read A/B`)
    const a = as[0]!
    const relations = relCell.split('/').map((r) => r.trim()) as Relation[]
    const main = expCell.replace(/\(.*\)/, '').trim()
    const values = main.split('/').map(bool)
    if (values.length !== relations.length) throw new Error(`row ${row}: relations and expectations differ in count`)
    const extras = [...expCell.matchAll(/\((\w+):\s*(true|false)\)/g)]
    for (const b of bs) {
      relations.forEach((relation, k) => {
        if (relation !== 'intersects' && relation !== 'includes') throw new Error(`row ${row}: unknown relation ${relation}`)
        checks.push({ row, a, b, relation, expected: values[k]! })
      })
      for (const [, what, v] of extras) {
        if (what === 'intersects') checks.push({ row, a, b, relation: 'intersects', expected: bool(v!) })
        else if (what === 'reverse') checks.push({ row, a: b, b: a, relation: relations[0]!, expected: bool(v!) })
        else throw new Error(`row ${row}: unknown annotation ${what}`)
      }
    }
  }
  return checks
}

const checks = tableChecks(markdown)
const canonRules = [...markdown.matchAll(/`([^`]+)`\s*→\s*`([^`]+)`/g)].map((m) => [m[1]!, m[2]!] as const)
const canonisesTo = [...markdown.matchAll(/`([^`]+)`\s+canonises\s+to\s+`([^`]+)`/g)].map((m) => [m[1]!, m[2]!] as const)
const strictRejects = [...markdown.matchAll(/rejects\s+non-canonical\s+input\s+such\s+as\s+(`[^`]+`)/g)].flatMap((m) => ticks(m[1]!))
const invalidLine = markdown.split('\n').find((l) => l.includes('Invalid:')) ?? ''
const invalid = ticks(invalidLine.slice(invalidLine.indexOf('Invalid:')))

describe('key expressions: keyexpr-cases.md conformance', () => {
  it('reads the whole table (26 rows) and the canonisation notes', () => {
    const rows = new Set(checks.map((c) => c.row))
    expect(rows.size).toBe(26)
    expect(canonRules.length).toBeGreaterThanOrEqual(4)
    expect(canonisesTo.length).toBeGreaterThanOrEqual(1)
    expect(strictRejects.length).toBeGreaterThanOrEqual(1)
    expect(invalid.length).toBeGreaterThanOrEqual(5)
  })

  it.each(checks.map((c) => [`#${c.row} ${c.a} ${c.relation} ${c.b} = ${c.expected}`, c] as const))('%s', (_, c) => {
    expect(isCanon(c.a), `${c.a} must be canonical`).toBe(true)
    expect(isCanon(c.b), `${c.b} must be canonical`).toBe(true)
    const got = c.relation === 'intersects' ? intersects(c.a, c.b) : includes(c.a, c.b)
    expect(got).toBe(c.expected)
    if (c.relation === 'intersects') expect(intersects(c.b, c.a)).toBe(c.expected) // symmetric
    if (c.relation === 'includes' && c.expected) expect(intersects(c.a, c.b)).toBe(true)
  })

  it.each(canonRules)('canonisation rule %s → %s holds alone and in context', (from, to) => {
    const same = (x: string, y: string): void => {
      const cx = canonize(x)
      const cy = canonize(y)
      if (!cy.ok) return // context makes the right side invalid (e.g. a lone `$*` chunk)
      expect(cx, x).toEqual(cy)
      expect(isCanon(cy.value)).toBe(true)
    }
    same(from, to)
    same(`x/${from}/y`, `x/${to}/y`)
    same(`x${from}y`, `x${to}y`)
    same(`k/${from}`, `k/${to}`)
  })

  it.each(canonisesTo)('%s canonises to %s', (from, to) => {
    expect(canonize(from)).toEqual({ ok: true, value: to })
    expect(isCanon(from)).toBe(false)
  })

  it.each(strictRejects)('strict parsing rejects non-canonical %s, canonize fixes it', (k) => {
    const r = parseKeyExpr(k)
    expect(r.ok).toBe(false)
    if (!r.ok) expect(r.error.canon).toBe(canonize(k).ok ? (canonize(k) as { value: string }).value : undefined)
    expect(canonize(k).ok).toBe(true)
  })

  it.each(invalid)('%s is invalid, even after canonisation', (k) => {
    expect(parseKeyExpr(k).ok).toBe(false)
    expect(canonize(k).ok).toBe(false)
  })
})

describe('key expressions: typed validation errors', () => {
  const cases: [string, KeyExprErrorCode][] = [
    ['', 'empty'],
    ['/a', 'leading_slash'],
    ['a/', 'trailing_slash'],
    ['a//b', 'empty_chunk'],
    ['a/$*', 'lone_dollar_star'],
    ['a/**/**', 'double_star_after_double_star'],
    ['a/**/*', 'single_star_after_double_star'],
    ['a*', 'stars_in_chunk'],
    ['a/***', 'stars_in_chunk'],
    ['a/*$*', 'stars_in_chunk'],
    ['a$*$*b', 'dollar_after_dollar_star'],
    ['a$b', 'unbound_dollar'],
    ['a$', 'unbound_dollar'],
    ['a/b#c', 'sharp_or_question_mark'],
    ['a?b', 'sharp_or_question_mark'],
    ['x'.repeat(5000), 'too_long']
  ]
  it.each(cases)('%j → %s', (input, code) => {
    const r = parseKeyExpr(input)
    expect(r.ok).toBe(false)
    if (!r.ok) {
      expect(r.error.code).toBe(code)
      expect(r.error.reason.length).toBeGreaterThan(5)
    }
  })

  it('rejects non-strings with a typed error instead of throwing', () => {
    for (const v of [undefined, null, 42, {}, ['a']]) {
      const r = parseKeyExpr(v)
      expect(r.ok).toBe(false)
      if (!r.ok) expect(r.error.code).toBe('not_a_string')
    }
  })

  it('suggests the canonical spelling for merely non-canonical input', () => {
    const r = parseKeyExpr('hello/**/*')
    expect(!r.ok && r.error.canon).toBe('hello/*/**')
    const e = parseKeyExpr('a/$*$*')
    expect(!e.ok && e.error.canon).toBe('a/*')
  })

  it('throws InvalidKeyExprError from the relations, never a silent false', () => {
    expect(() => intersects('a//b', 'a')).toThrow(InvalidKeyExprError)
    expect(() => includes('a', 'a/**/**')).toThrow(/canonical form: "a\/\*\*"/)
  })

  it('accepts verbatim chunks with $* and non-ASCII text', () => {
    expect(isCanon('my-api/@$*/**')).toBe(true)
    expect(isCanon('café/ünï/😀$*')).toBe(true)
    expect(intersects('café/*', 'café/thé')).toBe(true)
    expect(intersects('@a$*', '@abc')).toBe(false)
  })
})

describe('key expressions: MQTT filter mapping', () => {
  it.each([
    ['sensor/+/pm25', 'sensor/*/pm25'],
    ['chapter/+/feed/#', 'chapter/*/feed/**'],
    ['#', '**'],
    ['+/#', '*/**'],
    ['nara/plaza/hey_there', 'nara/plaza/hey_there']
  ])('%s ↔ %s', (filter, ke) => {
    expect(mqttFilterToKeyExpr(filter)).toEqual({ ok: true, value: ke })
    expect(keyExprToMqttFilter(ke)).toEqual({ ok: true, value: filter })
  })

  it('matches the same topics on both sides', () => {
    const k = mqttFilterToKeyExpr('a/#')
    expect(k.ok && includes(k.value, 'a')).toBe(true) // MQTT: a/# matches the parent a
    expect(k.ok && includes(k.value, 'a/b/c')).toBe(true)
  })

  it.each([['a/#/b'], ['a/b+'], ['a/#b'], ['']])('rejects the invalid MQTT filter %j', (f) => {
    const r = mqttFilterToKeyExpr(f)
    expect(r.ok).toBe(false)
    if (!r.ok) expect(r.error.code).toBe('invalid_filter')
  })

  it.each([['$SYS/broker'], ['a//b'], ['a/b*c']])('reports MQTT topics with no key expression: %j', (f) => {
    const r = mqttFilterToKeyExpr(f)
    expect(r.ok).toBe(false)
    if (!r.ok) expect(r.error.code).toBe('not_expressible')
  })

  it.each([['a/**/b'], ['a/b$*'], ['a+b/c']])('reports key expressions MQTT cannot express: %j', (k) => {
    const r = keyExprToMqttFilter(k)
    expect(r.ok).toBe(false)
    if (!r.ok) expect(r.error.code).toBe('not_expressible')
  })
})
