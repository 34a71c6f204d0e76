/**
 * The Svelte UI in Debian's Chromium against a real headless node: three NaraNodes (hybrid:
 * plaza on a real aedes broker + mesh HTTP on 127.0.58.x), the node's data plane and control
 * plane served by the headless UI server over the sealed WebSocket. Screenshots of each view go
 * to test-artifacts/screenshots/.
 */
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DataPlane } from '../main/core/bus/dataPlane'
import { bridgeNode, type NodeBridge } from '../main/core/bus/nodeBridge'
import { createCommandRouter } from '../main/core/bus/control/router'
import { NodeMesh } from '../main/core/mesh/nodeMesh'
import type { NaraNode } from '../main/core/node'
import { startUiServer, type UiServer } from '../main/core/ui/server'
import type { ZineExchangeView } from '../main/core/views'
import mqtt from 'mqtt'
import { signerFromSeed, sha256 } from '../main/core/protocol/crypto'
import { buildNewspaper } from '../main/core/protocol/newspaper'
import { encodeEvent, newHeyThereEvent, newSocialEvent, signEvent } from '../main/core/protocol/events'
import { zeroStatus } from '../main/core/protocol/status'
import { startAedes, type TestBroker } from './support/brokers'
import { eventually, makeNode } from './support/nodes'
import { builtRendererDir, launchChromium, screenshotDir } from './support/uiBrowser'

interface Running {
  node: NaraNode
  mesh: NodeMesh
}

const HOME = 'ui-home'
const LISA = 'ui-lisa'
const BART = 'ui-bart'

let broker: TestBroker
let nodes: Record<string, Running>
let plane: DataPlane
let bridge: NodeBridge
let ui: UiServer
let browser: Browser
let page: Page
const zines: ZineExchangeView[] = []
const cspViolations: string[] = []
const pageErrors: string[] = []

function meshNode(name: string, ip: string, peers: string): Running {
  const node = makeNode(name, broker.url, { transport: 'hybrid', meshIP: ip })
  const mesh = new NodeMesh({
    listen: { host: ip, port: 7433 },
    transport: 'hybrid',
    scanCidr: peers,
    // Rounds are driven by the test; no background gossip or discovery.
    config: { gossip: { firstDelayMs: 3_600_000 }, discovery: { firstDelayMs: 3_600_000 } }
  })
  node.attachMesh(mesh)
  return { node, mesh }
}

async function shot(view: string): Promise<void> {
  await page.screenshot({ path: join(screenshotDir(), `${view}.png`) })
}

async function nav(view: string): Promise<void> {
  await page.click(`[data-nav="${view}"]`)
  await page.waitForSelector(`[data-view="${view}"]`)
}

const row = (name: string): string => `[data-nara="${name}"]`

beforeAll(async () => {
  const rendererDir = builtRendererDir()
  mkdirSync(screenshotDir(), { recursive: true })
  broker = await startAedes()
  nodes = {
    [HOME]: meshNode(HOME, '127.0.58.2', '127.0.58.0/29'),
    [LISA]: meshNode(LISA, '127.0.58.3', '127.0.58.0/29'),
    [BART]: meshNode(BART, '127.0.58.4', '127.0.58.0/29')
  }
  const home = nodes[HOME]!.node
  home.on('zine', (z) => zines.push(z))
  plane = new DataPlane()
  bridge = bridgeNode(home, plane)
  await Promise.all(Object.values(nodes).map((r) => r.node.start()))
  ui = await startUiServer({ host: '127.0.0.1', port: 0, dataPlane: plane, control: createCommandRouter(home), rendererDir, log: () => {} })
  browser = await launchChromium()
  page = await browser.newPage({ viewport: { width: 1280, height: 800 }, deviceScaleFactor: 1 })
  page.on('console', (m) => {
    if (/Content Security Policy/i.test(m.text())) cspViolations.push(m.text())
  })
  page.on('pageerror', (e) => pageErrors.push(String(e)))
  await page.goto(ui.url)
}, 60_000)

afterAll(async () => {
  await browser?.close()
  await ui?.close()
  bridge?.close()
  await Promise.all(Object.values(nodes ?? {}).map((r) => r.node.stop(2000)))
  await broker?.stop()
})

