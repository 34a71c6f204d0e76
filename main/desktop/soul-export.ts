/**
 * Soul export for the desktop: the person confirms in a native dialog (main), the soul goes from
 * the keychain straight to the clipboard, and the renderer only learns whether it was copied.
 * One function serves both doors the window has: `nara.request` (IPC) and the bus (MessagePort).
 */
export interface SoulExportDeps {
  /** Is there a stored soul for the running nara at all? */
  available: () => boolean
  /** The native confirmation dialog; true = copy. */
  confirm: () => Promise<boolean>
  /** Reads the soul from the keychain (null when missing). */
  readSoul: () => Promise<string | null>
  /** clipboard.writeText in Electron. */
  copy: (soul: string) => void
}

export type SoulExportReply = { ok: true; copied: boolean } | { ok: false; error: string }

export function createSoulExporter(deps: SoulExportDeps): () => Promise<SoulExportReply> {
  return async () => {
    if (!deps.available()) return { ok: false, error: 'There is no stored soul to export.' }
    if (!(await deps.confirm())) return { ok: true, copied: false }
    const soul = await deps.readSoul()
    if (soul === null) return { ok: false, error: 'The keychain has no soul for this nara.' }
    deps.copy(soul)
    return { ok: true, copied: true }
  }
}
