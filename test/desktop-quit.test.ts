import { afterEach, describe, expect, it } from 'vitest'
import { EventEmitter } from 'node:events'
import { createServer, type Server, type Socket } from 'node:net'
import mqtt from 'mqtt'
import { ManualClock, systemClock } from '../main/core/clock'
import { startEmbeddedPlaza } from '../main/core/plaza/embeddedBroker'
import { TOPIC } from '../main/core/plaza/topics'
import type { NodeState } from '../main/core/views'
import { installLifecycle } from '../main/desktop/lifecycle'
import { createPowerController } from '../main/desktop/power'
import { createQuitSequence, QUIT_DEADLINE_MS, type QuitOutcome } from '../main/core/runtime/quit-sequence'
import { resolveConfig } from '../main/core/config'
import { NaraNode } from '../main/core/node'
import { determineIdentity } from '../main/core/protocol/identity'
import { nodeConfigFor } from '../main/core/runtime/node-host'
import { DEFAULT_SETTINGS } from '../main/core/runtime/settings-schema'

const cleanups: Array<() => Promise<void> | void> = []
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()?.()
})

/** A "broker" that accepts TCP connections and never says a word. */
async function hangingBroker(): Promise<{ url: string; bytesIn: () => number; server: Server }> {
  const sockets = new Set<Socket>()
  let bytes = 0
  const server = createServer((s) => {
    sockets.add(s)
    s.on('data', (d) => (bytes += d.length))
    s.on('close', () => sockets.delete(s))
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  cleanups.push(
    () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy()
        server.close(() => r())
      })
  )
  return { url: `mqtt://127.0.0.1:${(server.address() as { port: number }).port}`, bytesIn: () => bytes, server }
}

/**
 * The goodbye a node says over a real mqtt.js client: chau on nara/plaza/chau, then a clean
 * DISCONNECT. Nothing here is bounded — the quit sequence must be.
 */
function plazaGoodbye(url: string) {
  const client = mqtt.connect(url, { reconnectPeriod: 0, protocolVersion: 4, connectTimeout: 60_000 })
  client.on('error', () => {})
  cleanups.push(() => void client.end(true))
  return {
    client,
    stop: async () => {
      await new Promise<void>((resolve) => client.publish(TOPIC.chau, '{"svc":"chau","from":"lisa"}', { qos: 1 }, () => resolve()))
      await client.endAsync()
    }
  }
}

function realNode(brokerUrl: string, name = 'lisa') {
  const identity = determineIdentity({ nameArg: name, soulArg: '', hostname: name, fingerprint: new Uint8Array(32).fill(name.length) })
  const cfg = nodeConfigFor({ ...DEFAULT_SETTINGS, plaza: 'broker', brokerUrl, name, transport: 'mqtt' }, identity, null)
  if (!cfg.ok) throw new Error(cfg.errors.join('; '))
  const timed = resolveConfig({ name, broker: brokerUrl, transport: 'mqtt', timings: { heyThereJitterMs: 1, howdyJitterMs: 1 } })
  if (!timed.ok) throw new Error(timed.errors.join('; '))
  const node = new NaraNode({ config: { ...cfg.config, timings: timed.config.timings }, identity })
  cleanups.push(() => node.stop(200))
  return { node, identity }
}

/** An embedded plaza plus a plain MQTT client on it that collects every chau published there. */
async function plazaWithChauListener(): Promise<{ plaza: Awaited<ReturnType<typeof startEmbeddedPlaza>>; chaus: string[] }> {
  const plaza = await startEmbeddedPlaza('127.0.0.1', 0)
  cleanups.push(() => plaza.close())
  const listener = await mqtt.connectAsync(plaza.url, { reconnectPeriod: 0 })
  cleanups.push(() => listener.endAsync())
  const chaus: string[] = []
  listener.on('message', (t, p) => t === TOPIC.chau && chaus.push(p.toString()))
  await listener.subscribeAsync(TOPIC.chau)
  return { plaza, chaus }
}

describe('quit sequence with the real NaraNode', () => {
  it('sends chau and exits within 2 s even when the broker hangs (real node, real hanging broker)', async () => {
    const broker = await hangingBroker()
    const { node } = realNode(broker.url)
    void node.start()
    while (broker.bytesIn() === 0) await new Promise((r) => setTimeout(r, 10))
    expect(node.status().state).toBe('joining')
    const started = Date.now()
    let exits = 0
    const outcome = await createQuitSequence({ node, clock: systemClock, exit: () => void exits++ })()
    const elapsed = Date.now() - started
    expect(exits).toBe(1)
    expect(outcome.completed.at(-1)).toBe('exit')
    expect(elapsed).toBeLessThan(QUIT_DEADLINE_MS + 300)
    // The chau was made and signed (it is in our own ledger) even though the broker never listened.
    expect(node.ledger.countsByService()['chau'] ?? 0).toBe(1)
  })

  it('a real node on a working plaza: the chau reaches the plaza, signed by us, before exit', async () => {
    const { plaza, chaus } = await plazaWithChauListener()
    const { node, identity } = realNode(plaza.url, 'amy')
    await node.start()
    for (let i = 0; i < 200 && node.status().state !== 'online'; i++) await new Promise((r) => setTimeout(r, 10))
    expect(node.status().state).toBe('online')
    const outcome = await createQuitSequence({ node, clock: systemClock, exit: () => {} })()
    expect(outcome).toMatchObject({ timedOut: false, completed: ['chau', 'exit'] })
    for (let i = 0; i < 100 && chaus.length === 0; i++) await new Promise((r) => setTimeout(r, 10))
    expect(chaus).toHaveLength(1)
    const chau = JSON.parse(chaus[0]!) as { svc: string; emitter: string; chau: { From: string; PublicKey: string } }
    expect(chau.svc).toBe('chau')
    expect(chau.chau.From).toBe('amy')
    expect(chau.chau.PublicKey).toBe(identity.publicKeyBase64)
    expect(chaus[0]).not.toContain(identity.soulText)
  })
})

