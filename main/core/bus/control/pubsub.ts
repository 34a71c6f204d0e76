/**
 * PUB/SUB for lifecycle notices (nng_pub(7)/nng_sub(7)): topics are strings, subscriptions are
 * prefixes (the empty prefix receives everything), delivery is best-effort and never blocks the
 * publisher — a subscriber that throws is counted and skipped.
 */
export type SubscriberFn<T> = (topic: string, body: T) => void

export class PubSub<T> {
  private readonly subs = new Set<{ prefix: string; fn: SubscriberFn<T> }>()
  readonly stats = { published: 0, delivered: 0, subscriberErrors: 0 }

  subscribe(prefix: string, fn: SubscriberFn<T>): () => void {
    const sub = { prefix, fn }
    this.subs.add(sub)
    return () => {
      this.subs.delete(sub)
    }
  }

  publish(topic: string, body: T): number {
    this.stats.published++
    let n = 0
    for (const s of [...this.subs]) {
      if (!topic.startsWith(s.prefix)) continue
      n++
      try {
        s.fn(topic, body)
        this.stats.delivered++
      } catch {
        this.stats.subscriberErrors++
      }
    }
    return n
  }

  get subscriberCount(): number {
    return this.subs.size
  }
}
