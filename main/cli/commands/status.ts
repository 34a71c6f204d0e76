/** `nara status [--json] [--name NAME]`: a running node's status. */
import type { CliIO } from '../io'
import { runControlCommand } from '../control-command'

export default async function status(argv: string[], io: CliIO): Promise<number> {
  const outcome = await runControlCommand('status', argv, io)
  if (outcome.done) return outcome.exit
  if (outcome.json) {
    io.out(JSON.stringify(outcome.reply, null, 2))
    return 0
  }
  const r: Record<string, unknown> = outcome.reply
  const line = (label: string, value: unknown): void => {
    if (value !== undefined && value !== null && value !== '') io.out(`${label.padEnd(12)} ${String(value)}`)
  }
  line('name', r.name)
  line('id', r.id)
  line('state', r.state)
  line('bonded', r.bonded)
  line('flair', r.flair)
  line('transport', r.transport)
  line('broker', r.broker)
  line('plaza', typeof r.plazaConnected === 'boolean' ? (r.plazaConnected ? 'connected' : 'disconnected') : undefined)
  line('neighbours', r.neighboursOnline)
  line('ledger', r.ledgerSize)
  line('uptime', typeof r.uptimeMs === 'number' ? `${Math.round(r.uptimeMs / 1000)} s` : undefined)
  line('socket', r.controlSocket)
  line('dashboard', r.dashboard)
  return 0
}
