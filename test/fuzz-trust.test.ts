/**
 * Fuzz suite for issue 11 ("nobody can lie about a peer"): every attack class replayed against
 * running nodes — a watcher, its victim and a mesh insider — on mosquitto and the mesh
 * (127.0.47.x), from a deterministic seed, bounded in count and time, loopback only. After
 * each class: the victim's key is unchanged, it is ONLINE, nobody is dated ahead of our clock,
 * no replayed nara is raised, replays are refused, and the node never crashed. Then `nara run`
 * is stopped from the states that used to hang and must say chau and exit.
 */
import { spawn } from 'node:child_process'
import { request as httpRequest } from 'node:http'
import { connect as netConnect } from 'node:net'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import mqtt from 'mqtt'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { seededRandom } from '../main/core/clock'
import type { NaraNode } from '../main/core/node'
import { NodeMesh } from '../main/core/mesh/nodeMesh'
import { createZine, encodeZineBody } from '../main/core/mesh/wire'
import { HEADER_NAME, HEADER_SIGNATURE, HEADER_TIMESTAMP, meshRequestMessage } from '../main/core/protocol/meshAuth'
import { signerFromSeed, sha256, type Signer } from '../main/core/protocol/crypto'
import { encodeEvent, newChauEvent, newHeyThereEvent, newSocialEvent, signEvent } from '../main/core/protocol/events'
import { buildNewspaper, encodeNewspaperEnvelope } from '../main/core/protocol/newspaper'
import { zeroStatus } from '../main/core/protocol/status'
import type { SyncEvent } from '../main/core/protocol/types'
import { SKEW } from '../main/core/presence/trust'
import { freePort, startMosquitto, type TestBroker } from './support/brokers'
import { eventually, makeNode } from './support/nodes'
import { loadVectors, repoRoot } from './support/vectors'

const SEED = 0x11_2026
const rnd = seededRandom(SEED)
const MS = 1_000_000n
const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'

let broker: TestBroker
const nodes: { node: NaraNode; mesh: NodeMesh }[] = []
let watcher: NaraNode
let victim: NaraNode
let insider: { node: NaraNode; mesh: NodeMesh }
let raw: mqtt.MqttClient
const figures = { inputs: 0, acceptedWrongly: 0, crashes: 0, classes: [] as string[] }

function meshNode(name: string, ip: string): { node: NaraNode; mesh: NodeMesh } {
  const node = makeNode(name, broker.url, { transport: 'hybrid', meshIP: ip, timings: { bootingMs: 0 } })
  const mesh = new NodeMesh({ listen: { host: ip, port: 7433 }, transport: 'hybrid', config: { gossip: { firstDelayMs: 3_600_000 }, discovery: { firstDelayMs: 3_600_000 } } })
  node.attachMesh(mesh)
  const r = { node, mesh }
  nodes.push(r)
  return r
}

const randomKey = (): Signer => signerFromSeed(sha256(`fuzz key ${rnd.intn(1e9)}`))
const now = (): number => watcher.clock.nowMs()

/** One publisher's messages arrive in order: after the sentinel is handled, so was everything before it. */
async function flush(): Promise<void> {
  const before = watcher.stats().dropped['flag:ignored_stash_refresh'] ?? 0
  await raw.publishAsync('nara/plaza/stash_refresh', '{}', { qos: 1 })
  await eventually(() => expect(watcher.stats().dropped['flag:ignored_stash_refresh'] ?? 0).toBeGreaterThan(before), 60_000, 10)
}

async function publish(topic: string, payload: string | Buffer): Promise<void> {
  figures.inputs++
  await raw.publishAsync(topic, payload, { qos: 0 })
}

