/**
 * One typed node configuration from flags, the reference's environment variables and
 * defaults, validated with messages a person can act on. Nothing here ships credentials: with
 * no broker configured the node uses its embedded plaza.
 */
import type { Clock, Random } from './clock'
import { parseBrokerUrl, type BrokerUrl } from './plaza/brokerUrl'
import { DEFAULT_EMBEDDED_HOST, DEFAULT_EMBEDDED_PORT } from './plaza/embeddedBroker'
import { DEFAULT_MAX_PAYLOAD_BYTES, type ReconnectPolicy } from './plaza/transport'
import type { TransportMode } from './protocol/types'

export interface Logger {
  debug(msg: string): void
  info(msg: string): void
  warn(msg: string): void
}

export const silentLogger: Logger = { debug: () => {}, info: () => {}, warn: () => {} }

/** Timing knobs; defaults are the reference's values. Tests shrink them to stay fast. */
export interface Timings {
  /** hey_there (and first newspaper) delay after each connect: intn(heyThereJitterMs). Go: 5000. */
  heyThereJitterMs: number
  /** hey_there rate limit: skip when the previous one is ≤ this old. Go: 5000. */
  heyThereMinIntervalMs: number
  /** howdy self-selection delay: intn(howdyJitterMs). Go: 3000. */
  howdyJitterMs: number
  howdyLifetimeMs: number
  reconnect: ReconnectPolicy
  /** Own uptime below which the node counts as booting. Go: 120 s. */
  bootingMs: number
  /** How often status is re-derived (MISSING detection, buzz decay). Go: 1 s reconciliation. */
  tickMs: number
}

export const GO_TIMINGS: Timings = {
  heyThereJitterMs: 5000,
  heyThereMinIntervalMs: 5000,
  howdyJitterMs: 3000,
  howdyLifetimeMs: 30_000,
  reconnect: { minMs: 5000, spanSteps: 30, stepMs: 1000 },
  bootingMs: 120_000,
  tickMs: 1000
}

export type BrokerChoice =
  | { kind: 'remote'; broker: BrokerUrl }
  | { kind: 'embedded'; host: string; port: number }

export interface NodeConfig {
  /** -nara-id / NARA_ID; '' = derive from the host name as the reference does. */
  name: string
  /** -soul / NARA_SOUL; '' = native soul from this machine. Never logged. */
  soul: string
  broker: BrokerChoice
  mqttUser?: string | undefined
  mqttPass?: string | undefined
  transport: TransportMode
  readOnly: boolean
  meshIP: string
  /** 0..100 pins Chattiness (Go -force-chattiness); undefined = derived. */
  forceChattiness?: number | undefined
  maxPayloadBytes: number
  timings: Timings
}

export interface ConfigInput {
  name?: string | undefined
  soul?: string | undefined
  broker?: string | undefined
  mqttUser?: string | undefined
  mqttPass?: string | undefined
  /** '' or true → default embedded address; 'host:port' → that address. */
  embeddedBroker?: string | boolean | undefined
  transport?: string | undefined
  readOnly?: boolean | undefined
  meshIP?: string | undefined
  forceChattiness?: number | undefined
  maxPayloadBytes?: number | undefined
  timings?: Partial<Timings> | undefined
}

export type ConfigResult = { ok: true; config: NodeConfig } | { ok: false; errors: string[] }

