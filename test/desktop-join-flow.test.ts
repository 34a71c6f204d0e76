import { afterEach, describe, expect, it } from 'vitest'
import { connect, createServer } from 'node:net'
import mqtt from 'mqtt'
import { ManualClock } from '../main/core/clock'
import type { LifecycleView } from '../main/core/views'
import { seededRandom } from '../main/core/clock'
import type { NaraNode, PlazaSignal } from '../main/core/node'
import { startAedes, freePort } from './support/brokers'
import { eventually, makeNode } from './support/nodes'
import {
  explainJoinError, JOIN_STEP_TIMEOUTS, JoinFlow, joinEventFor, joinProgress, joinReducer, KEYCHAIN_TIMEOUT_MESSAGE, nameTakenMessage, type JoinEvent, type JoinState
} from '../main/core/runtime/join-flow'

const run = (events: JoinEvent[], from: JoinState = { step: 'idle' }) => events.reduce(joinReducer, from)
const broker = 'mqtt://127.0.0.1:1883'

/** A real socket error: connect to a port nobody listens on. */
async function refusedError(): Promise<NodeJS.ErrnoException & { port: number }> {
  const srv = createServer()
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r))
  const port = (srv.address() as { port: number }).port
  await new Promise<void>((r) => srv.close(() => r()))
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1')
    s.on('error', (e) => resolve(Object.assign(e, { port })))
  })
}

