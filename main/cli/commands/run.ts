/**
 * `nara run`: the node, headless. With no arguments it joins its embedded plaza on
 * 127.0.0.1:1883 (or the plaza already there). One log line per peer status change;
 * SIGINT/SIGTERM → chau, then exit within 2 s.
 *
 * Flags live in one table (`RUN_FLAGS`) so other areas add theirs (mesh: --mesh-listen,
 * --mesh-ip, --transport, --mesh-cidr; UI: --ui) next to these, and `runHooks` lets them
 * attach to the running node without this file knowing their modules.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util'
import type { CliIO } from '../io'
import { resolveConfig, type ConfigInput, type Logger } from '../../core/config'
import { NaraNode } from '../../core/node'
import { createNervousSystem, type NervousSystem } from '../../core/bus/nervousSystem'
import type { NeighbourView, PeerStatus } from '../../core/views'
import { UI_FLAGS, uiRunHook } from '../../core/ui/runHook'
import { MESH_FLAGS, meshRunHook } from '../../core/mesh/runHook'
import { detectMeshIP } from '../../core/mesh/address'

type FlagSpec = NonNullable<ParseArgsConfig['options']>[string] & { help: string }

export const RUN_FLAGS: Record<string, FlagSpec> = {
  name: { type: 'string', help: 'nara name (NARA_ID)' },
  soul: { type: 'string', help: 'soul, Base58 (NARA_SOUL); never logged' },
  broker: { type: 'string', help: 'broker URL: mqtt://, tls://, mqtts://, ws://, wss:// (MQTT_HOST)' },
  'mqtt-user': { type: 'string', help: 'broker user name (MQTT_USER)' },
  'mqtt-pass': { type: 'string', help: 'broker password (MQTT_PASS)' },
  'embedded-broker': { type: 'string', help: 'run the embedded plaza on host:port (default 127.0.0.1:1883)' },
  'read-only': { type: 'boolean', help: 'listen only, send nothing' },
  transport: { type: 'string', help: 'mqtt | gossip | hybrid (TRANSPORT_MODE)' },
  'mesh-ip': { type: 'string', help: 'our mesh (tailnet) IP, advertised in hey_there and newspapers' },
  chattiness: { type: 'string', help: 'pin Chattiness 0..100' },
  ...MESH_FLAGS,
  ...UI_FLAGS,
  verbose: { type: 'boolean', short: 'v', help: 'debug log (drops with reasons, lifecycle)' },
  help: { type: 'boolean', short: 'h', help: 'this help' }
}

export interface RunContext {
  node: NaraNode
  /** The node's data plane, router, survey and carriers (RFC-0910); hooks may serve carriers on it. */
  nervousSystem?: NervousSystem
  values: Record<string, string | boolean | undefined>
  io: CliIO
}

/** Attachments other areas register (mesh, UI server); each may return a closer. */
export const runHooks: ((ctx: RunContext) => Promise<(() => Promise<void>) | void>)[] = [meshRunHook, uiRunHook]

/** Hands a stop trigger to tests; defaults to process signals. */
export interface RunSignals {
  onStop(handler: () => void): () => void
}

const processSignals: RunSignals = {
  onStop(handler) {
    // One Ctrl-C often arrives several times (the terminal's process group, then npm and
    // scripts/start.mjs forwarding it). Only the first one stops the node; the others must not
    // fall back to the default action, which would kill us before the chau is out. The stop
    // itself is bounded (2 s), so no second signal is needed to force it.
    let stopping = false
    const once = (): void => {
      if (stopping) return
      stopping = true
      handler()
    }
    process.on('SIGINT', once)
    process.on('SIGTERM', once)
    return () => {
      process.off('SIGINT', once)
      process.off('SIGTERM', once)
    }
  }
}

const MARK: Record<PeerStatus, string> = { ONLINE: '+', OFFLINE: '-', MISSING: '?' }

export function peerLine(v: NeighbourView): string {
  return `${MARK[v.status]} ${v.name} ${v.status}`
}

export function usage(): string {
  const lines = ['usage: nara run [options]']
  for (const [k, f] of Object.entries(RUN_FLAGS)) {
    const arg = f.type === 'string' ? (k === 'embedded-broker' ? '[=host:port]' : ' <value>') : ''
    lines.push(`  --${k}${arg}`.padEnd(34) + f.help)
  }
  return lines.join('\n')
}

