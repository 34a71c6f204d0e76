/**
 * The data plane across a real message channel: node:worker_threads MessageChannel (structured
 * clone, asynchronous delivery, like an Electron MessagePort), and through C2's string carrier +
 * multiplexer, which is how the renderer reaches the node.
 */
import { MessageChannel, type MessagePort } from 'node:worker_threads'
import { afterEach, describe, expect, it } from 'vitest'
import {
  DataPlane,
  DataPlaneSession,
  RemoteDataPlane,
  subscribeWithSnapshot,
  type FrameLink,
  type Sample
} from '../main/core/bus/dataPlane'
import { InvalidKeyExprError } from '../main/core/bus/keyexpr'
import { messagePortCarrier } from '../main/core/bus/carriers/messagePort'
import { multiplex } from '../main/core/bus/carriers/mux'

function portLink(port: MessagePort): FrameLink {
  return {
    send: (f) => port.postMessage(f),
    onFrame: (cb) => port.on('message', cb),
    onClose: (cb) => port.on('close', cb)
  }
}

const open: MessageChannel[] = []
afterEach(() => {
  for (const ch of open.splice(0)) {
    ch.port1.close()
    ch.port2.close()
  }
})

function remotePair(opts: { window?: number } = {}) {
  const ch = new MessageChannel()
  open.push(ch)
  const plane = new DataPlane()
  const session = new DataPlaneSession(plane, portLink(ch.port1), opts)
  const remote = new RemoteDataPlane(portLink(ch.port2), opts)
  return { plane, session, remote, ch }
}

const tick = (ms = 0): Promise<void> => new Promise((r) => setTimeout(r, ms))
async function until(cond: () => boolean, ms = 2000): Promise<void> {
  const end = Date.now() + ms
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not reached')
    await tick(2)
  }
}

