/**
 * `nara soul`: show the identity this machine (or the given overrides) resolves to.
 * This is the one place that prints a soul, because the user asked for exactly that.
 */
import { parseArgs } from 'node:util'
import type { CliIO } from '../io'
import { determineIdentity, type Identity } from '../../core/protocol/identity'
import { hardwareFingerprint, readHostId, readMacs } from '../../core/protocol/hardware'
import { shortHostname } from '../../core/protocol/names'
import { thisMachine } from '../../core/runtime/machine'
import { nameDerivation } from '../../core/runtime/soul-store'
import { baseFlair } from '../../core/protocol/personality'

const USAGE = [
  'usage: nara soul [--name NAME] [--soul SOUL] [--host-id ID] [--macs a,b,...] [--hostname HOST] [--json]',
  '  --name NAME      custom name (default $NARA_ID); a generic name such as "bananara" switches to a generated one',
  '  --soul SOUL      use this soul instead of the native one (default $NARA_SOUL)',
  '  --host-id ID     machine id to derive the native soul from (default: this machine)',
  '  --macs a,b       MAC addresses, hashed in the order given (default: this machine, sorted)',
  '  --hostname HOST  resolve from this host name instead of this machine\'s (as `nara run` does)',
  '  --json           print {"name","soul","id","public_key","bonded","personality","native","derivation"}',
  'Without overrides it shows the identity `nara run` uses with the same flags and environment;',
  '"derivation" says how the name came about: native (host name), generated name, or custom name.'
]

interface SoulArgs {
  name: string
  soul: string
  hostId: string | undefined
  macs: string[] | undefined
  hostname: string | undefined
  json: boolean
}

function parse(argv: string[], io: CliIO): SoulArgs | { help: true } {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    allowPositionals: false,
    options: {
      name: { type: 'string' },
      soul: { type: 'string' },
      'host-id': { type: 'string' },
      macs: { type: 'string' },
      hostname: { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false }
    }
  })
  if (values.help) return { help: true }
  return {
    name: values.name ?? io.env.NARA_ID ?? '',
    soul: values.soul ?? io.env.NARA_SOUL ?? '',
    hostId: values['host-id'],
    macs: values.macs === undefined ? undefined : values.macs.split(',').filter((m) => m !== ''),
    hostname: values.hostname,
    json: values.json ?? false
  }
}

/** The same soul source as `nara run`: this machine's host name and fingerprint unless overridden. */
function resolve(args: SoulArgs): Identity {
  const machine = thisMachine()
  const fingerprint = args.hostId !== undefined || args.macs !== undefined ? hardwareFingerprint(args.hostId ?? readHostId(), args.macs ?? readMacs()) : machine.fingerprint()
  const hostname = args.hostname !== undefined ? shortHostname(args.hostname) : machine.hostname
  return determineIdentity({ nameArg: args.name, soulArg: args.soul, hostname, fingerprint })
}

function printSummary(id: Identity, derivation: string, io: CliIO): void {
  const p = id.personality
  const flair = baseFlair(id.name, id.soulText, id.bonded, p)
  io.out(`name         ${id.name}`)
  io.out(`soul         ${id.soulText}   (secret: anyone holding it can be this nara)`)
  io.out(`id           ${id.id}`)
  io.out(`public key   ${id.publicKeyBase64}`)
  io.out(`bonded       ${id.bonded ? 'yes' : 'no (this soul belongs to another name; flair shows 👤)'}`)
  io.out(`native       ${id.native ? 'yes (grown on this machine)' : 'no (traveller soul)'}`)
  io.out(`derivation   ${derivation}`)
  io.out(`personality  agreeableness ${p.Agreeableness}, sociability ${p.Sociability}, chill ${p.Chill}`)
  io.out(`flair        ${flair}`)
}

export default async function soul(argv: string[], io: CliIO): Promise<number> {
  let args: SoulArgs | { help: true }
  try {
    args = parse(argv, io)
  } catch (e) {
    io.err(`nara soul: ${e instanceof Error ? e.message : String(e)}`)
    for (const line of USAGE) io.err(line)
    return 2
  }
  if ('help' in args) {
    for (const line of USAGE) io.out(line)
    return 0
  }

  const identity = resolve(args)
  if (identity.soul === null) {
    // Never echo the rejected text: it may be a real soul with a typo.
    io.err(`nara soul: invalid soul: ${identity.soulError?.reason ?? 'unparsable'}`)
    return 1
  }
  if (identity.name === '') {
    io.err('nara soul: no name: pass --name, or omit it for a generated name')
    return 1
  }

  const derivation = nameDerivation(args.name, args.hostname !== undefined ? shortHostname(args.hostname) : thisMachine().hostname)
  if (args.json) {
    io.out(
      JSON.stringify({
        name: identity.name,
        soul: identity.soulText,
        id: identity.id,
        public_key: identity.publicKeyBase64,
        bonded: identity.bonded,
        personality: {
          Agreeableness: identity.personality.Agreeableness,
          Sociability: identity.personality.Sociability,
          Chill: identity.personality.Chill
        },
        native: identity.native,
        derivation
      })
    )
  } else {
    printSummary(identity, derivation, io)
  }
  return 0
}
