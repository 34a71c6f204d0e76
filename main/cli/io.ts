/** The CLI's only contact with the process: injectable so commands are unit-testable. */
export interface CliIO {
  out(line: string): void
  err(line: string): void
  readStdin(): Promise<string>
  /** True when stdin is a terminal (nothing piped in): commands that read it must not wait silently. */
  stdinIsTerminal?: boolean
  env: Record<string, string | undefined>
}

export const processIO: CliIO = {
  out: (line) => process.stdout.write(line + '\n'),
  err: (line) => process.stderr.write(line + '\n'),
  readStdin: async () => {
    const chunks: Buffer[] = []
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer)
    return Buffer.concat(chunks).toString('utf8')
  },
  env: process.env,
  get stdinIsTerminal() {
    return process.stdin.isTTY === true
  }
}

export type Command = (argv: string[], io: CliIO) => Promise<number>
