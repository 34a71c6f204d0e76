/**
 * Our mesh server's answers as a Go client reads them (zines-and-mesh.md §3–§7), observed over
 * real HTTP against a real NaraNode + NodeMesh on 127.0.45.20:7433: /ping body, zine response
 * (empty zine `[]`), /dm answer, signed error responses, /events/sync in all four modes.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { request } from 'node:http'
import { ManualClock, seededRandom } from '../main/core/clock'
import type { NaraNode } from '../main/core/node'
import { NodeMesh } from '../main/core/mesh/nodeMesh'
import { parsePublicKey } from '../main/core/protocol/crypto'
import { encodeEvent, newSocialEvent, signEvent } from '../main/core/protocol/events'
import { signMeshRequest, verifyMeshResponse } from '../main/core/protocol/meshAuth'
import { createZine, decodeZine, encodeZine, verifyZine } from '../main/core/protocol/zine'
import { decodeSyncResponse } from '../main/core/protocol/syncMessages'
import { decodePingResponse } from '../main/core/protocol/ping'
import { makeNode, testIdentity } from './support/nodes'

const IP = '127.0.45.20'
const cleanups: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const f of cleanups.splice(0).reverse()) await f().catch(() => {})
})

interface Res {
  status: number
  headers: Record<string, string | string[] | undefined>
  body: Buffer
}

function http(method: string, path: string, body: string | null, headers: Record<string, string> = {}): Promise<Res> {
  return new Promise((resolve, reject) => {
    const req = request({ host: IP, port: 7433, method, path, headers, agent: false }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }))
    })
    req.on('error', reject)
    req.end(body ?? undefined)
  })
}

const caller = testIdentity('mesh-gocaller')

async function meshNode(clock: ManualClock): Promise<NaraNode> {
  const node = makeNode('mesh-alice', 'mqtt://127.0.0.1:1', { transport: 'gossip', meshIP: IP }, { clock, random: seededRandom(3), presence: { keepAlivePingMs: 0 } })
  node.attachMesh(new NodeMesh({ listen: { host: IP, port: 7433 }, transport: 'gossip', scanCidr: `${IP}/32`, config: { gossip: { firstDelayMs: 3_600_000 }, discovery: { firstDelayMs: 3_600_000 } } }))
  cleanups.push(() => node.stop(2000))
  await node.start()
  // The caller is a known nara (as after its hey_there / newspaper).
  node.neighbourhood.importIdentity(caller.name, { publicKey: caller.publicKeyBase64, meshIP: '127.0.45.21', id: caller.id }, clock.nowMs(), 'overwrite')
  return node
}

/** Fresh auth headers; the clock moves 1 ms so consecutive requests differ as a real client's would. */
function authed(clock: ManualClock, method: string, path: string): Record<string, string> {
  clock.advance(1)
  return { ...signMeshRequest(caller.name, caller.signer!, method, path, clock.nowMs()), 'Content-Type': 'application/json' }
}

function expectSigned(res: Res, node: NaraNode): void {
  expect(res.headers['x-nara-name']).toBe(node.name)
  expect(String(res.headers['x-nara-timestamp'])).toMatch(/^\d{13}$/) // milliseconds
  expect(verifyMeshResponse(res.headers as Record<string, string>, res.body, parsePublicKey(node.identity.publicKeyBase64)).valid).toBe(true)
}

