/**
 * The CLI as a new user meets it: `--help` on every command (usage + examples, exit 0), usage
 * errors before anything starts (exit 2), and `verify` that explains itself instead of waiting
 * on a terminal.
 */
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { repoRoot } from './support/vectors'
import { main } from '../main/cli/nara'
import type { CliIO } from '../main/cli/io'
import { runUsageErrors } from '../main/cli/run-usage'
import { freePort } from './support/brokers'
import { probeBroker } from '../main/core/plaza/embeddedBroker'

function io(opts: { stdinIsTerminal?: boolean } = {}): CliIO & { stdout: string[]; stderr: string[]; stdinReads: number } {
  const stdout: string[] = []
  const stderr: string[] = []
  const me = {
    stdout,
    stderr,
    stdinReads: 0,
    out: (l: string) => void stdout.push(l),
    err: (l: string) => void stderr.push(l),
    readStdin: async () => {
      me.stdinReads++
      return ''
    },
    stdinIsTerminal: opts.stdinIsTerminal ?? false,
    env: { XDG_RUNTIME_DIR: '/nonexistent-nara-test' }
  }
  return me
}

const COMMANDS = ['status', 'peers', 'join', 'leave', 'soul', 'verify', 'run'] as const

describe('nara <command> --help', () => {
  for (const cmd of COMMANDS) {
    for (const flag of ['--help', '-h']) {
      it(`nara ${cmd} ${flag}: usage and examples on stdout, exit 0, nothing on stderr`, async () => {
        const o = io()
        expect(await main([cmd, flag], o)).toBe(0)
        const text = o.stdout.join('\n')
        expect(text).toMatch(new RegExp(`usage: nara ${cmd}\\b`))
        expect(text).toMatch(/examples \(from the project directory\):\n {2}npx nara /)
        expect(text).toContain(`npx nara ${cmd}`)
        expect(o.stderr).toEqual([])
      })
    }
  }

  it('--help wins over other arguments (nothing is contacted or started)', async () => {
    const o = io()
    expect(await main(['status', '--name', 'nobody', '--help'], o)).toBe(0)
    expect(o.stdout.join('\n')).toMatch(/usage: nara status/)
    const r = io()
    expect(await main(['run', '--mesh-listen', 'garbage', '--help'], r)).toBe(0)
    expect(r.stderr).toEqual([])
  })

  it('nara with no command: usage on stdout, exit 2; the list mentions per-command help', async () => {
    const o = io()
    expect(await main([], o)).toBe(2)
    expect(o.stdout.join('\n')).toMatch(/'nara <command> --help'/)
  })
})

