/**
 * Zine exchange over the real mesh on loopback: one nara holding a 5-minute window of 5,000
 * signed events gossips with a fresh peer (full verify + merge on both sides, signed HTTP),
 * in steady state (the window went out before) and cold (nothing of it encoded yet).
 * Baseline: a plain HTTP POST echo of the same body on loopback. Also bytes on the wire with
 * and without gzip (offered only between peers that advertise it). Goal: ≤ 25 ms warm (window sent before).
 */
import { createServer, request, Agent } from 'node:http'
import type { AddressInfo } from 'node:net'
import { ManualClock, seededRandom } from '../../main/core/clock'
import { StandaloneMeshNode } from '../../main/core/mesh/standalone'
import { buildOwnZine } from '../../main/core/mesh/merge'
import { encodeZineBody } from '../../main/core/mesh/wire'
import { clearEncodedEventCache } from '../../main/core/protocol/zine'
import { benchIdentities, naraNames, signedEvents } from '../support/events'
import type { BenchResult } from '../types'
import { median } from '../support/stats'

export const name = 'zines'

const EVENTS = 5_000
const ROUNDS = 9
const GOAL_MS = 25
/** Cold (start-up, nothing encoded yet) keeps the first round's goal. */
const COLD_GOAL_MS = 100

async function echoBaseline(body: Buffer): Promise<number> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const b = Buffer.concat(chunks)
      res.writeHead(200, { 'Content-Length': String(b.length) })
      res.end(b)
    })
  })
  await new Promise<void>((r) => server.listen(0, '127.0.45.250', r))
  const port = (server.address() as AddressInfo).port
  const agent = new Agent({ keepAlive: true })
  const once = (): Promise<number> =>
    new Promise((resolve, reject) => {
      const t0 = performance.now()
      const req = request({ host: '127.0.45.250', port, method: 'POST', path: '/echo', agent, headers: { 'Content-Length': String(body.length) } }, (res) => {
        res.on('data', () => {})
        res.on('end', () => resolve(performance.now() - t0))
      })
      req.on('error', reject)
      req.end(body)
    })
  await once()
  const times: number[] = []
  for (let i = 0; i < ROUNDS; i++) times.push(await once())
  agent.destroy()
  await new Promise<void>((r) => server.close(() => r()))
  return median(times)
}

export async function run(): Promise<BenchResult[]> {
  const rnd = seededRandom(4242)
  const ids = benchIdentities(40)
  // The ledger keeps only 5 pings per target: generate extra so 5,000 survive in the window.
  const events = signedEvents(Math.round(EVENTS * 1.4), ids, naraNames(60, rnd), rnd)
  const last = events[events.length - 1]!.ts
  const clock = new ManualClock(Number(last / 1_000_000n) + 1_000)

  // 'hybrid': gossip rounds without the discovery loop, whose start-up scan (254 pings of the
  // default 100.64.0.0/24) would run during the timed exchange and leave loopback.
  const sender = new StandaloneMeshNode({ name: 'bench-sender', listen: { host: '127.0.45.2', port: 7433 }, clock, transport: 'hybrid', config: { gossip: { firstDelayMs: 3_600_000 } } })
  for (const e of events) if (sender.ledger.size < EVENTS) sender.ledger.add(e)
  await sender.start()
  const zine = buildOwnZine(sender.host)
  if (zine.events.length < EVENTS) throw new Error(`zine window holds ${zine.events.length} events`)
  const plainBytes = encodeZineBody(zine).length

  /**
   * One exchange with a fresh peer. `cold`: the sender's per-event encoding cache is emptied
   * first, as for a window of events that were never sent before (start-up); otherwise the
   * window went out in an earlier round, as in steady gossip (every 30–300 s, 5-min window).
   */
  const exchange = async (round: number, compress: boolean, cold = false): Promise<{ ms: number; bytes: number; added: number }> => {
    const ip = `127.0.45.${10 + round + (compress ? 50 : 0) + (cold ? 100 : 0)}`
    const peer = new StandaloneMeshNode({ name: 'bench-peer', listen: { host: ip, port: 7433 }, clock, transport: 'hybrid', config: { gossip: { firstDelayMs: 3_600_000 } } })
    for (const id of ids) peer.peers.learn({ name: id.name, publicKey: id.signer.publicKeyBase64, meshIP: id.meshIp })
    peer.peers.learn({ name: 'bench-sender', publicKey: sender.signer.publicKeyBase64, meshIP: '127.0.45.2' })
    sender.peers.learn({ name: 'bench-peer', publicKey: peer.signer.publicKeyBase64, meshIP: ip }, { overwrite: true })
    await peer.start()
    const url = `http://${ip}:7433`
    if (compress) await sender.mesh.client.ping(url)
    if (cold) clearEncodedEventCache()
    const t0 = performance.now()
    const view = await sender.mesh.gossip.exchangeWith('bench-peer', url)
    const ms = performance.now() - t0
    await peer.stop()
    if (view.verdict !== 'ok') throw new Error(`exchange failed: ${view.verdict} ${view.reason ?? ''}`)
    const inView = peer.exchanges.find((v) => v.direction === 'in')
    return { ms, bytes: inView?.bytesIn ?? view.bytesOut, added: inView?.newEvents ?? 0 }
  }

  await exchange(0, false) // warm-up (JIT, key cache)
  const plain: number[] = []
  const gz: number[] = []
  const cold: number[] = []
  let wirePlain = 0
  let wireGz = 0
  let added = 0
  for (let i = 1; i <= ROUNDS; i++) {
    const p = await exchange(i, false)
    plain.push(p.ms)
    wirePlain = p.bytes
    added = p.added
    const g = await exchange(i, true)
    gz.push(g.ms)
    wireGz = g.bytes
    cold.push((await exchange(i, false, true)).ms)
  }
  await sender.stop()
  const base = await echoBaseline(encodeZineBody(zine))
  const roundTrip = median(plain)
  const roundTripGz = median(gz)
  const roundTripCold = median(cold)
  const baseline = { metric: 'plain HTTP POST echo of the same zine body, loopback', value: base, unit: 'ms' }
  return [
    {
      suite: name,
      metric: `zine round trip, ${zine.events.length} events, window sent before (sign, send, validate + zine signature check, answer; decode and merge of ${added} new events after the reply)`,
      value: roundTrip,
      unit: 'ms',
      baseline,
      ratio: roundTrip / base,
      goal: `≤ ${GOAL_MS} ms`,
      goalMet: roundTrip <= GOAL_MS
    },
    {
      suite: name,
      metric: 'zine round trip, cold: nothing of the window encoded or signed before',
      value: roundTripCold,
      unit: 'ms',
      baseline,
      ratio: roundTripCold / base,
      goal: `≤ ${COLD_GOAL_MS} ms`,
      goalMet: roundTripCold <= COLD_GOAL_MS
    },
    { suite: name, metric: 'zine round trip with gzip, window sent before (compressed afresh: each cold round makes a new body)', value: roundTripGz, unit: 'ms', baseline, ratio: roundTripGz / base },
    { suite: name, metric: 'zine bytes on the wire, identity', value: wirePlain, unit: 'bytes', baseline: { metric: 'encoded zine', value: plainBytes, unit: 'bytes' }, ratio: wirePlain / plainBytes },
    { suite: name, metric: 'zine bytes on the wire, gzip', value: wireGz, unit: 'bytes', baseline: { metric: 'identity body', value: wirePlain, unit: 'bytes' }, ratio: wireGz / wirePlain }
  ]
}
