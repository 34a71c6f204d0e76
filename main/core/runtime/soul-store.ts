/**
 * Where the soul comes from at startup, and the first-run choices (derive the native soul or
 * import a pasted one), on top of the one SecretStore interface. The soul text never leaves
 * the main process: callers get an Identity to hand to the node, and messages for the
 * renderer never contain it.
 */
import { determineIdentity, parseSoul, validateBond, type Identity } from '../protocol/identity'
import { isGenericHostname } from '../protocol/names'
import { noKeychainChoices, soulAccount, type KeychainStatus, type NoKeychainChoice, type SecretStore } from './keychain'

export type SoulSource = 'argument' | 'environment' | 'keychain' | 'native-unstored' | 'native-new' | 'imported'

export type StartupSoul =
  | { kind: 'ready'; identity: Identity; source: SoulSource }
  /** The keychain works but holds no soul for this name: show the first-run screen. */
  | { kind: 'first-run'; proposedName: string }
  | { kind: 'no-keychain'; message: string; choices: NoKeychainChoice[] }
  | { kind: 'invalid'; message: string }

export interface SoulContext {
  /** The nara name from settings (null before the first run). */
  name: string | null
  hostname: string
  /** Hardware fingerprint, read lazily (it may run ioreg / reg). */
  fingerprint: () => Uint8Array
  /** --soul on the command line. */
  argvSoul?: string | null
  /** NARA_SOUL in the environment. */
  envSoul?: string | null
  /** The person chose "use this computer's native soul" when no keychain was reachable. */
  nativeWithoutStorage?: boolean
}

/** Reads `--soul <x>` / `--soul=<x>` from argv (Electron passes its own flags too). */
export function soulFromArgv(argv: readonly string[]): string | null {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]
    if (a === '--soul') return argv[i + 1] ?? null
    if (a?.startsWith('--soul=')) return a.slice('--soul='.length)
  }
  return null
}

function identityFor(ctx: SoulContext, soulArg: string, nameArg = ctx.name ?? ''): Identity {
  return determineIdentity({ nameArg, soulArg, hostname: ctx.hostname, fingerprint: ctx.fingerprint() })
}

/** How a name was arrived at: given by the person, grown from this machine's host name, or generated from the soul. */
export type NameDerivation = 'custom name' | 'native' | 'generated name'

/** One rule for `nara run`, `nara soul` and the app (as determineIdentity applies it). */
export function nameDerivation(nameArg: string, hostname: string): NameDerivation {
  const effective = nameArg !== '' ? nameArg : hostname
  if (effective === '' || isGenericHostname(effective)) return 'generated name'
  return nameArg !== '' ? 'custom name' : 'native'
}

/** The identity for the context's name with this soul ('' = this machine's native soul). */
export function soulIdentity(ctx: SoulContext, soulText: string): Identity {
  return identityFor(ctx, soulText)
}

/** Checks a pasted soul against the name without storing it (the runtime stores after a successful join). */
export function validateImport(ctx: SoulContext, name: string, pasted: string, opts: { acceptUnbonded?: boolean } = {}): ImportResult {
  const text = pasted.trim()
  const parsed = parseSoul(text)
  if (!parsed.ok) return { ok: false, message: `That does not look like a soul: ${parsed.error.reason}.` }
  if (!validateBond(parsed.value, name) && !opts.acceptUnbonded) {
    return {
      ok: false,
      unbonded: true,
      message: `This soul is not bonded to the name "${name}". A soul fits only the name it was made for: enter that name, or continue anyway and your nara will show as inauthentic (👤).`
    }
  }
  return { ok: true, identity: identityFor(ctx, text, name) }
}

