import { main } from './nara'

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code
  },
  (e: unknown) => {
    process.stderr.write(`nara: ${e instanceof Error ? e.message : String(e)}\n`)
    process.exitCode = 1
  }
)
