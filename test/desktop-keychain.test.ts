/**
 * Keychain round trip on a REAL keyring (keytar → libsecret → gnome-keyring over D-Bus). Run with
 *   dbus-run-session -- sh -c 'echo -n test | gnome-keyring-daemon --unlock --components=secrets >/dev/null; npx vitest run test/desktop-keychain'
 * Without a Secret Service the no-keychain path is exercised instead and reported; with
 * NARA_REQUIRE_KEYRING=1 (CI) a missing keyring fails the run.
 */
import { afterAll, describe, expect, it } from 'vitest'
import { determineIdentity, parseSoul, validateBond } from '../main/core/protocol/identity'
import { openKeytarStore } from '../main/core/runtime/keychain-keytar'
import { explainKeychainError, KEYCHAIN_SERVICE, mqttAccount, noKeychainChoices, probeKeychain, soulAccount, type KeychainStatus, type SecretStore } from '../main/core/runtime/keychain'
import { adoptNativeSoul, forgetSoul, importSoul, readSoulForExport, resolveStartupSoul, soulFromArgv, type SoulContext } from '../main/core/runtime/soul-store'
import { sha256 } from '../main/core/protocol/crypto'

// A throwaway service name so a developer's real entries are never touched.
const SERVICE = `${KEYCHAIN_SERVICE}-test-${process.pid}`
const requireKeyring = process.env['NARA_REQUIRE_KEYRING'] === '1'
// Probed at collection time so the round-trip suite is selected (or not) honestly.
const status: KeychainStatus = await probeKeychain(() => openKeytarStore(SERVICE))
// Reported on purpose: says which path this run exercised.
console.info(status.available ? `[desktop-keychain] real keyring reachable (${status.backend})` : `[desktop-keychain] NO keyring: ${status.reason}`)

const fingerprint = new Uint8Array(sha256('test-host-id-aa:bb:cc:dd:ee:ff'))
const ctx = (over: Partial<SoulContext> = {}): SoulContext => ({ name: null, hostname: 'lisas-laptop', fingerprint: () => fingerprint, ...over })

describe('keychain availability', () => {
  it('a real keyring is reachable (required in CI via NARA_REQUIRE_KEYRING=1)', () => {
    if (requireKeyring) expect(status.available, status.available ? '' : status.reason).toBe(true)
    else expect(typeof status.available).toBe('boolean')
  })
})

describe.runIf(status.available)('keychain round trip on the real keyring', () => {
  const store = (status.available ? status.store : null) as SecretStore
  const touched: string[] = []
  afterAll(async () => {
    for (const a of touched) await store?.delete(a).catch(() => false)
  })

  it('stores, reads, replaces and deletes', async () => {
    const account = soulAccount(`roundtrip-${Date.now()}`)
    touched.push(account)
    expect(await store.get(account)).toBeNull()
    await store.set(account, 'first-secret')
    expect(await store.get(account)).toBe('first-secret')
    await store.set(account, 'second-secret')
    expect(await store.get(account)).toBe('second-secret')
    expect(await store.delete(account)).toBe(true)
    expect(await store.get(account)).toBeNull()
    expect(await store.delete(account)).toBe(false)
  })

  it('keeps the MQTT password under mqtt:<user>@<broker>, separate from the soul', async () => {
    const account = mqttAccount('lisa', 'mqtts://plaza.example.org:8883')
    expect(account).toBe('mqtt:lisa@mqtts://plaza.example.org:8883')
    touched.push(account)
    await store.set(account, 'pw-123456')
    expect(await store.get(account)).toBe('pw-123456')
    expect(await store.get(soulAccount('lisa'))).toBeNull()
  })

  it('first run: nothing stored → first-run screen; the native soul is grown, stored, and found next start', async () => {
    const c = ctx({ name: 'lisa' })
    touched.push('lisa')
    await store.delete('lisa')
    expect(await resolveStartupSoul(c, status)).toEqual({ kind: 'first-run', proposedName: 'lisa' })
    // No name chosen yet: the host name is proposed.
    expect(await resolveStartupSoul(ctx(), status)).toEqual({ kind: 'first-run', proposedName: 'lisas-laptop' })
    const identity = await adoptNativeSoul(c, store, 'lisa')
    expect(identity.name).toBe('lisa')
    expect(identity.native).toBe(true)
    expect(identity.bonded).toBe(true)
    // Same soul the reference derivation gives for this fingerprint and name.
    expect(identity.soulText).toBe(determineIdentity({ nameArg: 'lisa', soulArg: '', hostname: 'x', fingerprint }).soulText)
    expect(await readSoulForExport(store, 'lisa')).toBe(identity.soulText)
    const next = await resolveStartupSoul(c, status)
    expect(next.kind === 'ready' && next.source === 'keychain' && next.identity.id === identity.id).toBe(true)
    expect(await forgetSoul(store, 'lisa')).toBe(true)
  })

  it('import: a pasted soul is bond-checked with a clear message, and stored when it fits', async () => {
    touched.push('amy')
    const amy = determineIdentity({ nameArg: 'amy', soulArg: '', hostname: 'x', fingerprint: new Uint8Array(32).fill(7) })
    const garbage = await importSoul(ctx(), store, 'amy', 'not-a-soul-0OIl')
    expect(garbage).toMatchObject({ ok: false })
    if (!garbage.ok) expect(garbage.message).toMatch(/^That does not look like a soul: /)
    const wrongName = await importSoul(ctx(), store, 'bob', amy.soulText)
    expect(wrongName).toMatchObject({ ok: false, unbonded: true })
    if (!wrongName.ok) expect(wrongName.message).toMatch(/not bonded to the name "bob"/)
    expect(await store.get('bob')).toBeNull()
    const ok = await importSoul(ctx(), store, 'amy', `  ${amy.soulText}\n`)
    expect(ok.ok && ok.identity.id === amy.id && ok.identity.bonded).toBe(true)
    const stored = await store.get('amy')
    expect(stored).toBe(amy.soulText)
    const parsed = parseSoul(stored)
    expect(parsed.ok && validateBond(parsed.value, 'amy')).toBe(true)
  })
})

