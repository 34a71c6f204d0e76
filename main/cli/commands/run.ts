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
import { resolveConfig, type ConfigInput, type Logger, type NodeConfig } from '../../core/config'
import type { NaraNode } from '../../core/node'
import type { NervousSystem } from '../../core/bus/nervousSystem'
import type { NeighbourView, PeerStatus } from '../../core/views'
import { UI_FLAGS, uiRunHook } from '../../core/ui/runHook'
import { MESH_FLAGS } from '../../core/mesh/runHook'
import { detectMeshIP } from '../../core/mesh/address'
import { reportRunUsageErrors } from '../run-usage'
import { createRuntime, type NaraRuntime } from '../../core/runtime/runtime'
import { thisMachine } from '../../core/runtime/machine'
import { jsonFileSettingsStore, memorySettingsStore } from '../../core/runtime/settings-store'
import { openKeytarStore } from '../../core/runtime/keychain-keytar'
import type { ConfigOverlay } from '../../core/runtime/node-host'
import type { Settings } from '../../core/runtime/settings-schema'

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
  mdns: { type: 'boolean', help: 'advertise and find mesh peers on the LAN by multicast DNS (no tailnet needed)' },
  config: { type: 'string', help: 'settings file (JSON; created on first run); the soul goes to the keychain, never to it' },
  ...MESH_FLAGS,
  ...UI_FLAGS,
  verbose: { type: 'boolean', short: 'v', help: 'debug log (drops with reasons, lifecycle)' },
  help: { type: 'boolean', short: 'h', help: 'this help' }
}

export interface RunContext {
  node: NaraNode
  /** The node's data plane, router, survey and carriers (RFC-0910); hooks may serve carriers on it. */
  nervousSystem?: NervousSystem
  /** The runtime that owns the node (it replaces the node on join and on settings changes). */
  runtime?: NaraRuntime
  values: Record<string, string | boolean | undefined>
  io: CliIO
}

/** Attachments other areas register (mesh, UI server); each may return a closer. */
export const runHooks: ((ctx: RunContext) => Promise<(() => Promise<void>) | void>)[] = [uiRunHook]

/** Hands a stop trigger to tests; defaults to process signals. */
export interface RunSignals {
  onStop(handler: () => void): () => void
}

/** How long a signal-started quit keeps the process alive for the same Ctrl-C's duplicates. */
export const SIGNAL_GRACE_MS = 500

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
      // Duplicates of this Ctrl-C may still be on their way: stay alive a moment after the chau
      // (the handlers below keep them harmless) instead of exiting while one lands mid-teardown.
      setTimeout(() => {}, SIGNAL_GRACE_MS)
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

/** Flags that are settings: with --config the settings file (and the first-run screen) decides them. */
const SETTINGS_FLAGS = ['name', 'broker', 'mqtt-user', 'mqtt-pass', 'transport', 'mesh-ip', 'mesh-listen', 'embedded-broker'] as const

