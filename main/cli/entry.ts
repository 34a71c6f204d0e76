import { main } from './nara'

// A reader that stops early (`nara peers | head -3`) closes our stdout: the rest of the output has
// nowhere to go, which is not an error of ours, so it is dropped instead of crashing the command.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code !== 'EPIPE' && e.code !== 'ERR_STREAM_DESTROYED') throw e
})

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code
  },
  (e: unknown) => {
    process.stderr.write(`nara: ${e instanceof Error ? e.message : String(e)}\n`)
    process.exitCode = 1
  }
)