describe('one-click join flow', () => {
  it('walks keychain → connect → hey_there → howdy → online', () => {
    const seen: string[] = []
    let s: JoinState = { step: 'idle' }
    for (const e of [
      { type: 'start', broker },
      { type: 'soul-ready' },
      { type: 'connected' },
      { type: 'hey-there-echoed' },
      { type: 'howdy-received', from: 'amy' }
    ] as JoinEvent[]) {
      s = joinReducer(s, e)
      seen.push(joinProgress(s, 0)?.step ?? 'none')
    }
    expect(seen).toEqual(['keychain', 'connect', 'hey_there', 'howdy', 'online'])
    expect(s).toEqual({ step: 'online', broker, alone: false })
  })

  it('no howdy in time: online and alone, not an error', () => {
    const s = run([{ type: 'start', broker }, { type: 'soul-ready' }, { type: 'connected' }, { type: 'hey-there-echoed' }, { type: 'timeout' }])
    expect(s).toEqual({ step: 'online', broker, alone: true })
    expect(joinProgress(s, 5)?.message).toBe('You are on the plaza. Nobody else is here yet.')
    expect(joinReducer(s, { type: 'howdy-received', from: 'amy' })).toEqual({ step: 'online', broker, alone: false })
  })

  it('hey_there never echoed: says the broker may not let us publish', () => {
    const s = run([{ type: 'start', broker }, { type: 'soul-ready' }, { type: 'connected' }, { type: 'timeout' }])
    expect(s).toMatchObject({ step: 'error', failedAt: 'hey_there' })
    expect(joinProgress(s, 0)?.message).toMatch(/our hello never came back/)
  })

  it('a name another nara holds: its own failure step and sentence; nothing the node does later resumes it; a new start does', () => {
    const s = run([{ type: 'start', broker }, { type: 'soul-ready' }, { type: 'name-taken', name: 'amy' }])
    expect(s).toEqual({ step: 'error', broker, failedAt: 'name', message: nameTakenMessage('amy', broker) })
    expect(joinProgress(s, 0)?.message).toMatch(/Another nara is already using the name "amy" on the plaza at 127\.0\.0\.1:1883\. Choose another name/)
    for (const late of [{ type: 'connected' }, { type: 'hey-there-echoed' }, { type: 'howdy-received', from: 'bo' }, { type: 'timeout' }] as JoinEvent[]) {
      expect(joinReducer(s, late)).toBe(s)
    }
    expect(joinReducer(s, { type: 'start', broker })).toEqual({ step: 'keychain', broker })
    // Asked before connecting: once the plaza heard us under the name, a late answer changes nothing.
    const heard = run([{ type: 'start', broker }, { type: 'soul-ready' }, { type: 'connected' }])
    expect(joinReducer(heard, { type: 'name-taken', name: 'amy' })).toBe(heard)
    expect(run([{ type: 'name-taken', name: 'amy' }])).toEqual({ step: 'idle' })
  })

  it('keychain failure stops at the first step with its reason', () => {
    const s = run([{ type: 'start', broker }, { type: 'soul-failed', reason: 'No keychain is reachable.' }])
    expect(s).toEqual({ step: 'error', broker, failedAt: 'keychain', message: 'No keychain is reachable.' })
  })

  it('events out of order are ignored; cancel returns to idle; retry after error starts over', () => {
    expect(run([{ type: 'start', broker }, { type: 'connected' }])).toEqual({ step: 'keychain', broker })
    expect(run([{ type: 'start', broker }, { type: 'cancel' }])).toEqual({ step: 'idle' })
    const failed = run([{ type: 'start', broker }, { type: 'soul-failed', reason: 'x' }])
    expect(joinReducer(failed, { type: 'start', broker })).toEqual({ step: 'keychain', broker })
  })

  it('a real ECONNREFUSED becomes "Can\'t reach the plaza at …"', async () => {
    const e = await refusedError()
    expect(e.code).toBe('ECONNREFUSED')
    const url = `mqtt://127.0.0.1:${e.port}`
    const s = run([{ type: 'start', broker: url }, { type: 'soul-ready' }, { type: 'connect-failed', error: e }])
    expect(s).toMatchObject({ step: 'error', failedAt: 'connect' })
    expect(joinProgress(s, 0)?.message).toBe(`Can't reach the plaza at 127.0.0.1:${e.port}: nothing is listening there. Is the broker running, and is the port right?`)
  })

  it('a real MQTT "not authorized" CONNACK is explained in plain words', async () => {
    // A refusing broker: a tiny raw server answering CONNECT with CONNACK rc=5 (not authorized).
    const srv = createServer((sock) => {
      sock.once('data', () => sock.write(Buffer.from([0x20, 0x02, 0x00, 0x05])))
    })
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r))
    const port = (srv.address() as { port: number }).port
    const url = `mqtt://127.0.0.1:${port}`
    const client = mqtt.connect(url, { reconnectPeriod: 0, protocolVersion: 4, connectTimeout: 3000 })
    const error = await new Promise<unknown>((resolve) => client.once('error', resolve))
    client.end(true)
    await new Promise<void>((r) => srv.close(() => r()))
    expect(explainJoinError(error, url)).toBe(`The plaza at 127.0.0.1:${port} does not let this user in. Check the user name and password in Settings.`)
  })

  it('maps the other common failures and never shows credentials', () => {
    const b = 'mqtts://user:secret@plaza.example.org:8883'
    expect(explainJoinError({ code: 'ENOTFOUND' }, b)).toBe("Can't find the plaza at plaza.example.org:8883: that name does not resolve. Check the address and your internet connection.")
    expect(explainJoinError({ code: 'ETIMEDOUT' }, b)).toMatch(/did not answer in time/)
    expect(explainJoinError({ code: 'ENETUNREACH' }, b)).toMatch(/seems to be offline/)
    expect(explainJoinError({ code: 'DEPTH_ZERO_SELF_SIGNED_CERT' }, b)).toMatch(/certificate is not trusted/)
    expect(explainJoinError({ code: 4 }, b)).toMatch(/rejected the user name or password/)
    expect(explainJoinError(new Error('weird'), b)).toBe('Could not join the plaza at plaza.example.org:8883: weird')
    for (const code of ['ENOTFOUND', 'ECONNREFUSED', 'ETIMEDOUT']) expect(explainJoinError({ code }, b)).not.toMatch(/secret|user:/)
  })
})

