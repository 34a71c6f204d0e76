/** `nara status [--json] [--name NAME]`: a running node's status. */
import type { CliIO } from '../io'
import { controlRequest, takeNameOption } from '../control-client'

export default async function status(argv: string[], io: CliIO): Promise<number> {
  const { name, rest } = takeNameOption(argv)
  const json = rest.includes('--json')
  const unknown = rest.filter((a) => a !== '--json')
  if (unknown.length > 0) {
    io.err(`nara status: unknown option ${unknown[0]}`)
    io.err('usage: nara status [--json] [--name NAME]')
    return 2
  }
  const reply = await controlRequest({ cmd: 'status' }, { name, env: io.env })
  if (!reply.ok) {
    io.err(`nara status: ${reply.error}`)
    return 1
  }
  if (json) {
    io.out(JSON.stringify(reply, null, 2))
    return 0
  }
  const r = reply as Record<string, unknown>
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
  return 0
}