describe('data plane over a MessagePort (RemoteDataPlane ↔ DataPlaneSession)', () => {
  it('subscribes with wildcards, receives puts from both sides, unsubscribes', async () => {
    const { plane, remote, session } = remotePair()
    const got: Sample[] = []
    const off = remote.subscribe('nara/local/neighbours/*', (s) => void got.push(s))
    await until(() => session.stats.subscriptions === 1)
    plane.put('nara/local/neighbours/alice', { status: 'ONLINE', big: 2n ** 70n })
    plane.put('nara/local/self', 'not for this subscriber')
    remote.put('nara/local/neighbours/bob', { status: 'MISSING' })
    await until(() => got.length === 2)
    expect(got[0]).toEqual({ key: 'nara/local/neighbours/alice', value: { status: 'ONLINE', big: 2n ** 70n } })
    expect(got[1]).toEqual({ key: 'nara/local/neighbours/bob', value: { status: 'MISSING' } })
    off()
    await until(() => session.stats.subscriptions === 0)
    plane.put('nara/local/neighbours/carol', {})
    await tick(10)
    expect(got).toHaveLength(2)
  })

  it('get runs the queries on the node and returns consolidated replies; queryables work from the client too', async () => {
    const { plane, remote, session } = remotePair()
    plane.declareQueryable('nara/local/newspapers/*', (q) => {
      q.reply('nara/local/newspapers/alice', 'v1', { timestamp: 1 })
      q.reply('nara/local/newspapers/alice', 'v2', { timestamp: 2 })
      q.reply('elsewhere/x', 'dropped')
    })
    const out = await remote.query('nara/local/newspapers/*')
    expect(out).toEqual({ replies: [{ key: 'nara/local/newspapers/alice', value: 'v2', timestamp: 2 }], errors: [], timedOut: false, dropped: 1 })

    // A queryable declared by the remote end answers queries made on the node.
    remote.declareQueryable('ui/prefs/*', async (q) => [{ key: 'ui/prefs/theme', value: `dark (${q.parameters})` }])
    await until(() => session.stats.queryables === 1)
    expect(await plane.get('ui/prefs/theme?x=1')).toEqual([{ key: 'ui/prefs/theme', value: 'dark (x=1)' }])
  })

  it('invalid key expressions fail locally on the client with the typed error', async () => {
    const { remote } = remotePair()
    expect(() => remote.subscribe('a/**/**', () => {})).toThrow(InvalidKeyExprError)
    expect(() => remote.put('a//b', 1)).toThrow(InvalidKeyExprError)
    await expect(remote.get('#')).rejects.toBeInstanceOf(InvalidKeyExprError)
  })

  it('snapshot-then-stream works over the channel', async () => {
    const { plane, remote } = remotePair()
    plane.declareQueryable('s/*', () => [{ key: 's/a', value: 1 }])
    const seen: string[] = []
    const sub = subscribeWithSnapshot(remote, 's/*', (s) => void seen.push(`${s.key}=${String(s.value)}`))
    expect((await sub.ready).snapshot).toBe(1)
    plane.put('s/b', 2)
    await until(() => seen.length === 2)
    expect(seen).toEqual(['s/a=1', 's/b=2'])
  })

  it('a remote subscriber that stops reading is held to its window; the node drops oldest (counted)', async () => {
    const { plane, remote, session } = remotePair({ window: 8 })
    const seen: number[] = []
    let release!: () => void
    const gate = new Promise<void>((r) => (release = r))
    remote.subscribe<number>(
      'flood/**',
      async (s) => {
        seen.push(s.value)
        await gate
      },
      { queue: 16 }
    )
    await until(() => session.stats.subscriptions === 1)
    for (let i = 0; i < 1000; i++) plane.put('flood/x', i)
    await tick(20)
    // Only one window went over the wire; the rest waited in the bounded queue or was dropped.
    expect(session.stats.samplesSent).toBe(8)
    expect(plane.counters.dropped).toBe(1000 - 8 - 16)
    release()
    await until(() => seen.length === 8 + 16)
    expect(seen.slice(8)).toEqual(Array.from({ length: 16 }, (_, i) => 984 + i)) // the newest survive
  })

  it('malformed frames get error frames and are counted; the session keeps serving', async () => {
    const { plane, session, ch } = remotePair()
    const replies: unknown[] = []
    const probe = new MessageChannel()
    open.push(probe)
    // Talk to the session directly with raw frames.
    const raw = new DataPlaneSession(plane, portLink(probe.port1))
    probe.port2.on('message', (m) => replies.push(m))
    for (const f of [null, 'text', [1], { t: 'nope' }, { t: 'sub', id: -1, ke: 'a' }, { t: 'sub', id: 1, ke: 'a//b' }, { t: 'get', id: 2, sel: 'a', timeoutMs: 0 }, { t: 'put', ke: 'a' }]) {
      probe.port2.postMessage(f)
    }
    probe.port2.postMessage({ t: 'get', id: 3, sel: 'nothing/**' })
    await until(() => replies.some((r) => (r as { t: string }).t === 'done'))
    expect(raw.stats.badFrames).toBe(7)
    expect(raw.stats.rejected).toBe(8)
    const errors = replies.filter((r) => (r as { t: string }).t === 'error') as { code: string; ref: string; id?: number }[]
    expect(errors.map((e) => e.code)).toEqual([
      'not_an_object',
      'not_an_object',
      'not_an_object',
      'unknown_type',
      'bad_field',
      'keyexpr_empty_chunk',
      'bad_field',
      'bad_field'
    ])
    expect(errors[5]).toMatchObject({ ref: 'sub', id: 1 })
    expect(replies.at(-1)).toEqual({ t: 'done', id: 3, timedOut: false, dropped: 0, errors: [] })
    expect(session.stats.badFrames).toBe(0)
    void ch
  })

  it('closing the channel ends the session and fails pending gets', async () => {
    const { plane, remote, session, ch } = remotePair()
    plane.declareQueryable('hang', () => new Promise<void>(() => {}))
    remote.subscribe('x', () => {})
    await until(() => session.stats.subscriptions === 1)
    const p = remote.get('hang', { timeoutMs: 60_000 })
    await tick(5)
    ch.port2.close()
    await expect(p).rejects.toThrow(/closed/)
    await until(() => session.stats.subscriptions === 0)
  })
})

describe('data plane through the string carrier + multiplexer (the renderer path)', () => {
  it('frames survive JSON envelopes on a MessagePort carrier', async () => {
    const ch = new MessageChannel()
    open.push(ch)
    const server = multiplex(messagePortCarrier(ch.port1))
    const client = multiplex(messagePortCarrier(ch.port2))
    const plane = new DataPlane()
    const session = new DataPlaneSession(plane, server.data)
    const remote = new RemoteDataPlane(client.data)
    plane.declareQueryable('nara/local/self', () => [{ key: 'nara/local/self', value: { name: 'me' } }])
    const got: Sample[] = []
    remote.subscribe('nara/local/**', (s) => void got.push(s))
    await until(() => session.stats.subscriptions === 1)
    plane.put('nara/local/stats', { ledgerSize: 3 })
    expect(await remote.get('nara/local/self')).toEqual([{ key: 'nara/local/self', value: { name: 'me' } }])
    await until(() => got.length === 1)
    expect(got[0]).toEqual({ key: 'nara/local/stats', value: { ledgerSize: 3 } })
    server.close()
    client.close()
  })
})
