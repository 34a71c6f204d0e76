/**
 * SURVEY (nng_surveyor(7)/nng_respondent(7), sp-surveyor-01): one question to every respondent,
 * answers collected until a deadline. Answers that arrive after the deadline, or that carry the
 * id of an older survey, are dropped and counted; starting a new survey cancels the one in
 * progress (its result reports `cancelled` with the answers it had). Survey ids are 32-bit with
 * the high bit set, as on the SP wire, so the same core drives the NNG IPC surveyor.
 */
import type { Clock, TimerHandle } from '../../clock'
import { nextRequestId } from './reqrep'

export interface SurveyAnswer<A> {
  from: string
  body: A
}

export interface SurveyResult<A> {
  id: number
  status: 'complete' | 'deadline' | 'cancelled'
  answers: SurveyAnswer<A>[]
  /** Expected respondents that did not answer in time. */
  missing: string[]
}

export interface SurveyStats {
  surveys: number
  answers: number
  lateAnswers: number
  cancelled: number
  timedOutRespondents: number
}

interface Running<A> {
  id: number
  answers: SurveyAnswer<A>[]
  expected: Set<string> | null
  timer: TimerHandle
  resolve: (r: SurveyResult<A>) => void
}

export interface SurveyorOptions<Q> {
  clock: Clock
  /** Sends the question to every respondent. */
  transmit: (id: number, question: Q) => void
  deadlineMs?: number
  firstId?: number
}

export class Surveyor<Q, A> {
  readonly stats: SurveyStats = { surveys: 0, answers: 0, lateAnswers: 0, cancelled: 0, timedOutRespondents: 0 }
  private lastId: number
  private running: Running<A> | null = null

  constructor(private readonly opts: SurveyorOptions<Q>) {
    this.lastId = opts.firstId !== undefined ? (opts.firstId - 1) >>> 0 : Math.floor(Math.random() * 0x7fffffff)
  }

  /**
   * Asks everyone; resolves at the deadline, or earlier once every name in `expect` answered.
   */
  survey(question: Q, opts: { deadlineMs?: number; expect?: Iterable<string> } = {}): Promise<SurveyResult<A>> {
    if (this.running) this.end(this.running, 'cancelled')
    const id = (this.lastId = nextRequestId(this.lastId))
    const deadlineMs = opts.deadlineMs ?? this.opts.deadlineMs ?? 1000
    this.stats.surveys++
    return new Promise((resolve) => {
      const run: Running<A> = {
        id,
        answers: [],
        expected: opts.expect ? new Set(opts.expect) : null,
        timer: this.opts.clock.setTimeout(() => this.end(run, 'deadline'), deadlineMs),
        resolve
      }
      this.running = run
      try {
        this.opts.transmit(id, question)
      } catch {
        // Respondents that did not get the question show up as missing at the deadline.
      }
      if (run.expected && run.expected.size === 0) this.end(run, 'complete')
    })
  }

  /** Feeds one answer; false (counted) when it belongs to no running survey. */
  handleResponse(id: number, from: string, body: A): boolean {
    const run = this.running
    if (!run || run.id !== id >>> 0) {
      this.stats.lateAnswers++
      return false
    }
    this.stats.answers++
    run.answers.push({ from, body })
    if (run.expected) {
      run.expected.delete(from)
      if (run.expected.size === 0) this.end(run, 'complete')
    }
    return true
  }

  get runningId(): number | null {
    return this.running?.id ?? null
  }

  close(): void {
    if (this.running) this.end(this.running, 'cancelled')
  }

  private end(run: Running<A>, status: SurveyResult<A>['status']): void {
    if (this.running !== run) return
    this.running = null
    this.opts.clock.clearTimeout(run.timer)
    const missing = run.expected ? [...run.expected] : []
    if (status === 'cancelled') this.stats.cancelled++
    else this.stats.timedOutRespondents += missing.length
    run.resolve({ id: run.id, status, answers: run.answers, missing })
  }
}

export type Respondent<Q, A> = (question: Q) => Promise<A> | A

/** In-process surveyor with named respondents (the node's subsystems). */
export class LocalSurvey<Q, A> {
  private readonly respondents = new Map<string, Respondent<Q, A>>()
  readonly surveyor: Surveyor<Q, A>

  constructor(clock: Clock, deadlineMs = 1000) {
    this.surveyor = new Surveyor<Q, A>({
      clock,
      deadlineMs,
      transmit: (id, question) => {
        for (const [name, respond] of this.respondents) {
          // Each respondent answers asynchronously, possibly never; a throw is no answer.
          void Promise.resolve()
            .then(() => respond(question))
            .then(
              (answer) => this.surveyor.handleResponse(id, name, answer),
              () => undefined
            )
        }
      }
    })
  }

  register(name: string, respond: Respondent<Q, A>): () => void {
    this.respondents.set(name, respond)
    return () => {
      if (this.respondents.get(name) === respond) this.respondents.delete(name)
    }
  }

  survey(question: Q, deadlineMs?: number): Promise<SurveyResult<A>> {
    return this.surveyor.survey(question, { deadlineMs, expect: [...this.respondents.keys()] })
  }
}

export interface HealthAnswer {
  healthy: boolean
  detail?: string
}

export interface HealthReport {
  healthy: boolean
  subsystems: Record<string, HealthAnswer | 'timeout'>
}

/** "Every subsystem: are you OK?" — run before chau on quit. */
export async function checkHealth(survey: LocalSurvey<'health', HealthAnswer>, deadlineMs = 500): Promise<HealthReport> {
  const result = await survey.survey('health', deadlineMs)
  const subsystems: HealthReport['subsystems'] = {}
  for (const a of result.answers) subsystems[a.from] = a.body
  for (const m of result.missing) subsystems[m] = 'timeout'
  const healthy = result.status !== 'cancelled' && result.missing.length === 0 && result.answers.every((a) => a.body.healthy)
  return { healthy, subsystems }
}

/** The `{"cmd":"health"}` handler for the command router's `extra`: runs the health survey. */
export function healthCommand(
  survey: LocalSurvey<'health', HealthAnswer>,
  deadlineMs = 500
): () => Promise<{ ok: true; healthy: boolean; subsystems: HealthReport['subsystems'] }> {
  return async () => ({ ok: true, ...(await checkHealth(survey, deadlineMs)) })
}
