/** `nara leave [--name NAME]`: a running node says chau and goes quiet (keeps running). */
import type { CliIO } from '../io'
import { runControlCommand } from '../control-command'

export async function lifecycleCommand(cmd: 'join' | 'leave', argv: string[], io: CliIO): Promise<number> {
  // The node answers only once it has connected and announced (or said chau): allow more than a query.
  const r = await runControlCommand(cmd, argv, io, { timeoutMs: 30_000 })
  if (r.done) return r.exit
  if (r.json) io.out(JSON.stringify(r.reply))
  else io.out(`state: ${String((r.reply as { state?: unknown }).state)}`)
  return 0
}

export default function leave(argv: string[], io: CliIO): Promise<number> {
  return lifecycleCommand('leave', argv, io)
}
