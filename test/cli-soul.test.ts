import { describe, expect, it } from 'vitest'
import soul from '../main/cli/commands/soul'
import type { CliIO } from '../main/cli/io'
import { personalityFromSoul } from '../main/core/protocol/personality'
import { determineIdentity } from '../main/core/protocol/identity'
import { thisMachine } from '../main/core/runtime/machine'
import { createRuntime } from '../main/core/runtime/runtime'
import { memorySettingsStore } from '../main/core/runtime/settings-store'
import { nameDerivation } from '../main/core/runtime/soul-store'
import { loadVectors } from './support/vectors'

function fakeIO(env: Record<string, string | undefined> = {}) {
  const out: string[] = []
  const err: string[] = []
  const io: CliIO = {
    out: (l) => void out.push(l),
    err: (l) => void err.push(l),
    readStdin: async () => '',
    env
  }
  return { io, out, err }
}

async function run(argv: string[], env: Record<string, string | undefined> = {}) {
  const f = fakeIO(env)
  const code = await soul(argv, f.io)
  return { code, out: f.out, err: f.err }
}

async function runJson(argv: string[], env: Record<string, string | undefined> = {}) {
  const r = await run([...argv, '--json'], env)
  expect(r.err).toEqual([])
  expect(r.code).toBe(0)
  expect(r.out.length).toBe(1)
  return JSON.parse(r.out[0]!) as Record<string, any>
}

const personalities = new Map(loadVectors('personality.json').cases.map((c) => [c.soul + '|' + c.nara_name, c.personality]))
const hardware = loadVectors('identity.json').cases.filter((c) => c.kind === 'hardware_identity')

describe('nara soul --json over identity.json hardware cases', () => {
  it('has cases', () => {
    expect(hardware.length).toBeGreaterThan(0)
  })

  for (const c of hardware) {
    const hw = ['--host-id', c.host_id, '--macs', c.macs]

    it(`${c.name}: custom name → native custom soul`, async () => {
      const r = await run([...hw, '--name', c.custom.name, '--json'])
      expect(r.code).toBe(0)
      const j = JSON.parse(r.out[0]!)
      expect(Object.keys(j).slice(0, 6)).toEqual(['name', 'soul', 'id', 'public_key', 'bonded', 'personality'])
      expect(Object.keys(j.personality)).toEqual(['Agreeableness', 'Sociability', 'Chill'])
      expect(j).toMatchObject({
        name: c.custom.name,
        soul: c.custom.soul,
        id: c.custom.nara_id,
        public_key: c.custom.public_key,
        bonded: true,
        native: true
      })
      const known = personalities.get(c.custom.soul + '|' + c.custom.name)
      expect(j.personality).toEqual(known ?? personalityFromSoul(c.custom.soul))
    })

    it(`${c.name}: no --name on a generic host → generated name and soul`, async () => {
      const j = await runJson([...hw, '--hostname', 'localhost'])
      expect(j).toMatchObject({
        name: c.generated.name,
        soul: c.generated.soul,
        id: c.generated.nara_id,
        public_key: c.generated.public_key,
        bonded: true,
        native: true,
        derivation: 'generated name'
      })
      const known = personalities.get(c.generated.soul + '|' + c.generated.name)
      expect(j.personality).toEqual(known ?? personalityFromSoul(c.generated.soul))
    })

    it(`${c.name}: --hostname resolves exactly like determine_identity`, async () => {
      for (const d of c.determine_identity) {
        if (d.expect.soul === '') continue // reported as an error; covered below
        const argv = [...hw, '--hostname', d.hostname]
        if (d.name_arg) argv.push('--name', d.name_arg)
        if (d.soul_arg) argv.push('--soul', d.soul_arg)
        const j = await runJson(argv)
        expect({ name: j.name, soul: j.soul, nara_id: j.id, is_valid_bond: j.bonded, is_native: j.native }, d.description).toEqual(
          d.expect
        )
      }
    })
  }
})

