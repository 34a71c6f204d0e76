/**
 * The shared-work panels in Chromium against a headless node (three hybrid NaraNodes: plaza on
 * aedes, mesh on 127.0.53.x): a postcard sent with the Profile's button comes home, the stash card
 * shows who holds ours, a peer's profile lists its checkpoints, and the Timeline shows a round.
 */
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DataPlane } from '../main/core/bus/dataPlane'
import { bridgeNode, type NodeBridge } from '../main/core/bus/nodeBridge'
import { createCommandRouter } from '../main/core/bus/control/router'
import type { NaraNode } from '../main/core/node'
import { newCheckpointEvent } from '../main/core/protocol/events'
import { startAedes } from './support/brokers'
import { eventually } from './support/nodes'
import { MeshNodes } from './support/meshNodes'
import { openUi, screenshotDir } from './support/uiBrowser'

const meshes = new MeshNodes()
let home: NaraNode
let plane: DataPlane
let bridge: NodeBridge
let opened: Awaited<ReturnType<typeof openUi>> | null = null
let page: Page

async function nav(view: string): Promise<void> {
  await page.click(`[data-nav="${view}"]`)
  await page.waitForSelector(`[data-view="${view}"]`)
}

beforeAll(async () => {
  mkdirSync(screenshotDir(), { recursive: true })
  meshes.broker = await startAedes()
  const opts = { node: { presence: { keepAlivePingMs: 0 }, checkpoints: { voteWindowMs: 500, voteJitterMs: 50 } } }
  const [h, ...others] = ['sw-home', 'sw-lisa', 'sw-bart'].map((n, i) => meshes.add(n, `127.0.53.${i + 2}`, meshes.broker!.url, opts).node)
  home = h!
  plane = new DataPlane()
  bridge = bridgeNode(home, plane)
  await Promise.all([home, ...others].map((n) => n.start()))
  await eventually(() => expect(home.directory.onlineMeshPeers().sort()).toEqual(['sw-bart', 'sw-lisa']), 10_000)
  await eventually(() => {
    for (const n of others) expect(n.directory.onlineMeshPeers().length).toBe(2)
  }, 10_000)
  opened = await openUi({ dataPlane: plane, control: createCommandRouter(home), height: 1000 })
  page = opened.page
}, 60_000)

afterAll(async () => {
  await opened?.close()
  bridge?.close()
  await meshes.stopAll()
})

describe('shared work in the UI', () => {
  it('Profile: the postcard button sends a journey around our two peers and it comes home', async () => {
    await nav('profile')
    await page.fill('[aria-label="journey message"]', 'hello from the UI')
    await page.click('[data-start-journey]')
    await page.waitForSelector('[data-journey-state="complete"]', { timeout: 10_000 })
    const text = await page.textContent('[data-journey-state="complete"]')
    expect(text).toContain('hello from the UI')
    expect(text).toMatch(/sw-(lisa|bart).*→.*sw-(lisa|bart).*→ sw-home/)
  })

  it('Profile: the stash card shows who holds ours once it is set', async () => {
    await nav('profile')
    await page.waitForSelector('[data-stash="no"]')
    expect(await page.textContent('[data-barrio]')).toContain(`Barrio ${home.selfView().barrio} ${home.selfView().licensePlate}`)
    expect(await createCommandRouter(home)({ cmd: 'stash.set', json: '{"plants":["fern"]}' })).toMatchObject({ ok: true })
    await page.waitForSelector('[data-stash="yes"]')
    const heldBy = await page.textContent('[data-held-by]')
    expect(heldBy).toContain('sw-lisa')
    expect(heldBy).toContain('sw-bart')
    expect(await page.textContent('[data-view="profile"]')).not.toContain('fern') // never the content
    await page.screenshot({ path: join(screenshotDir(), 'profile-shared-work.png'), fullPage: true })
  })

  it("a peer's Profile lists the checkpoints we store about it; the Timeline shows rounds as they go", async () => {
    const asOf = Math.floor(Date.now() / 1000)
    const cp = newCheckpointEvent({ version: 2, subject: 'sw-lisa', subject_id: home.neighbour('sw-lisa')!.id, observation: { restarts: 3, total_uptime: 7200 }, as_of_time: asOf, round: 1, voter_ids: [], signatures: [] }, home.clock.nowNs())
    expect(home.addEvent(cp, 'verified')).toBe('added')
    await nav('neighbours')
    const lisaBarrio = home.neighbour('sw-lisa')!.barrio!
    await page.waitForSelector(`[data-nara="sw-lisa"] [data-barrio="${lisaBarrio.name}"]`)
    expect(await page.textContent(`[data-nara="sw-lisa"] [data-barrio]`)).toBe(lisaBarrio.emoji)
    await page.click('[data-nara="sw-lisa"]')
    expect(await page.textContent(`[data-barrio="${lisaBarrio.name}"]`)).toContain(`Barrio ${lisaBarrio.name} ${lisaBarrio.emoji}`)
    await page.waitForSelector(`[data-checkpoint="${cp.id}"]`)
    expect(await page.textContent(`[data-checkpoint="${cp.id}"]`)).toContain('3')
    expect(home.neighbour('sw-lisa')?.checkpoint).toMatchObject({ asOfTime: asOf, restarts: 3 })

    expect(home.proposeCheckpoint()).toEqual({ ok: true })
    await nav('timeline')
    await page.waitForSelector('[data-round-subject="sw-home"]', { timeout: 5000 })
    // Our peers are still booting (a Go nara does not vote then either) and two would not be enough: the round fails.
    await page.waitForSelector('[data-round-subject="sw-home"][data-round-outcome="failed"]', { timeout: 10_000 })
    await page.screenshot({ path: join(screenshotDir(), 'timeline-rounds.png') })
  })

  it('no page errors happened', () => {
    expect(opened?.pageErrors).toEqual([])
  })
})
