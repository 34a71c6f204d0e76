/**
 * Developer tooling: the dev-only CSP lets Vite's injected styles through while the built UI and
 * the app:// protocol keep `style-src 'self'`; `npm start` rebuilds when a source is newer than
 * out/ and runs npm through a shell on Windows.
 */
import { mkdirSync, mkdtempSync, readFileSync, utimesSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { CONTENT_SECURITY_POLICY } from '../main/desktop/security'
import { devContentSecurityPolicy, devCspPlugin } from '../scripts/dev-csp.mjs'
import { buildNeeded, npmSpawn, OUTPUTS, SOURCES } from '../scripts/start-plan.mjs'
import { repoRoot } from './support/vectors'

const styleSrc = (html: string): string => /style-src ([^;"]*)/.exec(html)?.[1] ?? ''

describe('Content-Security-Policy in dev and production', () => {
  it("dev: style-src gains 'unsafe-inline' and nothing else changes; the plugin runs only in the dev server", () => {
    const html = readFileSync(join(repoRoot, 'renderer/index.html'), 'utf8')
    const dev = devContentSecurityPolicy(html)
    expect(styleSrc(html)).toBe("'self'")
    expect(styleSrc(dev)).toBe("'self' 'unsafe-inline'")
    expect(dev.replace(" 'unsafe-inline'", '')).toBe(html)
    expect(/script-src ([^;"]*)/.exec(dev)?.[1]).toBe("'self'")
    expect(devCspPlugin().apply).toBe('serve')
  })

  it("Vite's dev server with the dev CSP plugin serves the page with the dev policy (its client script included)", async () => {
    const { createServer } = await import('vite')
    const server = await createServer({ configFile: false, root: join(repoRoot, 'renderer'), logLevel: 'silent', plugins: [devCspPlugin()], server: { middlewareMode: true, hmr: false } })
    try {
      const html = await server.transformIndexHtml('/index.html', readFileSync(join(repoRoot, 'renderer/index.html'), 'utf8'))
      expect(styleSrc(html)).toBe("'self' 'unsafe-inline'")
      expect(html).toContain('/@vite/client')
    } finally {
      await server.close()
    }
  })

  it("production: the built page and the app:// header keep style-src 'self'", () => {
    const built = readFileSync(join(repoRoot, 'out/renderer/index.html'), 'utf8')
    expect(styleSrc(built)).toBe("'self'")
    expect(CONTENT_SECURITY_POLICY).toContain("style-src 'self'")
    expect(CONTENT_SECURITY_POLICY).not.toContain('unsafe-inline')
  })
})

describe('npm start', () => {
  function tree(): string {
    const root = mkdtempSync(join(tmpdir(), 'nara-start-'))
    for (const f of ['main/index.ts', 'preload/index.ts', 'renderer/index.html', 'package.json']) {
      mkdirSync(dirname(join(root, f)), { recursive: true })
      writeFileSync(join(root, f), 'x')
    }
    return root
  }
  const age = (path: string, secondsAgo: number): void => {
    const t = Date.now() / 1000 - secondsAgo
    utimesSync(path, t, t)
  }

  it('builds when out/ is missing, rebuilds when a source is newer, and not when out/ is fresh', () => {
    const root = tree()
    expect(buildNeeded(root)).toBe('missing')
    for (const o of OUTPUTS) {
      mkdirSync(dirname(join(root, o)), { recursive: true })
      writeFileSync(join(root, o), 'built')
    }
    for (const s of ['main/index.ts', 'preload/index.ts', 'renderer/index.html', 'package.json', 'main', 'preload', 'renderer']) age(join(root, s), 60)
    expect(buildNeeded(root)).toBeNull()
    age(join(root, 'main/index.ts'), 0)
    age(join(root, OUTPUTS[0]!), 30)
    expect(buildNeeded(root)).toBe('stale')
    expect(SOURCES).toContain('renderer')
  })

  it('runs npm through a shell on Windows only', () => {
    expect(npmSpawn('win32')).toEqual({ command: 'npm.cmd', shell: true })
    expect(npmSpawn('linux')).toEqual({ command: 'npm', shell: false })
    expect(npmSpawn('darwin').shell).toBe(false)
  })
})
