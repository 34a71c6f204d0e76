/**
 * Data-plane benches (RFC-0910):
 * - in-process: puts/s into a DataPlane with wildcard subscribers (`*`, `**`, `$*`, plus
 *   non-matching ones), against a raw EventEmitter emitting to the same number of listeners
 *   in the same run (baseline). Keys repeat, as node state does, so the per-key match cache is hot.
 * - remote: samples/s from a DataPlane to a RemoteDataPlane over a node:worker_threads
 *   MessageChannel (structured clone, flow-controlled windows), against raw postMessage of the
 *   same frames over a MessageChannel (baseline).
 */
import { EventEmitter } from 'node:events'
import { MessageChannel, type MessagePort } from 'node:worker_threads'
import { DataPlane, DataPlaneSession, RemoteDataPlane, type FrameLink } from '../../main/core/bus/dataPlane'
import type { BenchResult } from '../types'
import { median } from '../support/stats'

export const name = 'dataplane'

const IN_PROCESS_PUTS = 200_000
const REMOTE_SAMPLES = 20_000
const ROUNDS = 3
const CITIES = 500

const keyFor = (i: number): string => `sensor/c${i % CITIES}/pm25`

/** Subscribers: 4 that match every key, 4 that match none. */
const SUBSCRIPTIONS = ['sensor/*/pm25', 'sensor/**', 'sensor/c$*/pm$*', '**', 'sensor/*/pm10', 'other/**', 'sensor/@x/**', 'sensor/c$*z/*']
const MATCHING = 4

function inProcessRate(): { rate: number; delivered: number } {
  const dp = new DataPlane()
  let delivered = 0
  for (const s of SUBSCRIPTIONS) dp.subscribe(s, () => void delivered++, { queue: 16 })
  for (let i = 0; i < CITIES; i++) dp.put(keyFor(i), i) // warm the route cache
  delivered = 0
  const value = { pm25: 12.5 }
  const t0 = performance.now()
  for (let i = 0; i < IN_PROCESS_PUTS; i++) dp.put(keyFor(i), value)
  const rate = IN_PROCESS_PUTS / ((performance.now() - t0) / 1000)
  if (delivered !== IN_PROCESS_PUTS * MATCHING) throw new Error(`in-process: delivered ${delivered}, expected ${IN_PROCESS_PUTS * MATCHING}`)
  return { rate, delivered }
}

function emitterRate(): number {
  const ee = new EventEmitter()
  let delivered = 0
  for (let i = 0; i < MATCHING; i++) ee.on('sample', () => void delivered++)
  const value = { pm25: 12.5 }
  const t0 = performance.now()
  for (let i = 0; i < IN_PROCESS_PUTS; i++) ee.emit('sample', { key: keyFor(i), value })
  const rate = IN_PROCESS_PUTS / ((performance.now() - t0) / 1000)
  if (delivered !== IN_PROCESS_PUTS * MATCHING) throw new Error('emitter baseline lost events')
  return rate
}

function portLink(port: MessagePort): FrameLink {
  return { send: (f) => port.postMessage(f), onFrame: (cb) => port.on('message', cb), onClose: (cb) => port.on('close', cb) }
}

async function remoteRate(): Promise<number> {
  const ch = new MessageChannel()
  try {
    const dp = new DataPlane()
    const session = new DataPlaneSession(dp, portLink(ch.port1))
    const remote = new RemoteDataPlane(portLink(ch.port2))
    let got = 0
    let done!: () => void
    const all = new Promise<void>((r) => (done = r))
    remote.subscribe('sensor/**', () => {
      if (++got === REMOTE_SAMPLES) done()
    }, { queue: REMOTE_SAMPLES })
    while (session.stats.subscriptions === 0) await new Promise((r) => setTimeout(r, 1))
    const value = { pm25: 12.5 }
    const t0 = performance.now()
    for (let i = 0; i < REMOTE_SAMPLES; i++) dp.put(keyFor(i), value)
    await all
    const rate = REMOTE_SAMPLES / ((performance.now() - t0) / 1000)
    if (dp.counters.dropped !== 0) throw new Error('remote bench dropped samples')
    return rate
  } finally {
    ch.port1.close()
    ch.port2.close()
  }
}

async function rawPortRate(): Promise<number> {
  const ch = new MessageChannel()
  try {
    let got = 0
    let done!: () => void
    const all = new Promise<void>((r) => (done = r))
    ch.port2.on('message', () => {
      if (++got === REMOTE_SAMPLES) done()
    })
    const value = { pm25: 12.5 }
    const t0 = performance.now()
    for (let i = 0; i < REMOTE_SAMPLES; i++) ch.port1.postMessage({ t: 'sample', id: 1, key: keyFor(i), v: value })
    await all
    return REMOTE_SAMPLES / ((performance.now() - t0) / 1000)
  } finally {
    ch.port1.close()
    ch.port2.close()
  }
}

export async function run(): Promise<BenchResult[]> {
  const dpRates: number[] = []
  const eeRates: number[] = []
  const remoteRates: number[] = []
  const rawRates: number[] = []
  // Alternate rounds so machine noise hits both sides alike.
  for (let r = 0; r < ROUNDS; r++) {
    eeRates.push(emitterRate())
    dpRates.push(inProcessRate().rate)
    rawRates.push(await rawPortRate())
    remoteRates.push(await remoteRate())
  }
  const dp = median(dpRates)
  const ee = median(eeRates)
  const remote = median(remoteRates)
  const raw = median(rawRates)
  const inProcessRatio = dp / ee
  const remoteRatio = remote / raw
  return [
    {
      suite: name,
      metric: `in-process puts/s (${SUBSCRIPTIONS.length} wildcard subscribers, ${MATCHING} matching)`,
      value: Math.round(dp),
      unit: 'msg/s',
      baseline: { metric: `EventEmitter emits/s to ${MATCHING} listeners`, value: Math.round(ee), unit: 'msg/s' },
      ratio: inProcessRatio,
      goal: 'ratio ≥ 0.25',
      goalMet: inProcessRatio >= 0.25
    },
    {
      suite: name,
      metric: 'remote samples/s over a MessageChannel (RemoteDataPlane, flow-controlled)',
      value: Math.round(remote),
      unit: 'msg/s',
      baseline: { metric: 'raw postMessage frames/s over a MessageChannel', value: Math.round(raw), unit: 'msg/s' },
      ratio: remoteRatio,
      goal: 'ratio ≥ 0.5',
      goalMet: remoteRatio >= 0.5
    }
  ]
}
