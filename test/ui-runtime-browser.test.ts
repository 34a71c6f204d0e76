/**
 * The first-run experience in Debian's Chromium against a fresh headless runtime: the real
 * `nara run --config <empty dir>/settings.json --ui` child process (the same runtime, renderer
 * bundle and commands as the Electron window), an aedes broker and two mesh peers on 127.0.63.x.
 * The first-run screen shows by itself; bad input (an unreachable broker, a name another nara holds) is explained; a join with the real keychain
 * (gnome-keyring under dbus-run-session) and one with no keychain; neighbours, newspapers and zine
 * traffic; a settings change re-joins; quit says chau. Screenshots in test-artifacts/screenshots/.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { NodeMesh } from '../main/core/mesh/nodeMesh'
import type { NaraNode } from '../main/core/node'
import { startAedes, type TestBroker } from './support/brokers'
import { eventually, makeNode } from './support/nodes'
import { builtRendererDir, launchChromium, screenshotDir } from './support/uiBrowser'
import { repoRoot } from './support/vectors'

interface Child {
  proc: ChildProcess
  err: string[]
  url: string
  dir: string
  exited: Promise<number | null>
}

const peers: { node: NaraNode; mesh: NodeMesh }[] = []
let broker: TestBroker
let browser: Browser
const children: Child[] = []
const pageErrors: string[] = []

function keychainWorks(): Promise<boolean> {
  const keytar = createRequire(import.meta.url)('keytar') as { setPassword(s: string, a: string, p: string): Promise<void>; deletePassword(s: string, a: string): Promise<boolean> }
  return keytar.setPassword('nara-test-probe', 'probe', 'x').then(
    () => keytar.deletePassword('nara-test-probe', 'probe').then(() => true),
    () => false
  )
}

async function startRuntime(env: Record<string, string | undefined>): Promise<Child> {
  const dir = mkdtempSync(join(tmpdir(), 'nara-fresh-'))
  const runtimeDir = join(dir, 'run')
  mkdirSync(runtimeDir, { mode: 0o700 })
  const proc = spawn(process.execPath, [join(repoRoot, 'out/cli/nara.mjs'), 'run', '--config', join(dir, 'config', 'settings.json'), '--ui', '127.0.0.1:0'], {
    env: { PATH: process.env.PATH, HOME: dir, XDG_RUNTIME_DIR: runtimeDir, XDG_CONFIG_HOME: join(dir, 'config'), XDG_DATA_HOME: join(dir, 'data'), ...env },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  const err: string[] = []
  let buf = ''
  proc.stderr!.on('data', (d: Buffer) => {
    buf += d.toString()
    const lines = buf.split('\n')
    buf = lines.pop() ?? ''
    err.push(...lines)
  })
  proc.stdout!.resume()
  const exited = new Promise<number | null>((r) => proc.on('exit', (code) => r(code)))
  const child: Child = { proc, err, url: '', dir, exited }
  children.push(child)
  await eventually(() => expect(err.some((l) => l.startsWith('dashboard: '))).toBe(true), 15_000)
  child.url = err.find((l) => l.startsWith('dashboard: '))!.slice('dashboard: '.length)
  return child
}

async function openPage(url: string): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 860 }, deviceScaleFactor: 1 })
  page.on('pageerror', (e) => pageErrors.push(String(e)))
  await page.goto(url)
  return page
}

const shot = (page: Page, name: string): Promise<Buffer> => page.screenshot({ path: join(screenshotDir(), `${name}.png`), fullPage: true })

function meshPeer(name: string, ip: string): { node: NaraNode; mesh: NodeMesh } {
  const node = makeNode(name, broker.url, { transport: 'hybrid', meshIP: ip })
  const mesh = new NodeMesh({ listen: { host: ip, port: 7433 }, transport: 'hybrid', scanCidr: '127.0.63.0/29', config: { gossip: { firstDelayMs: 3_600_000 }, discovery: { firstDelayMs: 3_600_000 } } })
  node.attachMesh(mesh)
  const p = { node, mesh }
  peers.push(p)
  return p
}

async function fillJoin(page: Page, o: { network: string; name: string; broker?: string; soul?: 'native' | 'paste' }): Promise<void> {
  await page.check(`[data-network="${o.network}"]`)
  await page.fill('[data-field="name"]', o.name)
  if (o.broker !== undefined) await page.fill('[data-field="brokerUrl"]', o.broker)
  if (o.soul) await page.check(`[data-soul="${o.soul}"]`)
}

beforeAll(async () => {
  builtRendererDir()
  mkdirSync(screenshotDir(), { recursive: true })
  broker = await startAedes()
  meshPeer('fr-lisa', '127.0.63.3')
  meshPeer('fr-bart', '127.0.63.4')
  await Promise.all(peers.map((p) => p.node.start()))
  browser = await launchChromium()
}, 60_000)

afterAll(async () => {
  await browser?.close()
  for (const c of children) if (c.proc.exitCode === null) c.proc.kill('SIGKILL')
  await Promise.all(peers.map((p) => p.node.stop(2000)))
  await broker?.stop()
})

describe('a fresh headless runtime in Chromium: first run, join, traffic, settings, quit', () => {
  it('with the keychain: first run by itself, bad input explained, join, neighbours, newspapers, zines, settings re-join, chau', async (ctx) => {
    if (!(await keychainWorks())) {
      console.log('[ui-runtime-browser] NO keyring in this session (run under dbus-run-session with gnome-keyring): keychain case skipped')
      ctx.skip()
    }
    const child = await startRuntime({ DBUS_SESSION_BUS_ADDRESS: process.env.DBUS_SESSION_BUS_ADDRESS })
    const page = await openPage(child.url)
    // 1. The first-run screen appears by itself: nothing was pushed, the page asked.
    await page.waitForSelector('[data-view="join"] form[data-first-run="true"]', { timeout: 10_000 })
    expect(await page.locator('[data-no-keychain]').count()).toBe(0)
    expect(await page.textContent('[data-view="join"]')).toContain('The public nara plaza')
    await shot(page, 'runtime-01-first-run')

    // 2. Bad input: an unreachable broker → a clear sentence within seconds, nothing saved.
    await fillJoin(page, { network: 'broker', name: 'fr-home', broker: 'mqtt://127.0.0.1:9' })
    const t0 = Date.now()
    await page.click('[data-action="join"]')
    await page.waitForSelector('[data-join-error]', { timeout: 12_000 })
    expect(Date.now() - t0).toBeLessThan(10_000)
    expect(await page.textContent('[data-join-error]')).toMatch(/Can't reach the plaza at 127\.0\.0\.1:9|did not answer/)
    expect(existsSync(join(child.dir, 'config', 'settings.json'))).toBe(false)
    await shot(page, 'runtime-02-bad-broker')

    // 3. Join "another broker" (our aedes) with the keychain.
    await page.fill('[data-field="brokerUrl"]', broker.url)
    await page.click('[data-action="join"]')
    await page.waitForSelector('[data-self-name]:has-text("fr-home")', { timeout: 15_000 })
    await page.waitForSelector('[data-node-state]:has-text("online")', { timeout: 15_000 })
    expect(await page.locator('[data-step="keychain"].done').count()).toBe(1)
    const saved = JSON.parse(readFileSync(join(child.dir, 'config', 'settings.json'), 'utf8')) as Record<string, unknown>
    expect(saved).toMatchObject({ name: 'fr-home', plaza: 'broker', brokerUrl: broker.url })
    // Only the choice of soul source is a setting, never a soul (no Base58 key material in the file).
    expect(saved.soulSource).toBe('keychain')
    expect(JSON.stringify(saved)).not.toMatch(/[1-9A-HJ-NP-Za-km-z]{40,}/)
    // No tailnet here: the UI says there is no mesh, and nothing is advertised.
    expect(await page.textContent('[data-mesh-off]')).toMatch(/No mesh/)
    await shot(page, 'runtime-03-joined-keychain')

    // 4. Neighbours and newspapers from the two peers.
    await page.click('[data-nav="neighbours"]')
    for (const name of ['fr-lisa', 'fr-bart']) await page.waitForSelector(`[data-nara="${name}"] [data-status="ONLINE"]`, { timeout: 15_000 })
    await shot(page, 'runtime-04-neighbours')
    for (const p of peers) p.node.publishNewspaper()
    await page.click('[data-nav="newspapers"]')
    await page.waitForSelector('[data-view="newspapers"] :text("fr-lisa")', { timeout: 10_000 })
    await shot(page, 'runtime-05-newspapers')

    // 5. A settings change (a mesh address) re-joins; then zines from both mesh peers show up.
    await page.click('[data-nav="settings"]')
    await page.waitForSelector('[data-field="meshIP"]')
    await page.fill('[data-field="meshIP"]', '127.0.63.2')
    await page.click('[data-action="save"]')
    await page.waitForSelector('[data-saved]', { timeout: 20_000 })
    expect(await page.textContent('[data-saved]')).toContain('re-joined')
    await page.waitForSelector('[data-mesh-state]:has-text("Mesh on 127.0.63.2:7433")', { timeout: 15_000 })
    await page.waitForSelector('[data-self-name]:has-text("fr-home")', { timeout: 15_000 })
    await shot(page, 'runtime-06-settings-rejoined')
    for (const p of peers) await eventually(() => expect(p.mesh.mesh!.host.directory.onlineMeshPeers()).toContain('fr-home'), 15_000)
    for (const p of peers) await p.mesh.mesh!.gossip.runRound()
    await page.click('[data-nav="zines"]')
    for (const name of ['fr-lisa', 'fr-bart']) await page.waitForSelector(`[data-view="zines"] :text("${name}")`, { timeout: 10_000 })
    await shot(page, 'runtime-07-zine-traffic')

    // 6. Quit says chau: the peers see fr-home leave.
    child.proc.kill('SIGTERM')
    expect(await child.exited).toBe(0)
    expect(child.err.join('\n')).toMatch(/saying chau/)
    await eventually(() => expect(peers[0]!.node.neighbour('fr-home')?.status).toBe('OFFLINE'), 5000)
    await page.waitForSelector('[data-disconnected]', { timeout: 10_000 })
    await shot(page, 'runtime-08-after-quit')
    await page.close()
    expect(pageErrors).toEqual([])
  }, 120_000)

  it('with no keychain reachable: the screen says so, the keychain step is not ticked, the native soul joins unstored', async () => {
    const child = await startRuntime({ DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent/bus' })
    const page = await openPage(child.url)
    await page.waitForSelector('[data-view="join"] form[data-first-run="true"]', { timeout: 10_000 })
    await page.waitForSelector('[data-no-keychain]')
    await shot(page, 'runtime-09-no-keychain')
    // A name another nara holds on this plaza (fr-lisa is online): refused with its reason, nothing saved, fr-lisa undisturbed.
    await fillJoin(page, { network: 'broker', name: 'fr-lisa', broker: broker.url, soul: 'native' })
    await page.click('[data-action="join"]')
    await page.waitForSelector('[data-join-error]', { timeout: 15_000 })
    expect(await page.textContent('[data-join-error]')).toMatch(/Another nara is already using the name "fr-lisa" on the plaza at 127\.0\.0\.1:\d+/)
    expect(existsSync(join(child.dir, 'config', 'settings.json'))).toBe(false)
    expect(peers[0]!.node.plaza!.connects).toBe(1)
    // The no-keychain note keeps the keychain's reason; the join's error is in its own place.
    expect(await page.textContent('[data-no-keychain]')).not.toContain('fr-lisa')
    await shot(page, 'runtime-09b-name-taken')
    await page.fill('[data-field="name"]', 'fr-nokey')
    await page.click('[data-action="join"]')
    await page.waitForSelector('[data-node-state]:has-text("online")', { timeout: 15_000 })
    expect(await page.locator('[data-step="keychain"].done').count()).toBe(0)
    expect(await page.textContent('[data-step="keychain"]')).toContain('none here')
    await eventually(() => expect(peers[0]!.node.neighbour('fr-nokey')?.status).toBe('ONLINE'), 10_000)
    await shot(page, 'runtime-10-no-keychain-joined')
    // Leave: the screen ends on "left", not on "saying chau".
    await page.click('[data-action="leave"]')
    await page.waitForSelector('[data-node-state]:has-text("offline")', { timeout: 10_000 })
    await page.waitForSelector('[data-join-progress="left"]', { timeout: 5000 })
    await shot(page, 'runtime-11-left')
    child.proc.kill('SIGTERM')
    expect(await child.exited).toBe(0)
    await page.close()
    expect(pageErrors).toEqual([])
  }, 60_000)
})
