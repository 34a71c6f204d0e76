/**
 * Usage errors of `nara run` that can be told from the flags alone, so they are reported
 * before anything starts (no plaza joined, no socket bound, no half-started node to stop).
 * Pure: the flag values in, plain-word errors out.
 */
import { isIP } from 'node:net'
import { parseCidr, parseListenAddress } from '../core/mesh/address'
import { isLoopbackHost, parseHostPort } from '../core/ui/server'

type FlagValues = Record<string, string | boolean | undefined>

/** A host we can bind without a name lookup: an IP literal or localhost. */
function bindableHost(host: string): boolean {
  return isIP(host) !== 0 || host === 'localhost'
}

export function runUsageErrors(values: FlagValues): string[] {
  const errors: string[] = []
  const text = (k: string): string | undefined => (typeof values[k] === 'string' ? (values[k] as string) : undefined)

  const listen = text('mesh-listen')
  if (listen !== undefined) {
    const addr = parseListenAddress(listen)
    if (!addr || !bindableHost(addr.host)) errors.push(`--mesh-listen '${listen}' must be an address and port, e.g. 100.64.0.7:7433 or 127.0.0.2:7433`)
  }
  const meshIP = text('mesh-ip')
  if (meshIP !== undefined && isIP(meshIP) === 0) errors.push(`--mesh-ip '${meshIP}' must be an IP address, e.g. 100.64.0.7`)
  const cidr = text('mesh-cidr')
  if (cidr !== undefined && !parseCidr(cidr)) errors.push(`--mesh-cidr '${cidr}' must look like 100.64.0.0/24`)

  const ui = text('ui')
  if (ui !== undefined) {
    const addr = parseHostPort(ui)
    if (!addr || !bindableHost(addr.host)) errors.push(`--ui '${ui}' must be an address and port, e.g. 127.0.0.1:8717`)
    else if (!isLoopbackHost(addr.host) && values['ui-public'] !== true) {
      errors.push(`--ui '${ui}' is not a loopback address: add --ui-public to serve the dashboard to other machines`)
    }
  } else if (values['ui-public'] === true) errors.push('--ui-public needs --ui host:port')

  const chattiness = text('chattiness')
  if (chattiness !== undefined && !(/^\d{1,3}$/.test(chattiness.trim()) && Number(chattiness) <= 100)) {
    errors.push(`--chattiness '${chattiness}' must be a whole number from 0 to 100`)
  }
  return errors
}

/** Prints each usage error with a pointer to --help; true when there was any (exit 2). */
export function reportRunUsageErrors(values: FlagValues, io: { err(line: string): void }): boolean {
  const errors = runUsageErrors(values)
  for (const e of errors) io.err(`nara run: ${e}`)
  if (errors.length > 0) io.err("see 'nara run --help'")
  return errors.length > 0
}
