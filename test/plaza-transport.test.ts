import { afterEach, describe, expect, it } from 'vitest'
import { systemClock, seededRandom, ManualClock } from '../main/core/clock'
import { parseBrokerUrl } from '../main/core/plaza/brokerUrl'
import { DropCounter } from '../main/core/plaza/drops'
import { PlazaTransport, type PlazaTransportOptions } from '../main/core/plaza/transport'
import { classifyTopic, subscriptionsFor, publishQos, TOPIC } from '../main/core/plaza/topics'
import { startEmbeddedPlaza, probeBroker } from '../main/core/plaza/embeddedBroker'
import { startAedes, startMosquitto, freePort, type TestBroker } from './support/brokers'

const cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!()
})

function transport(url: string, name: string, extra: Partial<PlazaTransportOptions> = {}): PlazaTransport {
  const b = parseBrokerUrl(url)
  if (!b.ok) throw new Error(b.error.reason)
  const t = new PlazaTransport({
    broker: b.value,
    clientId: name,
    subscriptions: subscriptionsFor(name),
    clock: systemClock,
    random: seededRandom(1),
    drops: new DropCounter(),
    reconnect: { minMs: 50, spanSteps: 3, stepMs: 50 },
    ...extra
  })
  cleanups.push(() => t.stop())
  return t
}

function nextMessage(t: PlazaTransport, topic: string): Promise<string> {
  return new Promise((resolve) => {
    const on = (tp: string, p: Buffer): void => {
      if (tp === topic) {
        t.off('message', on)
        resolve(p.toString('utf8'))
      }
    }
    t.on('message', on)
  })
}

async function roundTrip(broker: TestBroker, extra: Partial<PlazaTransportOptions> = {}): Promise<void> {
  const a = transport(broker.url, 'alice', extra)
  const b = transport(broker.url, 'bob', extra)
  expect(await a.start()).toBe(true)
  expect(await b.start()).toBe(true)
  const got = nextMessage(b, 'nara/newspaper/alice')
  await a.publish('nara/newspaper/alice', '{"From":"alice"}')
  expect(await got).toBe('{"From":"alice"}')
}

describe('plaza topics', () => {
  it('classifies Go topics and the seed spellings, taking the newspaper sender from the topic', () => {
    expect(classifyTopic('nara/plaza/hey_there')).toEqual({ kind: 'hey_there' })
    expect(classifyTopic('nara/plaza/hey-there')).toEqual({ kind: 'hey_there' })
    expect(classifyTopic('nara/newspaper/bob')).toEqual({ kind: 'newspaper', name: 'bob' })
    expect(classifyTopic('nara/plaza/newspaper/bob')).toEqual({ kind: 'newspaper', name: 'bob' })
    expect(classifyTopic('nara/newspaper/')).toEqual({ kind: 'unknown' })
    expect(classifyTopic('nara/ledger/me/request')).toEqual({ kind: 'ledger_request', name: 'me' })
    expect(classifyTopic('nara/checkpoint/final')).toEqual({ kind: 'checkpoint_final' })
    expect(classifyTopic('nara/other')).toEqual({ kind: 'unknown' })
    expect(publishQos(TOPIC.checkpointVote)).toBe(1)
    expect(publishQos(TOPIC.heyThere)).toBe(0)
    expect(Object.keys(subscriptionsFor('me'))).toContain('nara/ledger/me/request')
    expect(Object.keys(subscriptionsFor('me'))).not.toContain('nara/#')
  })

  it('parses broker URLs and refuses credentials inside them', () => {
    const tls = parseBrokerUrl('tls://example.org:8883')
    expect(tls.ok && tls.value.tls).toBe(true)
    const bare = parseBrokerUrl('127.0.0.1:1999')
    expect(bare.ok && bare.value.url).toBe('mqtt://127.0.0.1:1999')
    const ws = parseBrokerUrl('ws://127.0.0.1:9001')
    expect(ws.ok && ws.value.url).toBe('ws://127.0.0.1:9001/mqtt')
    expect(parseBrokerUrl('http://x').ok).toBe(false)
    expect(parseBrokerUrl('mqtt://u:p@x').ok).toBe(false)
    expect(parseBrokerUrl('').ok).toBe(false)
    expect(parseBrokerUrl('mqtt://x:99999').ok).toBe(false)
  })
})

