/**
 * The composed nervous system of a real NaraNode on a real (aedes) plaza: a renderer over a real
 * MessageChannel, the control socket against Debian's nngcat, the health survey, lifecycle
 * PUB/SUB, the soul guard, and `nara run` using it.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { createNervousSystem, SOUL_REFUSALS, type NervousNotice, type NervousSystem } from '../main/core/bus/nervousSystem'
import { subscribeWithSnapshot, type Sample } from '../main/core/bus/dataPlane'
import type { NaraNode } from '../main/core/node'
import type { NeighbourView, SelfView } from '../main/core/views'
import run, { type RunSignals } from '../main/cli/commands/run'
import { main } from '../main/cli/nara'
import type { CliIO } from '../main/cli/io'
import { startAedes, freePort, type TestBroker } from './support/brokers'
import { eventually, makeNode } from './support/nodes'
import { rendererLink, type RendererLink } from './nervous-system.helpers'
import { nngcat } from './support/nngcat'

const cleanups: (() => unknown)[] = []
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!()
})

async function broker(): Promise<TestBroker> {
  const b = await startAedes()
  cleanups.push(() => b.stop())
  return b
}

async function runningNode(name: string, url: string, extra: Parameters<typeof makeNode>[2] = {}): Promise<NaraNode> {
  const n = makeNode(name, url, extra)
  cleanups.push(() => n.stop(1000))
  await n.start()
  return n
}

function nervous(node: NaraNode, opts: Parameters<typeof createNervousSystem>[1] = {}): NervousSystem {
  const ns = createNervousSystem(node, opts)
  cleanups.push(() => ns.close())
  return ns
}

function link(ns: NervousSystem, serve: Parameters<typeof rendererLink>[1] = {}): RendererLink {
  const l = rendererLink(ns, serve)
  cleanups.push(() => l.close())
  return l
}

function runtimeDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'nara-ns-'))
  cleanups.push(() => rmSync(d, { recursive: true, force: true }))
  return d
}

describe('nervous system of a running node', () => {
  it('a renderer over a real MessageChannel gets the snapshot, then the stream: a neighbour appears when a second node joins', async () => {
    const b = await broker()
    const alpha = makeNode('ns-alpha', b.url)
    cleanups.push(() => alpha.stop(1000))
    const ns = nervous(alpha)
    await alpha.start()
    await eventually(() => expect(alpha.nodeState).toBe('online'))

    const r = link(ns)
    const samples: Sample[] = []
    const sub = subscribeWithSnapshot(r.remote, 'nara/local/**', (s) => void samples.push(s), { timeoutMs: 1000 })
    const ready = await sub.ready
    expect(ready.error).toBeUndefined()
    expect(ready.snapshot).toBeGreaterThan(0)
    const self = samples.find((s) => s.key === 'nara/local/self')?.value as SelfView | undefined
    expect(self?.name).toBe('ns-alpha')
    expect(self?.state).toBe('online')
    expect(samples.some((s) => s.key.startsWith('nara/local/neighbours/'))).toBe(false)
    const snapshotCount = samples.length

    await runningNode('ns-beta', b.url)
    await eventually(() => {
      const beta = samples.slice(snapshotCount).find((s) => s.key === 'nara/local/neighbours/ns-beta')
      expect((beta?.value as NeighbourView | undefined)?.status).toBe('ONLINE')
    }, 8000)

    // The control plane shares the port: peers and status over the same MessagePort.
    const peers = await r.control.request({ cmd: 'peers' })
    expect(peers.ok).toBe(true)
    expect((peers as unknown as { peers: NeighbourView[] }).peers.map((p) => p.name)).toContain('ns-beta')
    const status = await r.control.request({ cmd: 'status' })
    expect(status).toMatchObject({ ok: true, name: 'ns-alpha', state: 'online', plazaConnected: true })
    expect(ns.stats.carriers).toBe(1)
    // A view that opens late gets the neighbour in its snapshot.
    const late = link(ns)
    const lateSamples: Sample[] = []
    await subscribeWithSnapshot(late.remote, 'nara/local/neighbours/*', (s) => void lateSamples.push(s), { timeoutMs: 1000 }).ready
    expect(lateSamples.map((s) => s.key)).toContain('nara/local/neighbours/ns-beta')
    r.close()
    await eventually(() => expect(ns.stats.carriers).toBe(1))
  }, 20_000)

  it('soul.export: the shell handler answers on a renderer carrier (never the soul); refused by default and always on the WebSocket', async () => {
    const b = await broker()
    const alpha = await runningNode('ns-soul', b.url)
    const soul = alpha.identity.soulText
    let dialogs = 0
    const shellExport = async () => {
      dialogs++ // Electron main: native dialog + clipboard.writeText(soul), in main only
      return { ok: true as const, copied: true }
    }
    const ns = nervous(alpha)

    const renderer = link(ns, { kind: 'renderer', extra: { 'soul.export': shellExport } })
    expect(await renderer.control.request({ cmd: 'soul.export', confirm: true })).toEqual({ ok: true, copied: true })
    expect(dialogs).toBe(1)

    const plain = link(ns)
    expect(await plain.control.request({ cmd: 'soul.export', confirm: true })).toEqual({ ok: false, error: SOUL_REFUSALS.renderer })

    const ws = link(ns, { kind: 'websocket', extra: { 'soul.export': shellExport } })
    const refused = await ws.control.request({ cmd: 'soul.export', confirm: true })
    expect(refused).toEqual({ ok: false, error: expect.stringContaining('`nara soul` in a terminal') })
    expect(dialogs).toBe(1)
    expect(await ns.router({ cmd: 'soul.export', confirm: true })).toEqual({ ok: false, error: SOUL_REFUSALS.local })
    expect(ns.stats.soulExportsRefused).toBe(3)

    for (const l of [renderer, plain, ws]) expect(l.frames.join('\n')).not.toContain(soul)
  }, 15_000)

  it('the soul guard withholds a reply or a frame that would carry the soul in any encoding (counted, bus reported unhealthy)', async () => {
    const b = await broker()
    const alpha = await runningNode('ns-guard', b.url)
    const soul = alpha.identity.soul!
    const hexSeed = Buffer.from(soul.seed).toString('hex')
    const warnings: string[] = []
    const ns = nervous(alpha, { logger: { debug: () => {}, info: () => {}, warn: (m) => void warnings.push(m) } })
    // A buggy shell handler that returns the soul as Base64 of its 40 bytes.
    const r = link(ns, { extra: { 'settings.get': () => ({ ok: true, settings: { oops: Buffer.from(soul.bytes).toString('base64') } }) } })
    const got: Sample[] = []
    r.remote.subscribe('nara/local/lifecycle', (s) => void got.push(s))
    await eventually(() => expect(ns.dataPlane.subscriptionStats().length).toBeGreaterThan(0))

    expect(await r.control.request({ cmd: 'settings.get' })).toEqual({ ok: false, error: 'internal error: reply withheld (it contained a secret)' })
    alpha.emit('lifecycle', { step: 'error', message: `leaked ${hexSeed}`, atMs: 1 })
    alpha.emit('lifecycle', { step: 'error', message: 'harmless', atMs: 2 })
    const errors = (): string[] => got.map((s) => s.value as { step: string; message: string }).filter((v) => v.step === 'error').map((v) => v.message)
    await eventually(() => expect(errors()).toEqual(['harmless']))
    expect(ns.stats.withheld).toBe(2)
    expect(r.frames.join('\n')).not.toContain(hexSeed)
    expect(warnings.length).toBe(2)
    expect(warnings.join('\n')).not.toContain(hexSeed)
    const report = await ns.health(300)
    expect(report.subsystems.bus).toMatchObject({ healthy: false })
  }, 15_000)

  it('health SURVEY: every subsystem answers within the deadline; a stuck one times out; the mesh answers once attached', async () => {
    const b = await broker()
    const meshHost = '127.0.57.2'
    const alpha = makeNode('ns-health', b.url, { transport: 'hybrid', meshIP: meshHost })
    cleanups.push(() => alpha.stop(1000))
    let meshAttached = false
    try {
      const { NodeMesh } = await import('../main/core/mesh/nodeMesh')
      alpha.attachMesh(
        new NodeMesh({
          listen: { host: meshHost, port: await freePort(meshHost) },
          transport: 'hybrid',
          scanCidr: `${meshHost}/32`,
          config: { gossip: { firstDelayMs: 3_600_000 }, discovery: { firstDelayMs: 3_600_000 } }
        })
      )
      meshAttached = true
    } catch {
      // G's mesh not in this build: the survey simply has no mesh respondent.
    }
    const ns = nervous(alpha)
    await alpha.start()
    await eventually(() => expect(alpha.nodeState).toBe('online'))

    const t0 = Date.now()
    const ok = await ns.health(400)
    expect(Date.now() - t0).toBeLessThan(400)
    expect(ok.healthy).toBe(true)
    const expected = ['bus', 'ledger', 'plaza', ...(meshAttached ? ['mesh'] : [])].sort()
    expect(Object.keys(ok.subsystems).sort()).toEqual(expected)
    expect(ok.subsystems.plaza).toMatchObject({ healthy: true, detail: expect.stringContaining('connected to mqtt://127.0.0.1') })

    const off = ns.survey.register('stuck', () => new Promise(() => {}))
    const t1 = Date.now()
    const stuck = await ns.health(250)
    const took = Date.now() - t1
    expect(took).toBeGreaterThanOrEqual(200)
    expect(took).toBeLessThan(1000)
    expect(stuck.healthy).toBe(false)
    expect(stuck.subsystems.stuck).toBe('timeout')
    expect(stuck.subsystems.ledger).toMatchObject({ healthy: true })
    off()

    // The plaza gone: the plaza respondent says so.
    await b.pause()
    await eventually(() => expect(alpha.plazaConnected).toBe(false))
    const down = await ns.health(300)
    expect(down.subsystems.plaza).toMatchObject({ healthy: false })
  }, 20_000)

  it('lifecycle PUB/SUB: state and lifecycle topics from join to chau', async () => {
    const b = await broker()
    const alpha = makeNode('ns-life', b.url)
    cleanups.push(() => alpha.stop(1000))
    const ns = nervous(alpha)
    const topics: string[] = []
    const states: NervousNotice[] = []
    ns.pubsub.subscribe('', (t) => void topics.push(t))
    ns.pubsub.subscribe('state/', (_t, n) => void states.push(n))
    await alpha.start()
    await eventually(() => expect(topics).toContain('state/online'))
    expect(topics).toContain('lifecycle/online')
    expect(topics.indexOf('state/joining')).toBeLessThan(topics.indexOf('state/online'))
    await alpha.leave()
    expect(topics).toEqual(expect.arrayContaining(['lifecycle/leaving', 'lifecycle/left', 'state/offline']))
    expect(states.map((s) => s.state)).toEqual(['joining', 'online', 'leaving', 'offline'])
    link(ns)
    await eventually(() => expect(topics).toContain('carrier/attached'))
    await ns.close()
    expect(topics.slice(-2)).toEqual(['ns/closing', 'carrier/detached'])
    expect(ns.stats.carriers).toBe(0)
    // Closed: new carriers are closed at once, the node itself is untouched.
    const late = rendererLink(ns)
    cleanups.push(() => late.close())
    expect(ns.stats.carriers).toBe(0)
    expect(alpha.nodeState).toBe('offline')
  }, 15_000)

  it('nngcat against the control socket of a running `nara run`: --req status → ok with the name; --surveyor health collects the subsystems within the deadline', async () => {
    const b = await broker()
    const dir = runtimeDir()
    const errs: string[] = []
    const lines: string[] = []
    const io: CliIO = { out: (l) => void lines.push(l), err: (l) => void errs.push(l), readStdin: async () => '', env: { XDG_RUNTIME_DIR: dir } }
    let stop: () => void = () => {}
    const signals: RunSignals = { onStop: (h) => ((stop = h), () => (stop = () => {})) }
    const name = 'ns-runner'
    const done = run(['--name', name, '--broker', b.url, '--transport', 'mqtt'], io, signals)
    cleanups.push(async () => {
      stop()
      await done
    })
    await eventually(() => expect(errs.some((l) => l.startsWith('control socket: '))).toBe(true), 8000)
    const path = errs.find((l) => l.startsWith('control socket: '))!.slice('control socket: '.length)
    expect(path).toBe(join(dir, 'nara', `${name}.sock`))

    const status = await nngcat(['--req', '--dial', `ipc://${path}`, '--ascii', '--data', '{"cmd":"status"}'])
    expect(status.code).toBe(0)
    expect(JSON.parse(status.stdout)).toMatchObject({ ok: true, name, plazaConnected: true, controlSocket: path, dashboard: null })
    // `nara status` shows where the socket is (the path the README's nngcat example needs).
    const st: string[] = []
    expect(await main(['status'], { ...io, out: (l) => void st.push(l) })).toBe(0)
    expect(st).toContain(`${'socket'.padEnd(12)} ${path}`)

    const t0 = Date.now()
    const health = await nngcat(['--surveyor', '--dial', `ipc://${path}`, '--ascii', '--data', '{"cmd":"health"}'])
    expect(health.code).toBe(0)
    const answer = JSON.parse(health.stdout) as { ok: boolean; healthy: boolean; subsystems: Record<string, unknown> }
    expect(answer.ok).toBe(true)
    expect(Object.keys(answer.subsystems)).toEqual(expect.arrayContaining(['plaza', 'ledger', 'bus']))
    expect(answer.subsystems.bus).toMatchObject({ healthy: true, detail: expect.stringContaining(path) })
    expect(Date.now() - t0).toBeLessThan(5000)

    const soul = await nngcat(['--req', '--dial', `ipc://${path}`, '--ascii', '--data', '{"cmd":"soul.export","confirm":true}'])
    expect(JSON.parse(soul.stdout)).toEqual({ ok: false, error: SOUL_REFUSALS.local })

    stop()
    expect(await done).toBe(0)
    expect(existsSync(path)).toBe(false)
  }, 25_000)
})
