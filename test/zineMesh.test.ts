/**
 * Zines through the real mesh server and client (127.0.43.x): the reference zine vectors,
 * TestZineSigning, bad event signatures inside a zine, TestDirectMessage, /events/sync,
 * TestPeerDiscovery.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { createServer, request, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { ManualClock, systemClock } from '../main/core/clock'
import { signerFromSeed } from '../main/core/protocol/crypto'
import { newSocialEvent, signEvent, newObservationEvent } from '../main/core/protocol/events'
import { signMeshResponse } from '../main/core/protocol/meshAuth'
import { createZine, encodeZine } from '../main/core/protocol/zine'
import { StandaloneMeshNode } from '../main/core/mesh/standalone'
import { loadVectors } from './support/vectors'

interface ZineCase {
  name: string
  signer: { name: string; seed_hex: string; public_key: string }
  from: string
  created_at: number
  json: string
  verify_public_key: string
  expect_valid: boolean
  events_expect_valid: boolean[] | null
}
const zines = loadVectors<ZineCase>('zine.json')
const authSigners = loadVectors<{ signer: { name: string; public_key: string } }>('mesh_auth.json').cases.map((c) => c.signer)

const nodes: StandaloneMeshNode[] = []
const servers: Server[] = []
afterEach(async () => {
  await Promise.all(nodes.splice(0).map((n) => n.stop()))
  await Promise.all(servers.splice(0).map((s) => new Promise<void>((r) => s.close(() => r()))))
})

function node(name: string, ip: string, opts: Partial<ConstructorParameters<typeof StandaloneMeshNode>[0]> = {}): StandaloneMeshNode {
  const n = new StandaloneMeshNode({ name, listen: { host: ip, port: 7433 }, transport: 'gossip', config: { scanCidr: `${ip}/32`, gossip: { firstDelayMs: 3_600_000 }, discovery: { firstDelayMs: 3_600_000 } }, ...opts })
  nodes.push(n)
  return n
}

const prober = signerFromSeed(Buffer.alloc(32, 11))

function post(ip: string, path: string, body: string, clock: { nowMs(): number }, as = { name: 'prober', signer: prober }): Promise<{ status: number; body: string }> {
  const ts = clock.nowMs()
  const headers = {
    'X-Nara-Name': as.name,
    'X-Nara-Timestamp': String(ts),
    'X-Nara-Signature': as.signer.signBase64(`${as.name}${ts}POST${path}`),
    'Content-Type': 'application/json'
  }
  return new Promise((resolve, reject) => {
    const req = request({ host: ip, port: 7433, method: 'POST', path, headers, agent: false }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }))
    })
    req.on('error', reject)
    req.end(body)
  })
}

describe('zines over the mesh', () => {
  it('the real server accepts or rejects each zine vector as it says, marking bad events', async () => {
    for (const [i, c] of zines.cases.entries()) {
      const clock = new ManualClock(c.created_at * 1000)
      const judge = node('judge', '127.0.43.2', { clock })
      for (const s of [...zines.cases.map((z) => z.signer), ...authSigners]) judge.peers.learn({ name: s.name, publicKey: s.public_key, meshIP: '' })
      judge.peers.learn({ name: c.from, publicKey: c.verify_public_key, meshIP: '' }, { overwrite: true })
      judge.peers.learn({ name: 'prober', publicKey: prober.publicKeyBase64, meshIP: '' })
      await judge.start()
      try {
        // spaced timestamps so the replay cache never sees the same request twice
        clock.advance(i)
        const r = await post('127.0.43.2', '/gossip/zine', c.json, clock)
        await judge.mesh.server.idle()
        if (c.expect_valid) {
          expect(r.status, c.name).toBe(200)
          const answer = JSON.parse(r.body) as { from: string; events: unknown[] }
          expect(answer.from).toBe('judge')
          const merged = judge.merged
          ;(c.events_expect_valid ?? []).forEach((valid, k) => {
            const m = merged[k]!
            expect(m, `${c.name} event ${k}`).toBeDefined()
            if (m.event.sig) expect(m.trust, `${c.name} event ${k}`).toBe(valid ? 'verified' : 'bad-signature')
            // stored anyway, as the reference does
            expect(judge.ledger.has(m.event.id)).toBe(true)
          })
          const bad = (c.events_expect_valid ?? []).filter((v, k) => !v && merged[k]!.event.sig).length
          expect(judge.mesh.stats.rejected('event_bad_signature'), c.name).toBe(bad)
        } else {
          expect(r.status, c.name).toBe(403)
          expect(r.body).toBe('Invalid signature\n')
          expect(judge.mesh.stats.rejected('zine_bad_signature')).toBe(1)
          expect(judge.merged).toHaveLength(0)
        }
      } finally {
        nodes.splice(nodes.indexOf(judge), 1)
        await judge.stop()
      }
    }
  })

  it('the real client rejects a peer zine whose signature fails (vectors)', async () => {
    for (const c of zines.cases) {
      const clock = new ManualClock(c.created_at * 1000)
      const asker = node('asker', '127.0.43.3', { clock })
      asker.peers.learn({ name: c.from, publicKey: c.verify_public_key, meshIP: '' })
      const responder = signerFromSeed(Buffer.from(zines.cases.find((z) => z.signer.name === c.from)?.signer.seed_hex ?? c.signer.seed_hex, 'hex'))
      asker.peers.learn({ name: c.from, publicKey: responder.publicKeyBase64, meshIP: '' }, { overwrite: true })
      asker.peers.learn({ name: c.from, publicKey: c.verify_public_key, meshIP: '' }, { overwrite: true })
      const body = Buffer.from(c.json + '\n')
      const server = createServer((req, res) => {
        req.resume()
        res.writeHead(200, { ...signMeshResponse(c.from, responder, body, clock.nowMs()), 'Content-Type': 'application/json' })
        res.end(body)
      })
      servers.push(server)
      await new Promise<void>((r) => server.listen(0, '127.0.43.4', r))
      const url = `http://127.0.43.4:${(server.address() as AddressInfo).port}`
      try {
        asker.announce()
        const view = await asker.mesh.gossip.exchangeWith(undefined, url)
        // the responder signs HTTP with its own key; tampered/zine-from claims another name's key.
        if (c.expect_valid) expect(view.verdict, c.name).toBe('ok')
        else expect(['bad-signature'], c.name).toContain(view.verdict)
      } finally {
        nodes.splice(nodes.indexOf(asker), 1)
        await asker.stop()
      }
    }
  })

  it('TestZineSigning: our zines verify at the peer; a zine with a bad signature gets 403', async () => {
    const bob = node('bob', '127.0.43.5')
    bob.peers.learn({ name: 'prober', publicKey: prober.publicKeyBase64, meshIP: '' })
    await bob.start()
    const e = signEvent(newSocialEvent({ type: 'tease', actor: 'prober', target: 'bob', reason: 'x' }, systemClock.nowNs()), 'prober', prober)
    const good = createZine('prober', Math.floor(Date.now() / 1000), [e], prober)
    expect((await post('127.0.43.5', '/gossip/zine', encodeZine(good), systemClock)).status).toBe(200)
    const forged = { ...good, created_at: good.created_at + 1 }
    const r = await post('127.0.43.5', '/gossip/zine', encodeZine(forged), systemClock)
    expect(r.status).toBe(403)
    expect(bob.mesh.stats.rejected('zine_bad_signature')).toBe(1)
    const signedByOther = createZine('prober', good.created_at, [e], signerFromSeed(Buffer.alloc(32, 12)))
    expect((await post('127.0.43.5', '/gossip/zine', encodeZine(signedByOther), systemClock)).status).toBe(403)
    const noFrom = await post('127.0.43.5', '/gossip/zine', '{"from":"","created_at":1,"events":[],"signature":""}', systemClock)
    expect(noFrom.status).toBe(400)
    expect(bob.mesh.stats.rejected('zine_missing_from')).toBe(1)
  })

  it('events with bad signatures inside a valid zine are stored but marked and counted', async () => {
    const bob = node('bob', '127.0.43.6')
    bob.peers.learn({ name: 'prober', publicKey: prober.publicKeyBase64, meshIP: '' })
    await bob.start()
    const e = signEvent(newSocialEvent({ type: 'tease', actor: 'prober', target: 'bob', reason: 'x' }, systemClock.nowNs()), 'prober', prober)
    const tampered = { ...e, social: { ...e.social, reason: 'changed' } }
    const unsigned = newObservationEvent({ observer: 'prober', subject: 'bob', type: 'first-seen', importance: 3, start_time: 1 }, systemClock.nowNs())
    const z = createZine('prober', Math.floor(Date.now() / 1000), [tampered, unsigned], prober)
    const r = await post('127.0.43.6', '/gossip/zine', encodeZine(z), systemClock)
    expect(r.status).toBe(200)
    await bob.mesh.server.idle()
    expect(bob.ledger.has(tampered.id)).toBe(true)
    expect(bob.merged.map((m) => m.trust)).toEqual(['bad-signature', 'unsigned'])
    expect(bob.mesh.stats.rejected('event_bad_signature')).toBe(1)
    expect(bob.exchanges.at(-1)).toMatchObject({ direction: 'in', peer: 'prober', badEvents: 1, newEvents: 2 })
  })

  it('a zine answered before its events are decoded is still refused whole for bad JSON or a bad bundle signature anywhere in it', async () => {
    const bob = node('bob', '127.0.43.7')
    bob.peers.learn({ name: 'prober', publicKey: prober.publicKeyBase64, meshIP: '' })
    await bob.start()
    const events = Array.from({ length: 3 }, (_, i) => signEvent(newSocialEvent({ type: 'tease', actor: 'prober', target: 'bob', reason: `r${i}` }, systemClock.nowNs() + BigInt(i)), 'prober', prober))
    const json = encodeZine(createZine('prober', Math.floor(Date.now() / 1000), events, prober))
    // Broken JSON inside the last event's payload: 400, nothing merged.
    const broken = await post('127.0.43.7', '/gossip/zine', json.replace('"reason":"r2"', '"reason":"r\\q2"'), systemClock)
    expect(broken.status).toBe(400)
    expect(bob.mesh.stats.rejected('bad_json')).toBe(1)
    // An element's id changed after signing: the bundle signature no longer covers it.
    const reId = await post('127.0.43.7', '/gossip/zine', json.replace(events[2]!.id, 'f'.repeat(32)), systemClock)
    expect(reId.status).toBe(403)
    expect(bob.mesh.stats.rejected('zine_bad_signature')).toBe(1)
    await bob.mesh.server.idle()
    expect(bob.merged).toHaveLength(0)
    // An element of an unknown service is refused on its own; the rest is answered and merged.
    const odd = createZine('prober', Math.floor(Date.now() / 1000), events, prober)
    const withOdd = encodeZine(odd).replace('"svc":"social"', '"svc":"gossip"')
    const r = await post('127.0.43.7', '/gossip/zine', withOdd, systemClock)
    expect(r.status).toBe(200)
    await bob.mesh.server.idle()
    expect(bob.merged.map((m) => m.event.id)).toEqual([events[1]!.id, events[2]!.id])
    expect(bob.exchanges.at(-1)).toMatchObject({ direction: 'in', peer: 'prober', eventsIn: 2, badEvents: 1, newEvents: 2 })
  })

  it('TestDirectMessage: accepted when signed, 400 unsigned, 403 unknown emitter or bad signature', async () => {
    const bob = node('bob', '127.0.43.7')
    const alice = node('alice', '127.0.43.8')
    await bob.start()
    await alice.start()
    bob.peers.learn({ name: 'alice', publicKey: alice.signer.publicKeyBase64, meshIP: '127.0.43.8' })
    alice.peers.learn({ name: 'bob', publicKey: bob.signer.publicKeyBase64, meshIP: '127.0.43.7' })
    const e = signEvent(newSocialEvent({ type: 'tease', actor: 'alice', target: 'bob', reason: 'comeback' }, systemClock.nowNs()), 'alice', alice.signer)
    const ok = await alice.mesh.sendDM('bob', e)
    expect(ok).toEqual({ ok: true, value: { status: 200, success: true } })
    expect(bob.ledger.has(e.id)).toBe(true)
    expect(bob.peers.isOnline('alice')).toBe(true)
    const again = await alice.mesh.sendDM('bob', e)
    expect(again).toEqual({ ok: true, value: { status: 200, success: false } })

    const unsigned = newSocialEvent({ type: 'tease', actor: 'alice', target: 'bob', reason: 'random' }, systemClock.nowNs())
    expect(await alice.mesh.sendDM('bob', unsigned)).toEqual({ ok: true, value: { status: 400, success: false } })
    expect(bob.mesh.stats.rejected('dm_unsigned')).toBe(1)

    const stranger = signerFromSeed(Buffer.alloc(32, 13))
    const fromStranger = signEvent(newSocialEvent({ type: 'tease', actor: 'zed', target: 'bob', reason: 'x' }, systemClock.nowNs()), 'zed', stranger)
    expect(await alice.mesh.sendDM('bob', fromStranger)).toEqual({ ok: true, value: { status: 403, success: false } })
    expect(bob.mesh.stats.rejected('dm_unknown_emitter')).toBe(1)

    const forged = { ...e, social: { ...e.social, reason: 'forged' } }
    expect(await alice.mesh.sendDM('bob', forged)).toEqual({ ok: true, value: { status: 403, success: false } })
    expect(bob.mesh.stats.rejected('dm_bad_signature')).toBe(1)

    // alice's own client just used the current milliseconds: signing at the same ms would be a
    // genuine replay (same name, timestamp and path → same signature), so sign a little later.
    const later = { nowMs: () => systemClock.nowMs() + 5_000 }
    const notJson = await post('127.0.43.7', '/dm', 'nope', later, { name: 'alice', signer: alice.signer })
    expect(notJson.status).toBe(400)
  })

  it('/events/sync answers page, recent and sample modes with a signed response', async () => {
    const bob = node('bob', '127.0.43.9')
    const alice = node('alice', '127.0.43.10')
    await bob.start()
    bob.peers.learn({ name: 'alice', publicKey: alice.signer.publicKeyBase64, meshIP: '' })
    alice.peers.learn({ name: 'bob', publicKey: bob.signer.publicKeyBase64, meshIP: '127.0.43.9' })
    const base = systemClock.nowNs()
    for (let i = 0; i < 30; i++) {
      bob.ledger.add(signEvent(newSocialEvent({ type: 'tease', actor: 'bob', target: `p${i}`, reason: 'x' }, base + BigInt(i)), 'bob', bob.signer))
    }
    const page = await alice.mesh.client.sync('http://127.0.43.9:7433', 'bob', { mode: 'page', page_size: 10 })
    expect(page.ok).toBe(true)
    if (!page.ok) return
    expect(page.value.events).toHaveLength(10)
    expect(page.value.next_cursor).toBe((base + 9n).toString())
    const { verifySyncResponse } = await import('../main/core/protocol/syncMessages')
    expect(verifySyncResponse(page.value, bob.signer.publicKey).valid).toBe(true)
    const recent = await alice.mesh.client.sync('http://127.0.43.9:7433', 'bob', { mode: 'recent', limit: 5 })
    expect(recent.ok && recent.value.events?.map((e) => e.ts)).toEqual([29n, 28n, 27n, 26n, 25n].map((d) => base + d))
    const sample = await alice.mesh.client.sync('http://127.0.43.9:7433', 'bob', { mode: 'sample', sample_size: 12 })
    expect(sample.ok && sample.value.events?.length).toBe(12)
    const none = await alice.mesh.client.sync('http://127.0.43.9:7433', 'bob', { services: ['checkpoint'] })
    expect(none.ok && none.value.events).toBeNull()
  })

  it('TestPeerDiscovery: a subnet scan over a small loopback CIDR finds the live nodes and vouches for them', async () => {
    const scanner = node('scanner', '127.0.43.17', { config: { scanCidr: '127.0.43.16/29', gossip: { firstDelayMs: 3_600_000 }, discovery: { firstDelayMs: 3_600_000 } } })
    const p1 = node('peer-one', '127.0.43.18')
    const p2 = node('peer-two', '127.0.43.21')
    for (const n of [scanner, p1, p2]) await n.start()
    const found = await scanner.mesh.scan()
    expect(found.map((p) => p.name).sort()).toEqual(['peer-one', 'peer-two'])
    expect(scanner.peers.onlineMeshPeers().sort()).toEqual(['peer-one', 'peer-two'])
    expect(scanner.peers.meshIPOf('peer-one')).toBe('127.0.43.18')
    const seen = scanner.ledger.since(0n).filter((e) => e.svc === 'seen')
    expect(seen.map((e) => (e.svc === 'seen' ? e.seen.subject : '')).sort()).toEqual(['peer-one', 'peer-two'])
    expect(seen.every((e) => e.emitter === 'scanner' && e.svc === 'seen' && e.seen.via === 'mesh')).toBe(true)
    // a second scan right away does not vouch again (2-minute rate limit)
    await scanner.mesh.scan()
    expect(scanner.ledger.since(0n).filter((e) => e.svc === 'seen')).toHaveLength(2)
  })
})