describe('plaza transport on real brokers', () => {
  it('round-trips on in-process aedes', async () => {
    const broker = await startAedes()
    cleanups.push(() => broker.stop())
    await roundTrip(broker)
  })

  it('round-trips on mosquitto (plain)', async () => {
    const broker = await startMosquitto()
    cleanups.push(() => broker.stop())
    await roundTrip(broker)
  })

  it('round-trips on mosquitto over TLS with a throwaway self-signed certificate', async () => {
    const broker = await startMosquitto({ tls: true })
    cleanups.push(() => broker.stop())
    expect(broker.url.startsWith('mqtts://')).toBe(true)
    await roundTrip(broker)
    // Go's tls:// spelling reaches the same broker.
    await roundTrip({ ...broker, url: broker.url.replace('mqtts://', 'tls://') })
  })

  it('authenticates with username/password on mosquitto and fails without', async () => {
    const broker = await startMosquitto({ users: { nara: 's3cret' } })
    cleanups.push(() => broker.stop())
    await roundTrip(broker, { username: 'nara', password: 's3cret' })
    const anon = transport(broker.url, 'anon', { reconnect: { minMs: 60_000, spanSteps: 1, stepMs: 1 } })
    expect(await anon.start()).toBe(false)
  })

  it('drops inbound payloads over the size cap, counted with a reason', async () => {
    const broker = await startAedes()
    cleanups.push(() => broker.stop())
    const drops = new DropCounter()
    const a = transport(broker.url, 'alice')
    const b = transport(broker.url, 'bob', { drops, maxPayloadBytes: 1024 })
    await a.start()
    await b.start()
    const got = nextMessage(b, TOPIC.chau)
    await a.publish(TOPIC.chau, 'x'.repeat(5000))
    await a.publish(TOPIC.chau, 'small')
    expect(await got).toBe('small')
    expect(drops.get('too_large')).toBe(1)
  })

  it('delivers the last will when the connection dies without DISCONNECT, and not on a clean stop', async () => {
    const broker = await startAedes()
    cleanups.push(() => broker.stop())
    const watcher = transport(broker.url, 'watcher')
    await watcher.start()
    const seen: string[] = []
    watcher.on('message', (t, p) => t === TOPIC.chau && seen.push(p.toString()))
    const clean = transport(broker.url, 'clean', { will: () => ({ topic: TOPIC.chau, payload: 'will-clean' }) })
    await clean.start()
    await clean.stop()
    const crash = transport(broker.url, 'crash', { will: () => ({ topic: TOPIC.chau, payload: 'will-crash' }) })
    await crash.start()
    crash.abort()
    await new Promise((r) => setTimeout(r, 300))
    expect(seen).toEqual(['will-crash'])
  })

  it('reconnects after the broker restarts, within the backoff window, and resubscribes', async () => {
    const broker = await startAedes()
    cleanups.push(() => broker.stop())
    const t = transport(broker.url, 'alice')
    let wills = 0
    const b = transport(broker.url, 'bob', { will: () => ({ topic: TOPIC.chau, payload: `will-${++wills}` }) })
    await t.start()
    await b.start()
    const lost = new Promise<void>((r) => b.once('disconnect', () => r()))
    await broker.pause()
    await lost
    await broker.restart()
    const t0 = Date.now()
    await new Promise<void>((r) => b.once('connect', () => r()))
    expect(Date.now() - t0).toBeLessThan(2000)
    expect(b.connects).toBe(2)
    expect(wills).toBeGreaterThanOrEqual(2) // the will is rebuilt for every attempt
    await new Promise<void>((r) => (t.connected ? r() : t.once('connect', () => r())))
    const got = nextMessage(b, TOPIC.howdy)
    await t.publish(TOPIC.howdy, 'again')
    expect(await got).toBe('again')
  })

  it('TestMQTT_ConnectJitter: reconnect waits are drawn uniformly in 5–34 s (Go) through the injected Random', () => {
    const b = parseBrokerUrl('mqtt://127.0.0.1:1')
    if (!b.ok) throw new Error()
    let i = 0
    const values = [0, 29, 13]
    const t = new PlazaTransport({
      broker: b.value, clientId: 'x', subscriptions: {}, clock: new ManualClock(), drops: new DropCounter(),
      random: { intn: (n) => { expect(n).toBe(30); return values[i++]! }, float: () => 0 }
    })
    expect([t.nextBackoffMs(), t.nextBackoffMs(), t.nextBackoffMs()]).toEqual([5000, 34000, 18000])
  })
})

describe('embedded plaza', () => {
  it('starts aedes on the given address and joins an existing plaza when the port is taken', async () => {
    const port = await freePort()
    const first = await startEmbeddedPlaza('127.0.0.1', port)
    cleanups.push(() => first.close())
    expect(first.owned).toBe(true)
    expect(await probeBroker('127.0.0.1', port)).toBe(true)
    const second = await startEmbeddedPlaza('127.0.0.1', port)
    expect(second.owned).toBe(false)
    expect(second.url).toBe(first.url)
  })

  it('fails clearly when the port is held by something that is not a plaza', async () => {
    const { createServer } = await import('node:net')
    const socks = new Set<import('node:net').Socket>()
    const srv = createServer((s) => {
      socks.add(s)
      s.end('HTTP/1.0 400 no\r\n\r\n')
    })
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()))
    cleanups.push(() => new Promise<void>((r) => {
      for (const s of socks) s.destroy()
      srv.close(() => r())
    }))
    const a = srv.address()
    const port = typeof a === 'object' && a ? a.port : 0
    await expect(startEmbeddedPlaza('127.0.0.1', port)).rejects.toThrow(/cannot listen/)
  })
})
