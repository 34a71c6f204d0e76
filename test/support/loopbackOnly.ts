/**
 * Test-wide safety net: this machine may only send traffic to 127.0.0.0/8 (and ::1). Any TCP
 * connection or UDP send to another address fails loudly inside the test that caused it,
 * instead of quietly reaching a real network (a gossip-mode node scans 100.64.0.0/24 by default).
 */
import dgram from 'node:dgram'
import net from 'node:net'
import { afterAll } from 'vitest'

function isLoopback(host: unknown): boolean {
  if (typeof host !== 'string' || host === '' || host === 'localhost') return true
  if (host.startsWith('/') || host.startsWith('\\\\')) return true // unix sockets, named pipes
  if (net.isIPv4(host)) return host.startsWith('127.')
  if (net.isIPv6(host)) return host === '::1' || host.startsWith('::ffff:127.')
  return false // hostnames other than localhost would need DNS: refuse them too
}

export class NonLoopbackTrafficError extends Error {}

/** Attempts are also remembered: code that swallows the error (a scan, a retry loop) still fails the file. */
const violations: string[] = []

function guardTarget(host: unknown, what: string): void {
  if (isLoopback(host)) return
  const message = `test tried to ${what} ${String(host)}: only 127.0.0.0/8 is allowed here`
  violations.push(message)
  throw new NonLoopbackTrafficError(message)
}

/** For the guard's own test, which provokes a violation on purpose. */
export function takeViolations(): string[] {
  return violations.splice(0)
}

afterAll(() => {
  const seen = takeViolations()
  if (seen.length > 0) throw new NonLoopbackTrafficError(`${seen.length} non-loopback connection attempt(s): ${[...new Set(seen)].slice(0, 3).join('; ')}`)
})

const originalConnect = net.Socket.prototype.connect
net.Socket.prototype.connect = function guardedConnect(this: net.Socket, ...args: unknown[]) {
  const first = args[0]
  let host: unknown
  if (Array.isArray(first)) host = (first[0] as { host?: unknown; path?: unknown } | undefined)?.host
  else if (first && typeof first === 'object') {
    const o = first as { host?: unknown; path?: unknown }
    host = o.path !== undefined ? String(o.path) : o.host
  } else if (typeof first === 'string' && Number.isNaN(Number(first))) host = first // path
  else host = typeof args[1] === 'string' ? args[1] : undefined
  guardTarget(host, 'connect to')
  return (originalConnect as (...a: unknown[]) => net.Socket).apply(this, args)
} as typeof net.Socket.prototype.connect

const originalSend = dgram.Socket.prototype.send
dgram.Socket.prototype.send = function guardedSend(this: dgram.Socket, ...args: unknown[]) {
  const address = args.find((a, i) => i > 0 && typeof a === 'string')
  guardTarget(address, 'send UDP to')
  return (originalSend as (...a: unknown[]) => void).apply(this, args)
} as typeof dgram.Socket.prototype.send
