/**
 * What our node puts on the wire, observed rather than read: an in-process aedes broker
 * records every PUBLISH our node makes (topic, QoS, retain flag, bytes, client id) and an MQTT
 * spy subscribed to `#` sees the same traffic, while a scripted "Go peer" (its own MQTT client
 * plus an HTTP mesh server on 127.0.45.3:7433) drives the node through join → newspaper →
 * howdy → leave. Every captured payload is decoded with our codecs and checked against
 * plaza.md, presence.md, newspaper.md and zines-and-mesh.md.
 */
import { afterEach, describe, expect, it } from 'vitest'
import type { NaraNode } from '../main/core/node'
import { NodeMesh } from '../main/core/mesh/nodeMesh'
import { parsePublicKey } from '../main/core/protocol/crypto'
import { decodeEvent, verifyEvent } from '../main/core/protocol/events'
import { contentString } from '../main/core/protocol/content-strings'
import { decodeNewspaper, verifyNewspaper } from '../main/core/protocol/newspaper'
import { decodeHowdy, verifyHowdy } from '../main/core/protocol/howdy'
import { decodeZine } from '../main/core/protocol/zine'
import { connectClient, goPeer, recordingBroker, type Captured } from './interop-harness'
import { eventually, makeNode } from './support/nodes'

const cleanups: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const f of cleanups.splice(0).reverse()) await f().catch(() => {})
})

/** Topic list a Go nara publishes on, with the QoS it uses (plaza.md §2). */
function goQosFor(topic: string): number | null {
  if (['nara/plaza/hey_there', 'nara/plaza/chau', 'nara/plaza/howdy', 'nara/plaza/social', 'nara/plaza/journey_complete'].includes(topic)) return 0
  if (/^nara\/newspaper\/[^/]+$/.test(topic)) return 0
  if (/^nara\/ledger\/[^/]+\/(request|response)$/.test(topic)) return 0
  if (['nara/checkpoint/propose', 'nara/checkpoint/vote', 'nara/checkpoint/final'].includes(topic)) return 1
  return null
}

const STATUS_KEYS = [
  'LicensePlate', 'Flair', 'HostStats', 'Chattiness', 'Buzz', 'Observations', 'Trend', 'TrendEmoji', 'Personality', 'Aura',
  'Version', 'PublicUrl', 'PublicKey', 'ID', 'MeshEnabled', 'MeshIP', 'coordinates', 'transport_mode', 'event_store_total',
  'event_store_by_service', 'event_store_critical', 'memory_mode', 'memory_budget_mb', 'memory_max_events', 'stash_stored',
  'stash_bytes', 'stash_confidants'
]
const ALWAYS_KEYS = STATUS_KEYS.slice(0, 16)
const HOST_STATS_KEYS = ['Uptime', 'LoadAvg', 'MemAllocMB', 'MemSysMB', 'MemHeapMB', 'MemStackMB', 'NumGoroutines', 'NumGC', 'ProcCPUPercent']

