/** `nara leave [--name NAME]`: a running node says chau and goes quiet (keeps running). */
import type { CliIO } from '../io'
import { controlRequest, takeNameOption } from '../control-client'

export async function lifecycleCommand(cmd: 'join' | 'leave', argv: string[], io: CliIO): Promise<number> {
  const { name, rest } = takeNameOption(argv)
  const json = rest.includes('--json')
  const unknown = rest.filter((a) => a !== '--json')
  if (unknown.length > 0) {
    io.err(`nara ${cmd}: unknown option ${unknown[0]}`)
    io.err(`usage: nara ${cmd} [--json] [--name NAME]`)
    return 2
  }
  const reply = await controlRequest({ cmd }, { name, env: io.env, timeoutMs: 30_000 })
  if (!reply.ok) {
    io.err(`nara ${cmd}: ${reply.error}`)
    return 1
  }
  if (json) io.out(JSON.stringify(reply))
  else io.out(`state: ${String((reply as { state?: unknown }).state)}`)
  return 0
}

export default function leave(argv: string[], io: CliIO): Promise<number> {
  return lifecycleCommand('leave', argv, io)
}
