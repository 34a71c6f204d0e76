/** `nara join [--name NAME]`: a running node says hey_there and goes online. */
import type { CliIO } from '../io'
import { lifecycleCommand } from './leave'

export default function join(argv: string[], io: CliIO): Promise<number> {
  return lifecycleCommand('join', argv, io)
}
