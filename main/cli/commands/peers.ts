/** `nara peers [--json] [--name NAME]`: the peers a running node knows. */
import type { NeighbourView } from '../../core/views'
import type { CliIO } from '../io'
import { runControlCommand } from '../control-command'

/** Column widths of the table (the last column is as wide as it needs). */
const WIDTHS = [20, 8, 13, 8]

export default async function peers(argv: string[], io: CliIO): Promise<number> {
  const r = await runControlCommand('peers', argv, io)
  if (r.done) return r.exit
  const json = r.json
  const list = (r.reply as { peers?: unknown }).peers
  if (!Array.isArray(list)) {
    io.err('nara peers: the node sent no peer list')
    return 1
  }
  if (json) {
    io.out(JSON.stringify(list, null, 2))
    return 0
  }
  if (list.length === 0) {
    io.out('no peers yet')
    return 0
  }
  const row = (cells: string[]): string => cells.map((c, i) => (i < cells.length - 1 ? c.padEnd(WIDTHS[i] ?? 0) : c)).join(' ').trimEnd()
  io.out(row(['NAME', 'STATUS', 'TRUST', 'VIA', 'VERSION']))
  for (const p of list as NeighbourView[]) {
    io.out(row([String(p.name), String(p.status), String(p.trust ?? ''), String(p.transport ?? ''), String(p.version ?? '')]))
  }
  return 0
}