describe('join flow deadlines (injected clock)', () => {
  function flow(timeouts = {}): { f: JoinFlow; clock: ManualClock; seen: LifecycleView[] } {
    const clock = new ManualClock()
    const seen: LifecycleView[] = []
    const f = new JoinFlow({ clock, timeouts, onProgress: (p) => seen.push(p) })
    return { f, clock, seen }
  }
  const steps = (seen: LifecycleView[]): string[] => seen.map((p) => p.step)

  it('a keychain that never answers ends in plain words after its deadline, not before', () => {
    const { f, clock, seen } = flow()
    f.dispatch({ type: 'start', broker })
    clock.advance(JOIN_STEP_TIMEOUTS.keychain - 1)
    expect(f.state.step).toBe('keychain')
    clock.advance(1)
    expect(f.state).toEqual({ step: 'error', broker, failedAt: 'keychain', message: KEYCHAIN_TIMEOUT_MESSAGE })
    expect(seen.at(-1)).toEqual({ step: 'error', message: KEYCHAIN_TIMEOUT_MESSAGE, atMs: clock.nowMs() })
    expect(clock.pendingTimers()).toBe(0)
  })

  it('a broker that never answers: connect times out with "did not answer in time"', () => {
    const { f, clock, seen } = flow()
    f.dispatch({ type: 'start', broker })
    clock.advance(JOIN_STEP_TIMEOUTS.keychain - 10)
    f.dispatch({ type: 'soul-ready' }) // the keychain's deadline no longer applies
    clock.advance(JOIN_STEP_TIMEOUTS.connect - 1)
    expect(f.state.step).toBe('connect')
    clock.advance(1)
    expect(f.state).toMatchObject({ step: 'error', failedAt: 'connect' })
    expect(seen.at(-1)?.message).toBe('The plaza at 127.0.0.1:1883 did not answer in time.')
  })

  it('our hello never comes back: hey_there times out and says the broker may not let us publish', () => {
    const { f, clock } = flow()
    for (const e of [{ type: 'start', broker }, { type: 'soul-ready' }, { type: 'connected' }] as JoinEvent[]) f.dispatch(e)
    clock.advance(JOIN_STEP_TIMEOUTS.hey_there)
    expect(f.state).toMatchObject({ step: 'error', failedAt: 'hey_there' })
    expect(joinProgress(f.state, 0)?.message).toMatch(/our hello never came back/)
  })

  it('alone on the plaza: after the howdy deadline the flow ends online (alone), not in an error', () => {
    const { f, clock, seen } = flow()
    for (const e of [{ type: 'start', broker }, { type: 'soul-ready' }, { type: 'connected' }, { type: 'hey-there-echoed' }] as JoinEvent[]) f.dispatch(e)
    clock.advance(JOIN_STEP_TIMEOUTS.howdy)
    expect(f.state).toEqual({ step: 'online', broker, alone: true })
    expect(steps(seen)).toEqual(['keychain', 'connect', 'hey_there', 'howdy', 'online'])
    expect(seen.at(-1)?.message).toBe('You are on the plaza. Nobody else is here yet.')
    expect(clock.pendingTimers()).toBe(0)
    f.dispatch({ type: 'howdy-received', from: 'amy' })
    expect(f.state).toEqual({ step: 'online', broker, alone: false })
  })

  it('steps finished in time never time out; a howdy before its deadline means online with neighbours', () => {
    const { f, clock } = flow({ connect: 100, hey_there: 100, howdy: 100, keychain: 100 })
    f.dispatch({ type: 'start', broker })
    clock.advance(99)
    f.dispatch({ type: 'soul-ready' })
    clock.advance(99)
    f.dispatch({ type: 'connected' })
    clock.advance(99)
    f.dispatch({ type: 'hey-there-echoed' })
    clock.advance(99)
    f.dispatch({ type: 'howdy-received', from: 'amy' })
    clock.advance(10_000)
    expect(f.state).toEqual({ step: 'online', broker, alone: false })
    expect(clock.pendingTimers()).toBe(0)
  })

  it('a late answer after a timeout resumes the flow (the node keeps retrying in the background)', () => {
    const { f, clock } = flow()
    for (const e of [{ type: 'start', broker }, { type: 'soul-ready' }] as JoinEvent[]) f.dispatch(e)
    clock.advance(JOIN_STEP_TIMEOUTS.connect)
    expect(f.state.step).toBe('error')
    f.dispatch({ type: 'hey-there-echoed' }) // not the step that failed: ignored
    expect(f.state.step).toBe('error')
    f.dispatch({ type: 'connected' })
    expect(f.state.step).toBe('hey_there')
    clock.advance(JOIN_STEP_TIMEOUTS.hey_there) // and the resumed step has its own deadline again
    expect(f.state).toMatchObject({ step: 'error', failedAt: 'hey_there' })
  })

  it('cancel and dispose stop the pending deadline', () => {
    const { f, clock } = flow()
    f.dispatch({ type: 'start', broker })
    expect(clock.pendingTimers()).toBe(1)
    f.dispatch({ type: 'cancel' })
    expect(clock.pendingTimers()).toBe(0)
    f.dispatch({ type: 'start', broker })
    f.dispatch({ type: 'soul-ready' })
    expect(clock.pendingTimers()).toBe(1)
    f.dispatch({ type: 'start', broker }) // already joining: no second timer
    expect(clock.pendingTimers()).toBe(1)
    f.dispatch({ type: 'soul-failed', reason: 'x' }) // not the current step: ignored
    expect(f.state.step).toBe('connect')
    f.dispose()
    expect(clock.pendingTimers()).toBe(0)
  })

  it("maps the node's plaza signals to join events", () => {
    const e = new Error('boom')
    expect(joinEventFor({ kind: 'connected' })).toEqual({ type: 'connected' })
    expect(joinEventFor({ kind: 'connect-failed', error: e })).toEqual({ type: 'connect-failed', error: e })
    expect(joinEventFor({ kind: 'hey-there-echoed' })).toEqual({ type: 'hey-there-echoed' })
    expect(joinEventFor({ kind: 'howdy', from: 'amy' })).toEqual({ type: 'howdy-received', from: 'amy' })
  })
})