describe('Svelte UI in Chromium against a headless node', () => {
  it('lists the other two naras ONLINE with names and aura avatars; the token left the address bar', async () => {
    for (const name of [LISA, BART]) {
      await page.waitForSelector(`${row(name)} [data-status="ONLINE"]`, { timeout: 8000 })
      expect(await page.textContent(`${row(name)} .name`)).toBe(name)
      // Seen by us, so an uptime is known from the first sighting on (it ticks from there).
      // (0 s reads as unknown, so wait for the first tick under a loaded machine.)
      await page.waitForFunction((sel) => /^\d+s$|^\d+m( \d+s)?$/.test(document.querySelector(sel)?.textContent ?? ''), `${row(name)} [data-uptime]`, { timeout: 5000 })
      // Heard on the plaza; no mesh contact yet (the test drives the gossip rounds).
      expect(await page.textContent(`${row(name)} [data-via]`)).toBe('plaza')
      const avatar = page.locator(`${row(name)} svg[data-avatar="${name}"]`)
      expect(await avatar.count()).toBe(1)
      // the aura gradient is drawn in the nara's own colours
      const stops = await avatar.locator('stop').evaluateAll((els) => els.map((e) => e.getAttribute('stop-color')))
      expect(stops[0]).toMatch(/^#[0-9a-f]{6}$/)
    }
    expect(await page.locator(row(HOME)).count()).toBe(0)
    expect(await page.textContent('[data-self-name]')).toBe(HOME)
    expect(page.url()).not.toContain('token')
    await shot('neighbours')
  })

  it('a newspaper appears in the feed', async () => {
    await nav('newspapers')
    expect(nodes[LISA]!.node.publishNewspaper()).toBe(true)
    await page.waitForSelector(`[data-newspaper="${LISA}"]`, { timeout: 5000 })
    await page.click(`[data-newspaper="${LISA}"]`)
    await page.waitForSelector(`[data-paper-card="${LISA}"] [data-field="flair"]`)
    expect(await page.textContent(`[data-paper-card="${LISA}"] [data-field="flair"]`)).toBe(nodes[LISA]!.node.selfView().flair)
    await page.click(`[data-paper-card="${LISA}"] details.raw summary`)
    await page.waitForSelector('[data-raw-paper]')
    expect(await page.textContent('[data-raw-paper]')).toContain('"Flair"')
    await shot('newspapers')
  })

  it('a gossip round shows in zine traffic with the right peer and counts', async () => {
    await nav('zines')
    const home = nodes[HOME]!.mesh.mesh!
    await eventually(() => expect(home.host.directory.onlineMeshPeers().sort()).toEqual([BART, LISA]))
    await home.gossip.runRound({ force: true })
    await eventually(() => expect(zines.length).toBeGreaterThan(0))
    const totals = new Map<string, { rounds: number; inn: number; out: number }>()
    for (const z of zines) {
      const t = totals.get(z.peer) ?? { rounds: 0, inn: 0, out: 0 }
      t.rounds++
      t.inn += z.eventsIn
      t.out += z.eventsOut
      totals.set(z.peer, t)
    }
    for (const [peer, t] of totals) {
      const sel = `[data-zine-totals] tr[data-peer="${peer}"]`
      await page.waitForSelector(`${sel}[data-rounds="${t.rounds}"]`, { timeout: 5000 })
      expect(await page.getAttribute(sel, 'data-in')).toBe(String(t.inn))
      expect(await page.getAttribute(sel, 'data-out')).toBe(String(t.out))
      expect([LISA, BART]).toContain(peer)
    }
    expect(zines.some((z) => z.eventsOut > 0)).toBe(true)
    await page.waitForSelector('[data-exchange]')
    await shot('zines')
  })

  it('the other views render: timeline with raw JSON, network map, profiles, join, settings', async () => {
    await nav('timeline')
    await page.waitForSelector('[data-event]', { timeout: 5000 })
    await page.click('[data-event]')
    const raw = await page.textContent('[data-raw-json]')
    expect(() => JSON.parse(raw ?? '')).not.toThrow()
    await shot('timeline')
    await nav('map')
    await page.waitForSelector(`[data-map-node="${LISA}"]`)
    await shot('map')
    await nav('profile')
    expect(await page.textContent('[data-profile-name]')).toBe(HOME)
    expect(await page.textContent('[data-view="profile"]')).toContain('nara soul')
    await shot('profile-self')
    await nav('neighbours')
    // After the zine round: LISA is known on the plaza and by direct mesh contact.
    await page.waitForSelector(`${row(LISA)} [data-via="both"]`)
    expect(await page.textContent(`${row(LISA)} [data-via]`)).toBe('plaza + mesh')
    await page.click(row(LISA))
    await page.waitForSelector('[data-view="profile"]')
    expect(await page.textContent('[data-profile-name]')).toBe(LISA)
    await shot('profile-peer')
    await nav('join')
    await shot('join')
    await nav('settings')
    await page.waitForSelector('.info')
    expect(await page.textContent('.info')).toContain(HOME)
    await shot('settings')
    await nav('neighbours')
  })

  it('opening an event\'s raw JSON checks its signature in the window too (tweetnacl): ✓ next to the node\'s verdict', async () => {
    // A signed social event from LISA over the plaza: the window must take LISA's key from its neighbour list.
    const lisa = nodes[LISA]!.node.identity
    // A ts no float64 can hold: the raw view must not round it.
    const tease = signEvent(newSocialEvent({ type: 'tease', actor: LISA, target: BART, reason: 'high-restarts' }, BigInt(Date.now()) * 1_000_000n + 123_457n), LISA, lisa.signer!)
    const client = mqtt.connect(broker.url)
    try {
      await new Promise<void>((r, j) => (client.once('connect', () => r()), client.once('error', j)))
      client.publish('nara/plaza/social', encodeEvent(tease))
      await eventually(() => expect(nodes[HOME]!.node.ledger.has(tease.id)).toBe(true))
    } finally {
      client.end(true)
    }
    await nav('timeline')
    await page.selectOption('select[aria-label="service filter"]', 'social')
    await page.click(`[data-event="${tease.id}"]`)
    await page.waitForSelector('[data-in-window]')
    expect(await page.getAttribute('[data-in-window]', 'data-in-window')).toBe('valid')
    expect(await page.textContent('[data-in-window]')).toBe('checked in this window ✓')
    expect(await page.textContent('.verdicts [data-trust]')).toContain('verified')
    // the raw JSON keeps the nanosecond timestamp exact
    expect(await page.textContent('[data-raw-json]')).toContain(`"ts": ${tease.ts},`)
    await shot('timeline-checked')
    // A hey_there carries its own key: checked with the payload's key.
    await page.selectOption('select[aria-label="service filter"]', 'hey-there')
    await page.click(`[data-event][data-emitter="${BART}"]`)
    await page.waitForSelector('[data-in-window="valid"]')
    await page.selectOption('select[aria-label="service filter"]', 'all')
    await nav('neighbours')
  })

  it('a nara that sends chau turns OFFLINE without a reload', async () => {
    const marker = await page.evaluate(() => ((window as unknown as { __marker: number }).__marker = Math.random()))
    await nodes[BART]!.node.leave()
    await page.waitForSelector(`${row(BART)} [data-status="OFFLINE"]`, { timeout: 6000 })
    expect(await page.locator(`${row(LISA)} [data-status="ONLINE"]`).count()).toBe(1)
    // same document: nothing reloaded
    expect(await page.evaluate(() => (window as unknown as { __marker: number }).__marker)).toBe(marker)
    await shot('neighbours-after-chau')
  })

  it('survives the WebSocket dropping and comes back by itself', async () => {
    await page.evaluate(() => {
      const w = window as unknown as { __states: string[] }
      w.__states = []
      const shell = document.querySelector('.shell')!
      new MutationObserver(() => w.__states.push(shell.getAttribute('data-connection') ?? '')).observe(shell, { attributes: true, attributeFilter: ['data-connection'] })
    })
    ui.dropConnections()
    await page.waitForFunction(() => (window as unknown as { __states: string[] }).__states.some((s) => s !== 'open'), null, { timeout: 5000 })
    await page.waitForSelector('.shell[data-connection="open"]', { timeout: 8000 })
    expect(ui.stats.busConnections).toBeGreaterThanOrEqual(2)
    // the stream works on the new connection: BART comes back and shows ONLINE again
    await nodes[BART]!.node.join()
    await page.waitForSelector(`${row(BART)} [data-status="ONLINE"]`, { timeout: 8000 })
  })

  it('peer-supplied text is rendered as text, never as HTML', async () => {
    const evil = '<img src=x onerror="window.__pwned=1"><b>bold</b>'
    const signer = signerFromSeed(sha256('ui-mallory'))
    const status = zeroStatus()
    status.Flair = evil
    status.PublicKey = signer.publicKeyBase64
    status.Aura = { primary: 'red;background:url(x)', secondary: '#00ff00' }
    const client = mqtt.connect(broker.url)
    try {
      await new Promise<void>((r, j) => (client.once('connect', () => r()), client.once('error', j)))
      // A hello first (timed evidence: a paper alone raises nobody), then the paper with the payload.
      const hello = signEvent(newHeyThereEvent({ From: 'ui-mallory', PublicKey: signer.publicKeyBase64, MeshIP: '', ID: '' }, BigInt(Date.now()) * 1_000_000n), 'ui-mallory', signer)
      client.publish('nara/plaza/hey_there', encodeEvent(hello))
      client.publish('nara/newspaper/ui-mallory', Buffer.from(buildNewspaper('ui-mallory', status, signer).payload))
      // The hello alone already shows a row (no flair yet): wait for the paper's flair to land.
      await page.waitForFunction((sel) => (document.querySelector(sel)?.textContent ?? '') !== '', `${row('ui-mallory')} .flair`, { timeout: 5000 })
    } finally {
      client.end(true)
    }
    expect(await page.textContent(`${row('ui-mallory')} .flair`)).toBe(evil)
    expect(await page.locator(`${row('ui-mallory')} img, ${row('ui-mallory')} b`).count()).toBe(0)
    expect(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined()
    // a malformed aura colour never reaches an SVG attribute
    const fill = await page.locator(`${row('ui-mallory')} stop`).first().getAttribute('stop-color')
    expect(fill).toMatch(/^#[0-9a-f]{6}$/)
  })

  it('no CSP violations and no page errors happened', () => {
    expect(cspViolations).toEqual([])
    expect(pageErrors).toEqual([])
  })
})
