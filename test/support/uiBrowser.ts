/** Debian's Chromium under playwright-core, with the flags this machine needs. */
import { existsSync } from 'node:fs'
import { resolve } from 'node:path'
import { chromium, type Browser, type Page } from 'playwright-core'
import type { DataPlane } from '../../main/core/bus/dataPlane'
import type { CommandRouter } from '../../main/core/bus/control/router'
import { startUiServer, type UiServer } from '../../main/core/ui/server'
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

/** The built UI served for a node's data and control planes, open in a Chromium page; `close` frees both. */
export async function openUi(opts: { dataPlane: DataPlane; control: CommandRouter; height?: number }): Promise<{ page: Page; pageErrors: string[]; close(): Promise<void> }> {
  const ui: UiServer = await startUiServer({ host: '127.0.0.1', port: 0, dataPlane: opts.dataPlane, control: opts.control, rendererDir: builtRendererDir(), log: () => {} })
  const browser = await launchChromium()
  const page = await browser.newPage({ viewport: { width: 1280, height: opts.height ?? 800 }, deviceScaleFactor: 1 })
  const pageErrors: string[] = []
  page.on('pageerror', (e) => pageErrors.push(String(e)))
  await page.goto(ui.url)
  return {
    page,
    pageErrors,
    async close() {
      await browser.close()
      await ui.close()
    }
  }
}
