/**
 * Every figure on screen true, current and readable (issue 15), in Debian's Chromium against the
 * headless UI server, with a data plane the test scripts sample by sample and — where time
 * matters — the page's clock under the test's control (Playwright's clock): uptime and "last
 * heard" tick, the Timeline stays ordered by event time under bursts of out-of-order arrivals,
 * a newspaper reads as a card and the feed survives a reload, the map places what it measured.
 */
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DataPlane } from '../main/core/bus/dataPlane'
import { createCommandRouter } from '../main/core/bus/control/router'
import { startUiServer, type UiServer } from '../main/core/ui/server'
import { keys, type EventView, type NeighbourView, type NewspaperView } from '../main/core/views'
import { FakeNode } from './control-fixtures'
import { neighbour, selfView } from './support/views'
import { builtRendererDir, launchChromium, screenshotDir } from './support/uiBrowser'
import { eventually } from './support/nodes'

const HOME = 'truth-home'
let plane: DataPlane
let ui: UiServer
let browser: Browser
const pageErrors: string[] = []

async function openPage(opts: { clockAt?: number } = {}): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 }, deviceScaleFactor: 1 })
  page.on('pageerror', (e) => pageErrors.push(String(e)))
  if (opts.clockAt !== undefined) await page.clock.install({ time: opts.clockAt })
  const before = plane.subscriptionStats().length
  await page.goto(ui.url)
  await page.waitForSelector('.shell[data-connection="open"]', { timeout: 10_000 })
  // The window follows the streams once its subscriptions are in place.
  await eventually(() => expect(plane.subscriptionStats().length).toBeGreaterThanOrEqual(before + 7))
  plane.put(keys.self, selfView(HOME, 'online', 3))
  await page.waitForSelector('[data-self-name]')
  return page
}

async function nav(page: Page, view: string): Promise<void> {
  await page.click(`[data-nav="${view}"]`)
  await page.waitForSelector(`[data-view="${view}"]`)
}

const shot = (page: Page, name: string): Promise<Buffer> => page.screenshot({ path: join(screenshotDir(), `${name}.png`) })

function peer(name: string, over: Partial<NeighbourView>): NeighbourView {
  return { ...neighbour(name), personality: { Sociability: 25, Agreeableness: 98, Chill: 7 }, flair: '💎', ...over }
}

beforeAll(async () => {
  const rendererDir = builtRendererDir()
  mkdirSync(screenshotDir(), { recursive: true })
  plane = new DataPlane()
  ui = await startUiServer({ host: '127.0.0.1', port: 0, dataPlane: plane, control: createCommandRouter(new FakeNode(HOME)), rendererDir, log: () => {} })
  browser = await launchChromium()
}, 60_000)

afterAll(async () => {
  await browser?.close()
  await ui?.close()
})

