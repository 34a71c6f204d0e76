/**
 * The shared front of `nara status|peers|join|leave`: each takes `[--json] [--name NAME]`,
 * sends one control request to the running node and prints failures the same way.
 */
import type { ControlReply, ControlRequest } from '../core/control'
import { controlRequest, takeNameOption } from './control-client'
import type { CliIO } from './io'

export type ControlCommandName = 'status' | 'peers' | 'join' | 'leave'

const ABOUT: Record<ControlCommandName, string> = {
  status: "asks a running node for its state, plaza, control-socket path and dashboard link",
  peers: 'lists the peers a running node knows (status, trust, version)',
  join: 'tells a running node to say hey_there and go online',
  leave: 'tells a running node to say chau and go quiet; it keeps running'
}

export type ControlCommandOutcome =
  | { done: false; reply: Extract<ControlReply, { ok: true }>; json: boolean }
  /** Already reported on stderr; `exit` is the command's exit code. */
  | { done: true; exit: number }

export async function runControlCommand(
  cmd: ControlCommandName,
  argv: string[],
  io: CliIO,
  opts: { timeoutMs?: number; request?: ControlRequest } = {}
): Promise<ControlCommandOutcome> {
  const { name, rest } = takeNameOption(argv)
  if (rest.includes('--help') || rest.includes('-h')) {
    io.out(`usage: nara ${cmd} [--json] [--name NAME]`)
    io.out(`  ${ABOUT[cmd]}`)
    io.out('  --json       print the reply as JSON')
    io.out('  --name NAME  the nara to ask (default: the only one running for this user)')
    return { done: true, exit: 0 }
  }
  const json = rest.includes('--json')
  const unknown = rest.filter((a) => a !== '--json')
  if (unknown.length > 0) {
    io.err(`nara ${cmd}: unknown option ${unknown[0]}`)
    io.err(`usage: nara ${cmd} [--json] [--name NAME]`)
    return { done: true, exit: 2 }
  }
  const reply = await controlRequest(opts.request ?? { cmd }, opts.timeoutMs === undefined ? { name, env: io.env } : { name, env: io.env, timeoutMs: opts.timeoutMs })
  if (!reply.ok) {
    io.err(`nara ${cmd}: ${reply.error}`)
    return { done: true, exit: 1 }
  }
  return { done: false, reply, json }
}