/** The runtime's settings, as `nara run`'s flags and environment give them (kept in memory). */
export function settingsFromConfig(config: NodeConfig, values: Record<string, string | boolean | undefined>): { settings: Partial<Settings>; overlay: ConfigOverlay } {
  const b = config.broker
  const settings: Partial<Settings> = {
    name: config.name || null,
    plaza: b.kind === 'remote' ? 'broker' : b.host === '0.0.0.0' ? 'lan' : 'embedded',
    mqttUser: config.mqttUser ?? '',
    transport: config.transport,
    meshIP: typeof values['mesh-ip'] === 'string' ? values['mesh-ip'] : '',
    meshListen: typeof values['mesh-listen'] === 'string' ? values['mesh-listen'] : null
  }
  if (b.kind === 'remote') settings.brokerUrl = b.broker.url
  const overlay: ConfigOverlay = { readOnly: config.readOnly, forceChattiness: config.forceChattiness, timings: config.timings, maxPayloadBytes: config.maxPayloadBytes }
  if (b.kind === 'embedded') overlay.embeddedBroker = `${b.host.includes(':') ? `[${b.host}]` : b.host}:${b.port}`
  return { settings, overlay }
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
  if (reportRunUsageErrors(values, io)) return 2
  const configFile = typeof values.config === 'string' ? values.config : null
  if (configFile !== null) {
    const clash = SETTINGS_FLAGS.filter((f) => values[f] !== undefined)
    if (clash.length) {
      io.err(`nara run: --config keeps the settings in ${configFile}; drop --${clash.join(', --')} (change them on the dashboard's Settings screen)`)
      return 2
    }
  }
  const input = configInputFromFlags(values)
  if (typeof input === 'string') {
    io.err(`nara run: ${input}`)
    return 2
  }
  const resolved = resolveConfig(input, configFile !== null ? { NARA_SOUL: io.env.NARA_SOUL } : io.env)
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

  const seeded = settingsFromConfig(resolved.config, values)
  const settings = configFile !== null ? jsonFileSettingsStore(configFile) : memorySettingsStore(seeded.settings)
  if (configFile === null) {
    const check = settings.update(seeded.settings)
    if (!check.ok) {
      for (const p of check.problems) io.err(`nara run: ${p.field}: ${p.message}`)
      return 2
    }
  }
  const soulText = resolved.config.soul
  const runtime = createRuntime({
    settings,
    machine: thisMachine(),
    // With --config this is an installed nara: its soul lives in the keychain (or it asks on first run).
    ...(configFile !== null ? { openKeychain: () => openKeytarStore() } : { nativeWithoutKeychain: true }),
    givenSoul: soulText ? { text: soulText, source: typeof values.soul === 'string' ? 'argument' : 'environment' } : null,
    ...(resolved.config.mqttPass ? { mqttPassword: resolved.config.mqttPass } : {}),
    overlay: configFile !== null ? { readOnly: resolved.config.readOnly, forceChattiness: resolved.config.forceChattiness } : seeded.overlay,
    ...(typeof values['mesh-cidr'] === 'string' ? { meshScanCidr: values['mesh-cidr'] } : {}),
    log,
    controlSocket: { env: io.env },
    mdns: values.mdns === true
  })
  const last = new Map<string, PeerStatus>()
  runtime.on('node', (node) => {
    // The first-run screen's idle node (not on the plaza) is not announced as starting.
    if (runtime.view().phase === 'running') io.err(`nara ${node.name} (${node.identity.id}) starting`)
    node.on('peer', (v) => {
      if (last.get(v.name) === v.status) return
      last.set(v.name, v.status)
      io.out(peerLine(v))
    })
    node.on('lifecycle', (l) => {
      if (l.step === 'online' || l.step === 'error') io.err(l.message)
    })
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
    const phase = await runtime.start()
    const node = runtime.node
    if (phase === 'running') {
      io.err(`plaza: ${node?.broker ?? 'none (gossip only)'}`)
      const mesh = runtime.view().mesh
      if (mesh.on) {
        io.err(`mesh: listening on ${mesh.listen} (${node?.config.transport})`)
        if (mesh.warning) io.err(`! ${mesh.warning}`)
      } else if (node?.config.transport !== 'mqtt') io.err(`! mesh off: ${mesh.note}`)
    } else {
      io.err(`first run (${phase}): choose how to join on the dashboard (--ui); nothing is on the plaza yet`)
    }
    for (const hook of runHooks) {
      const close = await hook({ node: node!, values, io, runtime, ...(runtime.nervousSystem ? { nervousSystem: runtime.nervousSystem } : {}) })
      if (close) closers.push(close)
    }
    if (!stopRequested) await stopped
  } catch (e) {
    io.err(`nara run: ${e instanceof Error ? e.message : String(e)}`)
    await runtime.stop(500)
    detach()
    return 1
  }
  io.err(runtime.node?.nodeState === 'online' ? 'saying chau' : 'stopping (never got online, so no chau to say)')
  // The race's timer is cleared once the goodbye is done, so a clean quit is not held for it.
  let deadline: ReturnType<typeof setTimeout> | undefined
  await Promise.race([
    (async () => {
      for (const c of closers.reverse()) await c().catch(() => {})
      await runtime.stop(1500)
    })(),
    new Promise((r) => (deadline = setTimeout(r, 1900)))
  ]).finally(() => clearTimeout(deadline))
  // The stop handler stays installed: a repeated Ctrl-C can still arrive after a quick goodbye,
  // and without a listener it would kill the process (exit by signal instead of 0).
  return 0
}

