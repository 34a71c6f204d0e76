/**
 * The outcome of a signature check. Receivers in the reference often accept messages that
 * fail (events.md §4), so verification reports a reason and lets the caller decide.
 */
export type Verdict = { readonly valid: true } | { readonly valid: false; readonly reason: string }

export const VALID: Verdict = { valid: true }
export const invalid = (reason: string): Verdict => ({ valid: false, reason })
