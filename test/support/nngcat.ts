/** Debian's nngcat (libnng), the reference NNG peer for wire-compatibility tests. */
import { spawn } from 'node:child_process'

const NNGCAT = '/usr/bin/nngcat'

/** Runs nngcat to completion (killed after timeoutMs) and collects its output. */
export function nngcat(args: string[], timeoutMs = 8000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(NNGCAT, args)
    let stdout = ''
    let stderr = ''
    p.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
    p.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    const t = setTimeout(() => p.kill('SIGKILL'), timeoutMs)
    p.on('close', (code) => {
      clearTimeout(t)
      resolve({ code, stdout, stderr })
    })
  })
}

/** A long-running nngcat (e.g. a --rep server) that the test stops when done. */
export function nngcatBackground(args: string[]): { stop: (signal?: NodeJS.Signals) => Promise<void> } {
  const p = spawn(NNGCAT, args, { stdio: 'ignore' })
  const exited = new Promise<void>((r) => p.on('close', () => r()))
  return {
    stop: async (signal = 'SIGTERM') => {
      p.kill(signal)
      await exited
    }
  }
}
