/**
 * The name probe (main/core/plaza/nameProbe.ts) against real brokers and real nodes: a holder
 * answers, nobody else does, and asking never throws the holder off the plaza.
 */
import { afterEach, describe, expect, it } from 'vitest'
import mqtt from 'mqtt'
import { systemClock, systemRandom } from '../main/core/clock'
import { probeName } from '../main/core/plaza/nameProbe'
import { encodeLedgerResponse } from '../main/core/protocol/ledgerMessages'
import { freePort, startAedes, startMosquitto, type TestBroker } from './support/brokers'
import { eventually, makeNode } from './support/nodes'

const cleanups: Array<() => Promise<unknown>> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => {})
})

const ask = (broker: string, name: string, extra: Partial<Parameters<typeof probeName>[0]> = {}) =>
  probeName({ broker, name, clock: systemClock, random: systemRandom, ...extra })

async function node(name: string, b: TestBroker, readOnly = false) {
  const n = makeNode(name, b.url, readOnly ? { readOnly: true } : {})
  cleanups.push(() => n.stop(1000))
  await n.start()
  await eventually(() => expect(n.nodeState).toBe('online'))
  return n
}

describe('name probe', () => {
  for (const kind of ['aedes', 'mosquitto'] as const) {
    it(`${kind}: a nara holding the name answers; the probe never takes its connection; other names are free`, async () => {
      const b = kind === 'aedes' ? await startAedes() : await startMosquitto()
      cleanups.push(() => b.stop())
      const holder = await node('probe-held', b)
      await node('probe-other', b)
      expect(await ask(b.url, 'probe-held')).toEqual({ kind: 'taken' })
      expect(await ask(b.url, 'probe-nobody', { answerMs: 800 })).toEqual({ kind: 'free' })
      expect(holder.plaza!.connects).toBe(1)
      expect(holder.plazaConnected).toBe(true)
    }, 20_000)
  }

  it('after the holder leaves (chau, clean disconnect) the name is free again', async () => {
    const b = await startAedes()
    cleanups.push(() => b.stop())
    const holder = await node('probe-gone', b)
    expect(await ask(b.url, 'probe-gone')).toEqual({ kind: 'taken' })
    await holder.leave()
    expect(await ask(b.url, 'probe-gone', { answerMs: 800 })).toEqual({ kind: 'free' })
  }, 20_000)

  it('an answer on our topic from another name is noise, not a holder', async () => {
    const b = await startAedes()
    cleanups.push(() => b.stop())
    // A prankster answering every request it can see, under a name of its own.
    const prank = mqtt.connect(b.url, { clientId: 'prankster', reconnectPeriod: 0 })
    cleanups.push(() => prank.endAsync(true))
    await new Promise<void>((r) => prank.on('connect', () => r()))
    await prank.subscribeAsync('nara/ledger/+/request')
    let requests = 0
    prank.on('message', (_t, payload) => {
      requests++
      const from = (JSON.parse(payload.toString()) as { From: string }).From
      void prank.publishAsync(`nara/ledger/${from}/response`, encodeLedgerResponse({ From: 'prankster', Events: null }))
      void prank.publishAsync(`nara/ledger/${from}/response`, '{"From": 42')
    })
    expect(await ask(b.url, 'probe-quiet', { answerMs: 800 })).toEqual({ kind: 'free' })
    expect(requests).toBe(1)
  }, 20_000)

  it('a probe still waiting ends at once when its signal aborts (the app is stopping)', async () => {
    const b = await startAedes()
    cleanups.push(() => b.stop())
    const stop = new AbortController()
    const asked = ask(b.url, 'probe-waiting', { answerMs: 60_000, signal: stop.signal })
    setTimeout(() => stop.abort(), 300)
    expect(await asked).toEqual({ kind: 'unknown', why: 'stopped' })
  }, 20_000)

  it('a read-only holder publishes nothing, so it cannot be seen (a limit of asking)', async () => {
    const b = await startAedes()
    cleanups.push(() => b.stop())
    const ro = makeNode('probe-ro', b.url, { readOnly: true })
    cleanups.push(() => ro.stop(1000))
    await ro.start()
    await eventually(() => expect(ro.plazaConnected).toBe(true))
    expect(await ask(b.url, 'probe-ro', { answerMs: 800 })).toEqual({ kind: 'free' })
  }, 20_000)

  it('bad input: an unreachable broker, a malformed URL, refused credentials → unknown with a reason, quickly', async () => {
    const port = await freePort()
    const refused = await ask(`mqtt://127.0.0.1:${port}`, 'x')
    expect(refused).toMatchObject({ kind: 'unknown', why: expect.stringMatching(/ECONNREFUSED/) })
    expect(await ask('not a url', 'x')).toMatchObject({ kind: 'unknown' })
    const mosq = await startMosquitto({ users: { alice: 'right-password-1' } })
    cleanups.push(() => mosq.stop())
    expect(await ask(mosq.url, 'x', { username: 'alice', password: 'wrong-password-1' })).toMatchObject({ kind: 'unknown', why: expect.stringMatching(/Bad username or password|Not authorized/i) })
    // A blackhole (a listener that never answers CONNECT) ends at the connect bound, not later.
    const { createServer } = await import('node:net')
    // It reads what we send (so it sees us hang up) and never answers.
    const silent = createServer((sock) => void sock.resume())
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r))
    cleanups.push(() => new Promise((r) => silent.close(r)))
    const t0 = Date.now()
    expect(await ask(`mqtt://127.0.0.1:${(silent.address() as { port: number }).port}`, 'x', { connectMs: 500 })).toMatchObject({ kind: 'unknown' })
    expect(Date.now() - t0).toBeLessThan(5000)
  }, 20_000)
})
