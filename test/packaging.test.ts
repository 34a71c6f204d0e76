/**
 * Packaging, as far as it can run offline: electron-builder `--linux dir` with `electronDist`
 * pointing at a stand-in Electron folder made here (a shell script carrying Electron's fuse
 * sentinel and a default fuse wire — the real binary cannot be downloaded). This checks OUR
 * configuration (files, asar, unpacked native module, fuses), not Electron. The deb/AppImage
 * targets need tools downloaded at build time; their required metadata is checked instead.
 */
import { spawnSync } from 'node:child_process'
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { repoRoot } from './support/vectors'

const require = createRequire(import.meta.url)
const SENTINEL = 'dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX'
// Electron's defaults for fuse wire v1 (8 fuses): RunAsNode on, cookie encryption off,
// NODE_OPTIONS on, --inspect on, asar integrity off, only-asar off, V8 snapshot off, file:// on.
const DEFAULT_WIRE = '10110001'

interface BuilderConfig {
  appId: string
  linux: { category?: string; maintainer?: string; target: string[] }
  deb: { depends: string[] }
  electronFuses: Record<string, boolean>
}

const config = (): BuilderConfig => (require('js-yaml') as { load(s: string): unknown }).load(readFileSync(join(repoRoot, 'electron-builder.yml'), 'utf8')) as BuilderConfig

function standInElectron(dir: string): void {
  mkdirSync(dir, { recursive: true })
  const script = Buffer.concat([
    Buffer.from("#!/bin/sh\necho 'stand-in Electron (test/packaging.test.ts): not a real Electron' >&2\nexit 1\n# "),
    Buffer.from(SENTINEL),
    Buffer.from([1, DEFAULT_WIRE.length]),
    Buffer.from(DEFAULT_WIRE + '\n')
  ])
  writeFileSync(join(dir, 'electron'), script)
  chmodSync(join(dir, 'electron'), 0o755)
  const version = (require(join(repoRoot, 'node_modules/electron/package.json')) as { version: string }).version
  writeFileSync(join(dir, 'version'), version)
}

describe('deb and AppImage metadata', () => {
  it('homepage, author e-mail, maintainer and category are present (electron-builder refuses the deb without them)', () => {
    const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { homepage?: string; author?: { name?: string; email?: string }; desktopName?: string }
    expect(pkg.desktopName).toBe('nara-desktop.desktop')
    expect(pkg.homepage).toMatch(/^https:\/\//)
    expect(pkg.author?.email).toMatch(/^[^@\s]+@[^@\s]+\.[a-z]+$/)
    const c = config()
    expect(c.linux.maintainer).toMatch(/<[^@\s]+@[^@\s]+>/)
    expect(c.linux.category).toBe('Network')
    expect(c.linux.target).toEqual(expect.arrayContaining(['AppImage', 'deb']))
  })

  it("deb.depends extends electron-builder's default list instead of replacing it", () => {
    const FpmTarget = (require('app-builder-lib/out/targets/FpmTarget.js') as { default: { prototype: { getDefaultDepends(t: string): string[] } } }).default
    const defaults = FpmTarget.prototype.getDefaultDepends.call(null, 'deb')
    expect(defaults.length).toBeGreaterThan(5)
    const depends = config().deb.depends
    expect(depends.slice(0, defaults.length)).toEqual(defaults)
    expect(depends.length).toBeGreaterThan(defaults.length)
  })
})

describe('electron-builder --linux dir with a stand-in Electron', () => {
  it('finishes offline; the asar holds out/ and the production modules only; keytar.node is unpacked; our fuses are applied', () => {
    if (!existsSync(join(repoRoot, 'out/main/index.js')) || !existsSync(join(repoRoot, 'out/renderer/index.html'))) {
      throw new Error('out/ is not built: run `npm run build` before the packaging test')
    }
    const work = mkdtempSync(join(tmpdir(), 'nara-pack-'))
    const dist = join(work, 'electron-dist')
    standInElectron(dist)
    const r = spawnSync(
      process.execPath,
      [join(repoRoot, 'node_modules/electron-builder/cli.js'), '--config', 'electron-builder.yml', '--linux', 'dir', `-c.electronDist=${dist}`, '-c.npmRebuild=false', `-c.directories.output=${join(work, 'out')}`],
      { cwd: repoRoot, encoding: 'utf8', timeout: 240_000, env: { ...process.env, ELECTRON_BUILDER_OFFLINE: 'true' } }
    )
    expect(r.status, `${r.stdout}\n${r.stderr}`).toBe(0)
    const app = join(work, 'out/linux-unpacked')
    const asar = require('@electron/asar') as { listPackage(p: string): string[] }
    const files = new Set(asar.listPackage(join(app, 'resources/app.asar')))
    for (const f of ['/package.json', '/out/main/index.js', '/out/preload/index.cjs', '/out/renderer/index.html', '/out/cli/nara.mjs']) expect(files.has(f), f).toBe(true)
    const modules = new Set([...files].filter((f) => f.startsWith('/node_modules/')).map((f) => f.split('/')[2]))
    for (const dep of ['mqtt', 'tweetnacl', 'electron-store', 'zod', 'ws', 'aedes', 'keytar']) expect(modules.has(dep), dep).toBe(true)
    for (const dev of ['electron', 'vitest', 'playwright-core', 'svelte', 'electron-builder', 'typescript', 'vite']) expect(modules.has(dev), dev).toBe(false)
    expect([...files].some((f) => f.endsWith('.map'))).toBe(false)
    expect(existsSync(join(app, 'resources/app.asar.unpacked/node_modules/keytar/build/Release/keytar.node'))).toBe(true)
    expect(existsSync(join(app, 'resources/resources/icon.png'))).toBe(true)
    // The fuse wire in the packaged "binary": run-as-node, NODE_OPTIONS and --inspect off;
    // cookie encryption, asar integrity and only-asar on (electron-builder.yml electronFuses).
    const bin = readFileSync(join(app, 'nara-desktop'))
    const at = bin.indexOf(SENTINEL) + SENTINEL.length
    expect(bin.subarray(at + 2, at + 2 + DEFAULT_WIRE.length).toString()).toBe('01001101')
  }, 240_000)
})
