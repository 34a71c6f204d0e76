/** Every input the node refuses is counted by a short reason, so nothing disappears silently. */
export class DropCounter {
  private readonly counts = new Map<string, number>()
  constructor(private readonly onDrop?: (reason: string, detail: string) => void) {}

  count(reason: string, detail = ''): void {
    this.counts.set(reason, (this.counts.get(reason) ?? 0) + 1)
    this.onDrop?.(reason, detail)
  }

  get(reason: string): number {
    return this.counts.get(reason) ?? 0
  }

  total(): number {
    let n = 0
    for (const v of this.counts.values()) n += v
    return n
  }

  snapshot(): Record<string, number> {
    return Object.fromEntries(this.counts)
  }
}
