/**
 * A last line of defence for "the soul never leaves main": every secret the shell holds is
 * registered here, and every message to the renderer and every log line is checked against
 * them. A hit is a bug: the message is replaced, never sent. (Tests use the same scanner on
 * files and logs.)
 */
export class SecretRegistry {
  private readonly secrets = new Set<string>()

  /** Registers a secret (ignores short strings that would cause false hits). */
  add(secret: string | null | undefined): void {
    if (secret && secret.length >= 8) this.secrets.add(secret)
  }

  remove(secret: string): void {
    this.secrets.delete(secret)
  }

  get size(): number {
    return this.secrets.size
  }

  /** True when any registered secret occurs in the text or in the JSON form of a value. */
  leaks(value: unknown): boolean {
    if (this.secrets.size === 0) return false
    const text = typeof value === 'string' ? value : safeJson(value)
    for (const s of this.secrets) if (text.includes(s)) return true
    return false
  }

  /** The text with every secret replaced by [redacted]. */
  redact(text: string): string {
    let out = text
    for (const s of this.secrets) out = out.split(s).join('[redacted]')
    return out
  }
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)) ?? String(value)
  } catch {
    return String(value)
  }
}

/** A logger that cannot print a registered secret. */
export function redactingLogger(registry: SecretRegistry, sink: (line: string) => void = (l) => console.log(l)) {
  return (...parts: unknown[]): void => {
    sink(registry.redact(parts.map((p) => (typeof p === 'string' ? p : safeJson(p))).join(' ')))
  }
}