describe('quit sequence', () => {
  it('sends chau and exits within 2 s even when the broker hangs', async () => {
    const broker = await hangingBroker()
    const node = plazaGoodbye(broker.url)
    // Wait until the client really reached the hanging broker (its CONNECT arrived).
    while (broker.bytesIn() === 0) await new Promise((r) => setTimeout(r, 10))
    const steps: string[] = []
    let exitedWith: QuitOutcome | null = null
    const quit = createQuitSequence({ node, clock: systemClock, exit: (o) => (exitedWith = o), onStep: (s) => steps.push(s) })
    const started = Date.now()
    const outcome = await quit()
    const elapsed = Date.now() - started
    expect(exitedWith).toBe(outcome)
    expect(outcome.timedOut).toBe(true)
    expect(outcome.completed).toEqual(['exit'])
    expect(steps).toEqual(['chau', 'exit'])
    expect(elapsed).toBeGreaterThanOrEqual(QUIT_DEADLINE_MS - 50)
    expect(elapsed).toBeLessThan(QUIT_DEADLINE_MS + 500)
  })

  it('with a working broker the chau really arrives and exit follows at once', async () => {
    const { plaza, chaus } = await plazaWithChauListener()
    const node = plazaGoodbye(plaza.url)
    await new Promise<void>((r) => node.client.once('connect', () => r()))
    const outcome = await createQuitSequence({ node, clock: systemClock, exit: () => {} })()
    expect(outcome).toMatchObject({ timedOut: false, completed: ['chau', 'exit'] })
    expect(outcome.elapsedMs).toBeLessThan(QUIT_DEADLINE_MS)
    for (let i = 0; i < 100 && chaus.length === 0; i++) await new Promise((r) => setTimeout(r, 10))
    expect(chaus).toEqual(['{"svc":"chau","from":"lisa"}'])
  })

  it('runs once however many ways quit is asked for; a hanging survey gets a quarter of the budget', async () => {
    const clock = new ManualClock()
    let exits = 0
    let stopped = 0
    const quit = createQuitSequence({
      node: { stop: async () => void stopped++ },
      clock,
      exit: () => void exits++,
      survey: () => new Promise(() => {})
    })
    const a = quit()
    const b = quit()
    expect(a).toBe(b)
    clock.advance(499)
    await Promise.resolve()
    expect(stopped).toBe(0)
    clock.advance(1)
    const outcome = await a
    expect(stopped).toBe(1)
    expect(exits).toBe(1)
    expect(outcome).toMatchObject({ timedOut: false, completed: ['chau', 'exit'], elapsedMs: 500 })
  })

  it('a failing chau still exits, and says why', async () => {
    const clock = new ManualClock()
    const outcome = await createQuitSequence({ node: { stop: async () => Promise.reject(new Error('socket closed')) }, clock, exit: () => {} })()
    expect(outcome).toMatchObject({ timedOut: false, error: 'socket closed', completed: ['exit'] })
  })
})

class Preventable {
  prevented = false
  preventDefault() {
    this.prevented = true
  }
}

describe('lifecycle wiring', () => {
  function wire(initial: NodeState = 'online') {
    const app = new EventEmitter()
    const powerMonitor = new EventEmitter()
    const proc = new EventEmitter()
    let state: NodeState = initial
    const calls: string[] = []
    let quits = 0
    const power = createPowerController({
      state: () => state,
      join: async () => {
        calls.push('join')
        state = 'online'
      },
      leave: async () => {
        calls.push('leave')
        state = 'offline'
      },
      noteWake: () => calls.push('wake')
    })
    installLifecycle({ app, powerMonitor, process: proc, power, quit: async () => void quits++ })
    return { app, powerMonitor, proc, calls, quits: () => quits, setState: (s: NodeState) => (state = s) }
  }

  it('Cmd-Q / menu Quit (before-quit) and OS shutdown are held and routed to the quit sequence', () => {
    const w = wire()
    const e = new Preventable()
    w.app.emit('before-quit', e)
    expect(e.prevented).toBe(true)
    const s = new Preventable()
    w.powerMonitor.emit('shutdown', s)
    expect(s.prevented).toBe(true)
    w.proc.emit('SIGTERM')
    expect(w.quits()).toBe(3) // the sequence itself dedupes (see createQuitSequence)
  })

  it('suspend → chau (leave), resume → hey_there (join) and a quiet minute', async () => {
    const w = wire('online')
    w.powerMonitor.emit('suspend')
    await new Promise((r) => setImmediate(r))
    w.powerMonitor.emit('resume')
    await new Promise((r) => setImmediate(r))
    expect(w.calls).toEqual(['leave', 'wake', 'join'])
  })

  it('a manual Leave survives a sleep: no rejoin on resume', async () => {
    const w = wire('offline')
    w.powerMonitor.emit('suspend')
    w.powerMonitor.emit('resume')
    await new Promise((r) => setImmediate(r))
    expect(w.calls).toEqual(['wake'])
  })

  it('closing the last window does not quit (the tray keeps running)', () => {
    const w = wire()
    w.app.emit('window-all-closed')
    expect(w.quits()).toBe(0)
  })
})
