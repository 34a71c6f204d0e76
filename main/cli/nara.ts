/**
 * `nara` command-line entry. Each subcommand lives in its own module and is loaded on demand,
 * so `nara soul` does not pay for the MQTT or HTTP stacks.
 */
import { processIO, type CliIO, type Command } from './io'
import { EXAMPLES } from './examples'

const commands: Record<string, { about: string; load: () => Promise<{ default: Command }> }> = {
  soul: { about: 'show this nara identity (name, soul, id, key, personality)', load: () => import('./commands/soul') },
  verify: { about: 'verify a SyncEvent, newspaper, zine or howdy payload', load: () => import('./commands/verify') },
  run: { about: 'run the node headless', load: () => import('./commands/run') },
  status: { about: 'ask a running node for its status', load: () => import('./commands/status') },
  peers: { about: 'list the peers a running node knows', load: () => import('./commands/peers') },
  join: { about: 'tell a running node to join the plaza', load: () => import('./commands/join') },
  leave: { about: 'tell a running node to say chau and go quiet', load: () => import('./commands/leave') }
}

function usage(io: CliIO): void {
  io.out('usage: nara <command> [options]')
  for (const [name, c] of Object.entries(commands)) io.out(`  ${name.padEnd(8)} ${c.about}`)
  io.out("'nara <command> --help' shows a command's options and examples.")
}

export async function main(argv: string[], io: CliIO = processIO): Promise<number> {
  const [name, ...rest] = argv
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    usage(io)
    return name ? 0 : 2
  }
  const command = commands[name]
  if (!command) {
    io.err(`nara: unknown command '${name}'`)
    usage(io)
    return 2
  }
  // Every command answers --help the same way: its own usage, then examples.
  const wantsHelp = rest.some((a) => a === '--help' || a === '-h')
  try {
    const code = await (await command.load()).default(wantsHelp ? ['--help'] : rest, io)
    if (wantsHelp && code === 0) {
      io.out('')
      io.out('examples (from the project directory):')
      for (const e of EXAMPLES[name] ?? []) io.out(`  ${e}`)
    }
    return code
  } catch (e) {
    io.err(`nara ${name}: ${e instanceof Error ? e.message : String(e)}`)
    return 1
  }
}
