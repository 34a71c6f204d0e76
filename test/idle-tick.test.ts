/**
 * An idle node wakes rarely: after quiet reconciliation ticks the next one comes up to
 * IDLE_TICK_FACTOR × tickMs later, yet a neighbour's ONLINE → MISSING still lands on the same
 * second as with a 1 s tick, because the stretch never crosses a derived-status change.
 */
import { afterEach, describe, expect, it } from 'vitest'
import mqtt, { type MqttClient } from 'mqtt'
import { ManualClock, seededRandom, type TimerHandle } from '../main/core/clock'
import { IDLE_TICK_FACTOR, type NaraNode } from '../main/core/node'
import { encodeEvent, newHeyThereEvent, signEvent } from '../main/core/protocol/events'
import { startAedes } from './support/brokers'
import { eventually, makeNode, testIdentity } from './support/nodes'

const cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

/** A ManualClock that remembers every delay it was asked for. */
class RecordingClock extends ManualClock {
  delays: number[] = []
  override setTimeout(fn: () => void, ms: number): TimerHandle {
    this.delays.push(ms)
    return super.setTimeout(fn, ms)
  }
}

const TICK = 1000

async function quietNode(clock: RecordingClock): Promise<{ node: NaraNode; pub: MqttClient }> {
  const b = await startAedes()
  cleanups.push(() => b.stop())
  const node = makeNode('sleeper', b.url, { timings: { tickMs: TICK, bootingMs: 2000 } }, { clock, random: seededRandom(3), presence: { keepAlivePingMs: 0 } })
  cleanups.push(() => node.stop(500))
  await node.start()
  await eventually(() => expect(node.plazaConnected).toBe(true))
  const pub = mqtt.connect(b.url, { clientId: 'pub', reconnectPeriod: 0 })
  cleanups.push(() => void pub.end(true))
  await new Promise<void>((r) => pub.once('connect', () => r()))
  return { node, pub }
}

function hello(pub: MqttClient, name: string, clock: ManualClock): void {
  const id = testIdentity(name)
  pub.publish('nara/plaza/hey_there', encodeEvent(signEvent(newHeyThereEvent({ From: name, PublicKey: id.publicKeyBase64, MeshIP: '', ID: id.id }, clock.nowNs()), name, id.signer!)))
}

/** Ticks that came due while advancing `s` seconds one second at a time. */
function tickDelaysOver(clock: RecordingClock, s: number): number[] {
  clock.delays = []
  for (let i = 0; i < s; i++) clock.advance(1000)
  return clock.delays.filter((d) => d > 0 && d % TICK === 0 && d <= TICK * IDLE_TICK_FACTOR)
}

describe('idle reconciliation tick', () => {
  it('stretches to IDLE_TICK_FACTOR × tickMs once nothing changes, and ticks every second while booting', async () => {
    const clock = new RecordingClock()
    await quietNode(clock)
    const booting = tickDelaysOver(clock, 2)
    expect(booting.every((d) => d === TICK)).toBe(true)
    tickDelaysOver(clock, 20) // settle past boot
    const idle = tickDelaysOver(clock, 60)
    expect(idle.length).toBeLessThanOrEqual(60 / IDLE_TICK_FACTOR + 1)
    expect(idle).toContain(TICK * IDLE_TICK_FACTOR)
  })

  it('a silent neighbour still turns MISSING on the second it would with a 1 s tick', async () => {
    const clock = new RecordingClock()
    const { node, pub } = await quietNode(clock)
    tickDelaysOver(clock, 30)
    hello(pub, 'ghost', clock)
    await eventually(() => expect(node.neighbour('ghost')?.status).toBe('ONLINE'))
    const idle = tickDelaysOver(clock, 299)
    expect(idle).toContain(TICK * IDLE_TICK_FACTOR) // it did sleep long in between
    expect(node.neighbour('ghost')?.status).toBe('ONLINE')
    expect(node.neighbourhood.get('ghost')!.observation.online).toBe('ONLINE')
    tickDelaysOver(clock, 3)
    expect(node.neighbourhood.get('ghost')!.observation.online).toBe('MISSING')
  })
})
