import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import verify from '../main/cli/commands/verify'
import type { CliIO } from '../main/cli/io'
import { loadVectors } from './support/vectors'

let dir: string
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'nara-verify-'))
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

function fakeIO(stdin = ''): CliIO & { outLines: string[]; errLines: string[] } {
  const outLines: string[] = []
  const errLines: string[] = []
  return { outLines, errLines, out: (l) => outLines.push(l), err: (l) => errLines.push(l), readStdin: async () => stdin, env: {} }
}

let n = 0
function file(content: string): string {
  const p = join(dir, `in-${n++}.json`)
  writeFileSync(p, content)
  return p
}

async function run(args: string[], stdin?: string) {
  const io = fakeIO(stdin)
  const code = await verify(args, io)
  return { code, io, json: args.includes('--json') && io.outLines.length ? JSON.parse(io.outLines[0]!) : undefined }
}

describe('nara verify', () => {
  const events = loadVectors('events.json').cases
  for (const c of events.filter((c) => c.verify.method !== 'checkpoint_attestations')) {
    it(`event ${c.name}`, async () => {
      const carried = c.verify.method === 'payload_public_key'
      const args = [file(c.json), '--json', ...(carried || !c.verify.public_key ? [] : ['--public-key', c.verify.public_key])]
      const { code, json } = await run(args)
      expect(json.kind).toBe('event')
      expect(json.valid).toBe(c.expect_valid)
      expect(code).toBe(c.expect_valid ? 0 : 1)
      if (c.id) expect(json.id).toBe(c.id) // recomputed id
      if (!c.signed) expect(json.reason).toBe('unsigned')
      else if (!c.expect_valid) expect(json.reason).toMatch(/signature/)
    })
  }

  it('an event without a carried key and without --public-key has "no public key"', async () => {
    const tease = events.find((c) => c.name === 'social/tease')!
    expect((await run([file(tease.json), '--json'])).json).toEqual({ kind: 'event', valid: false, id: tease.id, reason: 'no public key' })
  })

  for (const c of loadVectors('newspaper.json').cases) {
    it(`newspaper ${c.name} (key from Status.PublicKey, read from stdin)`, async () => {
      const { code, json } = await run(['-', '--json'], c.envelope_json)
      expect(json.kind).toBe('newspaper')
      expect(json.valid).toBe(c.expect_valid)
      expect(code).toBe(c.expect_valid ? 0 : 1)
    })
  }

  for (const c of loadVectors('zine.json').cases) {
    it(`zine ${c.name}`, async () => {
      const { code, json } = await run([file(c.json), '--public-key', c.verify_public_key, '--json'])
      expect(json).toMatchObject({ kind: 'zine', valid: c.expect_valid })
      expect(code).toBe(c.expect_valid ? 0 : 1)
      expect((await run([file(c.json), '--json'])).json).toEqual({ kind: 'zine', valid: false, reason: 'no public key' })
    })
  }

  for (const c of loadVectors('howdy.json').cases) {
    it(`howdy ${c.name} (key from Me.PublicKey)`, async () => {
      const { code, json } = await run([file(c.json), '--json'])
      expect(json).toMatchObject({ kind: 'howdy', valid: c.expect_valid })
      expect(code).toBe(c.expect_valid ? 0 : 1)
    })
  }

  it('malformed JSON is an invalid verdict with a reason', async () => {
    const { code, json } = await run([file('{"svc":'), '--json'])
    expect(code).toBe(1)
    expect(json.valid).toBe(false)
    expect(json.reason).toMatch(/^malformed JSON: /)
  })

  it('wrong types inside an event are reported', async () => {
    const { code, json } = await run([file('{"id":"x","ts":1,"svc":"social","social":{"type":5}}'), '--json'])
    expect(code).toBe(1)
    expect(json).toMatchObject({ kind: 'event', valid: false })
    expect(json.reason).toContain('social.type')
  })

  it('usage errors exit 2', async () => {
    expect((await run(['--bogus'])).code).toBe(2)
    expect((await run(['x.json', '--public-key'])).code).toBe(2)
    expect((await run(['x.json', '--public-key', 'not-a-key'])).code).toBe(2)
    expect((await run([join(dir, 'does-not-exist.json')])).code).toBe(2)
    expect((await run(['a', 'b'])).code).toBe(2)
  })

  it('human output without --json', async () => {
    const c = loadVectors('howdy.json').cases[0]!
    const { code, io } = await run([file(c.json)])
    expect(code).toBe(0)
    expect(io.outLines).toEqual(['howdy: valid'])
  })
})