describe('nara soul options and errors', () => {
  const c = hardware[0]!
  const other = hardware[1]!
  const hw = ['--host-id', c.host_id, '--macs', c.macs]

  it('a foreign soul with an explicit name is reported as not bonded', async () => {
    const j = await runJson([...hw, '--name', c.custom.name, '--soul', other.custom.soul])
    expect(j).toMatchObject({ name: c.custom.name, soul: other.custom.soul, bonded: false, native: false })
  })

  it('a generated soul without --name takes its own name back', async () => {
    const j = await runJson([...hw, '--hostname', 'raspberrypi', '--soul', other.generated.soul])
    expect(j).toMatchObject({ name: other.generated.name, id: other.generated.nara_id, bonded: true, native: false })
  })

  it('a generic --name switches to a generated name', async () => {
    const j = await runJson([...hw, '--name', 'bananara'])
    expect(j.name).toBe(c.generated.name)
  })

  it('NARA_ID and NARA_SOUL serve as defaults; flags win', async () => {
    const env = { NARA_ID: c.custom.name, NARA_SOUL: c.custom.soul }
    expect(await runJson(hw, env)).toMatchObject({ name: c.custom.name, soul: c.custom.soul, bonded: true })
    expect(await runJson([...hw, '--soul', other.custom.soul], env)).toMatchObject({ soul: other.custom.soul, bonded: false })
  })

  it('a bad --soul is an error with exit code 1 and never echoes the soul', async () => {
    const tooShort = c.custom.soul.slice(0, -4)
    for (const bad of ['not-a-soul', tooShort, c.custom.soul + 'zz', 'x'.repeat(100_000), '0OIl']) {
      const r = await run([...hw, '--name', 'lisa', '--soul', bad, '--json'])
      expect(r.code, bad.slice(0, 20)).toBe(1)
      expect(r.out).toEqual([])
      expect(r.err.join('\n')).toMatch(/invalid soul/)
      expect(r.err.join('\n')).not.toContain(bad.slice(0, 12))
    }
    const fromEnv = await run([...hw, '--json'], { NARA_SOUL: 'nope' })
    expect(fromEnv.code).toBe(1)
  })

  it('unknown flags and missing values are usage errors (exit 2)', async () => {
    expect((await run(['--bogus'])).code).toBe(2)
    expect((await run(['--name'])).code).toBe(2)
    expect((await run(['stray'])).code).toBe(2)
  })

  it('an empty effective name is refused', async () => {
    const r = await run([...hw, '--hostname', ''])
    expect(r.code).toBe(1)
    expect(r.out).toEqual([])
  })

  it('--help prints usage', async () => {
    const r = await run(['--help'])
    expect(r.code).toBe(0)
    expect(r.out[0]).toMatch(/^usage: nara soul/)
  })

  it('prints a readable summary without --json', async () => {
    const r = await run([...hw, '--name', c.custom.name])
    expect(r.code).toBe(0)
    const text = r.out.join('\n')
    for (const v of [c.custom.name, c.custom.soul, c.custom.nara_id, c.custom.public_key, 'bonded', 'personality']) {
      expect(text).toContain(v)
    }
    expect(text).toContain(c.custom.gemstone)
  })

  it('without overrides it shows the identity `nara run` uses: this machine, its host name, the same soul source', async () => {
    const j = await runJson([])
    const m = thisMachine()
    const expected = determineIdentity({ nameArg: '', soulArg: '', hostname: m.hostname, fingerprint: m.fingerprint() })
    expect(j).toMatchObject({ name: expected.name, soul: expected.soulText, id: expected.id, bonded: true, native: true, derivation: nameDerivation('', m.hostname) })
    // …and `nara run` with no flags builds exactly that identity (same runtime soul source).
    const rt = createRuntime({ settings: memorySettingsStore({ transport: 'gossip' }), machine: m, nativeWithoutKeychain: true, controlSocket: false })
    try {
      await rt.start()
      expect(rt.node!.identity.id).toBe(j.id)
    } finally {
      await rt.stop(200)
    }
  })

  it('says how the name was derived: custom name, native (host name) or generated name', async () => {
    expect((await runJson([...hw, '--name', c.custom.name])).derivation).toBe('custom name')
    expect((await runJson([...hw, '--hostname', 'lisas-laptop'])).derivation).toBe('native')
    expect((await runJson([...hw, '--hostname', 'ubuntu'])).derivation).toBe('generated name')
    expect((await runJson([...hw, '--name', 'bananara'])).derivation).toBe('generated name')
    expect((await run([...hw, '--name', c.custom.name])).out.join('\n')).toMatch(/derivation\s+custom name/)
  })
})
