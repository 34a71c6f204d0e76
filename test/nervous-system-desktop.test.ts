/**
 * The desktop shell's side of the nervous system, with real parts: renderer ports (a real
 * MessageChannel) held until a node runs and then served, a node swap closing the port, the
 * quit sequence running the health SURVEY before chau on a real plaza, and soul export that
 * copies in main and tells the window only `copied`.
 */
import { MessageChannel } from 'node:worker_threads'
import mqtt from 'mqtt'
import { afterEach, describe, expect, it } from 'vitest'
import { systemClock } from '../main/core/clock'
import { RemoteDataPlane, type Sample } from '../main/core/bus/dataPlane'
import { messagePortCarrier } from '../main/core/bus/carriers/messagePort'
import { controlClient, multiplex } from '../main/core/bus/carriers/mux'
import { createNervousSystem } from '../main/core/bus/nervousSystem'
import { createBusHost, quitSteps } from '../main/core/runtime/bus-host'
import { createQuitSequence, QUIT_DEADLINE_MS, type QuitStep } from '../main/core/runtime/quit-sequence'
import { createSoulExporter } from '../main/desktop/soul-export'
import type { SelfView } from '../main/core/views'
import { startAedes } from './support/brokers'
import { eventually, makeNode } from './support/nodes'

const cleanups: (() => unknown)[] = []
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!()
})

/** The renderer's end: what transport.ts does with the port main does not keep. */
function windowPort(host: ReturnType<typeof createBusHost>) {
  const { port1, port2 } = new MessageChannel()
  host.attach(messagePortCarrier(port1))
  const carrier = messagePortCarrier(port2)
  const frames: string[] = []
  carrier.onFrame((f) => void frames.push(f))
  let closed = false
  carrier.onClose(() => (closed = true))
  const mux = multiplex(carrier)
  const control = controlClient(mux.control, { clock: systemClock, resendMs: 300, timeoutMs: 5000 })
  const remote = new RemoteDataPlane(mux.data)
  cleanups.push(() => {
    control.close()
    carrier.close()
    port1.close()
  })
  return { control, remote, frames, isClosed: () => closed }
}

describe('desktop bus host and quit', () => {
  it('a window that connects before the node runs is held, then served: its early subscription and request are answered; a node swap closes its port', async () => {
    const broker = await startAedes()
    cleanups.push(() => broker.stop())
    const host = createBusHost()
    const win = windowPort(host)
    const selfSamples: Sample[] = []
    win.remote.subscribe('nara/local/self', (s) => void selfSamples.push(s))
    const status = win.control.request({ cmd: 'status' })
    await eventually(() => expect(host.stats.held).toBe(1))

    const node = makeNode('desk-alpha', broker.url)
    cleanups.push(() => node.stop(1000))
    const ns = createNervousSystem(node)
    cleanups.push(() => ns.close())
    host.use(ns)
    expect(host.stats).toMatchObject({ held: 0, served: 1 })
    await node.start()
    expect(await status).toMatchObject({ ok: true, name: 'desk-alpha' })
    await eventually(() => expect(selfSamples.map((s) => (s.value as SelfView).state)).toContain('online'))

    // Settings changed: the shell closes this nervous system; the window's port closes (it reconnects).
    host.use(null)
    await ns.close()
    await eventually(() => expect(win.isClosed()).toBe(true))
  }, 15_000)

  it('quit: health SURVEY, then chau on the plaza, exit well within the 2 s budget', async () => {
    const broker = await startAedes()
    cleanups.push(() => broker.stop())
    const node = makeNode('desk-quit', broker.url)
    cleanups.push(() => node.stop(500))
    const ns = createNervousSystem(node)
    await node.start()
    await eventually(() => expect(node.nodeState).toBe('online'))

    const watcher = await mqtt.connectAsync(broker.url, { clientId: 'quit-watcher' })
    cleanups.push(() => watcher.endAsync())
    const chaus: string[] = []
    watcher.on('message', (_t, p) => void chaus.push(p.toString()))
    await watcher.subscribeAsync('nara/plaza/chau')

    const reports: string[] = []
    const steps: QuitStep[] = []
    let exited = 0
    const quit = createQuitSequence({
      ...quitSteps(() => ({ stop: (ms) => node.stop(ms), ns }), { report: (l) => void reports.push(l) }),
      clock: systemClock,
      onStep: (s) => void steps.push(s),
      exit: () => void exited++
    })
    const outcome = await Promise.race([quit(), quit()])
    expect(outcome.timedOut).toBe(false)
    expect(outcome.completed).toEqual(['survey', 'chau', 'exit'])
    expect(outcome.elapsedMs).toBeLessThan(QUIT_DEADLINE_MS)
    expect(steps).toEqual(['survey', 'chau', 'exit'])
    expect(exited).toBe(1)
    expect(reports).toHaveLength(1)
    expect(reports[0]).toMatch(/^health before chau: healthy; .*plaza ok.*ledger ok.*bus ok/)
    await eventually(() => expect(chaus.some((c) => c.includes('desk-quit'))).toBe(true))
    expect(node.nodeState).toBe('offline')
    expect(ns.stats.carriers).toBe(0)
    // The survey ran before chau: the plaza respondent still saw the node online.
    expect(reports[0]).toMatch(/plaza ok/)
  }, 15_000)

  it('soul export over the window bus: main copies after confirming; the window gets {ok, copied} and never the soul', async () => {
    const broker = await startAedes()
    cleanups.push(() => broker.stop())
    const node = makeNode('desk-soul', broker.url)
    cleanups.push(() => node.stop(500))
    const soul = node.identity.soulText
    const clipboard: string[] = []
    let answer = false
    const exporter = createSoulExporter({
      available: () => true,
      confirm: async () => answer,
      readSoul: async () => soul,
      copy: (s) => void clipboard.push(s)
    })
    const host = createBusHost({ serve: { extra: { 'soul.export': () => exporter() } } })
    const ns = createNervousSystem(node)
    cleanups.push(() => ns.close())
    host.use(ns)
    const win = windowPort(host)
    expect(await win.control.request({ cmd: 'soul.export', confirm: true })).toEqual({ ok: true, copied: false })
    expect(clipboard).toEqual([])
    answer = true
    expect(await win.control.request({ cmd: 'soul.export', confirm: true })).toEqual({ ok: true, copied: true })
    expect(clipboard).toEqual([soul])
    expect(win.frames.length).toBeGreaterThan(0)
    expect(win.frames.join('\n')).not.toContain(soul)

    const none = createSoulExporter({ available: () => false, confirm: async () => true, readSoul: async () => soul, copy: () => {} })
    expect(await none()).toEqual({ ok: false, error: 'There is no stored soul to export.' })
  }, 15_000)
})
