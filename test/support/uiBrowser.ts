/** Debian's Chromium under playwright-core, with the flags this machine needs. */
import { existsSync } from 'node:fs'
import { resolve } from 'node:path'
import { chromium, type Browser } from 'playwright-core'
import { repoRoot } from './vectors'

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic'
]

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: process.env.NARA_CHROMIUM ?? '/usr/bin/chromium', args: CHROMIUM_ARGS, headless: true })
}

/** The built renderer; a missing build is a clear failure, never a skip. */
export function builtRendererDir(): string {
  const dir = resolve(repoRoot, 'out/renderer')
  if (!existsSync(resolve(dir, 'index.html'))) {
    throw new Error(`The UI is not built (${dir}/index.html is missing): run \`npm run build\` before the UI tests.`)
  }
  return dir
}

export const screenshotDir = (): string => resolve(repoRoot, 'test-artifacts/screenshots')
