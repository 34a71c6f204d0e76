import { afterEach, describe, expect, it } from 'vitest'
import { startAedes, startMosquitto, type TestBroker } from './support/brokers'
import { eventually, makeNode, testIdentity } from './support/nodes'
import type { NaraNode, NaraNodeOptions } from '../main/core/node'
import type { NeighbourView } from '../main/core/views'

const cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!()
})

async function broker(kind: 'aedes' | 'mosquitto' = 'aedes'): Promise<TestBroker> {
  const b = kind === 'aedes' ? await startAedes() : await startMosquitto()
  cleanups.push(() => b.stop())
  return b
}

function node(name: string, url: string, extra = {}, opts: Partial<NaraNodeOptions> = {}): NaraNode {
  const n = makeNode(name, url, extra, opts)
  cleanups.push(() => n.stop())
  return n
}

const view = (n: NaraNode, name: string): NeighbourView | undefined => n.neighbours().find((v) => v.name === name)

describe('nodes on a real broker', () => {
  it('5 nodes join → each sees the other 4 ONLINE with correct name, ID, public key and personality', async () => {
    const b = await broker()
    const names = ['ana', 'ben', 'cleo', 'dov', 'eli']
    const nodes = names.map((n) => node(n, b.url))
    for (const n of nodes) await n.start()
    await eventually(() => {
      for (const n of nodes) {
        for (const other of names.filter((x) => x !== n.name)) {
          const v = view(n, other)
          const id = testIdentity(other)
          expect(v, `${n.name} sees ${other}`).toBeDefined()
          expect(v!.status).toBe('ONLINE')
          expect(v!.id).toBe(id.id)
          expect(v!.publicKey).toBe(id.publicKeyBase64)
          expect(v!.personality).toEqual(id.personality)
          expect(v!.trust).toBe('verified')
        }
      }
    }, 8000)
    for (const n of nodes) expect(n.neighbours()).toHaveLength(4)
  })

  it('one quits → OFFLINE at the others, with exactly one chau on the wire (no will on a clean quit)', async () => {
    const b = await broker('mosquitto')
    const [a, c, q] = ['ana', 'ben', 'quinn'].map((n) => node(n, b.url))
    for (const n of [a!, c!, q!]) await n.start()
    await eventually(() => expect(view(a!, 'quinn')?.status).toBe('ONLINE'))
    let chaus = 0
    a!.on('event', (e) => e.svc === 'chau' && chaus++)
    const dupes = a!.drops
    await q!.stop()
    await eventually(() => {
      expect(view(a!, 'quinn')?.status).toBe('OFFLINE')
      expect(view(c!, 'quinn')?.status).toBe('OFFLINE')
    })
    await new Promise((r) => setTimeout(r, 300))
    expect(chaus).toBe(1)
    void dupes
  })

  it('one is killed (socket destroyed) → no chau reaches the plaza (no MQTT will, as Go); it is not called OFFLINE', async () => {
    const b = await broker()
    const [a, k] = ['ana', 'kim'].map((n) => node(n, b.url))
    await a!.start()
    await k!.start()
    await eventually(() => expect(view(a!, 'kim')?.status).toBe('ONLINE'))
    let chaus = 0
    a!.on('event', (e) => e.svc === 'chau' && chaus++)
    const handled = a!.plazaMessagesHandled
    k!.crash()
    // A message after the crash proves the broker has processed the dropped socket by now.
    const probe = node('pia', b.url)
    await probe.start()
    await eventually(() => expect(a!.plazaMessagesHandled).toBeGreaterThan(handled + 1))
    await new Promise((r) => setTimeout(r, 300))
    expect(chaus).toBe(0)
    expect(view(a!, 'kim')?.status).toBe('ONLINE') // until it goes quiet for the MISSING threshold
  })

  it('read-only node listens and sends nothing', async () => {
    const b = await broker()
    const a = node('ana', b.url)
    const ro = node('rory', b.url, { readOnly: true })
    await ro.start()
    await a.start()
    await eventually(() => expect(view(ro, 'ana')?.status).toBe('ONLINE'))
    await new Promise((r) => setTimeout(r, 400))
    expect(view(a, 'rory')).toBeUndefined()
  })

  it('broker stopped mid-run and restarted → the node reconnects within the backoff window and says hey_there again', async () => {
    const b = await broker()
    // ben's hello after a reconnect waits the longest jitter it can draw (999 ms), so ana has
    // resubscribed by then: QoS 0 gives nothing to a client that is not subscribed yet, and a
    // short random draw used to race ana's own reconnect (50–150 ms + subscribe) on a busy machine.
    const slow = { timings: { heyThereJitterMs: 1000 } }
    const longestJitter = { float: Math.random, intn: (n: number): number => (n === 1000 ? 999 : Math.floor(Math.random() * n)) }
    const a = node('ana', b.url, slow)
    const c = node('ben', b.url, slow, { random: longestJitter })
    await a.start()
    await c.start()
    await eventually(() => expect(view(a, 'ben')?.status).toBe('ONLINE'))
    const ownHeys = (): number => c.ledger.all().filter((e) => e.svc === 'hey-there' && e.emitter === 'ben').length
    const heyBefore = ownHeys()
    let seenAgain = 0
    a.on('event', (e) => e.svc === 'hey-there' && e.emitter === 'ben' && seenAgain++)
    await b.pause()
    await eventually(() => expect(c.plazaConnected).toBe(false))
    await b.restart()
    const t0 = Date.now()
    await eventually(() => expect(c.plazaConnected && a.plazaConnected).toBe(true), 3000)
    // policy in tests: 50 + intn(3)×50 ms, so well under a second
    expect(Date.now() - t0).toBeLessThan(2000)
    await eventually(() => expect(seenAgain).toBe(1), 3000)
    expect(ownHeys()).toBe(heyBefore + 1)
    expect(c.plaza?.connects).toBe(2)
    expect(view(a, 'ben')?.status).toBe('ONLINE')
  })
})