export function configInputFromFlags(values: Record<string, string | boolean | undefined>): ConfigInput | string {
  const s = (k: string): string | undefined => (typeof values[k] === 'string' ? (values[k] as string) : undefined)
  let forceChattiness: number | undefined
  if (s('chattiness') !== undefined) {
    forceChattiness = Number(s('chattiness'))
    if (!Number.isInteger(forceChattiness)) return `--chattiness '${s('chattiness')}' is not an integer`
  }
  return {
    name: s('name'),
    soul: s('soul'),
    broker: s('broker'),
    mqttUser: s('mqtt-user'),
    mqttPass: s('mqtt-pass'),
    embeddedBroker: values['embedded-broker'] === undefined ? undefined : (s('embedded-broker') ?? ''),
    readOnly: values['read-only'] === true,
    transport: s('transport'),
    meshIP: s('mesh-ip') ?? (detectMeshIP() || undefined),
    forceChattiness
  }
}

export default async function run(argv: string[], io: CliIO, signals: RunSignals = processSignals): Promise<number> {
  // `--embedded-broker` may stand alone (default address).
  const args = argv.map((a) => (a === '--embedded-broker' ? '--embedded-broker=' : a))
  let values: Record<string, string | boolean | undefined>
  try {
    const options = Object.fromEntries(Object.entries(RUN_FLAGS).map(([k, f]) => [k, { type: f.type, ...(f.short ? { short: f.short } : {}) }]))
    values = parseArgs({ args, options: options as ParseArgsConfig['options'], allowPositionals: false, strict: true }).values as typeof values
  } catch (e) {
    io.err(`nara run: ${e instanceof Error ? e.message : String(e)}`)
    io.err(usage())
    return 2
  }
  if (values.help) {
    io.out(usage())
    return 0
  }
  const input = configInputFromFlags(values)
  if (typeof input === 'string') {
    io.err(`nara run: ${input}`)
    return 2
  }
  const resolved = resolveConfig(input, io.env)
  if (!resolved.ok) {
    for (const e of resolved.errors) io.err(`nara run: ${e}`)
    return 2
  }
  const verbose = values.verbose === true
  const log: Logger = {
    debug: (m) => verbose && io.err(`· ${m}`),
    info: (m) => io.err(m),
    warn: (m) => io.err(`! ${m}`)
  }

  const node = new NaraNode({ config: resolved.config, log })
  const ns = createNervousSystem(node, { logger: log })
  const last = new Map<string, PeerStatus>()
  node.on('peer', (v) => {
    if (last.get(v.name) === v.status) return
    last.set(v.name, v.status)
    io.out(peerLine(v))
  })
  node.on('lifecycle', (l) => {
    if (l.step === 'online' || l.step === 'error') io.err(l.message)
  })

  const closers: (() => Promise<void>)[] = []
  let stopRequested = false
  let wake: () => void = () => {}
  const stopped = new Promise<void>((r) => (wake = r))
  const detach = signals.onStop(() => {
    stopRequested = true
    wake()
  })

  try {
    io.err(`nara ${node.name} (${node.identity.id}) starting`)
    await node.start()
    io.err(`plaza: ${node.broker ?? 'none (gossip only)'}`)
    closers.push(...(await startControlSocket(ns, io)))
    for (const hook of runHooks) {
      const close = await hook({ node, values, io, nervousSystem: ns })
      if (close) closers.push(close)
    }
    if (!stopRequested) await stopped
  } catch (e) {
    io.err(`nara run: ${e instanceof Error ? e.message : String(e)}`)
    await node.stop(500)
    await ns.close()
    detach()
    return 1
  }
  io.err('saying chau')
  // The race's timer is cleared once the goodbye is done, so a clean quit is not held for it.
  let deadline: ReturnType<typeof setTimeout> | undefined
  await Promise.race([
    (async () => {
      for (const c of closers.reverse()) await c().catch(() => {})
      await node.stop(1500)
      await ns.close()
    })(),
    new Promise((r) => (deadline = setTimeout(r, 1900)))
  ]).finally(() => clearTimeout(deadline))
  // The stop handler stays installed: a repeated Ctrl-C can still arrive after a quick goodbye,
  // and without a listener it would kill the process (exit by signal instead of 0).
  return 0
}

/** The nervous system's control socket (REP + RESPONDENT) for the CLI and nngcat. */
async function startControlSocket(ns: NervousSystem, io: CliIO): Promise<(() => Promise<void>)[]> {
  try {
    const sock = await ns.startControlSocket(ns.node.name, { env: io.env })
    io.err(`control socket: ${sock.path}`)
    return [() => sock.close()]
  } catch (e) {
    io.err(`! control socket unavailable: ${e instanceof Error ? e.message : String(e)}`)
    return []
  }
}