/** Key order and shape of a Status JSON value as Go emits it (newspaper.md §2). */
function expectGoStatusShape(raw: string): Record<string, unknown> {
  const s = JSON.parse(raw) as Record<string, unknown>
  const keys = Object.keys(s)
  for (const k of ALWAYS_KEYS) expect(keys, `Status.${k} is never omitted`).toContain(k)
  expect(keys.every((k) => STATUS_KEYS.includes(k)), `unknown Status key in ${keys.join(',')}`).toBe(true)
  expect(keys).toEqual(STATUS_KEYS.filter((k) => keys.includes(k)))
  const hs = s.HostStats as Record<string, unknown>
  expect(Object.keys(hs)).toEqual(HOST_STATS_KEYS)
  for (const k of ['Uptime', 'MemAllocMB', 'MemSysMB', 'MemHeapMB', 'MemStackMB', 'NumGoroutines', 'NumGC']) {
    expect(Number.isInteger(hs[k]) && (hs[k] as number) >= 0, `HostStats.${k} is an unsigned integer`).toBe(true)
  }
  expect(typeof hs.LoadAvg).toBe('number')
  expect(typeof hs.ProcCPUPercent).toBe('number')
  expect(Object.keys(s.Personality as object)).toEqual(['Agreeableness', 'Sociability', 'Chill'])
  const aura = s.Aura as Record<string, string>
  expect(Object.keys(aura)).toEqual(['primary', 'secondary'])
  expect(aura.primary).toMatch(/^#[0-9A-F]{6}$/)
  expect(aura.secondary).toMatch(/^#[0-9A-F]{6}$/)
  expect(s.Version).toBe('0.2.0')
  expect(Number.isInteger(s.Chattiness) && (s.Chattiness as number) >= 0 && (s.Chattiness as number) <= 100).toBe(true)
  expect(Number.isInteger(s.Buzz) && (s.Buzz as number) >= 0 && (s.Buzz as number) <= 182).toBe(true)
  if (s.coordinates !== undefined) expect(Object.keys(s.coordinates as object)).toEqual(['x', 'y', 'height', 'error'])
  if (s.memory_mode !== undefined) expect(['short', 'medium', 'hog', 'custom']).toContain(s.memory_mode)
  // Go's memory profiles advertise their budget with the mode: 256 / 512 / 2048 MB.
  const budget = { short: 256, medium: 512, hog: 2048 }[s.memory_mode as string]
  if (budget !== undefined) expect(s.memory_budget_mb).toBe(budget)
  return s
}

describe('interop: what our node publishes (captured on a real broker)', () => {
  it('join → newspaper → howdy → leave: topics, QoS 0, retain false, client id, payloads as Go expects, chau then the last zine', async () => {
    const broker = await recordingBroker()
    cleanups.push(() => broker.stop())
    const spy = await connectClient(broker.url, 'spy')
    cleanups.push(() => new Promise<void>((r) => spy.end(true, {}, () => r())))
    const spied: { topic: string; qos: number; retain: boolean; payload: Buffer }[] = []
    spy.on('message', (topic, payload, packet) => spied.push({ topic, qos: packet.qos, retain: packet.retain, payload }))
    await spy.subscribeAsync('#', { qos: 2 })

    const meIp = '127.0.45.2'
    const peerIp = '127.0.45.3'
    const node: NaraNode = makeNode('wire-alice', broker.url, { transport: 'hybrid', meshIP: meIp }, { presence: { keepAlivePingMs: 0 } })
    const mesh = new NodeMesh({ listen: { host: meIp, port: 7433 }, transport: 'hybrid', scanCidr: `${meIp}/32`, config: { gossip: { firstDelayMs: 3_600_000 }, discovery: { firstDelayMs: 3_600_000 } } })
    node.attachMesh(mesh)
    let stopped = false
    cleanups.push(async () => {
      if (!stopped) await node.stop(3000)
    })
    await node.start()
    const me = node.identity
    const mine = (): Captured[] => broker.published.filter((p) => p.clientId === me.name)
    await eventually(() => expect(mine().some((p) => p.topic === 'nara/plaza/hey_there')).toBe(true))

    // --- join: hey_there first, then the newspaper (as Go: a newspaper from an unknown name is a "whodis").
    const first = mine()
    expect(first[1]!.topic).toBe(`nara/newspaper/${me.name}`)
    expect(first[0]!.topic).toBe('nara/plaza/hey_there')
    expect(broker.clientIds).toContain(me.name) // client id = nara name

    const paper = decodeNewspaper(first[1]!.payload)
    expect(paper.ok).toBe(true)
    if (!paper.ok) return
    expect(Object.keys(JSON.parse(first[1]!.payload.toString('utf8')) as object)).toEqual(['From', 'Status', 'Signature'])
    expect(paper.value.from).toBe(me.name)
    expect(verifyNewspaper(paper.value, parsePublicKey(me.publicKeyBase64)).valid).toBe(true)
    const status = expectGoStatusShape(paper.value.statusRaw.toString('utf8'))
    expect(status.Observations).toBeNull() // slim newspaper
    expect(status.PublicKey).toBe(me.publicKeyBase64)
    expect(status.ID).toBe(me.id)
    expect(status.MeshIP).toBe(meIp)
    expect(status.MeshEnabled).toBe(true)
    expect(status.transport_mode).toBe('hybrid')
    expect(status.Chattiness).toBe(100) // booting

    const hello = decodeEvent(first[0]!.payload)
    expect(hello.ok).toBe(true)
    if (!hello.ok || hello.value.svc !== 'hey-there') return
    const h = hello.value
    expect(Object.keys(JSON.parse(first[0]!.payload.toString('utf8')) as object)).toEqual(['id', 'ts', 'svc', 'emitter', 'sig', 'hey_there'])
    expect(Object.keys((JSON.parse(first[0]!.payload.toString('utf8')) as { hey_there: object }).hey_there)).toEqual(['From', 'PublicKey', 'MeshIP', 'ID', 'Signature'])
    expect(h.hey_there).toEqual({ From: me.name, PublicKey: me.publicKeyBase64, MeshIP: meIp, ID: me.id, Signature: '' })
    expect(h.emitter).toBe(me.name)
    expect(verifyEvent(h, parsePublicKey(me.publicKeyBase64)!)).toBe(true)
    expect(contentString(h)).toBe(`hey_there:${me.name}:${me.publicKeyBase64}:${meIp}`) // excludes the ID
    const nowNs = BigInt(Date.now()) * 1_000_000n
    expect(h.ts > nowNs - 60_000_000_000n && h.ts <= nowNs + 1_000_000_000n, 'ts in nanoseconds').toBe(true)

    // --- a Go peer appears: newspaper, then hey_there → exactly one howdy from us (Seq 1).
    const peer = await goPeer(broker.url, 'wire-gopeer', peerIp)
    cleanups.push(() => peer.stop())
    peer.newspaper()
    peer.heyThere()
    await eventually(() => expect(mine().some((p) => p.topic === 'nara/plaza/howdy')).toBe(true))
    const howdyMsg = mine().find((p) => p.topic === 'nara/plaza/howdy')!
    const howdy = decodeHowdy(howdyMsg.payload)
    expect(howdy.ok).toBe(true)
    if (!howdy.ok) return
    expect(Object.keys(JSON.parse(howdyMsg.payload.toString('utf8')) as object)).toEqual(['From', 'To', 'Seq', 'You', 'Neighbors', 'Me', 'Signature'])
    expect(howdy.value.From).toBe(me.name)
    expect(howdy.value.To).toBe(peer.name)
    expect(howdy.value.Seq).toBe(1)
    expect(verifyHowdy(howdy.value).valid).toBe(true)
    expect(peer.signer.publicKeyBase64).not.toBe(me.publicKeyBase64)
    expect(howdy.value.You.online).toBe('ONLINE')
    const meRaw = JSON.stringify((JSON.parse(howdyMsg.payload.toString('utf8')) as { Me: unknown }).Me)
    const meStatus = expectGoStatusShape(meRaw)
    const obs = meStatus.Observations as Record<string, Record<string, unknown>> | null
    expect(obs, 'howdy Me is the full status with Observations').not.toBeNull()
    expect(obs![me.name]?.online).toBe('ONLINE')
    expect(obs![peer.name]?.online).toBe('ONLINE')
    expect(meStatus.MeshIP).toBe(meIp)
    expect(meStatus.ID).toBe(me.id)

    // --- leave: chau on the plaza, then the last zine (carrying that chau) to the mesh peer.
    await eventually(() => expect(node.neighbour(peer.name)?.status).toBe('ONLINE'))
    stopped = true
    await node.stop(3000)
    const chauMsg = mine().find((p) => p.topic === 'nara/plaza/chau')
    expect(chauMsg).toBeDefined()
    const chau = decodeEvent(chauMsg!.payload)
    expect(chau.ok).toBe(true)
    if (!chau.ok || chau.value.svc !== 'chau') return
    expect(Object.keys((JSON.parse(chauMsg!.payload.toString('utf8')) as { chau: object }).chau)).toEqual(['From', 'PublicKey', 'ID', 'Signature'])
    expect(chau.value.chau).toEqual({ From: me.name, PublicKey: me.publicKeyBase64, ID: me.id, Signature: '' })
    expect(contentString(chau.value)).toBe(`chau:${me.name}:${me.publicKeyBase64}`)
    expect(verifyEvent(chau.value, parsePublicKey(me.publicKeyBase64)!)).toBe(true)
    await eventually(() => expect(peer.zinesIn.length).toBeGreaterThan(0))
    const lastZine = peer.zinesIn[peer.zinesIn.length - 1]!
    expect(lastZine.seq).toBeGreaterThan(chauMsg!.seq)
    const z = decodeZine(lastZine.body)
    expect(z.ok).toBe(true)
    if (!z.ok) return
    expect(z.value.events.map((e) => e.id)).toContain(chau.value.id)
    expect(lastZine.headers['x-nara-name']).toBe(me.name)

    // --- every publish: a Go topic, Go's QoS, never retained, never a SyncEvent without its payload.
    await eventually(() => expect(spied.filter((s) => s.topic === 'nara/plaza/chau').length).toBe(1))
    for (const p of mine()) {
      expect(goQosFor(p.topic), `unexpected topic ${p.topic}`).not.toBeNull()
      expect(p.qos, p.topic).toBe(goQosFor(p.topic))
      expect(p.retain, p.topic).toBe(false)
      if (['nara/plaza/hey_there', 'nara/plaza/chau', 'nara/plaza/social', 'nara/checkpoint/final'].includes(p.topic)) {
        const e = decodeEvent(p.payload)
        expect(e.ok, p.topic).toBe(true)
      }
    }
    const spiedMine = spied.filter((s) => !s.topic.startsWith(`nara/newspaper/${peer.name}`) && !(s.topic === 'nara/plaza/hey_there' && s.payload.includes(peer.name)))
    expect(spiedMine.map((s) => s.topic)).toEqual(mine().map((p) => p.topic))
    for (const s of spiedMine) expect(s.retain).toBe(false)
    // exactly one hey_there (rate limit; our newspaper was not "whodis" for the peer's hey_there)
    expect(mine().filter((p) => p.topic === 'nara/plaza/hey_there').length).toBe(1)
  }, 20_000)
})
