/**
 * Quitting, as a bounded sequence: (optional) SURVEY health → chau + final zine → exit.
 * However the broker or the mesh behaves, `exit` is called within `deadlineMs` of the first
 * quit request — an OS logout or shutdown must never wait on us. Pure: clock and node injected.
 */
import type { Clock } from '../clock'

export const QUIT_DEADLINE_MS = 2_000

export interface QuittingNode {
  /** chau + final zine; resolves once they were handed to the transports (may never resolve). */
  stop(): Promise<void>
}

export type QuitStep = 'survey' | 'chau' | 'exit'

export interface QuitOutcome {
  /** True when the deadline cut the goodbye short. */
  timedOut: boolean
  elapsedMs: number
  /** Which steps finished before exit (exit is always last). */
  completed: QuitStep[]
  error?: string
}

export interface QuitSequenceOptions {
  node: QuittingNode
  clock: Clock
  exit: (outcome: QuitOutcome) => void
  deadlineMs?: number
  /** Optional health SURVEY before saying goodbye; gets at most a quarter of the budget. */
  survey?: () => Promise<unknown>
  onStep?: (step: QuitStep) => void
}

/** Runs once; every later call (Cmd-Q, then SIGTERM, then shutdown…) joins the same run. */
export function createQuitSequence(opts: QuitSequenceOptions): () => Promise<QuitOutcome> {
  let running: Promise<QuitOutcome> | null = null
  return () => (running ??= runQuit(opts))
}

function runQuit(opts: QuitSequenceOptions): Promise<QuitOutcome> {
  const { clock, node } = opts
  const deadlineMs = opts.deadlineMs ?? QUIT_DEADLINE_MS
  const startedAt = clock.nowMs()
  const completed: QuitStep[] = []
  let finished = false
  let error: string | undefined

  return new Promise<QuitOutcome>((resolve) => {
    const finish = (timedOut: boolean): void => {
      if (finished) return
      finished = true
      clock.clearTimeout(deadline)
      completed.push('exit')
      const outcome: QuitOutcome = { timedOut, elapsedMs: clock.nowMs() - startedAt, completed: [...completed] }
      if (error !== undefined) outcome.error = error
      opts.onStep?.('exit')
      try {
        opts.exit(outcome)
      } finally {
        resolve(outcome)
      }
    }
    const deadline = clock.setTimeout(() => finish(true), deadlineMs)

    const goodbye = async (): Promise<void> => {
      if (opts.survey) {
        opts.onStep?.('survey')
        const budget = Math.floor(deadlineMs / 4)
        const surveyed = await raceWithTimer(clock, opts.survey(), budget)
        if (surveyed) completed.push('survey')
      }
      if (finished) return
      opts.onStep?.('chau')
      await node.stop()
      completed.push('chau')
    }
    goodbye().then(
      () => finish(false),
      (e: unknown) => {
        error = e instanceof Error ? e.message : String(e)
        finish(false)
      }
    )
  })
}

/** Resolves true if `p` settles first, false when `ms` elapse (a rejected survey is not fatal). */
function raceWithTimer(clock: Clock, p: Promise<unknown>, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const t = clock.setTimeout(() => resolve(false), ms)
    p.then(
      () => {
        clock.clearTimeout(t)
        resolve(true)
      },
      () => {
        clock.clearTimeout(t)
        resolve(false)
      }
    )
  })
}