export async function resolveStartupSoul(ctx: SoulContext, keychain: KeychainStatus): Promise<StartupSoul> {
  const given = ctx.argvSoul ? { text: ctx.argvSoul, source: 'argument' as const } : ctx.envSoul ? { text: ctx.envSoul, source: 'environment' as const } : null
  if (given) {
    const identity = identityFor(ctx, given.text)
    if (!identity.soul) {
      const where = given.source === 'argument' ? '--soul' : 'NARA_SOUL'
      return { kind: 'invalid', message: `The soul given in ${where} is not valid: ${identity.soulError?.reason ?? 'it could not be read'}.` }
    }
    return { kind: 'ready', identity, source: given.source }
  }
  if (!keychain.available) {
    if (ctx.nativeWithoutStorage) return { kind: 'ready', identity: identityFor(ctx, ''), source: 'native-unstored' }
    return { kind: 'no-keychain', ...noKeychainChoices(keychain.reason) }
  }
  if (ctx.name) {
    const stored = await keychain.store.get(soulAccount(ctx.name))
    if (stored !== null) {
      const identity = identityFor(ctx, stored)
      if (!identity.soul) return { kind: 'invalid', message: `The soul stored in the keychain for "${ctx.name}" is damaged: ${identity.soulError?.reason ?? 'unreadable'}.` }
      return { kind: 'ready', identity, source: 'keychain' }
    }
  }
  return { kind: 'first-run', proposedName: identityFor(ctx, '').name }
}

/** First run, one click: grow this computer's native soul for the name and keep it in the keychain. */
export async function adoptNativeSoul(ctx: SoulContext, store: SecretStore, name: string | null): Promise<Identity> {
  const identity = identityFor(ctx, '', name ?? '')
  await store.set(soulAccount(identity.name), identity.soulText)
  return identity
}

export type ImportResult = { ok: true; identity: Identity } | { ok: false; message: string; unbonded?: true }

/** First run, "I already have a soul": parse, check the bond to the name, then store. */
export async function importSoul(
  ctx: SoulContext,
  store: SecretStore,
  name: string,
  pasted: string,
  opts: { acceptUnbonded?: boolean } = {}
): Promise<ImportResult> {
  const checked = validateImport(ctx, name, pasted, opts)
  if (checked.ok) await store.set(soulAccount(checked.identity.name), checked.identity.soulText)
  return checked
}

/** The stored soul, for the export dialog in main (clipboard / shown after confirmation). */
export async function readSoulForExport(store: SecretStore, name: string): Promise<string | null> {
  return store.get(soulAccount(name))
}

export async function forgetSoul(store: SecretStore, name: string): Promise<boolean> {
  return store.delete(soulAccount(name))
}

export interface JoinSoulRequest {
  /** The name chosen on the first-run screen ('' = grown from this machine). */
  name: string
  /** A pasted soul. */
  soul?: string | undefined
  acceptUnbonded?: boolean | undefined
  /** No keychain: the person chose the native soul without storage. */
  nativeWithoutStorage?: boolean | undefined
}

export type JoinSoul = { ok: true; identity: Identity; storeSoul: string | null } | { ok: false; error: string }

/**
 * The first-run join's soul: pasted (checked, stored after the join if a keychain exists), given
 * on the command line or in the environment, the keychain's for this name, grown natively for
 * the name (stored after the join), or — no keychain, by choice — native without storage.
 */
export async function chooseJoinSoul(ctx: SoulContext, keychain: KeychainStatus, req: JoinSoulRequest, given: boolean): Promise<JoinSoul> {
  if (req.soul) {
    const checked = validateImport(ctx, req.name, req.soul, { acceptUnbonded: req.acceptUnbonded ?? false })
    if (!checked.ok) return { ok: false, error: checked.message }
    return { ok: true, identity: checked.identity, storeSoul: keychain.available ? checked.identity.soulText : null }
  }
  if (given) {
    const s = await resolveStartupSoul(ctx, keychain)
    return s.kind === 'ready' ? { ok: true, identity: s.identity, storeSoul: null } : { ok: false, error: 'message' in s ? s.message : 'The given soul is not usable.' }
  }
  if (keychain.available) {
    const stored = await keychain.store.get(soulAccount(identityFor(ctx, '').name)).catch(() => null)
    const identity = identityFor(ctx, stored ?? '')
    if (!identity.soul) return { ok: false, error: `The soul stored in the keychain for "${identity.name}" is damaged.` }
    return { ok: true, identity, storeSoul: stored === null ? identity.soulText : null }
  }
  if (req.nativeWithoutStorage) return { ok: true, identity: identityFor(ctx, ''), storeSoul: null }
  return { ok: false, error: `${keychain.reason} Choose "use this computer's native soul" or paste a soul.` }
}