/** The outcome every class must leave behind. */
function assertInvariants(cls: string): void {
  const v = watcher.neighbour('victim')
  const wrong =
    !v || v.publicKey !== victim.identity.publicKeyBase64 || v.status !== 'ONLINE' || v.trust !== 'verified'
  if (wrong) figures.acceptedWrongly++
  expect(v?.publicKey, cls).toBe(victim.identity.publicKeyBase64)
  expect(v?.status, cls).toBe('ONLINE')
  expect(v?.trust, cls).toBe('verified')
  const limit = now() + SKEW.event.futureMs
  for (const n of watcher.neighbours()) expect(n.lastSeenMs, `${cls}: ${n.name} dated ahead`).toBeLessThanOrEqual(limit)
  for (const name of watcher.projection.names()) expect(Number(watcher.projection.lastEventTs(name)! / MS), `${cls}: ${name}`).toBeLessThanOrEqual(limit)
  expect(watcher.drops.get('handler_error'), cls).toBe(0)
  expect(watcher.plazaConnected, cls).toBe(true)
  figures.classes.push(cls)
}

beforeAll(async () => {
  broker = await startMosquitto()
  const w = meshNode('watcher', '127.0.47.2')
  const v = meshNode('victim', '127.0.47.3')
  insider = meshNode('insider', '127.0.47.4')
  watcher = w.node
  victim = v.node
  for (const r of nodes) await r.node.start()
  await eventually(() => {
    expect(watcher.neighbour('victim')?.status).toBe('ONLINE')
    expect(watcher.neighbour('insider')?.status).toBe('ONLINE')
    expect(watcher.neighbourhood.get('victim')?.keyBound).toBe(true)
  }, 15_000)
  raw = await mqtt.connectAsync(broker.url, { clientId: 'fuzzer', reconnectPeriod: 0 })
}, 30_000)

afterAll(async () => {
  // A handler that threw (caught and counted by the node) is a crash of that input's path.
  figures.crashes = nodes.reduce((n, r) => n + r.node.drops.get('handler_error'), 0)
  await raw?.endAsync()
  await Promise.all(nodes.splice(0).map((r) => r.node.stop(3000)))
  await broker?.stop()
  // The figures for the resolution note (inputs tried, accepted wrongly, crashes, max RSS).
  console.log(
    `[fuzz-trust] seed=${SEED} inputs=${figures.inputs} acceptedWrongly=${figures.acceptedWrongly} crashes=${figures.crashes} ` +
      `maxRSS=${Math.round(process.resourceUsage().maxRSS / 1024)}MiB classes=${figures.classes.join(',')}`
  )
})

