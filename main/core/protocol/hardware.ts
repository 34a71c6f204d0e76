/**
 * The machine fingerprint a native soul grows from (identity.md §4.1): gopsutil's HostID
 * and the MACs of physical-looking interfaces, read the way the Go reference reads them so
 * a TS nara on the same machine gets the same soul. Every reader is best effort and never
 * throws: a missing source just yields an empty string / list, as in Go.
 */
import { execFileSync } from 'node:child_process'
import { readFileSync, readdirSync } from 'node:fs'
import { networkInterfaces } from 'node:os'
import { join } from 'node:path'
import { sha256 } from './crypto'

export interface HostRoots {
  /** gopsutil's HOST_SYS (default /sys). */
  readonly sys: string
  /** gopsutil's HOST_ETC (default /etc). */
  readonly etc: string
  /** gopsutil's HOST_PROC (default /proc). */
  readonly proc: string
}

export interface HardwareOptions {
  readonly platform?: NodeJS.Platform
  readonly roots?: Partial<HostRoots>
  /** Runs a command and returns its stdout; injectable so tests need no ioreg / reg. */
  readonly run?: (file: string, args: string[]) => string
}

function defaultRoots(env: NodeJS.ProcessEnv = process.env): HostRoots {
  return { sys: env.HOST_SYS || '/sys', etc: env.HOST_ETC || '/etc', proc: env.HOST_PROC || '/proc' }
}

const COMMAND_TIMEOUT_MS = 5000
const MAX_COMMAND_OUTPUT = 1 << 20

function runCommand(file: string, args: string[]): string {
  return execFileSync(file, args, {
    encoding: 'utf8',
    timeout: COMMAND_TIMEOUT_MS,
    maxBuffer: MAX_COMMAND_OUTPUT,
    stdio: ['ignore', 'pipe', 'ignore'],
    windowsHide: true
  })
}

/** File content up to the first newline (gopsutil's ReadLines()[0]); null if unreadable or empty. */
function firstLine(path: string): string | null {
  try {
    const text = readFileSync(path, 'utf8')
    if (text === '') return null
    const nl = text.indexOf('\n')
    return nl < 0 ? text : text.slice(0, nl)
  } catch {
    return null
  }
}

function linuxHostId(roots: HostRoots): string {
  const productUuid = firstLine(join(roots.sys, 'class/dmi/id/product_uuid'))
  if (productUuid) return productUuid.toLowerCase()
  const machineId = firstLine(join(roots.etc, 'machine-id'))
  if (machineId !== null && machineId.length === 32) {
    const m = machineId
    return `${m.slice(0, 8)}-${m.slice(8, 12)}-${m.slice(12, 16)}-${m.slice(16, 20)}-${m.slice(20, 32)}`
  }
  const bootId = firstLine(join(roots.proc, 'sys/kernel/random/boot_id'))
  if (bootId) return bootId.toLowerCase()
  return ''
}

/** `"IOPlatformUUID" = "<uuid>"` from ioreg's platform expert device. */
export function parseIoregPlatformUuid(output: string): string {
  for (const line of output.split('\n')) {
    if (!line.includes('IOPlatformUUID')) continue
    const parts = line.split('" = "')
    if (parts.length === 2) return parts[1]!.replace(/"+$/, '').toLowerCase()
  }
  return ''
}

/** `MachineGuid    REG_SZ    <guid>` from `reg query`; the GUID must be 36 characters. */
export function parseRegMachineGuid(output: string): string {
  const m = /MachineGuid\s+REG_SZ\s+(\S+)/.exec(output)
  const guid = m?.[1] ?? ''
  return guid.length === 36 ? guid.toLowerCase() : ''
}

/** gopsutil v3 host.Info().HostID for this platform; '' when nothing usable is found. */
export function readHostId(options: HardwareOptions = {}): string {
  const platform = options.platform ?? process.platform
  const run = options.run ?? runCommand
  try {
    switch (platform) {
      case 'linux':
        return linuxHostId({ ...defaultRoots(), ...options.roots })
      case 'darwin':
        return parseIoregPlatformUuid(run('ioreg', ['-rd1', '-c', 'IOPlatformExpertDevice']))
      case 'win32':
        return parseRegMachineGuid(
          run('reg', ['query', 'HKLM\\SOFTWARE\\Microsoft\\Cryptography', '/v', 'MachineGuid', '/reg:64'])
        )
      default:
        return ''
    }
  } catch {
    return ''
  }
}

/** The reference keeps only interfaces whose names look physical, so the soul survives docker/VPN churn. */
export function isPhysicalInterfaceName(name: string): boolean {
  return name.startsWith('en') || name.startsWith('eth') || name.startsWith('wlan')
}

const IFF_LOOPBACK = 0x8

/** Go's net package leaves HardwareAddr empty when every byte is zero (tunnels, dummies). */
function isAllZero(mac: string): boolean {
  return /^[0:]*$/.test(mac)
}

/**
 * Linux: every interface under /sys/class/net, up or down, like Go's net.Interfaces()
 * (os.networkInterfaces() hides interfaces without an IP address). null if sysfs is unreadable.
 */
function linuxMacs(sysRoot: string): string[] | null {
  let names: string[]
  try {
    names = readdirSync(join(sysRoot, 'class/net'))
  } catch {
    return null
  }
  const macs: string[] = []
  for (const name of names) {
    if (!isPhysicalInterfaceName(name)) continue
    const dir = join(sysRoot, 'class/net', name)
    const flags = firstLine(join(dir, 'flags'))
    if (flags !== null && (Number.parseInt(flags, 16) & IFF_LOOPBACK) !== 0) continue
    const address = firstLine(join(dir, 'address'))?.trim().toLowerCase()
    if (address && !isAllZero(address)) macs.push(address)
  }
  return macs
}

function nodeMacs(): string[] {
  const macs = new Set<string>()
  for (const [name, addresses] of Object.entries(networkInterfaces())) {
    if (!isPhysicalInterfaceName(name)) continue
    for (const a of addresses ?? []) {
      if (a.internal || !a.mac || isAllZero(a.mac)) continue
      macs.add(a.mac.toLowerCase())
    }
  }
  return [...macs]
}

/** Lower-case colon-separated MACs of physical-looking, non-loopback interfaces, sorted. */
export function readMacs(options: HardwareOptions = {}): string[] {
  const platform = options.platform ?? process.platform
  let macs: string[] | null = null
  try {
    if (platform === 'linux') macs = linuxMacs({ ...defaultRoots(), ...options.roots }.sys)
    macs ??= nodeMacs()
  } catch {
    macs = []
  }
  // Plain code-unit order, as Go's sort.Strings.
  return macs.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
}

/** The exact bytes hashed into the fingerprint: hostId + "-" + macs joined by ",". */
export function fingerprintInput(hostId: string, macs: readonly string[]): string {
  return `${hostId}-${macs.join(',')}`
}

/** SHA-256 of fingerprintInput; macs are taken in the given order (readMacs already sorts). */
export function hardwareFingerprint(hostId: string, macs: readonly string[]): Uint8Array {
  return new Uint8Array(sha256(fingerprintInput(hostId, macs)))
}
