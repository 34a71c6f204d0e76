/**
 * Repository-wide secrecy (issue 6, "Done when"): the soul never appears in logs, files written
 * by the app, or any message sent to the renderer during a full join → chau run.
 *
 * Real parts only: an aedes plaza that records every CONNECT (with its will) and every PUBLISH,
 * real NaraNodes (and G's mesh when present), the nervous system serving a renderer over a real
 * MessageChannel and a WebSocket-kind carrier, the desktop's IPC reply path, and a real
 * `nara run` child process with HOME/XDG_RUNTIME_DIR/XDG_CONFIG_HOME/TMPDIR in a fresh directory,
 * queried with nngcat and stopped with SIGTERM. Everything captured is then scanned for the soul
 * in every encoding — with a scanner that is shown to find planted leaks.
 */
import { spawn } from 'node:child_process'
import { lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type Server, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Aedes } from 'aedes'
import { afterEach, describe, expect, it } from 'vitest'
import { computeTag, determineIdentity, parseSoul, soulFromParts } from '../main/core/protocol/identity'
import { sha256 } from '../main/core/protocol/crypto'
import type { Logger } from '../main/core/config'
import type { NaraNode } from '../main/core/node'
import { createNervousSystem } from '../main/core/bus/nervousSystem'
import { subscribeWithSnapshot, type Sample } from '../main/core/bus/dataPlane'
import { SecretRegistry } from '../main/core/runtime/secrecy'
import { createRendererPush, handleDesktopInvoke } from '../main/desktop/ipc-bridge'
import { createSoulExporter } from '../main/desktop/soul-export'
import { freePort } from './support/brokers'
import { eventually, makeNode } from './support/nodes'
import { repoRoot } from './support/vectors'
import { rendererLink } from './nervous-system.helpers'
import { nngcat } from './support/nngcat'

// ---------------------------------------------------------------------------------------------
// The known test soul (bonded to NAME) and every encoding of it, computed here with Buffer —
// independently of the guard in main/core/bus/ns-secrets.ts.

const NAME = 'secret-keeper'
const SEED = new Uint8Array(sha256('nara secrecy test: a seed nobody else uses'))
const SOUL = soulFromParts(SEED, computeTag(SEED, NAME))

interface Needle {
  encoding: string
  text: string
}

function needlesFor(seed: Uint8Array, bytes: Uint8Array, base58: string): Needle[] {
  const out: Needle[] = [{ encoding: 'base58 soul', text: base58 }]
  for (const [what, b] of [['seed', seed], ['soul', bytes]] as const) {
    const buf = Buffer.from(b)
    out.push(
      { encoding: `hex ${what}`, text: buf.toString('hex') },
      { encoding: `HEX ${what}`, text: buf.toString('hex').toUpperCase() },
      { encoding: `base64 ${what}`, text: buf.toString('base64').replace(/=+$/, '') },
      { encoding: `base64url ${what}`, text: buf.toString('base64url') },
      // JSON.stringify([...b]) and Buffer#toJSON().data, compact or pretty-printed on one line
      { encoding: `JSON byte array ${what}`, text: JSON.stringify([...b]).slice(1, -1) },
      { encoding: `JSON byte array ${what} (spaced)`, text: [...b].join(', ') },
      // JSON.stringify(Uint8Array) → {"0":n,"1":n,...}
      { encoding: `JSON typed array ${what}`, text: JSON.stringify(Object.fromEntries([...b].entries())).slice(1, -1) }
    )
  }
  // Any of them nested inside a JSON string (a frame carrying serialised JSON): quotes escaped.
  for (const n of [...out]) if (n.text.includes('"')) out.push({ encoding: `${n.encoding} (inside a JSON string)`, text: n.text.replace(/"/g, '\\"') })
  return out
}

const NEEDLES = needlesFor(SOUL.seed, SOUL.bytes, SOUL.text)

interface Hit {
  where: string
  encoding: string
}

function scanText(where: string, text: string, needles = NEEDLES): Hit[] {
  return needles.filter((n) => text.includes(n.text)).map((n) => ({ where, encoding: n.encoding }))
}

/** Files: the textual encodings, and the raw 32/40 bytes (binary files, caches). */
function scanBytes(where: string, data: Buffer, needles = NEEDLES): Hit[] {
  const hits = needles.filter((n) => data.includes(Buffer.from(n.text, 'utf8'))).map((n) => ({ where, encoding: n.encoding }))
  if (data.includes(Buffer.from(SOUL.seed))) hits.push({ where, encoding: 'raw seed bytes' })
  if (data.includes(Buffer.from(SOUL.bytes))) hits.push({ where, encoding: 'raw soul bytes' })
  return hits
}

function scanTree(root: string): { hits: Hit[]; files: string[] } {
  const hits: Hit[] = []
  const files: string[] = []
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir)) {
      const p = join(dir, entry)
      const st = lstatSync(p)
      if (st.isDirectory()) walk(p)
      else if (st.isFile()) {
        files.push(p)
        hits.push(...scanBytes(p, readFileSync(p)))
      }
    }
  }
  walk(root)
  return { hits, files }
}