describe('fuzz: nobody can lie about a peer (mosquitto + mesh, seeded)', () => {
  it('1 key swap: hey_theres and newspapers for the victim, validly signed by other keys', async () => {
    for (let i = 0; i < 60; i++) {
      const k = randomKey()
      const e = signEvent(newHeyThereEvent({ From: 'victim', PublicKey: k.publicKeyBase64, MeshIP: '127.0.66.6', ID: `evil-${i}` }, BigInt(now()) * MS), 'victim', k)
      await publish('nara/plaza/hey_there', encodeEvent(e))
      const p = buildNewspaper('victim', { ...zeroStatus(), PublicKey: k.publicKeyBase64, Buzz: rnd.intn(180) }, k)
      await publish('nara/newspaper/victim', encodeNewspaperEnvelope('victim', p.statusJson, p.signature))
    }
    await flush()
    expect(watcher.drops.get('hey_there_key_conflict')).toBe(60)
    expect(watcher.drops.get('newspaper_key_conflict')).toBe(60)
    expect(watcher.neighbour('victim')!.keyWarning).toBeTruthy()
    expect(watcher.neighbour('victim')!.meshIP).toBe('127.0.47.3')
    assertInvariants('key-swap')
  })

  it('2 forged papers and unsigned/forged/future chau for the victim', async () => {
    const fake = randomKey()
    for (let i = 0; i < 40; i++) {
      const bad = buildNewspaper('victim', { ...zeroStatus(), Buzz: 170, Personality: { Agreeableness: i, Sociability: i, Chill: i } }, fake)
      await publish('nara/newspaper/victim', encodeNewspaperEnvelope('victim', bad.statusJson, bad.signature))
      const ts = BigInt(now() + (i % 2 ? 0 : 3_600_000 * (1 + rnd.intn(1000)))) * MS
      await publish('nara/plaza/chau', encodeEvent(newChauEvent({ From: 'victim', PublicKey: '', ID: '' }, ts)))
      const k = randomKey()
      await publish('nara/plaza/chau', encodeEvent(signEvent(newChauEvent({ From: 'victim', PublicKey: k.publicKeyBase64, ID: '' }, ts), 'victim', k)))
    }
    await flush()
    expect(watcher.neighbour('victim')!.restarts).toBe(0)
    assertInvariants('forged-paper+chau')
  })

  it('3 timestamps: float literals, out-of-range integers, far future and far past', async () => {
    const base = encodeEvent(signEvent(newHeyThereEvent({ From: 'victim', PublicKey: victim.identity.publicKeyBase64, MeshIP: '', ID: '' }, BigInt(now()) * MS), 'victim', victim.identity.signer!))
    const literals = ['1e30', '1.5', '1e3', '-1', '0', '18446744073709551616', '9223372036854775808', '1.7688e18', `${now() + 1}000000.0`, '"1"', 'null', 'true', '[]']
    for (const lit of literals) await publish('nara/plaza/chau', base.replace('"svc":"hey-there"', '"svc":"chau"').replace(/"ts":\d+/, `"ts":${lit}`))
    for (const lit of literals) await publish('nara/plaza/hey_there', base.replace(/"ts":\d+/, `"ts":${lit}`))
    // Signed by the victim's own key (as if captured), but dated a year ahead or behind.
    for (const dt of [365 * 86_400_000, -365 * 86_400_000, 10 * 60_000 + 5000]) {
      const e = signEvent(newChauEvent({ From: 'victim', PublicKey: victim.identity.publicKeyBase64, ID: '' }, BigInt(now() + dt) * MS), 'victim', victim.identity.signer!)
      await publish('nara/plaza/chau', encodeEvent(e))
    }
    await flush()
    expect(watcher.drops.get('chau_future_timestamp')).toBeGreaterThanOrEqual(2)
    assertInvariants('timestamps')
  })

  it('4 year-old reference vectors replayed raise nobody', async () => {
    const ev = loadVectors('events.json').cases.filter((c) => c.signed && (c.service === 'hey-there' || c.service === 'chau' || c.service === 'social'))
    const topic: Record<string, string> = { 'hey-there': 'nara/plaza/hey_there', chau: 'nara/plaza/chau', social: 'nara/plaza/social' }
    for (const c of ev) await publish(topic[c.service]!, c.json)
    for (const c of loadVectors('newspaper.json').cases) await publish(c.topic, c.envelope_json)
    for (const c of loadVectors('howdy.json').cases) await publish('nara/plaza/howdy', c.json)
    await flush()
    const replayed = new Set([...ev.map((c) => c.signer?.name), ...loadVectors('newspaper.json').cases.map((c) => c.from), ...loadVectors('howdy.json').cases.map((c) => c.from)])
    for (const name of replayed) if (name) expect(watcher.neighbour(name)?.status ?? 'absent', name).not.toBe('ONLINE')
    assertInvariants('vector-replay')
  })

  it('5 mutated bytes of the victim’s real hello (bit flips, truncation, junk) never change the victim', async () => {
    const good = encodeEvent(signEvent(newHeyThereEvent({ From: 'victim', PublicKey: victim.identity.publicKeyBase64, MeshIP: '127.0.47.3', ID: victim.identity.id }, BigInt(now()) * MS), 'victim', victim.identity.signer!))
    for (let i = 0; i < 300; i++) {
      const b = Buffer.from(good)
      const kind = rnd.intn(3)
      if (kind === 0) for (let j = 0; j < 1 + rnd.intn(4); j++) { const at = rnd.intn(b.length); b[at] = b[at]! ^ (1 << rnd.intn(8)) }
      const payload = kind === 1 ? b.subarray(0, rnd.intn(b.length)) : kind === 2 ? Buffer.concat([b, Buffer.from([rnd.intn(256)])]) : b
      await publish(rnd.intn(2) ? 'nara/plaza/hey_there' : 'nara/plaza/chau', payload)
    }
    await flush()
    assertInvariants('mutations')
  })

  it('6 a flood of invented names (signed) cannot push out the bound victim; admission is limited', async () => {
    const k = randomKey()
    for (let i = 0; i < 2600; i++) {
      const name = `flood-${i}-${rnd.intn(1e9).toString(36)}`
      await publish('nara/plaza/hey_there', encodeEvent(signEvent(newHeyThereEvent({ From: name, PublicKey: k.publicKeyBase64, MeshIP: '', ID: '' }, BigInt(now()) * MS), name, k)))
    }
    await flush()
    expect(watcher.drops.get('hey_there_admission_limited')).toBeGreaterThan(0)
    expect(watcher.neighbourhood.get('victim')?.keyBound).toBe(true)
    assertInvariants('name-flood')
  }, 120_000)

  it('7 zines from an authenticated insider: forged chau, key swap, future-dated and unsigned events for the victim', async () => {
    const client = insider.mesh.mesh!.client
    const base = insider.mesh.mesh!.baseUrlOf('watcher')!
    expect(base).toBeTruthy()
    const signer = insider.node.identity.signer!
    for (let round = 0; round < 8; round++) {
      const events: SyncEvent[] = []
      const t = BigInt(now()) * MS
      const k = randomKey()
      events.push({ ...newChauEvent({ From: 'victim', PublicKey: '', ID: '' }, t + BigInt(round)), emitter: 'victim', sig: k.signBase64(`r${round}`) } as SyncEvent)
      events.push({ ...newChauEvent({ From: 'victim', PublicKey: '', ID: '' }, t + 3_600_000n * MS * BigInt(round + 1)), emitter: 'victim', sig: k.signBase64(`f${round}`) } as SyncEvent)
      events.push(signEvent(newChauEvent({ From: 'victim', PublicKey: k.publicKeyBase64, ID: '' }, t + 5n + BigInt(round)), 'victim', k))
      events.push(newChauEvent({ From: 'victim', PublicKey: '', ID: '' }, t + 7n + BigInt(round)))
      events.push(signEvent(newHeyThereEvent({ From: 'victim', PublicKey: k.publicKeyBase64, MeshIP: '127.0.66.6', ID: '' }, t + 9n), 'victim', k))
      events.push(signEvent(newSocialEvent({ type: 'tease', actor: 'insider', target: 'victim', reason: 'future' }, t + 86_400_000n * MS), 'insider', signer))
      figures.inputs += events.length
      const r = await client.exchangeZine(base, 'watcher', createZine('insider', Math.floor(now() / 1000), events, signer))
      expect(r.ok, r.ok ? '' : r.error.reason).toBe(true)
    }
    expect(watcher.neighbour('insider')!.lastSeenMs).toBeLessThanOrEqual(now() + SKEW.event.futureMs)
    // A zine full of invented names meets the same admission limit as the plaza (the table is past half full by now).
    const k = randomKey()
    const invented = Array.from({ length: 400 }, (_, i) => `zine-flood-${i}-${rnd.intn(1e9).toString(36)}`)
    const hellos = invented.map((n) => signEvent(newHeyThereEvent({ From: n, PublicKey: k.publicKeyBase64, MeshIP: '', ID: '' }, BigInt(now()) * MS), n, k))
    figures.inputs += hellos.length
    const r = await client.exchangeZine(base, 'watcher', createZine('insider', Math.floor(now() / 1000), hellos, signer))
    expect(r.ok).toBe(true)
    // The watcher answers a zine before it merges the events: wait for its merges to finish.
    await nodes.find((n) => n.node === watcher)!.mesh.mesh!.server.idle()
    expect(watcher.drops.get('mesh_admission_limited')).toBeGreaterThanOrEqual(200)
    assertInvariants('zines')
  })

  it('8 mesh replay: the same request with its signature spelt differently (…Bh==) is refused every time', async () => {
    const signer = insider.node.identity.signer!
    let accepted = 0
    let refused = 0
    const post = (ts: number, sig: string, body: Buffer): Promise<number> =>
      new Promise((resolve, reject) => {
        const req = httpRequest(
          { host: '127.0.47.2', port: 7433, method: 'POST', path: '/gossip/zine', localAddress: '127.0.47.4', headers: { [HEADER_NAME]: 'insider', [HEADER_TIMESTAMP]: String(ts), [HEADER_SIGNATURE]: sig, 'Content-Type': 'application/json' } },
          (res) => {
            res.resume()
            res.on('end', () => resolve(res.statusCode ?? 0))
          }
        )
        req.on('error', reject)
        req.end(body)
      })
    for (let i = 0; i < 40; i++) {
      const ts = now() + i
      const sig = signer.signBase64(meshRequestMessage('insider', ts, 'POST', '/gossip/zine'))
      const body = encodeZineBody(createZine('insider', Math.floor(now() / 1000), [], signer))
      expect(await post(ts, sig, body)).toBe(200)
      const last = sig[sig.length - 3]!
      for (const flip of [1, 2, 3]) {
        const twin = sig.slice(0, -3) + B64[B64.indexOf(last) ^ flip] + '=='
        figures.inputs++
        const status = await post(ts, twin, body)
        if (status === 200) accepted++
        else refused++
      }
      figures.inputs++
      if ((await post(ts, sig, body)) === 200) accepted++
      else refused++
    }
    expect(accepted).toBe(0)
    figures.acceptedWrongly += accepted
    expect(refused).toBe(160)
    assertInvariants('mesh-replay')
  })
})