describe('interop: mesh answers as a Go client reads them', () => {
  it('/ping: sorted keys from, mesh_ip, public_key, t (ns) + "\\n", JSON content type', async () => {
    const clock = new ManualClock()
    const node = await meshNode(clock)
    const res = await http('GET', '/ping', null, { 'X-Nara-From': caller.name })
    expect(res.status).toBe(200)
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8')
    const text = res.body.toString('utf8')
    expect(text.endsWith('}\n')).toBe(true)
    expect(Object.keys(JSON.parse(text) as object)).toEqual(['from', 'mesh_ip', 'public_key', 't'])
    const p = decodePingResponse(text)
    expect(p.ok).toBe(true)
    if (!p.ok) return
    expect(p.value).toEqual({ from: node.name, mesh_ip: IP, public_key: node.identity.publicKeyBase64, t: clock.nowNs() })
  })

  it('zine exchange: signed JSON + "\\n"; an empty zine is "events":[] with a valid signature', async () => {
    const clock = new ManualClock()
    const node = await meshNode(clock)
    // 6 minutes after start nothing of ours is recent any more (our hey-there is older).
    clock.advance(360_000)
    const ours = createZine(caller.name, Math.floor(clock.nowMs() / 1000), [], caller.signer!)
    const res2 = await http('POST', '/gossip/zine', encodeZine(ours), authed(clock, 'POST', '/gossip/zine'))
    expect(res2.status).toBe(200)
    expect(res2.headers['content-type']).toBe('application/json; charset=utf-8')
    expectSigned(res2, node)
    const text2 = res2.body.toString('utf8')
    expect(text2.endsWith('}\n')).toBe(true)
    expect(Object.keys(JSON.parse(text2) as object)).toEqual(['from', 'created_at', 'events', 'signature'])
    expect(text2).toContain('"events":[]')
    const z2 = decodeZine(text2)
    expect(z2.ok).toBe(true)
    if (!z2.ok) return
    expect(z2.value.from).toBe(node.name)
    expect(verifyZine(z2.value, parsePublicKey(node.identity.publicKeyBase64)!)).toBe(true)
    expect(z2.value.created_at).toBe(Math.floor(clock.nowMs() / 1000)) // seconds
  })

  it('/dm: {"from","success"} + "\\n"; error answers (400/403/405) are mesh-signed too', async () => {
    const clock = new ManualClock()
    const node = await meshNode(clock)
    const tease = signEvent(newSocialEvent({ type: 'tease', actor: caller.name, target: node.name, reason: 'random' }, clock.nowNs()), caller.name, caller.signer!)
    const ok1 = await http('POST', '/dm', encodeEvent(tease), authed(clock, 'POST', '/dm'))
    expect(ok1.status).toBe(200)
    expect(ok1.body.toString('utf8')).toBe(`{"from":"${node.name}","success":true}\n`)
    expectSigned(ok1, node)
    const again = await http('POST', '/dm', encodeEvent(tease), authed(clock, 'POST', '/dm'))
    expect(again.body.toString('utf8')).toBe(`{"from":"${node.name}","success":false}\n`)

    const unsigned = encodeEvent(newSocialEvent({ type: 'tease', actor: caller.name, target: node.name, reason: 'comeback' }, clock.nowNs()))
    const bad = await http('POST', '/dm', unsigned, authed(clock, 'POST', '/dm'))
    expect(bad.status).toBe(400)
    expect(bad.body.toString('utf8')).toBe('Unsigned event rejected\n')
    expectSigned(bad, node)
    const badJson = await http('POST', '/gossip/zine', '{nope', authed(clock, 'POST', '/gossip/zine'))
    expect(badJson.status).toBe(400)
    expectSigned(badJson, node)
    const forged = createZine(caller.name, Math.floor(clock.nowMs() / 1000), [], testIdentity('someone-else').signer!)
    const forbidden = await http('POST', '/gossip/zine', encodeZine(forged), authed(clock, 'POST', '/gossip/zine'))
    expect(forbidden.status).toBe(403)
    expect(forbidden.body.toString('utf8')).toBe('Invalid signature\n')
    expectSigned(forbidden, node)
    const wrongMethod = await http('GET', '/dm', null, authed(clock, 'GET', '/dm'))
    expect(wrongMethod.status).toBe(405)
    expectSigned(wrongMethod, node)
  })

  it('/events/sync: sample, page (next_cursor), recent (newest first), legacy; "events":null when nothing matches', async () => {
    const clock = new ManualClock()
    const node = await meshNode(clock)
    const base = clock.nowNs()
    const made = [1n, 2n, 3n, 4n].map((i) =>
      signEvent(newSocialEvent({ type: 'tease', actor: node.name, target: caller.name, reason: `r${i}` }, base + i * 1000n), node.name, node.identity.signer!)
    )
    for (const e of made) node.addEvent(e, 'verified', 'plaza')
    const sync = async (body: object): Promise<{ text: string; ids: string[]; cursor: string | undefined; events: unknown }> => {
      const res = await http('POST', '/events/sync', JSON.stringify({ from: caller.name, services: ['social'], subjects: null, ...body }), authed(clock, 'POST', '/events/sync'))
      expect(res.status).toBe(200)
      expect(res.headers['content-type']).toBe('application/json; charset=utf-8')
      expectSigned(res, node)
      const text = res.body.toString('utf8')
      expect(text.endsWith('\n')).toBe(true)
      const d = decodeSyncResponse(text)
      if (!d.ok) throw new Error(d.error.reason)
      expect(d.value.from).toBe(node.name)
      return { text, ids: (d.value.events ?? []).map((e) => e.id), cursor: d.value.next_cursor, events: d.value.events }
    }
    const ids = made.map((e) => e.id)
    expect((await sync({ mode: 'sample', sample_size: 10 })).ids).toEqual(ids)
    const p1 = await sync({ mode: 'page', page_size: 2 })
    expect(p1.ids).toEqual(ids.slice(0, 2))
    expect(p1.cursor).toBe(String(made[1]!.ts))
    const p2 = await sync({ mode: 'page', page_size: 2, cursor: p1.cursor })
    expect(p2.ids).toEqual(ids.slice(2))
    const p3 = await sync({ mode: 'page', page_size: 2, cursor: p2.cursor })
    expect(p3.events).toBeNull()
    expect(p3.text).toContain('"events":null')
    expect(p3.cursor).toBeUndefined()
    expect((await sync({ mode: 'recent', limit: 3 })).ids).toEqual([...ids].reverse().slice(0, 3))
    expect((await sync({ since_time: Number(made[0]!.ts) })).ids).toEqual(ids.slice(1)) // legacy: ts > since_time
    expect((await sync({ max_events: 2 })).ids).toEqual(ids.slice(2)) // legacy keeps the newest
    expect((await sync({ slice_index: 1, slice_total: 2 })).ids).toEqual([ids[1], ids[3]])
  })
})

