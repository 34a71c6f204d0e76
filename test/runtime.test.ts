/**
 * The one runtime, built exactly as the desktop app builds it (main/desktop/compose.ts, which
 * main/index.ts calls), against a real aedes broker and real mesh peers on 127.0.62.x: it serves
 * /ping and /gossip/zine and exchanges zines; first-run join, no-keychain join, bad input and a
 * settings change all go through its control-plane commands.
 */
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { silentLogger } from '../main/core/config'
import type { ControlReply } from '../main/core/control'
import { NodeMesh } from '../main/core/mesh/nodeMesh'
import type { NaraNode } from '../main/core/node'
import { determineIdentity } from '../main/core/protocol/identity'
import type { SecretStore } from '../main/core/runtime/keychain'
import { NO_MESH_ADDRESS } from '../main/core/runtime/mesh-plan'
import type { NaraRuntime } from '../main/core/runtime/runtime'
import { SecretRegistry } from '../main/core/runtime/secrecy'
import type { Settings } from '../main/core/runtime/settings-schema'
import { memorySettingsStore } from '../main/core/runtime/settings-store'
import { keys, type ZineExchangeView } from '../main/core/views'
import { desktopRuntime } from '../main/desktop/compose'
import run from '../main/cli/commands/run'
import { ManualClock, systemClock } from '../main/core/clock'
import { MessageChannel } from 'node:worker_threads'
import { messagePortCarrier } from '../main/core/bus/carriers/messagePort'
import { controlClient, multiplex } from '../main/core/bus/carriers/mux'
import { RemoteDataPlane } from '../main/core/bus/dataPlane'
import type { RuntimeView } from '../main/core/runtime/view'
import { awaitJoinOutcome, JoinFlow } from '../main/core/runtime/join-flow'
import { chooseJoinSoul } from '../main/core/runtime/soul-store'
import { startAedes, startMosquitto, type TestBroker } from './support/brokers'
import { eventually, makeNode } from './support/nodes'

const cleanups: Array<() => Promise<unknown>> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => {})
})

function memoryKeychain(): SecretStore & { entries: Map<string, string> } {
  const entries = new Map<string, string>()
  return {
    entries,
    get: async (a) => entries.get(a) ?? null,
    set: async (a, s) => void entries.set(a, s),
    delete: async (a) => entries.delete(a)
  }
}

const fingerprint = new Uint8Array(32).fill(7)

function build(settings: Partial<Settings>, keychain: SecretStore | null, meshIP = '', runtimeDir = mkdtempSync(join(tmpdir(), 'nara-rt-')), fp = fingerprint): NaraRuntime {
  const rt = desktopRuntime({
    settings: memorySettingsStore(settings),
    openKeychain: keychain ? async () => keychain : async () => Promise.reject(new Error('org.freedesktop.secrets was not provided by any .service files')),
    argv: ['electron', '.'],
    env: { XDG_RUNTIME_DIR: runtimeDir },
    machine: { hostname: 'testhost', fingerprint: () => fp, detectMeshIP: () => meshIP },
    log: silentLogger,
    secrets: new SecretRegistry(),
    // Multicast would leave loopback here; mDNS is tested in its own network namespace (mdns.test.ts).
    mdns: false
  })
  cleanups.push(() => rt.stop(1500))
  return rt
}

const ask = (rt: NaraRuntime, req: unknown): Promise<ControlReply> => rt.nervousSystem!.router(req)

function meshPeer(name: string, ip: string, brokerUrl: string, scan: string): { node: NaraNode; mesh: NodeMesh } {
  const node = makeNode(name, brokerUrl, { transport: 'hybrid', meshIP: ip })
  const mesh = new NodeMesh({ listen: { host: ip, port: 7433 }, transport: 'hybrid', scanCidr: scan, config: { gossip: { firstDelayMs: 3_600_000 }, discovery: { firstDelayMs: 3_600_000 } } })
  node.attachMesh(mesh)
  cleanups.push(() => node.stop(2000))
  return { node, mesh }
}

