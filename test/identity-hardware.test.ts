import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import {
  hardwareFingerprint,
  isPhysicalInterfaceName,
  parseIoregPlatformUuid,
  parseRegMachineGuid,
  readHostId,
  readMacs
} from '../main/core/protocol/hardware'
import { loadVectors } from './support/vectors'

let root: string
const roots = () => ({ sys: join(root, 'sys'), etc: join(root, 'etc'), proc: join(root, 'proc') })

function put(rel: string, content: string): void {
  const path = join(root, rel)
  mkdirSync(dirname(path), { recursive: true })
  writeFileSync(path, content)
}

function iface(name: string, address: string, flags = '0x1003'): void {
  put(`sys/class/net/${name}/address`, address)
  put(`sys/class/net/${name}/flags`, flags + '\n')
}

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'nara-hw-'))
})
afterEach(() => {
  rmSync(root, { recursive: true, force: true })
})

describe('readHostId on Linux follows gopsutil order', () => {
  const linux = () => readHostId({ platform: 'linux', roots: roots() })

  it('prefers DMI product_uuid, lower-cased, first line only', () => {
    put('sys/class/dmi/id/product_uuid', '4C4C4544-0042-3610-8052-B4C04F565631\nignored\n')
    put('etc/machine-id', '0123456789abcdef0123456789abcdef\n')
    put('proc/sys/kernel/random/boot_id', 'b0000000-0000-0000-0000-000000000000\n')
    expect(linux()).toBe('4c4c4544-0042-3610-8052-b4c04f565631')
  })

  it('falls back to machine-id reformatted 8-4-4-4-12, case kept', () => {
    put('sys/class/dmi/id/product_uuid', '')
    put('etc/machine-id', '0123456789ABCDEF0123456789abcdef\n')
    put('proc/sys/kernel/random/boot_id', 'b0000000-0000-0000-0000-000000000000\n')
    expect(linux()).toBe('01234567-89AB-CDEF-0123-456789abcdef')
  })

  it('skips an unreadable product_uuid (a directory here) and a machine-id of the wrong length', () => {
    mkdirSync(join(root, 'sys/class/dmi/id/product_uuid'), { recursive: true })
    put('etc/machine-id', '0123456789abcdef\n')
    put('proc/sys/kernel/random/boot_id', 'B0000000-1111-2222-3333-444444444444\n')
    expect(linux()).toBe('b0000000-1111-2222-3333-444444444444')
  })

  it('returns empty when nothing is there', () => {
    expect(linux()).toBe('')
  })

  it('keeps a carriage return like Go (only \\n is trimmed), so a CRLF machine-id is rejected', () => {
    put('etc/machine-id', '0123456789abcdef0123456789abcdef\r\n')
    expect(linux()).toBe('')
  })
})

describe('readHostId on macOS and Windows', () => {
  const IOREG = [
    '+-o MacBookPro18,3  <class IOPlatformExpertDevice, id 0x100000110, registered>',
    '    {',
    '      "IOPlatformSerialNumber" = "C02XXXXXX"',
    '      "IOPlatformUUID" = "12345678-ABCD-4EF0-9876-0123456789AB"',
    '    }'
  ].join('\n')
  const REG = '\r\nHKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Cryptography\r\n    MachineGuid    REG_SZ    A1B2C3D4-E5F6-4711-8899-AABBCCDDEEFF\r\n\r\n'

  it('parses ioreg output and lower-cases the UUID', () => {
    expect(parseIoregPlatformUuid(IOREG)).toBe('12345678-abcd-4ef0-9876-0123456789ab')
    const calls: string[][] = []
    const id = readHostId({ platform: 'darwin', run: (f, a) => (calls.push([f, ...a]), IOREG) })
    expect(id).toBe('12345678-abcd-4ef0-9876-0123456789ab')
    expect(calls).toEqual([['ioreg', '-rd1', '-c', 'IOPlatformExpertDevice']])
  })

  it('parses reg query output, requiring a 36-char GUID', () => {
    expect(parseRegMachineGuid(REG)).toBe('a1b2c3d4-e5f6-4711-8899-aabbccddeeff')
    expect(parseRegMachineGuid(REG.replace('DDEEFF', 'DD'))).toBe('')
    expect(readHostId({ platform: 'win32', run: () => REG })).toBe('a1b2c3d4-e5f6-4711-8899-aabbccddeeff')
  })

  it('never throws when the command fails or prints garbage', () => {
    const boom = () => {
      throw new Error('ENOENT')
    }
    expect(readHostId({ platform: 'darwin', run: boom })).toBe('')
    expect(readHostId({ platform: 'win32', run: boom })).toBe('')
    expect(readHostId({ platform: 'darwin', run: () => 'no uuid here\n"IOPlatformUUID" broken' })).toBe('')
    expect(readHostId({ platform: 'aix' as NodeJS.Platform })).toBe('')
  })

  it('reads this machine without throwing', () => {
    expect(typeof readHostId()).toBe('string')
  })
})