describe('without a keychain', () => {
  it('an unreachable keyring is reported in plain words (real failure when none runs, forced otherwise)', async () => {
    const s = status.available
      ? await probeKeychain(async () => {
          throw new Error('Cannot autolaunch D-Bus without X11 $DISPLAY')
        })
      : status
    expect(s.available).toBe(false)
    if (!s.available) expect(s.reason).toMatch(/No keychain is reachable|keytar\) is not installed|could not be used|refused/)
    expect(explainKeychainError(new Error('Cannot autolaunch D-Bus without X11 $DISPLAY'))).toBe(
      'No keychain is reachable: this desktop has no Secret Service running (e.g. gnome-keyring or KWallet).'
    )
  })

  it('offers NARA_SOUL/--soul or the native soul that needs no storage', async () => {
    const none: KeychainStatus = { available: false, reason: explainKeychainError(new Error('org.freedesktop.secrets was not provided')) }
    const r = await resolveStartupSoul(ctx({ name: 'lisa' }), none)
    expect(r.kind).toBe('no-keychain')
    if (r.kind === 'no-keychain') {
      expect(r.message).toMatch(/^No keychain is reachable.*Your nara can still run:$/)
      expect(r.choices.map((c) => c.id)).toEqual(['soul-env', 'native-soul'])
      expect(r.choices[0]?.detail).toMatch(/NARA_SOUL=<soul>.*--soul <soul>/)
    }
    expect(noKeychainChoices('x').choices).toHaveLength(2)
    const native = await resolveStartupSoul(ctx({ name: 'lisa', nativeWithoutStorage: true }), none)
    expect(native.kind === 'ready' && native.source === 'native-unstored' && native.identity.native).toBe(true)
  })

  it('--soul and NARA_SOUL win over the keychain and are validated', async () => {
    const none: KeychainStatus = { available: false, reason: 'none' }
    const amy = determineIdentity({ nameArg: 'amy', soulArg: '', hostname: 'x', fingerprint: new Uint8Array(32).fill(9) })
    expect(soulFromArgv(['/usr/bin/nara-desktop', '--no-sandbox', `--soul=${amy.soulText}`])).toBe(amy.soulText)
    expect(soulFromArgv(['x', '--soul', amy.soulText])).toBe(amy.soulText)
    const viaArg = await resolveStartupSoul(ctx({ name: 'amy', argvSoul: amy.soulText }), none)
    expect(viaArg.kind === 'ready' && viaArg.source === 'argument' && viaArg.identity.id === amy.id).toBe(true)
    const viaEnv = await resolveStartupSoul(ctx({ name: 'amy', envSoul: amy.soulText }), none)
    expect(viaEnv.kind === 'ready' && viaEnv.source === 'environment').toBe(true)
    const bad = await resolveStartupSoul(ctx({ name: 'amy', envSoul: 'xyz' }), none)
    expect(bad.kind).toBe('invalid')
    if (bad.kind === 'invalid') {
      expect(bad.message).toMatch(/^The soul given in NARA_SOUL is not valid: /)
      expect(bad.message).not.toContain('xyz')
    }
  })
})