describe('usage errors before anything starts', () => {
  it('runUsageErrors names each bad flag in plain words', () => {
    expect(runUsageErrors({})).toEqual([])
    expect(runUsageErrors({ 'mesh-listen': '127.0.0.2:7433', 'mesh-ip': '100.64.0.7', 'mesh-cidr': '100.64.0.0/24', ui: '127.0.0.1:8717', chattiness: '42' })).toEqual([])
    expect(runUsageErrors({ 'mesh-listen': 'garbage' })).toEqual([expect.stringMatching(/^--mesh-listen 'garbage' must be an address and port/)])
    expect(runUsageErrors({ 'mesh-listen': '127.0.0.1:99999' })).toHaveLength(1)
    expect(runUsageErrors({ 'mesh-ip': 'tailnet' })).toEqual([expect.stringMatching(/--mesh-ip 'tailnet' must be an IP address/)])
    expect(runUsageErrors({ 'mesh-cidr': '10.0.0.0/40' })).toHaveLength(1)
    expect(runUsageErrors({ ui: 'nonsense' })).toEqual([expect.stringMatching(/--ui 'nonsense'/)])
    expect(runUsageErrors({ ui: '0.0.0.0:8717' })).toEqual([expect.stringMatching(/add --ui-public/)])
    expect(runUsageErrors({ ui: '0.0.0.0:8717', 'ui-public': true })).toEqual([])
    expect(runUsageErrors({ 'ui-public': true })).toEqual(['--ui-public needs --ui host:port'])
    for (const c of ['-1', '101', '4.5', 'lots']) expect(runUsageErrors({ chattiness: c })).toHaveLength(1)
  })

  it('nara run --mesh-listen garbage: exit 2 with a usage error, and the plaza never started', async () => {
    const port = await freePort()
    const o = io()
    expect(await main(['run', '--name', 'usage-err', `--embedded-broker=127.0.0.1:${port}`, '--mesh-listen', 'garbage'], o)).toBe(2)
    const text = o.stderr.join('\n')
    expect(text).toMatch(/^nara run: --mesh-listen 'garbage' must be an address and port/m)
    expect(text).toMatch(/see 'nara run --help'/)
    expect(text).not.toMatch(/ENOTFOUND|getaddrinfo|starting|plaza:|chau/)
    expect(await probeBroker('127.0.0.1', port, 300)).toBe(false)
  })

  it('unknown options are usage errors on every control command', async () => {
    for (const cmd of ['status', 'peers', 'join', 'leave']) {
      const o = io()
      expect(await main([cmd, '--bogus'], o)).toBe(2)
      expect(o.stderr.join('\n')).toMatch(new RegExp(`nara ${cmd}: unknown option --bogus\\nusage: nara ${cmd}`))
    }
  })
})

describe('nara verify without input', () => {
  it('stdin is a terminal and no FILE: explains itself and exits 2 without reading', async () => {
    const o = io({ stdinIsTerminal: true })
    expect(await main(['verify'], o)).toBe(2)
    expect(o.stdinReads).toBe(0)
    expect(o.stderr.join('\n')).toMatch(/nothing to verify: give a FILE, or pipe JSON in/)
    expect(o.stderr.join('\n')).toMatch(/usage: nara verify/)
  })

  it('`verify -` on a terminal says how to end the input, then reads it', async () => {
    const o = io({ stdinIsTerminal: true })
    expect(await main(['verify', '-'], o)).toBe(1)
    expect(o.stdinReads).toBe(1)
    expect(o.stderr.join('\n')).toMatch(/end it with Ctrl-D/)
  })

  it('on a real terminal (a pty from script(1)), `nara verify` explains itself and exits 2 instead of waiting', () => {
    expect(existsSync('/usr/bin/script')).toBe(true)
    const cmd = `${process.execPath} --import tsx ${join(repoRoot, 'main/cli/entry.ts')} verify`
    const r = spawnSync('/usr/bin/script', ['-qec', cmd, '/dev/null'], { cwd: repoRoot, encoding: 'utf8', timeout: 20_000 })
    expect(r.status).toBe(2)
    expect(r.stdout).toMatch(/nothing to verify: give a FILE, or pipe JSON in/)
  })

  it('piped stdin (not a terminal) is read as before', async () => {
    const o = io({ stdinIsTerminal: false })
    expect(await main(['verify'], o)).toBe(1)
    expect(o.stdinReads).toBe(1)
    expect(o.stdout.join('\n')).toMatch(/INVALID \(malformed JSON/)
  })
})

describe('a reader that stops early', () => {
  it('`nara run --help | head -1`: the closed pipe ends the output quietly (exit 0, no stack trace)', () => {
    // `head -c 1` closes the pipe after one byte, long before the help text is written out.
    const r = spawnSync('/bin/bash', ['-c', `set -o pipefail; ${process.execPath} ${join(repoRoot, 'bin/nara.mjs')} run --help | head -c 1 >/dev/null`], { cwd: repoRoot, encoding: 'utf8', timeout: 20_000 })
    expect(r.stderr).not.toMatch(/EPIPE|Unhandled 'error' event/)
    expect(r.status).toBe(0)
  })
})
