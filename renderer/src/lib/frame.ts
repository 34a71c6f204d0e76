/**
 * Coalesces bursts of updates into one flush per animation frame. While the window is hidden
 * nothing is flushed (requestAnimationFrame is paused anyway): the pending work waits for the
 * page to become visible again, so a hidden window costs no layout or paint.
 */
export class FrameBatcher {
  private scheduled = false
  private readonly tasks = new Set<() => void>()

  constructor() {
    if (typeof document !== 'undefined') {
      document.addEventListener('visibilitychange', () => {
        if (document.visibilityState === 'visible' && this.tasks.size > 0) this.request()
      })
    }
  }

  /** Runs `task` once in the next frame (a task queued twice runs once). */
  schedule(task: () => void): void {
    this.tasks.add(task)
    if (typeof document !== 'undefined' && document.visibilityState === 'hidden') return
    this.request()
  }

  private request(): void {
    if (this.scheduled) return
    this.scheduled = true
    const run = (): void => {
      this.scheduled = false
      const tasks = [...this.tasks]
      this.tasks.clear()
      for (const t of tasks) t()
    }
    if (typeof requestAnimationFrame === 'function') requestAnimationFrame(run)
    else setTimeout(run, 16)
  }
}

export const frames = new FrameBatcher()
