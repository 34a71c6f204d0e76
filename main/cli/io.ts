/** The CLI's only contact with the process: injectable so commands are unit-testable. */
export interface CliIO {
  out(line: string): void
  err(line: string): void
  readStdin(): Promise<string>
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
  env: process.env
}

export type Command = (argv: string[], io: CliIO) => Promise<number>
