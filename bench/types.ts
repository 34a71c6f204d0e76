/**
 * The bench contract: every file in bench/suites/*.ts exports `name` and `run()`. Speed
 * goals are ratios to a baseline measured in the same run, never absolute timings.
 */
export interface BenchBaseline {
  metric: string
  value: number
  unit: string
}

export interface BenchResult {
  suite: string
  metric: string
  value: number
  unit: string
  baseline?: BenchBaseline
  /** value / baseline.value (or whatever the suite documents in `goal`). */
  ratio?: number
  /** Human statement of the target, e.g. "ratio ≥ 0.70". */
  goal?: string
  goalMet?: boolean
}

export interface BenchSuite {
  name: string
  run(): Promise<BenchResult[]>
}