describe('shutdown completes from the states that used to hang (`nara run`, out/ build)', () => {
  const cli = join(repoRoot, 'out/cli/nara.mjs')
  const cleanups: (() => void)[] = []
  afterAll(() => cleanups.splice(0).forEach((f) => f()))

  async function runNode(name: string, args: string[], runtime: string): Promise<{ err: () => string; exited: Promise<{ code: number | null; signal: string | null }>; kill: (s: NodeJS.Signals) => void }> {
    const child = spawn(process.execPath, [cli, 'run', '--name', name, ...args], {
      env: { ...process.env, XDG_RUNTIME_DIR: runtime, MQTT_HOST: '', MQTT_USER: '', MQTT_PASS: '' },
      stdio: ['ignore', 'pipe', 'pipe']
    })
    let err = ''
    child.stderr.on('data', (d) => (err += d))
    child.stdout.resume()
    const exited = new Promise<{ code: number | null; signal: string | null }>((r) => child.on('exit', (code, signal) => r({ code, signal })))
    cleanups.push(() => child.exitCode === null && child.kill('SIGKILL'))
    await eventually(() => expect(err).toMatch(/online on the plaza/), 20_000, 50)
    return { err: () => err, exited, kill: (s) => child.kill(s) }
  }

  /** Names whose chau reached the plaza at `url`, as they arrive. */
  async function chauListener(url: string, clientId: string): Promise<string[]> {
    const listener = await mqtt.connectAsync(url, { clientId, reconnectPeriod: 0 })
    cleanups.push(() => listener.end(true))
    const chaus: string[] = []
    listener.on('message', (_t, p) => {
      const from = (JSON.parse(p.toString()) as { chau?: { From?: string } }).chau?.From
      if (from) chaus.push(from)
    })
    await listener.subscribeAsync('nara/plaza/chau')
    return chaus
  }

  /** Exit is asserted as an outcome (code 0, chau on the wire); the time is only bounded generously and reported. */
  async function stopAndCheck(n: Awaited<ReturnType<typeof runNode>>, chaus: string[], name: string, signal: NodeJS.Signals): Promise<number> {
    const t0 = Date.now()
    n.kill(signal)
    const timeout = new Promise<'hung'>((r) => setTimeout(() => r('hung'), 10_000))
    const outcome = await Promise.race([n.exited, timeout])
    expect(outcome).toEqual({ code: 0, signal: null })
    expect(chaus).toContain(name)
    return Date.now() - t0
  }

  it.skipIf(!existsSync(cli))('embedded plaza after leave → join, with a refused /other upgrade: SIGTERM and SIGINT both say chau and exit', async () => {
    const exits: number[] = []
    for (const signal of ['SIGTERM', 'SIGINT'] as const) {
      const runtime = mkdtempSync(join(tmpdir(), 'nara-fuzz-run-'))
      cleanups.push(() => rmSync(runtime, { recursive: true, force: true }))
      const port = await freePort()
      const uiPort = await freePort()
      const name = `quitter${signal.toLowerCase()}`
      const n = await runNode(name, [`--embedded-broker=127.0.0.1:${port}`, '--ui', `127.0.0.1:${uiPort}`], runtime)
      const chaus = await chauListener(`mqtt://127.0.0.1:${port}`, `listen-${signal}`)
      // leave → join through the control socket, as the tray or `nara leave/join` would.
      const ctl = (cmd: string): Promise<number> =>
        new Promise((resolve) => {
          const c = spawn(process.execPath, [cli, cmd, '--name', name], { env: { ...process.env, XDG_RUNTIME_DIR: runtime }, stdio: 'ignore' })
          c.on('exit', (code) => resolve(code ?? 1))
        })
      expect(await ctl('leave')).toBe(0)
      await eventually(() => expect(chaus).toContain(name), 5000)
      chaus.length = 0
      expect(await ctl('join')).toBe(0)
      await eventually(() => expect(n.err().split('online on the plaza').length).toBeGreaterThanOrEqual(3), 10_000, 50)
      // An upgrade to another path on the dashboard port: answered 404 and closed by the server.
      const answer = await new Promise<string>((resolve) => {
        let got = ''
        const s = netConnect(uiPort, '127.0.0.1', () => s.write(`GET /other HTTP/1.1\r\nHost: 127.0.0.1:${uiPort}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: ${Buffer.alloc(16, 1).toString('base64')}\r\n\r\n`))
        s.on('data', (d) => (got += d))
        s.on('close', () => resolve(got))
        setTimeout(() => s.destroy(), 5000)
      })
      expect(answer).toMatch(/^HTTP\/1\.1 404/)
      exits.push(await stopAndCheck(n, chaus, name, signal))
    }
    console.log(`[fuzz-trust] exit after signal (ms): ${exits.join(', ')}`)
  }, 90_000)

  it.skipIf(!existsSync(cli))('open sockets of every kind (idle TCP, half-sent HTTP, mesh), then a broker outage: SIGTERM says chau / exits', async () => {
    const runtime = mkdtempSync(join(tmpdir(), 'nara-fuzz-run-'))
    cleanups.push(() => rmSync(runtime, { recursive: true, force: true }))
    const mq = await startMosquitto()
    cleanups.push(() => void mq.stop())
    const uiPort = await freePort()
    const chaus = await chauListener(mq.url, 'listen-sockets')
    const meshArgs = ['--transport', 'hybrid', '--mesh-ip', '127.0.48.2', '--mesh-listen', '127.0.48.2:7433']
    // 1) sockets left open on the dashboard and mesh ports: SIGTERM still says chau and exits.
    const a = await runNode('sockety', ['--broker', mq.url, '--ui', `127.0.0.1:${uiPort}`, ...meshArgs], runtime)
    const open = [
      netConnect(uiPort, '127.0.0.1'),
      netConnect(uiPort, '127.0.0.1', function (this: ReturnType<typeof netConnect>) { this.write('GET / HTTP/1.1\r\nHost: x\r\n') }),
      netConnect(7433, '127.0.48.2'),
      netConnect(7433, '127.0.48.2', function (this: ReturnType<typeof netConnect>) { this.write('POST /gossip/zine HTTP/1.1\r\nContent-Length: 100\r\n\r\n{') })
    ]
    for (const s of open) s.on('error', () => {})
    cleanups.push(() => open.forEach((s) => s.destroy()))
    await new Promise((r) => setTimeout(r, 200))
    const ms = await stopAndCheck(a, chaus, 'sockety', 'SIGTERM')
    // 2) during reconnect (broker gone): no plaza to say chau on, but the process still exits cleanly.
    const b = await runNode('outage', ['--broker', mq.url, '--verbose'], runtime)
    await mq.pause()
    await eventually(() => expect(b.err()).toMatch(/reconnecting/), 10_000, 50)
    b.kill('SIGTERM')
    const outcome = await Promise.race([b.exited, new Promise<'hung'>((r) => setTimeout(() => r('hung'), 10_000))])
    expect(outcome).toEqual({ code: 0, signal: null })
    expect(b.err()).toMatch(/saying chau/)
    console.log(`[fuzz-trust] exit with open sockets (ms): ${ms}`)
  }, 90_000)
})
