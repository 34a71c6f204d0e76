/**
 * Every rejection the mesh makes is counted under a stable reason code, so the node can
 * show "why" in its stats view and tests can assert the exact path taken.
 */
export type MeshRejection =
  | 'auth_missing_headers'
  | 'auth_bad_timestamp'
  | 'auth_stale'
  | 'auth_future'
  | 'auth_unknown_sender'
  | 'auth_bad_signature'
  | 'auth_replay'
  | 'method_not_allowed'
  | 'not_found'
  | 'body_too_large'
  | 'body_read_error'
  | 'bad_encoding'
  | 'bad_json'
  | 'bad_zine'
  | 'zine_bad_signature'
  | 'zine_missing_from'
  | 'dm_unsigned'
  | 'dm_unknown_emitter'
  | 'dm_bad_signature'
  | 'dm_bad_event'
  | 'sync_bad_request'
  | 'event_bad_signature'
  | 'event_invalid'
  | 'event_rejected'
  // client side
  | 'client_timeout'
  | 'client_network'
  | 'client_http_status'
  | 'client_bad_response'
  | 'client_response_unsigned'
  | 'client_response_bad_signature'
  | 'client_response_too_large'
  | 'ping_bad_response'
  | 'zine_response_bad_signature'

export class MeshStats {
  readonly rejections = new Map<MeshRejection, number>()
  readonly counters = new Map<string, number>()
  private readonly lastReasons: { code: MeshRejection; reason: string }[] = []

  reject(code: MeshRejection, reason: string): void {
    this.rejections.set(code, (this.rejections.get(code) ?? 0) + 1)
    this.lastReasons.push({ code, reason })
    if (this.lastReasons.length > 50) this.lastReasons.shift()
  }

  count(name: string, n = 1): void {
    this.counters.set(name, (this.counters.get(name) ?? 0) + n)
  }

  rejected(code: MeshRejection): number {
    return this.rejections.get(code) ?? 0
  }

  counter(name: string): number {
    return this.counters.get(name) ?? 0
  }

  recentReasons(): readonly { code: MeshRejection; reason: string }[] {
    return this.lastReasons
  }

  snapshot(): Record<string, number> {
    const out: Record<string, number> = {}
    for (const [k, v] of this.rejections) out[`rejected.${k}`] = v
    for (const [k, v] of this.counters) out[k] = v
    return out
  }
}