/** Flags win over the environment (MQTT_HOST, MQTT_USER, MQTT_PASS, NARA_ID, NARA_SOUL, TRANSPORT_MODE). */
export function resolveConfig(flags: ConfigInput, env: Record<string, string | undefined> = {}): ConfigResult {
  const errors: string[] = []
  const pick = (flag: string | undefined, envName: string): string | undefined =>
    flag !== undefined ? flag : env[envName] !== undefined && env[envName] !== '' ? env[envName] : undefined

  const name = pick(flags.name, 'NARA_ID') ?? ''
  if (name !== '' && !/^[^\s/#+$*?%]{1,63}$/u.test(name)) {
    errors.push(`name '${name}' must be 1–63 characters without spaces or any of / # + $ * ? %`)
  }
  const soul = pick(flags.soul, 'NARA_SOUL') ?? ''

  const transportText = pick(flags.transport, 'TRANSPORT_MODE') ?? 'hybrid'
  const transport = (['mqtt', 'gossip', 'hybrid'] as const).find((t) => t === transportText)
  if (!transport) errors.push(`transport '${transportText}' must be one of mqtt, gossip, hybrid`)

  let broker: BrokerChoice = { kind: 'embedded', host: DEFAULT_EMBEDDED_HOST, port: DEFAULT_EMBEDDED_PORT }
  const brokerText = pick(flags.broker, 'MQTT_HOST')
  if (flags.embeddedBroker !== undefined && flags.embeddedBroker !== false && flags.broker !== undefined) {
    errors.push('choose either --broker or --embedded-broker, not both')
  } else if (flags.embeddedBroker !== undefined && flags.embeddedBroker !== false) {
    const addr = typeof flags.embeddedBroker === 'string' ? flags.embeddedBroker : ''
    const parsed = parseHostPort(addr, DEFAULT_EMBEDDED_HOST, DEFAULT_EMBEDDED_PORT)
    if (typeof parsed === 'string') errors.push(`--embedded-broker: ${parsed}`)
    else broker = { kind: 'embedded', ...parsed }
  } else if (brokerText !== undefined) {
    const b = parseBrokerUrl(brokerText)
    if (!b.ok) errors.push(`broker: ${b.error.reason}`)
    else broker = { kind: 'remote', broker: b.value }
  }

  const mqttUser = pick(flags.mqttUser, 'MQTT_USER')
  const mqttPass = pick(flags.mqttPass, 'MQTT_PASS')
  if (mqttPass !== undefined && mqttUser === undefined) errors.push('an MQTT password needs an MQTT user (--mqtt-user / MQTT_USER)')

  const meshIP = flags.meshIP ?? ''
  if (meshIP !== '' && !/^[0-9a-fA-F.:]+$/.test(meshIP)) errors.push(`mesh IP '${meshIP}' is not an IP address`)

  if (flags.forceChattiness !== undefined && !(Number.isInteger(flags.forceChattiness) && flags.forceChattiness >= 0 && flags.forceChattiness <= 100)) {
    errors.push('chattiness must be an integer 0..100')
  }
  const maxPayloadBytes = flags.maxPayloadBytes ?? DEFAULT_MAX_PAYLOAD_BYTES
  if (!(Number.isInteger(maxPayloadBytes) && maxPayloadBytes >= 1024)) errors.push('max payload must be an integer ≥ 1024 bytes')

  if (errors.length || !transport) return { ok: false, errors }
  return {
    ok: true,
    config: {
      name, soul, broker, mqttUser, mqttPass, transport, readOnly: flags.readOnly ?? false, meshIP,
      forceChattiness: flags.forceChattiness, maxPayloadBytes,
      timings: { ...GO_TIMINGS, ...(flags.timings ?? {}) }
    }
  }
}

/** 'host:port', 'host', ':port' or '' (defaults). IPv6 as [addr]:port. */
export function parseHostPort(text: string, defHost: string, defPort: number): { host: string; port: number } | string {
  if (text === '') return { host: defHost, port: defPort }
  const m = /^(?:\[([^\]]+)\]|([^:]*))(?::(\d+))?$/.exec(text)
  if (!m) return `'${text}' is not host:port`
  const host = m[1] ?? (m[2] || defHost)
  const port = m[3] !== undefined ? Number(m[3]) : defPort
  if (!Number.isInteger(port) || port < 0 || port > 65535) return `port '${m[3]}' is out of range`
  return { host, port }
}

/** Injected sources of time and chance (tests pass ManualClock / seededRandom). */
export interface Runtime {
  clock: Clock
  random: Random
  log: Logger
}