let broker: TestBroker
async function withBroker(): Promise<TestBroker> {
  broker = await startAedes()
  cleanups.push(() => broker.stop())
  return broker
}

describe('the runtime as the desktop app composes it', () => {
  it('first run → join with the keychain; serves /ping and /gossip/zine on its mesh address and exchanges zines with a peer', async () => {
    const b = await withBroker()
    const keychain = memoryKeychain()
    const rt = build({ plaza: 'broker', brokerUrl: b.url, name: 'rt-desk', meshIP: '127.0.62.2' }, keychain)
    expect(await rt.start()).toBe('first-run')
    const status = await ask(rt, { cmd: 'first-run.status' })
    expect(status).toMatchObject({ ok: true, kind: 'first-run', keychain: true })
    expect(rt.node!.nodeState).toBe('offline')

    const joined = await ask(rt, { cmd: 'first-run.join', name: 'rt-desk', plaza: 'broker', brokerUrl: b.url })
    expect(joined).toMatchObject({ ok: true, name: 'rt-desk', keychain: true })
    expect(keychain.entries.get('rt-desk')).toBe(rt.node!.identity.soulText)
    expect(rt.node!.config.meshIP).toBe('127.0.62.2')
    expect(rt.view().mesh).toMatchObject({ on: true, listen: '127.0.62.2:7433' })

    const ping = await fetch('http://127.0.62.2:7433/ping')
    expect(ping.status).toBe(200)
    const unsigned = await fetch('http://127.0.62.2:7433/gossip/zine', { method: 'POST', body: '{}' })
    expect(unsigned.status).toBeGreaterThanOrEqual(400) // it is there, and it wants mesh auth

    const peer = meshPeer('rt-peer', '127.0.62.3', b.url, '127.0.62.2/32')
    await peer.node.start()
    await eventually(() => expect(peer.mesh.mesh!.host.directory.onlineMeshPeers()).toContain('rt-desk'), 15_000)
    const inbound: ZineExchangeView[] = []
    rt.node!.on('zine', (z) => inbound.push(z))
    const outbound: ZineExchangeView[] = []
    peer.node.on('zine', (z) => outbound.push(z))
    await peer.mesh.mesh!.gossip.runRound()
    await eventually(() => expect(inbound.some((z) => z.peer === 'rt-peer' && z.direction === 'in' && z.verdict === 'ok')).toBe(true))
    expect(outbound.some((z) => z.peer === 'rt-desk' && z.direction === 'out' && z.verdict === 'ok' && z.eventsIn > 0)).toBe(true)

    // The next start finds the soul in the keychain and joins by itself, as the same nara.
    const id = rt.node!.identity.id
    const settings = rt.settings.get()
    await rt.stop(1000)
    const next = build(settings, keychain)
    expect(await next.start()).toBe('running')
    expect(next.node!.identity.id).toBe(id)
    expect(await ask(next, { cmd: 'first-run.status' })).toMatchObject({ ok: true, kind: 'ready', name: 'rt-desk' })
  }, 30_000)

  it('no keychain: the join asks for a choice, then runs on the native soul and stores nothing', async () => {
    const b = await withBroker()
    const rt = build({ plaza: 'broker', brokerUrl: b.url, transport: 'mqtt' }, null)
    expect(await rt.start()).toBe('no-keychain')
    const status = await ask(rt, { cmd: 'first-run.status' })
    expect(status).toMatchObject({ ok: true, kind: 'no-keychain', keychain: false })
    const refused = await ask(rt, { cmd: 'first-run.join', name: 'rt-nokey', plaza: 'broker', brokerUrl: b.url })
    expect(refused.ok).toBe(false)
    expect(rt.settings.get().name).toBeNull()
    const ok = await ask(rt, { cmd: 'first-run.join', name: 'rt-nokey', plaza: 'broker', brokerUrl: b.url, nativeWithoutStorage: true })
    expect(ok).toMatchObject({ ok: true, name: 'rt-nokey', keychain: false })
    const native = determineIdentity({ nameArg: 'rt-nokey', soulArg: '', hostname: 'testhost', fingerprint })
    expect(rt.node!.identity.id).toBe(native.id)
    expect(rt.settings.get()).toMatchObject({ name: 'rt-nokey', soulSource: 'native-unstored' })
    // The next start remembers the choice (not the soul): it runs the same identity without asking.
    const settings = rt.settings.get()
    await rt.stop(500)
    const again = build(settings, null)
    expect(await again.start()).toBe('running')
    expect(again.node!.identity.id).toBe(native.id)
  }, 20_000)

  it('bad input on join: unreachable broker, malformed URL, malformed and unbonded souls → a clear error within seconds, nothing saved', async () => {
    const keychain = memoryKeychain()
    const rt = build({ transport: 'mqtt' }, keychain)
    expect(await rt.start()).toBe('first-run')
    const before = rt.settings.get()

    const t0 = Date.now()
    const unreachable = await ask(rt, { cmd: 'first-run.join', name: 'rt-bad', plaza: 'broker', brokerUrl: 'mqtt://127.0.0.1:9' })
    expect(unreachable.ok).toBe(false)
    expect(!unreachable.ok && unreachable.error).toMatch(/Can't reach the plaza at 127\.0\.0\.1:9|did not answer/)
    expect(Date.now() - t0).toBeLessThan(9000)

    const malformed = await ask(rt, { cmd: 'first-run.join', name: 'rt-bad', plaza: 'broker', brokerUrl: 'not a url' })
    expect(malformed).toMatchObject({ ok: false, problems: [expect.objectContaining({ field: 'brokerUrl' })] })

    const badSoul = await ask(rt, { cmd: 'first-run.join', name: 'rt-bad', plaza: 'embedded', soul: 'definitely-not-a-soul' })
    expect(!badSoul.ok && badSoul.error).toMatch(/does not look like a soul/)

    const other = determineIdentity({ nameArg: 'someone-else', soulArg: '', hostname: 'x', fingerprint: new Uint8Array(32).fill(3) })
    const unbonded = await ask(rt, { cmd: 'first-run.join', name: 'rt-bad', plaza: 'embedded', soul: other.soulText })
    expect(!unbonded.ok && unbonded.error).toMatch(/not bonded to the name "rt-bad"/)

    expect(rt.settings.get()).toEqual(before)
    expect(keychain.entries.size).toBe(0)
    expect(rt.view().phase).toBe('first-run')
    const progress = await rt.nervousSystem!.dataPlane.get(keys.join)
    expect(progress.length).toBeLessThanOrEqual(1)
  }, 30_000)

  it('a settings change re-joins with the new configuration; invalid settings are refused and the old ones kept', async () => {
    const b = await withBroker()
    const keychain = memoryKeychain()
    const rt = build({ plaza: 'broker', brokerUrl: b.url, name: 'rt-set', transport: 'hybrid' }, keychain)
    await rt.start()
    expect(await ask(rt, { cmd: 'first-run.join', name: 'rt-set', plaza: 'broker', brokerUrl: b.url })).toMatchObject({ ok: true })
    // No tailnet, no mesh IP: no mesh, and nothing advertised.
    expect(rt.view().mesh).toEqual({ on: false, note: NO_MESH_ADDRESS })
    expect(rt.node!.config.meshIP).toBe('')
    const first = rt.node!

    const bad = await ask(rt, { cmd: 'settings.set', settings: { meshIP: '300.1.1.1' } })
    expect(bad).toMatchObject({ ok: false, problems: [expect.objectContaining({ field: 'meshIP' })] })
    expect(rt.node).toBe(first)

    const changed = await ask(rt, { cmd: 'settings.set', settings: { meshIP: '127.0.62.12' } })
    expect(changed).toMatchObject({ ok: true, rejoined: true })
    expect(rt.node).not.toBe(first)
    expect(first.nodeState).toBe('offline')
    await eventually(() => expect(rt.node!.nodeState).toBe('online'), 10_000)
    expect(rt.node!.config.meshIP).toBe('127.0.62.12')
    expect((await fetch('http://127.0.62.12:7433/ping')).status).toBe(200)
    // The soul came from the keychain again: same identity after the re-join.
    expect(rt.node!.identity.id).toBe(first.identity.id)

    // A new name grows its own soul, kept in the keychain for the next start.
    expect(await ask(rt, { cmd: 'settings.set', settings: { name: 'rt-renamed' } })).toMatchObject({ ok: true, rejoined: true })
    expect(rt.node!.name).toBe('rt-renamed')
    expect(keychain.entries.get('rt-renamed')).toBe(rt.node!.identity.soulText)
  }, 30_000)

  it('one running instance per soul: a second runtime (another build, same user runtime dir) refuses to run the same name', async () => {
    const b = await withBroker()
    const shared = mkdtempSync(join(tmpdir(), 'nara-rt-shared-'))
    const keychain = memoryKeychain()
    const first = build({ plaza: 'broker', brokerUrl: b.url, name: 'rt-once', transport: 'mqtt' }, keychain, '', shared)
    await first.start()
    expect(await ask(first, { cmd: 'first-run.join', name: 'rt-once', plaza: 'broker', brokerUrl: b.url })).toMatchObject({ ok: true })
    const second = build({ plaza: 'broker', brokerUrl: b.url, name: 'rt-once', transport: 'mqtt' }, keychain, '', shared)
    expect(await second.start()).toBe('running')
    expect(second.view().problem).toMatch(/Another Nara already runs "rt-once"/)
    expect(second.node!.nodeState).toBe('offline')
    expect(first.node!.nodeState).toBe('online')
  }, 20_000)

  it('wrong broker credentials → a clear error within seconds, nothing stored; the right ones join and go to the keychain', async () => {
    const mosq = await startMosquitto({ users: { alice: 'right-password-1' } })
    cleanups.push(() => mosq.stop())
    const keychain = memoryKeychain()
    const rt = build({ transport: 'mqtt' }, keychain)
    await rt.start()
    const before = rt.settings.get()
    const t0 = Date.now()
    const wrong = await ask(rt, { cmd: 'first-run.join', name: 'rt-cred', plaza: 'broker', brokerUrl: mosq.url, mqttUser: 'alice', mqttPassword: 'wrong-password-1' })
    expect(!wrong.ok && wrong.error).toMatch(/rejected the user name or password|does not let this user in/)
    expect(Date.now() - t0).toBeLessThan(9000)
    expect(rt.settings.get()).toEqual(before)
    expect(keychain.entries.size).toBe(0)
    const right = await ask(rt, { cmd: 'first-run.join', name: 'rt-cred', plaza: 'broker', brokerUrl: mosq.url, mqttUser: 'alice', mqttPassword: 'right-password-1' })
    expect(right).toMatchObject({ ok: true, name: 'rt-cred' })
    expect(keychain.entries.get(`mqtt:alice@${mosq.url}`)).toBe('right-password-1')
    expect(rt.settings.get()).toMatchObject({ name: 'rt-cred', mqttUser: 'alice', brokerUrl: mosq.url })
    expect(JSON.stringify(rt.settings.get())).not.toContain('right-password-1')
  }, 30_000)
})

describe('a name the plaza already binds to another key', () => {
  /** Another computer: its native soul for the same name is a different one. */
  const elsewhere = new Uint8Array(32).fill(9)

  for (const kind of ['aedes', 'mosquitto'] as const) {
    it(`${kind}: a second nara joining with a held name fails on the first-run screen, nothing saved; the holder keeps running untouched`, async () => {
      const b = kind === 'aedes' ? await withBroker() : await startMosquitto()
      if (kind === 'mosquitto') cleanups.push(() => b.stop())
      const holder = build({ transport: 'mqtt' }, memoryKeychain())
      await holder.start()
      expect(await ask(holder, { cmd: 'first-run.join', name: 'rt-twin', plaza: 'broker', brokerUrl: b.url })).toMatchObject({ ok: true })
      const held = { id: holder.node!.identity.id, soul: holder.node!.identity.soulText }
      const holderNode = holder.node!
      expect(holderNode.plaza!.connects).toBe(1)

      const keychain = memoryKeychain()
      const rt = build({ transport: 'mqtt' }, keychain, '', undefined, elsewhere)
      expect(await rt.start()).toBe('first-run')
      const before = rt.settings.get()
      const progress: string[] = []
      rt.on('progress', (p) => progress.push(p.step))
      const t0 = Date.now()
      const reply = await ask(rt, { cmd: 'first-run.join', name: 'rt-twin', plaza: 'broker', brokerUrl: b.url })
      const tookMs = Date.now() - t0
      expect(!reply.ok && reply.error).toMatch(/Another nara is already using the name "rt-twin" on the plaza at 127\.0\.0\.1:\d+/)
      expect(tookMs).toBeLessThan(15_000)
      expect(rt.joinFlow.state).toMatchObject({ step: 'error', failedAt: 'name' })
      expect(progress).toEqual(['keychain', 'connect', 'error'])
      // Nothing of the attempt is kept: no settings, no soul, the first-run screen again.
      expect(rt.settings.get()).toEqual(before)
      expect(keychain.entries.size).toBe(0)
      expect(rt.view()).toMatchObject({ phase: 'first-run', problem: null })
      expect((await rt.dataPlane.get(keys.join))[0]?.value).toMatchObject({ step: 'error', message: expect.stringMatching(/already using the name "rt-twin"/) })
      expect(rt.node!.nodeState).toBe('offline')
      // The holder was never thrown off the plaza: same node, same connection, same name and key.
      expect(holder.node).toBe(holderNode)
      expect(holderNode.nodeState).toBe('online')
      expect(holderNode.plaza!.connects).toBe(1)
      expect(holderNode.plaza!.connected).toBe(true)
      expect(holderNode.identity).toMatchObject({ name: 'rt-twin', id: held.id, soulText: held.soul })

      // Another name joins from the same screen at once: the refusal is about the name only.
      expect(await ask(rt, { cmd: 'first-run.join', name: 'rt-twin-2', plaza: 'broker', brokerUrl: b.url })).toMatchObject({ ok: true, name: 'rt-twin-2' })
      expect(rt.view().problem).toBeNull()
    }, 40_000)
  }

  it('a holder that was offline at the join and comes back takes the name: we step off with the message instead of throwing it off again', async () => {
    const b = await withBroker()
    const rt = build({ transport: 'mqtt' }, memoryKeychain())
    await rt.start()
    expect(await ask(rt, { cmd: 'first-run.join', name: 'rt-late', plaza: 'broker', brokerUrl: b.url })).toMatchObject({ ok: true })
    const ours = rt.node!
    // Same name, another soul; its connection takes our client id and the broker drops ours.
    const holder = makeNode('rt-late', b.url)
    cleanups.push(() => holder.stop(1000))
    await holder.start()
    await eventually(() => expect(rt.view().problem).toMatch(/Another nara is already using the name "rt-late" on the plaza at .*left the plaza instead of throwing it off again/), 15_000)
    expect(ours.nodeState).toBe('offline')
    expect(ours.plaza).toBeNull() // no transport, so no reconnect can take the name back
    const progress = await rt.dataPlane.get(keys.join)
    expect(progress[0]?.value).toMatchObject({ step: 'error', message: expect.stringMatching(/already using the name "rt-late"/) })
    expect(holder.plaza!.connects).toBe(1)
    expect(holder.plazaConnected).toBe(true)
    expect(holder.identity.id).not.toBe(ours.identity.id)
  }, 30_000)

  it('the same soul coming back after its old process has gone (a restart) is not flagged', async () => {
    const b = await withBroker()
    const first = build({ transport: 'mqtt' }, memoryKeychain())
    await first.start()
    expect(await ask(first, { cmd: 'first-run.join', name: 'rt-again', plaza: 'broker', brokerUrl: b.url })).toMatchObject({ ok: true })
    const id = first.node!.identity.id
    await first.stop(1000)
    // A crash, too: the old connection dropped without DISCONNECT says nothing either.
    const crashed = build({ transport: 'mqtt' }, memoryKeychain())
    await crashed.start()
    expect(await ask(crashed, { cmd: 'first-run.join', name: 'rt-again', plaza: 'broker', brokerUrl: b.url })).toMatchObject({ ok: true })
    crashed.node!.crash()

    const keychain = memoryKeychain()
    const again = build({ transport: 'mqtt' }, keychain)
    await again.start()
    expect(await ask(again, { cmd: 'first-run.join', name: 'rt-again', plaza: 'broker', brokerUrl: b.url })).toMatchObject({ ok: true, name: 'rt-again' })
    expect(again.node!.identity.id).toBe(id)
    expect(keychain.entries.get('rt-again')).toBe(again.node!.identity.soulText)
    expect(again.view().problem).toBeNull()
  }, 30_000)
})

describe('nara run --config', () => {
  it('keeps settings in the file: flags that are settings are refused with a reason (exit 2)', async () => {
    const lines: string[] = []
    const io = { out: (l: string) => void lines.push(l), err: (l: string) => void lines.push(l), readStdin: async () => '', env: { NARA_CONTROL_SOCKET: 'off' } }
    const file = join(mkdtempSync(join(tmpdir(), 'nara-cfg-')), 'settings.json')
    expect(await run(['--config', file, '--name', 'x', '--broker', 'mqtt://127.0.0.1:1'], io)).toBe(2)
    expect(lines.join('\n')).toMatch(/--config keeps the settings in .*settings\.json; drop --name, --broker/)
  })
})

describe('first-run join pieces', () => {
  it('awaitJoinOutcome: a plaza that never answers ends in a sentence at the deadline; a hello heard ends it early', async () => {
    const clock = new ManualClock(0)
    const listeners = new Set<(p: never, s: never) => void>()
    const flow = new JoinFlow({ clock, onProgress: (p, st) => listeners.forEach((l) => l(p as never, st as never)) })
    const follow = (l: (p: never, s: never) => void) => (listeners.add(l), () => void listeners.delete(l))
    flow.dispatch({ type: 'start', broker: 'mqtts://broker.example.org:8883' })
    flow.dispatch({ type: 'soul-ready' })
    const silent = awaitJoinOutcome(flow, follow as never, clock, 8000)
    clock.advance(7999)
    clock.advance(1)
    expect(await silent).toEqual({ ok: false, error: 'The plaza at broker.example.org:8883 did not answer within 8 s. Check the address, or that the broker is running.' })
    expect(listeners.size).toBe(0)
    const heard = awaitJoinOutcome(flow, follow as never, clock, 8000)
    flow.dispatch({ type: 'connected' })
    flow.dispatch({ type: 'hey-there-echoed' })
    expect(await heard).toEqual({ ok: true })
    flow.dispatch({ type: 'cancel' })
    flow.dispose()
  })

  it('chooseJoinSoul: without a keychain and without a choice it asks; a damaged stored soul is refused', async () => {
    const ctx = { name: 'pick', hostname: 'h', fingerprint: () => fingerprint }
    const none = await chooseJoinSoul(ctx, { available: false, reason: 'No keychain is reachable.' }, { name: 'pick' }, false)
    expect(none).toEqual({ ok: false, error: 'No keychain is reachable. Choose "use this computer\'s native soul" or paste a soul.' })
    const native = await chooseJoinSoul(ctx, { available: false, reason: 'x' }, { name: 'pick', nativeWithoutStorage: true }, false)
    expect(native.ok && native.storeSoul).toBe(null)
    const damaged = memoryKeychain()
    damaged.entries.set('pick', 'garbage')
    const r = await chooseJoinSoul(ctx, { available: true, store: damaged, backend: 'memory' }, { name: 'pick' }, false)
    expect(r).toEqual({ ok: false, error: 'The soul stored in the keychain for "pick" is damaged.' })
    const fresh = await chooseJoinSoul(ctx, { available: true, store: memoryKeychain(), backend: 'memory' }, { name: 'pick' }, false)
    expect(fresh.ok && fresh.storeSoul).toBe(fresh.ok ? fresh.identity.soulText : null)
  })
})

describe('front ends on the runtime bus', () => {
  function windowLink(rt: NaraRuntime, kind: 'renderer' | 'websocket') {
    const { port1, port2 } = new MessageChannel()
    rt.attach(messagePortCarrier(port1), kind)
    const mux = multiplex(messagePortCarrier(port2))
    const control = controlClient(mux.control, { clock: systemClock, resendMs: 1000, timeoutMs: 20_000 })
    const data = new RemoteDataPlane(mux.data)
    return { control, data, close: () => (control.close(), port1.close(), port2.close()) }
  }

  it('a window connected before the first join stays connected through it: the reply and the new node reach it', async () => {
    const b = await withBroker()
    const rt = build({ plaza: 'broker', brokerUrl: b.url, transport: 'mqtt' }, memoryKeychain())
    await rt.start()
    const win = windowLink(rt, 'renderer')
    cleanups.push(async () => win.close())
    const phases: string[] = []
    win.data.subscribe(keys.runtime, (s) => void phases.push((s.value as RuntimeView).phase))
    const [snap] = await win.data.get(keys.runtime)
    expect((snap!.value as RuntimeView).phase).toBe('first-run')
    const reply = await win.control.request({ cmd: 'first-run.join', name: 'rt-window', plaza: 'broker', brokerUrl: b.url })
    expect(reply).toMatchObject({ ok: true, name: 'rt-window' })
    await eventually(() => expect(phases).toContain('running'))
    const [self] = await win.data.get(keys.self)
    expect(self!.value).toMatchObject({ name: 'rt-window' })
    expect(await win.control.request({ cmd: 'soul.export', confirm: true })).toMatchObject({ ok: false })
  }, 20_000)

  it('the dashboard WebSocket kind never exports the soul, whatever the shell offers its window', async () => {
    const rt = desktopRuntime({
      settings: memorySettingsStore({ transport: 'gossip', name: 'rt-export' }),
      openKeychain: async () => memoryKeychain(),
      argv: [],
      env: { XDG_RUNTIME_DIR: mkdtempSync(join(tmpdir(), 'nara-rt-')) },
      machine: { hostname: 'testhost', fingerprint: () => fingerprint, detectMeshIP: () => '' },
      log: silentLogger,
      secrets: new SecretRegistry(),
      mdns: false,
      exportSoul: async () => ({ ok: true, copied: true })
    })
    cleanups.push(() => rt.stop(500))
    await rt.start()
    const win = windowLink(rt, 'renderer')
    const ws = windowLink(rt, 'websocket')
    cleanups.push(async () => (win.close(), ws.close()))
    expect(await win.control.request({ cmd: 'soul.export', confirm: true })).toEqual({ ok: true, copied: true })
    expect(await ws.control.request({ cmd: 'soul.export', confirm: true })).toMatchObject({ ok: false, error: expect.stringMatching(/never sent over the UI connection/) })
  }, 20_000)
})