describe('join flow driven by a real node on a real broker', () => {
  const cleanups: (() => Promise<void> | void)[] = []
  afterEach(async () => {
    while (cleanups.length) await cleanups.pop()!()
  })

  const broker = async (): Promise<string> => {
    const b = await startAedes()
    cleanups.push(() => b.stop())
    return b.url
  }
  const nodeOn = (name: string, url: string, clock: ManualClock, seed: number): NaraNode => {
    const n = makeNode(name, url, {}, { clock, random: seededRandom(seed) })
    cleanups.push(() => n.stop(500))
    return n
  }

  function follow(node: NaraNode, clock: ManualClock, url: string): { f: JoinFlow; signals: PlazaSignal['kind'][] } {
    const f = new JoinFlow({ clock, onProgress: () => {} })
    cleanups.push(() => f.dispose())
    const signals: PlazaSignal['kind'][] = []
    node.on('plaza', (s) => {
      signals.push(s.kind)
      f.dispatch(joinEventFor(s))
    })
    f.dispatch({ type: 'start', broker: url })
    f.dispatch({ type: 'soul-ready' })
    return { f, signals }
  }

  it('alone on the plaza: connected → our hello echoed → after the howdy deadline, online (alone)', async () => {
    const url = await broker()
    const clock = new ManualClock()
    const node = nodeOn('solo', url, clock, 1)
    const { f, signals } = follow(node, clock, url)
    await node.start()
    expect(f.state.step).toBe('hey_there')
    clock.advance(100) // hey_there jitter
    await eventually(() => expect(f.state.step).toBe('howdy'))
    clock.advance(JOIN_STEP_TIMEOUTS.howdy)
    expect(f.state).toEqual({ step: 'online', broker: url, alone: true })
    expect(signals).toEqual(['connected', 'hey-there-echoed'])
  })

  it('with a neighbour: its howdy ends the flow online with neighbours', async () => {
    const url = await broker()
    const clock = new ManualClock()
    await nodeOn('amy', url, clock, 2).start()
    const node = nodeOn('newcomer', url, clock, 3)
    const { f, signals } = follow(node, clock, url)
    await node.start()
    for (let i = 0; i < 200 && f.state.step !== 'online'; i++) {
      clock.advance(5)
      await new Promise((r) => setTimeout(r, 2))
    }
    expect(f.state).toEqual({ step: 'online', broker: url, alone: false })
    expect(signals.slice(0, 2)).toEqual(['connected', 'hey-there-echoed'])
    expect(signals).toContain('howdy')
  })

  it('nothing listening: the refusal itself ends the connect step in plain words', async () => {
    const port = await freePort()
    const url = `mqtt://127.0.0.1:${port}`
    const clock = new ManualClock()
    const node = nodeOn('lonely', url, clock, 4)
    const { f } = follow(node, clock, url)
    await node.start()
    await eventually(() => expect(f.state.step).toBe('error'))
    expect(joinProgress(f.state, 0)?.message).toBe(`Can't reach the plaza at 127.0.0.1:${port}: nothing is listening there. Is the broker running, and is the port right?`)
  })
})