describe('readMacs', () => {
  it('takes physical-looking, non-loopback interfaces with a MAC, lower-cased and sorted', () => {
    iface('wlan0', 'DC:A6:32:01:02:03\n')
    iface('eth0', 'b8:27:eb:aa:bb:cc\n', '0x1002') // down: still counted, as Go does
    iface('enp3s0', '00:16:3e:5a:7b:9c\n')
    iface('lo', '00:00:00:00:00:00\n', '0x9')
    iface('docker0', '02:42:ac:11:00:02\n')
    iface('veth1234', '12:34:56:78:9a:bc\n')
    iface('en-weird-loop', 'aa:aa:aa:aa:aa:aa\n', '0x9') // loopback flag set
    iface('eth1', '\n') // no hardware address
    iface('eth2', '00:00:00:00:00:00\n') // all-zero: Go leaves HardwareAddr empty
    expect(readMacs({ platform: 'linux', roots: roots() })).toEqual([
      '00:16:3e:5a:7b:9c',
      'b8:27:eb:aa:bb:cc',
      'dc:a6:32:01:02:03'
    ])
  })

  it('an empty /sys/class/net gives no MACs; a missing one falls back to os.networkInterfaces()', () => {
    mkdirSync(join(root, 'sys/class/net'), { recursive: true })
    expect(readMacs({ platform: 'linux', roots: roots() })).toEqual([])
    const fallback = readMacs({ platform: 'linux', roots: { sys: join(root, 'missing') } })
    expect(Array.isArray(fallback)).toBe(true)
    for (const mac of fallback) expect(mac).toMatch(/^[0-9a-f:]+$/)
    expect([...fallback].sort()).toEqual(fallback)
  })

  it('interface name filter', () => {
    for (const n of ['en0', 'enp0s3', 'eth0', 'wlan0']) expect(isPhysicalInterfaceName(n)).toBe(true)
    for (const n of ['lo', 'docker0', 'wlp2s0', 'br-1', 'tailscale0', 'utun3']) expect(isPhysicalInterfaceName(n)).toBe(false)
  })
})

describe('hardware fingerprint from a sysfs tree reproduces the vector souls', () => {
  it('each hardware_identity case, read back from files', () => {
    const hw = loadVectors('identity.json').cases.filter((c) => c.kind === 'hardware_identity')
    expect(hw.length).toBeGreaterThan(0)
    for (const c of hw) {
      rmSync(root, { recursive: true, force: true })
      mkdirSync(join(root, 'sys/class/net'), { recursive: true })
      if (c.host_id) put('sys/class/dmi/id/product_uuid', c.host_id.toUpperCase() + '\n')
      const macs = c.macs === '' ? [] : (c.macs as string).split(',')
      macs.forEach((m, i) => iface(`eth${i}`, m.toUpperCase() + '\n'))
      const hostId = readHostId({ platform: 'linux', roots: roots() })
      const read = readMacs({ platform: 'linux', roots: roots() })
      expect(hostId).toBe(c.host_id)
      expect(read.join(',')).toBe(c.macs)
      expect(Buffer.from(hardwareFingerprint(hostId, read)).toString('hex')).toBe(c.hw_fingerprint_hex)
    }
  })
})