// ---------------------------------------------------------------------------------------------
// A plaza that keeps everything: every CONNECT (client id and will) and every PUBLISH.

interface CapturingPlaza {
  url: string
  publishes: { topic: string; payload: string; from: string | null }[]
  connects: { clientId: string; will: { topic: string; payload: string } | null; password: string | null }[]
  stop(): Promise<void>
}

async function startCapturingPlaza(): Promise<CapturingPlaza> {
  const port = await freePort()
  const broker = await Aedes.createBroker()
  const publishes: CapturingPlaza['publishes'] = []
  const connects: CapturingPlaza['connects'] = []
  broker.preConnect = (client, packet, done) => {
    connects.push({
      clientId: packet.clientId,
      will: packet.will ? { topic: packet.will.topic, payload: Buffer.from(packet.will.payload).toString('utf8') } : null,
      password: packet.password ? Buffer.from(packet.password).toString('utf8') : null
    })
    done(null, true)
  }
  broker.on('publish', (packet, client) => {
    if (packet.topic.startsWith('$SYS')) return
    publishes.push({ topic: packet.topic, payload: Buffer.from(packet.payload).toString('utf8'), from: client?.id ?? null })
  })
  const sockets = new Set<Socket>()
  const server: Server = createServer((s) => {
    sockets.add(s)
    s.on('close', () => sockets.delete(s))
    broker.handle(s)
  })
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', () => r()))
  return {
    url: `mqtt://127.0.0.1:${port}`,
    publishes,
    connects,
    async stop() {
      for (const s of sockets) s.destroy()
      await new Promise<void>((r) => server.close(() => r()))
      await new Promise<void>((r) => broker.close(() => r()))
    }
  }
}

function plazaCorpus(p: CapturingPlaza): { where: string; text: string }[] {
  return [
    ...p.publishes.map((m, i) => ({ where: `plaza publish #${i} ${m.topic}`, text: m.topic + '\n' + m.payload })),
    ...p.connects.map((c, i) => ({ where: `plaza connect #${i} ${c.clientId} (will)`, text: JSON.stringify(c) }))
  ]
}

const cleanups: (() => unknown)[] = []
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!()
})

function capturingLogger(lines: string[], prefix: string): Logger {
  return {
    debug: (m) => void lines.push(`${prefix} debug ${m}`),
    info: (m) => void lines.push(`${prefix} info ${m}`),
    warn: (m) => void lines.push(`${prefix} warn ${m}`)
  }
}