describe('figures that are true and current', () => {
  it('uptime and "last heard" tick with the clock; Via, Trust and the personality letters are explained', async () => {
    const t0 = Date.parse('2026-12-03T10:00:00Z')
    const page = await openPage({ clockAt: t0 })
    plane.put(keys.neighbour('tick-peer'), peer('tick-peer', { uptimeSeconds: 52, lastSeenMs: t0, transport: 'plaza' }))
    plane.put(keys.neighbour('mesh-peer'), peer('mesh-peer', { uptimeSeconds: 3600, lastSeenMs: t0, transport: 'relayed', personality: null }))
    const row = '[data-nara="tick-peer"]'
    await page.waitForSelector(`${row} [data-uptime]`)
    await page.waitForSelector('[data-nara="mesh-peer"]')
    // Freeze the page's time 60 s on, then let exactly one more second pass.
    await page.clock.pauseAt(t0 + 60_000)
    await page.clock.runFor(1000)
    expect(await page.textContent(`${row} [data-uptime]`)).toBe('1m 53s')
    expect(await page.textContent(`${row} [data-last-heard]`)).toBe('1m 1s ago')
    await page.clock.runFor(60_000)
    expect(await page.textContent(`${row} [data-uptime]`)).toBe('2m 53s')
    expect(await page.textContent(`${row} [data-last-heard]`)).toBe('2m 1s ago')
    // Not ONLINE: no uptime is claimed.
    plane.put(keys.neighbour('tick-peer'), peer('tick-peer', { status: 'MISSING', uptimeSeconds: 0, lastSeenMs: t0 }))
    await page.clock.runFor(100)
    await page.waitForSelector(`${row} [data-status="MISSING"]`)
    expect(await page.textContent(`${row} [data-uptime]`)).toBe('—')

    expect(await page.textContent('[data-legend]')).toContain('S sociability · A agreeableness · C chill')
    const via = page.locator('[data-nara="mesh-peer"] [data-via]')
    expect(await via.textContent()).toBe('relayed')
    expect(await via.getAttribute('title')).toMatch(/other naras/)
    expect(await page.textContent('[data-nara="tick-peer"] [data-via]')).toBe('plaza')
    await shot(page, 'neighbours-ticking')
    await page.close()
  })

  it('Timeline: ordered by event time, newest first (and says so), under bursts of out-of-order arrivals', async () => {
    const page = await openPage()
    await nav(page, 'timeline')
    expect(await page.textContent('[data-order]')).toMatch(/ordered by when they happened \(event time\), newest first/)
    const base = BigInt(Date.now()) * 1_000_000n
    const events: EventView[] = Array.from({ length: 90 }, (_, i) => {
      // Nanosecond stamps beyond 2^53, a second apart, some sharing the same millisecond.
      const ts = (base - BigInt(i) * 1_000_000_000n + BigInt(i % 3) * 7n).toString()
      return { id: `ev-${String(i).padStart(3, '0')}`, ts, svc: i % 2 ? 'social' : 'ping', emitter: 'tick-peer', trust: 'verified', summary: `event ${i}`, json: '{}' }
    })
    // Three bursts, each shuffled, the newest events arriving last; duplicates resent.
    const shuffled = (list: EventView[]): EventView[] => list.map((e) => [Math.sin(Number(e.ts.slice(-9)) + e.id.length * 17), e] as const).sort((a, b) => a[0] - b[0]).map(([, e]) => e)
    for (const burst of [events.slice(60), events.slice(30, 60), events.slice(0, 30)]) {
      for (const e of shuffled(burst)) plane.put(keys.event(e.svc), e)
      for (const e of burst.slice(0, 5)) plane.put(keys.event(e.svc), e)
    }
    const expected = [...events].sort((a, b) => (BigInt(b.ts) > BigInt(a.ts) ? 1 : -1)).map((e) => e.id)
    await eventually(async () => {
      const shown = await page.locator('[data-event]').evaluateAll((els) => els.map((e) => e.getAttribute('data-event')))
      expect(shown.length).toBeGreaterThan(8)
      expect(shown).toEqual(expected.slice(0, shown.length))
    })
    expect(await page.textContent('[data-order]')).toContain('· 90')
    // An old event arriving late lands in its place, not on top.
    const late: EventView = { ...events[45]!, id: 'ev-late', ts: (BigInt(events[45]!.ts) - 1n).toString() }
    plane.put(keys.event(late.svc), late)
    await eventually(async () => expect(await page.textContent('[data-order]')).toContain('· 91'))
    const top = await page.locator('[data-event]').evaluateAll((els) => els.map((e) => e.getAttribute('data-event')))
    expect(top[0]).toBe(expected[0])
    expect(top).not.toContain('ev-late')
    await shot(page, 'timeline-ordered')
    await page.close()
  })

  it('Newspapers: a card with named figures, the changes in words, raw JSON one click away; the feed survives a reload', async () => {
    const page = await openPage()
    await nav(page, 'newspapers')
    const status = (over: Record<string, unknown>): Record<string, unknown> => ({
      Flair: '💎🌸',
      Chattiness: 40,
      Buzz: 3,
      HostStats: { Uptime: 3725 },
      Personality: { Agreeableness: 98, Sociability: 25, Chill: 7 },
      Aura: { primary: '#6c5ce7', secondary: '#e17055' },
      Version: '0.2.0',
      event_store_total: 120,
      event_store_by_service: { social: 70, ping: 40, 'hey-there': 10 },
      ...over
    })
    const now = Date.now()
    const first: NewspaperView = { from: 'paper-peer', receivedAtMs: now - 30_000, trust: 'verified', changed: [], status: status({}) }
    const second: NewspaperView = {
      from: 'paper-peer',
      receivedAtMs: now,
      trust: 'verified',
      changed: ['Chattiness', 'Buzz', 'event_store_total', 'event_store_by_service', 'Flair'],
      status: status({ Chattiness: 45, Buzz: 1, Flair: '💎🌸🎈', event_store_total: 123, event_store_by_service: { social: 73, ping: 40, 'hey-there': 10 }, HostStats: { Uptime: 3755 } })
    }
    plane.put(keys.newspaper('paper-peer'), first)
    await page.waitForSelector('[data-feed-count]:text("1")')
    plane.put(keys.newspaper('paper-peer'), second)
    await page.waitForSelector('[data-feed-count]:text("2")')
    const card = '[data-paper-card="paper-peer"]'
    await page.waitForSelector(card)
    expect(await page.textContent(`${card} [data-field="uptime"]`)).toBe('1h 2m')
    expect(await page.textContent(`${card} [data-field="chattiness"]`)).toBe('45')
    expect(await page.textContent(`${card} [data-field="buzz"]`)).toBe('1')
    expect(await page.textContent(`${card} [data-field="flair"]`)).toBe('💎🌸🎈')
    expect(await page.locator(`${card} [data-field="aura"] .swatch`).count()).toBe(2)
    expect(await page.getAttribute(`${card} [data-bar="S · sociability"]`, 'data-value')).toBe('25')
    expect(await page.getAttribute(`${card} [data-field="services"] [data-bar="social"]`, 'data-value')).toBe('73')
    const changes = await page.locator(`${card} [data-field="changes"] li`).allTextContents()
    expect(changes).toEqual(
      expect.arrayContaining(['chattiness rose from 40 to 45', 'buzz fell from 3 to 1', 'events by service: +3 social', 'flair: 💎🌸 → 💎🌸🎈', 'events in memory rose from 120 to 123'])
    )
    // The feed line is words, not chips cut off mid-key.
    expect(await page.locator('[data-view="newspapers"] .chip').count()).toBe(0)
    expect(await page.textContent(`[data-paper="paper-peer@${now}"] .changes`)).toMatch(/^[a-z].*; \d+ more$/)
    // Raw JSON: hidden until one click, then the exact Status.
    expect(await page.isVisible(`${card} [data-raw-paper]`)).toBe(false)
    await page.click(`${card} details.raw summary`)
    expect(JSON.parse((await page.textContent(`${card} [data-raw-paper]`)) ?? '')).toEqual(second.status)
    await shot(page, 'newspaper-card')
    // The earlier paper is one click away, and says what it is.
    await page.click(`[data-paper="paper-peer@${now - 30_000}"]`)
    expect(await page.textContent('[data-view="newspapers"] .detail-head .sub')).toContain('an earlier newspaper')

    // Reload: the data plane has no history to give back, the window kept its own.
    await page.reload()
    await page.waitForSelector('.shell[data-connection="open"]')
    await nav(page, 'newspapers')
    expect(await page.textContent('[data-feed-count]')).toBe('2')
    await page.waitForSelector(`${card} [data-field="chattiness"]:text("45")`)
    await page.close()
  })

  it('Network map: a peer with an RTT is placed by it, never on the "not yet measured" ring', async () => {
    const page = await openPage()
    plane.put(keys.neighbour('near-peer'), peer('near-peer', { lastPingRttMs: 10, lastSeenMs: Date.now() }))
    plane.put(keys.neighbour('far-peer'), peer('far-peer', { lastPingRttMs: 180, lastSeenMs: Date.now() }))
    plane.put(keys.neighbour('quiet-peer'), peer('quiet-peer', { lastPingRttMs: null, lastSeenMs: Date.now() }))
    await nav(page, 'map')
    for (const n of ['near-peer', 'far-peer', 'quiet-peer']) await page.waitForSelector(`[data-map-node="${n}"]`)
    const r = async (n: string): Promise<number> => Number(await page.getAttribute(`[data-map-node="${n}"]`, 'data-r'))
    expect(await page.getAttribute('[data-map-node="near-peer"]', 'data-measured')).toBe('true')
    expect(await page.getAttribute('[data-map-node="quiet-peer"]', 'data-measured')).toBe('false')
    // Measured peers inside the solid ring (r ≤ 160), ordered by RTT; the unmeasured ring is at 250.
    expect(await r('near-peer')).toBeLessThan(await r('far-peer'))
    expect(await r('far-peer')).toBeLessThanOrEqual(160)
    expect(await r('quiet-peer')).toBe(250)
    expect(await page.textContent('[data-view="map"] .sub')).toMatch(/not pinged yet wait on the dashed outer ring/)
    await shot(page, 'map-measured')
    await page.close()
  })
})

describe('a dashboard that says what it is', () => {
  it('/favicon.ico is served and linked; no literal markdown on the no-token page or in Settings', async () => {
    const res = await fetch(`${ui.origin}/favicon.ico`)
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toBe('image/x-icon')
    const ico = Buffer.from(await res.arrayBuffer())
    expect([...ico.subarray(0, 4)]).toEqual([0, 0, 1, 0])
    const bare = await browser.newPage()
    await bare.goto(ui.origin + '/')
    await bare.waitForSelector('main.fatal')
    const text = (await bare.textContent('main.fatal')) ?? ''
    expect(text).not.toContain('`')
    expect(text).toMatch(/nara status/)
    expect(text).not.toMatch(/one-time/)
    expect(await bare.getAttribute('link[rel="icon"]', 'href')).toBe('./favicon.ico')
    await shot(bare, 'no-token')
    await bare.close()
    const page = await openPage()
    await nav(page, 'settings')
    expect(await page.textContent('[data-view="settings"]')).not.toContain('`')
    await page.close()
  })

  it('no page errors happened', () => {
    expect(pageErrors).toEqual([])
  })
})
