/**
 * The built Electron main (out/main/index.js) run under plain Node with a stand-in `electron`
 * module (test/support/electron-standin/, resolved by a module hook): the real bundle, the real
 * runtime, the real electron-store — only Electron's native API is played by the stand-in, which
 * writes every call to a journal. Checks the wiring no unit test can: AUMID, macOS `activate`,
 * tray before the keychain answer, a window on first start, startup errors shown, chau on quit.
 */
import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { eventually } from './support/nodes'
import { repoRoot } from './support/vectors'

interface Entry {
  what: string
  ms: number
  [k: string]: unknown
}

function startBundle(env: Record<string, string>): { journal: () => Entry[]; stop: () => Promise<{ code: number | null; ms: number }>; stderr: string[] } {
  if (!existsSync(join(repoRoot, 'out/main/index.js'))) throw new Error('out/main/index.js is missing: run `npm run build` first')
  const home = mkdtempSync(join(tmpdir(), 'nara-bundle-'))
  const journalPath = join(home, 'journal.jsonl')
  const child = spawn(process.execPath, ['--import', './test/support/electron-standin/register.mjs', 'out/main/index.js'], {
    cwd: repoRoot,
    env: { PATH: process.env.PATH ?? '', HOME: home, STANDIN_JOURNAL: journalPath, STANDIN_HOME: home, XDG_RUNTIME_DIR: home, XDG_CURRENT_DESKTOP: 'KDE', DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent/bus', ...env },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  const stderr: string[] = []
  child.stdout.on('data', (d: Buffer) => stderr.push(d.toString()))
  child.stderr.on('data', (d: Buffer) => stderr.push(d.toString()))
  const exited = new Promise<number | null>((r) => child.on('exit', (c) => r(c)))
  return {
    stderr,
    journal: () => (existsSync(journalPath) ? readFileSync(journalPath, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Entry) : []),
    stop: async () => {
      const t0 = Date.now()
      child.kill('SIGTERM')
      const code = await exited
      return { code, ms: Date.now() - t0 }
    }
  }
}

const first = (j: Entry[], what: string, pred: (e: Entry) => boolean = () => true): Entry | undefined => j.find((e) => e.what === what && pred(e))
const index = (j: Entry[], what: string, pred?: (e: Entry) => boolean): number => j.indexOf(first(j, what, pred)!)

describe('the built main bundle with a stand-in electron', () => {
  it('first start without a keychain: AUMID, activate, tray before the keychain answer, a window on app://, chau on SIGTERM', async () => {
    const app = startBundle({})
    await eventually(() => expect(first(app.journal(), 'Tray.setToolTip', (e) => /keychain/i.test(String(e.text)))).toBeDefined(), 10_000)
    await eventually(() => expect(first(app.journal(), 'BrowserWindow.loadURL')).toBeDefined(), 5000)
    const j = app.journal()
    expect(first(j, 'app.setAppUserModelId')).toMatchObject({ id: 'network.nara.desktop' })
    expect(first(j, 'app.on', (e) => e.event === 'activate')).toBeDefined()
    // The tray exists before the keychain has answered (its answer shows up in the tooltip).
    expect(index(j, 'Tray.new')).toBeLessThan(index(j, 'Tray.setToolTip', (e) => /keychain/i.test(String(e.text))))
    expect(String(first(j, 'Tray.setToolTip', (e) => /keychain/i.test(String(e.text)))!.text)).toMatch(/No keychain is reachable/)
    // First run: the window opens by itself, sandboxed, on the app:// page.
    expect(first(j, 'BrowserWindow.new')).toMatchObject({ sandbox: true, contextIsolation: true })
    expect(first(j, 'BrowserWindow.loadURL')).toMatchObject({ url: 'app://nara/index.html' })
    // No first-run message is pushed at the page: it asks for its state itself.
    expect(j.filter((e) => e.what === 'webContents.send')).toEqual([])
    const { code, ms } = await app.stop()
    expect(code).toBe(0)
    expect(ms).toBeLessThan(2500)
    expect(first(app.journal(), 'app.exit')).toMatchObject({ code: 0 })
    expect(app.stderr.join('')).toMatch(/quit: chau sent/)
  }, 30_000)

  it('an error thrown inside main() is reported in a dialog, not swallowed', async () => {
    const app = startBundle({ STANDIN_THROW: 'protocol.handle' })
    await eventually(() => expect(first(app.journal(), 'dialog.showErrorBox')).toBeDefined(), 10_000)
    expect(first(app.journal(), 'dialog.showErrorBox')).toMatchObject({ title: 'Nara Desktop could not start', content: 'stand-in: protocol.handle failed on purpose' })
    expect(app.stderr.join('')).toMatch(/startup failed: stand-in: protocol.handle failed on purpose/)
    await app.stop()
  }, 30_000)

  it('where the tray cannot be created, the window still opens (the app is seen to run)', async () => {
    const app = startBundle({ STANDIN_THROW: 'Tray' })
    await eventually(() => expect(first(app.journal(), 'BrowserWindow.loadURL')).toBeDefined(), 10_000)
    expect(first(app.journal(), 'Tray.new')).toBeUndefined()
    expect(app.stderr.join('')).toMatch(/tray unavailable/)
    expect((await app.stop()).code).toBe(0)
  }, 30_000)
})
