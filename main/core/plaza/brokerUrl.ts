import type { Result } from '../result'
import { err, ok } from '../result'

/** Schemes a broker URL may use: Go's tcp/tls/ssl plus mqtt.js's mqtt/mqtts/ws/wss. */
const SCHEMES = ['mqtt', 'tcp', 'mqtts', 'tls', 'ssl', 'ws', 'wss'] as const
export type BrokerScheme = (typeof SCHEMES)[number]

export interface BrokerUrl {
  /** The URL handed to mqtt.js (credentials never embedded). */
  url: string
  scheme: BrokerScheme
  host: string
  port: number
  tls: boolean
}

const DEFAULT_PORT: Record<BrokerScheme, number> = {
  mqtt: 1883, tcp: 1883, mqtts: 8883, tls: 8883, ssl: 8883, ws: 80, wss: 443
}

/**
 * Parses a broker URL. TLS iff tls://, ssl://, mqtts:// or wss:// (Go: tls/ssl). A bare
 * `host:port` is read as mqtt://. Credentials inside the URL are refused so they cannot leak
 * into logs; pass them separately.
 */
export function parseBrokerUrl(text: string): Result<BrokerUrl> {
  const trimmed = text.trim()
  if (trimmed === '') return err('invalid', 'broker URL is empty')
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(trimmed) ? trimmed : `mqtt://${trimmed}`
  let u: URL
  try {
    u = new URL(withScheme)
  } catch {
    return err('invalid', `broker URL '${text}' is not a URL`)
  }
  const scheme = u.protocol.replace(/:$/, '').toLowerCase() as BrokerScheme
  if (!SCHEMES.includes(scheme)) {
    return err('invalid', `broker URL scheme '${scheme}' is not one of ${SCHEMES.join(', ')}`)
  }
  if (u.username || u.password) return err('invalid', 'put broker credentials in --mqtt-user/--mqtt-pass, not in the URL')
  if (!u.hostname) return err('invalid', `broker URL '${text}' has no host`)
  const port = u.port === '' ? DEFAULT_PORT[scheme] : Number(u.port)
  if (!Number.isInteger(port) || port <= 0 || port > 65535) return err('invalid', `broker port '${u.port}' is out of range`)
  const tls = scheme === 'mqtts' || scheme === 'tls' || scheme === 'ssl' || scheme === 'wss'
  const path = scheme === 'ws' || scheme === 'wss' ? (u.pathname === '/' ? '/mqtt' : u.pathname) : ''
  return ok({ url: `${scheme}://${u.host}${path}`, scheme, host: u.hostname, port, tls })
}

