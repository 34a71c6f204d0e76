/** `nara peers [--json] [--name NAME]`: the peers a running node knows. */
import type { NeighbourView } from '../../core/views'
import type { CliIO } from '../io'
import { runControlCommand } from '../control-command'

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
  for (const p of list as NeighbourView[]) {
    io.out(`${String(p.name).padEnd(20)} ${String(p.status).padEnd(8)} ${String(p.trust ?? '').padEnd(13)} ${p.version ?? ''}`)
  }
  return 0
}