describe('interop: Go boot recovery against our mesh server', () => {
  it('ten concurrent identical sample requests in the same millisecond (Go bootRecoveryViaMeshSampleMode, one neighbour) all get 200', async () => {
    const clock = new ManualClock()
    const node = await meshNode(clock)
    // Go spawns every sample call at once and stamps each with time.Now().UnixMilli(): with one
    // mesh neighbour they share name, timestamp, path and body, so their auth headers are identical.
    const headers = authed(clock, 'POST', '/events/sync')
    const body = JSON.stringify({ from: caller.name, services: null, subjects: null, mode: 'sample', sample_size: 5000 })
    const answers = await Promise.all(Array.from({ length: 10 }, () => http('POST', '/events/sync', body, headers)))
    expect(answers.map((a) => a.status)).toEqual(Array(10).fill(200))
    for (const a of answers) expectSigned(a, node)
  })

  it('a replayed zine exchange (same headers) is still refused: the exemption is only for the read-only sync', async () => {
    const clock = new ManualClock()
    await meshNode(clock)
    const z = encodeZine(createZine(caller.name, Math.floor(clock.nowMs() / 1000), [], caller.signer!))
    const headers = authed(clock, 'POST', '/gossip/zine')
    expect((await http('POST', '/gossip/zine', z, headers)).status).toBe(200)
    expect((await http('POST', '/gossip/zine', z, headers)).status).toBe(401)
  })
})