describe('the soul never leaves: secrecy across a full join → chau run', () => {
  it('the scanner finds a planted leak in every encoding, in messages and in files (so this test can fail)', () => {
    // The soul itself round-trips: the needles describe the real soul.
    const parsed = parseSoul(SOUL.text)
    expect(parsed.ok && Buffer.from(parsed.value.bytes).equals(Buffer.from(SOUL.bytes))).toBe(true)
    expect(NEEDLES.length).toBeGreaterThanOrEqual(15)
    for (const n of NEEDLES) {
      expect(scanText('planted log line', `warn: ${n.text}.`).map((h) => h.encoding)).toContain(n.encoding)
      if (n.encoding.endsWith('(inside a JSON string)')) continue
      // The same leak carried inside a JSON frame (where quotes get escaped) is found too.
      const frame = JSON.stringify({ plane: 'data', frame: { t: 'sample', v: { message: `… ${n.text} …` } } })
      expect(scanText('planted frame', frame).some((h) => h.encoding.startsWith(n.encoding))).toBe(true)
    }
    // Values serialised the ways code might do it by mistake.
    expect(scanText('array', JSON.stringify([...SOUL.seed]))).not.toEqual([])
    expect(scanText('buffer', JSON.stringify(Buffer.from(SOUL.seed)))).not.toEqual([])
    expect(scanText('typed array', JSON.stringify(SOUL.seed))).not.toEqual([])
    expect(scanText('pretty', JSON.stringify({ s: [...SOUL.bytes] }, null, 2).replace(/\s+/g, ' '))).not.toEqual([])
    // Files: text and raw bytes, found anywhere in a tree.
    const dir = mkdtempSync(join(tmpdir(), 'nara-secrecy-plant-'))
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }))
    mkdirSync(join(dir, 'deep', 'er'), { recursive: true })
    writeFileSync(join(dir, 'clean.txt'), 'nothing to see')
    writeFileSync(join(dir, 'deep', 'er', 'cache.bin'), Buffer.concat([Buffer.from([0, 1, 2]), Buffer.from(SOUL.seed), Buffer.from([9])]))
    writeFileSync(join(dir, 'deep', 'config.json'), JSON.stringify({ soul: SOUL.text }))
    const { hits, files } = scanTree(dir)
    expect(files).toHaveLength(3)
    expect(hits).toEqual(
      expect.arrayContaining([
        { where: join(dir, 'deep', 'er', 'cache.bin'), encoding: 'raw seed bytes' },
        { where: join(dir, 'deep', 'config.json'), encoding: 'base58 soul' }
      ])
    )
    expect(hits.some((h) => h.where.endsWith('clean.txt'))).toBe(false)
  })

  it('in-process: a node with a known soul, a peer, the nervous system serving a renderer, IPC replies, the plaza with wills — the soul appears nowhere', async () => {
    const plaza = await startCapturingPlaza()
    cleanups.push(() => plaza.stop())
    const logs: string[] = []
    const identity = determineIdentity({ nameArg: NAME, soulArg: SOUL.text, hostname: 'secrecy-host', fingerprint: sha256('secrecy-fingerprint') })
    expect(identity.soulText).toBe(SOUL.text)
    expect(identity.bonded).toBe(true)

    // G's mesh, when this build has it: both nodes hybrid on their own loopback addresses.
    let NodeMesh: typeof import('../main/core/mesh/nodeMesh').NodeMesh | null = null
    try {
      NodeMesh = (await import('../main/core/mesh/nodeMesh')).NodeMesh
    } catch {
      NodeMesh = null
    }
    const ipA = '127.0.61.2'
    const ipB = '127.0.61.3'
    const transport = NodeMesh ? 'hybrid' : 'mqtt'
    const keeper = makeNode(NAME, plaza.url, { transport, meshIP: NodeMesh ? ipA : '' }, { identity, log: capturingLogger(logs, 'node') })
    const peer = makeNode('secrecy-peer', plaza.url, { transport, meshIP: NodeMesh ? ipB : '' }, { log: capturingLogger(logs, 'peer') })
    cleanups.push(() => peer.stop(500))
    cleanups.push(() => keeper.stop(500))
    const meshes: { gossip?: { runRound(o?: { force?: boolean }): Promise<unknown> } }[] = []
    if (NodeMesh) {
      for (const [n, ip, other] of [[keeper, ipA, ipB], [peer, ipB, ipA]] as [NaraNode, string, string][]) {
        const m = new NodeMesh({
          listen: { host: ip, port: await freePort(ip) },
          transport: 'hybrid',
          scanCidr: `${other}/32`,
          config: { gossip: { firstDelayMs: 3_600_000 }, discovery: { firstDelayMs: 3_600_000 } }
        })
        n.attachMesh(m)
        meshes.push({ get gossip() { return m.mesh?.gossip } } as never)
      }
    }

    // The shell's registry, as main/index.ts fills it.
    const secrets = new SecretRegistry()
    secrets.add(identity.soulText)
    const ns = createNervousSystem(keeper, { logger: capturingLogger(logs, 'ns'), secrets })
    cleanups.push(() => ns.close())
    const clipboard: string[] = []
    const exporter = createSoulExporter({ available: () => true, confirm: async () => true, readSoul: async () => identity.soulText, copy: (s) => void clipboard.push(s) })
    const renderer = rendererLink(ns, { kind: 'renderer', extra: { 'soul.export': () => exporter() } })
    const websocket = rendererLink(ns, { kind: 'websocket' })
    cleanups.push(() => renderer.close())
    cleanups.push(() => websocket.close())
    const samples: Sample[] = []
    await subscribeWithSnapshot(renderer.remote, 'nara/local/**', (s) => void samples.push(s), { timeoutMs: 1000 }).ready
    const wsSamples: Sample[] = []
    await subscribeWithSnapshot(websocket.remote, 'nara/local/**', (s) => void wsSamples.push(s), { timeoutMs: 1000 }).ready

    // The desktop's other door: IPC replies and pushes to the window.
    const ipcMessages: string[] = []
    const push = createRendererPush(() => ({ send: (channel, payload) => void ipcMessages.push(`${channel} ${JSON.stringify(payload)}`) }), secrets)
    keeper.on('lifecycle', (step) => push.joinProgress(step))
    const ownWindow = { url: 'app://nara/index.html', parent: null }

    // join
    await keeper.start()
    await peer.start()
    await eventually(() => {
      expect(keeper.neighbour('secrecy-peer')?.status).toBe('ONLINE')
      expect(peer.neighbour(NAME)?.status).toBe('ONLINE')
    }, 8000)
    // run a while: newspapers both ways, a howdy, (zines over the mesh)
    await eventually(() => {
      expect(plaza.publishes.some((p) => p.topic === `nara/newspaper/${NAME}`)).toBe(true)
      expect(plaza.publishes.some((p) => p.topic === 'nara/newspaper/secrecy-peer')).toBe(true)
      expect(plaza.publishes.some((p) => p.topic === 'nara/plaza/howdy')).toBe(true)
      expect(samples.some((s) => s.key === 'nara/local/newspapers/secrecy-peer')).toBe(true)
    }, 8000)
    const replies: unknown[] = []
    if (NodeMesh) {
      await meshes[0]!.gossip!.runRound({ force: true })
      await eventually(() => expect(samples.some((s) => s.key.startsWith('nara/local/zines/'))).toBe(true), 5000)
    }
    for (const req of [{ cmd: 'status' }, { cmd: 'peers' }, { cmd: 'health' }, { cmd: 'soul.export', confirm: true }, { cmd: 'settings.get' }] as const) {
      replies.push(await renderer.control.request(req))
      replies.push(await websocket.control.request(req))
    }
    replies.push(await ns.router({ cmd: 'soul.export', confirm: true }))
    for (const raw of [{ cmd: 'soul.export', confirm: true }, { cmd: 'settings.get' }, { cmd: 'soul.export', confirm: true, soul: 'please' }]) {
      const handler = async (req: { cmd: string }) => (req.cmd === 'soul.export' ? exporter() : { ok: true as const, settings: { name: NAME } })
      const reply = await handleDesktopInvoke(ownWindow, raw, handler, { trusted: {}, secrets })
      ipcMessages.push(`nara:desktop ${JSON.stringify(reply)}`)
    }
    expect(replies).toContainEqual({ ok: true, copied: true })
    // The export path works (renderer bus + IPC): the soul went to the clipboard, and only there.
    expect(clipboard).toEqual([identity.soulText, identity.soulText])
    expect(ipcMessages.filter((m) => m.includes('"copied":true'))).toHaveLength(1)

    // chau
    await keeper.stop(1500)
    await eventually(() => {
      expect(plaza.publishes.some((p) => p.topic === 'nara/plaza/chau' && p.from === NAME)).toBe(true)
      expect(samples.some((s) => s.key === 'nara/local/lifecycle' && (s.value as { step: string }).step === 'left')).toBe(true)
    })
    await ns.close()
    await peer.stop(500)

    // The corpus is real and rich…
    expect(logs.length).toBeGreaterThan(5)
    expect(renderer.frames.length).toBeGreaterThan(20)
    expect(renderer.frames.some((f) => f.includes(identity.publicKeyBase64))).toBe(true)
    expect(plaza.connects.find((c) => c.clientId === NAME)?.will).toBeNull() // no MQTT will (Go sets none)
    expect(ipcMessages.some((m) => m.startsWith('nara:join-progress'))).toBe(true)
    expect(ns.stats.withheld).toBe(0)
    // …and the soul is in none of it.
    const corpus = [
      ...logs.map((l, i) => ({ where: `log line #${i}`, text: l })),
      ...renderer.frames.map((f, i) => ({ where: `renderer frame #${i}`, text: f })),
      ...websocket.frames.map((f, i) => ({ where: `websocket frame #${i}`, text: f })),
      ...ipcMessages.map((m, i) => ({ where: `ipc message #${i}`, text: m })),
      ...replies.map((r, i) => ({ where: `control reply #${i}`, text: JSON.stringify(r) })),
      ...plazaCorpus(plaza)
    ]
    const hits = corpus.flatMap((c) => scanText(c.where, c.text))
    expect(hits).toEqual([])
    // Sanity: the same scan over the same corpus plus the clipboard does find it.
    expect(scanText('clipboard', clipboard.join('\n')).length).toBeGreaterThan(0)
  }, 30_000)

  it('a real `nara run --soul …` child process, queried with nngcat and stopped with SIGTERM: not in its stdout/stderr, its replies, the plaza, or any file under HOME/XDG_*/TMPDIR', async () => {
    const plaza = await startCapturingPlaza()
    cleanups.push(() => plaza.stop())
    const root = mkdtempSync(join(tmpdir(), 'nara-secrecy-run-'))
    cleanups.push(() => rmSync(root, { recursive: true, force: true }))
    const dirs = { HOME: join(root, 'home'), XDG_RUNTIME_DIR: join(root, 'runtime'), XDG_CONFIG_HOME: join(root, 'config'), TMPDIR: join(root, 'tmp') }
    for (const d of Object.values(dirs)) mkdirSync(d, { recursive: true, mode: 0o700 })

    const peer = makeNode('secrecy-peer2', plaza.url)
    cleanups.push(() => peer.stop(500))
    await peer.start()

    const child = spawn(
      process.execPath,
      ['--import', 'tsx', join(repoRoot, 'main/cli/entry.ts'), 'run', '--soul', SOUL.text, '--name', NAME, '--broker', plaza.url, '--transport', 'mqtt', '--verbose'],
      { cwd: repoRoot, env: { PATH: process.env.PATH ?? '/usr/bin:/bin', LANG: 'C.UTF-8', ...dirs }, stdio: ['ignore', 'pipe', 'pipe'] }
    )
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)))
    cleanups.push(async () => {
      if (child.exitCode === null) {
        child.kill('SIGKILL')
        await exited
      }
    })

    await eventually(() => expect(stderr).toMatch(/control socket: /), 15_000)
    const socketPath = /control socket: (\S+)/.exec(stderr)![1]!
    expect(socketPath).toBe(join(dirs.XDG_RUNTIME_DIR, 'nara', `${NAME}.sock`))
    await eventually(() => {
      expect(peer.neighbour(NAME)?.status).toBe('ONLINE')
      expect(stdout).toContain('+ secrecy-peer2 ONLINE')
      expect(plaza.publishes.some((p) => p.topic === `nara/newspaper/${NAME}`)).toBe(true)
    }, 10_000)

    const answers: string[] = []
    for (const data of ['{"cmd":"status"}', '{"cmd":"peers"}', '{"cmd":"soul.export","confirm":true}', '{"cmd":"settings.get"}']) {
      const r = await nngcat(['--req', '--dial', `ipc://${socketPath}`, '--ascii', '--data', data])
      answers.push(r.stdout, r.stderr)
    }
    const survey = await nngcat(['--surveyor', '--dial', `ipc://${socketPath}`, '--ascii', '--data', '{"cmd":"health"}'])
    answers.push(survey.stdout, survey.stderr)
    expect(JSON.parse(answers[0]!)).toMatchObject({ ok: true, name: NAME })
    expect(JSON.parse(answers[4]!)).toMatchObject({ ok: false, error: expect.stringContaining('nara soul') })
    expect(JSON.parse(survey.stdout)).toMatchObject({ ok: true, healthy: true })

    child.kill('SIGTERM')
    expect(await exited).toBe(0)
    await eventually(() => expect(plaza.publishes.some((p) => p.topic === 'nara/plaza/chau' && p.from === NAME)).toBe(true))
    expect(stderr).toMatch(/saying chau/)
    expect(plaza.connects.find((c) => c.clientId === NAME)?.will).toBeNull() // no MQTT will (Go sets none)

    const tree = scanTree(root)
    const hits = [
      ...scanText('child stdout', stdout),
      ...scanText('child stderr', stderr),
      ...answers.flatMap((a, i) => scanText(`nngcat output #${i}`, a)),
      ...plazaCorpus(plaza).flatMap((c) => scanText(c.where, c.text)),
      ...tree.hits
    ]
    expect(hits).toEqual([])
    expect(tree.files.some((f) => f.endsWith('.sock'))).toBe(false)
  }, 40_000)
})
