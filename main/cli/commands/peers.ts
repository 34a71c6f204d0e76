/** `nara peers [--json] [--name NAME]`: the peers a running node knows. */
import type { NeighbourView } from '../../core/views'
import type { CliIO } from '../io'
import { runControlCommand } from '../control-command'

/** Column widths of the table (the last column is as wide as it needs). */
const WIDTHS = [20, 8, 13, 8]
/** Upper bound on pages followed (4,096 peers need 16 at the default page size). */
const MAX_PAGES = 1000

export default async function peers(argv: string[], io: CliIO): Promise<number> {
  const list: unknown[] = []
  let r = await runControlCommand('peers', argv, io)
  for (let page = 0; ; page++) {
    if (r.done) return r.exit
    const part = (r.reply as { peers?: unknown }).peers
    if (!Array.isArray(part)) {
      io.err('nara peers: the node sent no peer list')
      return 1
    }
    list.push(...part)
    // Paged replies (one control frame each): follow `next` until the node says there is no more.
    const next = (r.reply as { next?: unknown }).next
    if (typeof next !== 'number' || next <= 0 || page >= MAX_PAGES) break
    r = await runControlCommand('peers', argv, io, { request: { cmd: 'peers', offset: next } })
  }
  const json = !r.done && r.json
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
