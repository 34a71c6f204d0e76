/**
 * Bench runner: loads every bench/suites/*.ts (adding a suite = adding a file), runs them
 * one after another, prints a table and writes bench-results.json in the repository root.
 *
 *   node --import tsx bench/run.ts [--json] [--only name[,name]] [--strict] [--idle-seconds N]
 *
 * --idle-seconds sets the idle suite's measuring window (default 90 s; 600 for the full figure).
 * --json prints the results as JSON on stdout (the table goes to stderr); --strict exits 1
 * when a goal is not met. A suite that throws is reported as a failed result, not a crash.
 *
 * Each suite runs in a process of its own (the same Node flags), so what one suite leaves behind,
 * its heap and the type feedback its code gathered, cannot bend the next suite's figures
 * (measured: the ingest-cores wall-clock ratio fell from 0.87 to 0.85 after the control suite
 * had run in the same process). --in-process runs them all in this one, for debugging.
 */
import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { basename, dirname, join, resolve } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import type { BenchResult, BenchSuite } from './types'

const here = dirname(fileURLToPath(import.meta.url))
const root = resolve(here, '..')

interface Args {
  json: boolean
  strict: boolean
  only: string[] | null
  inProcess: boolean
  /** Child mode: run this one suite file and write its results to `results`. */
  suiteChild: string | null
  results: string | null
  /** What a child is given of our arguments (the suites read some, e.g. --idle-seconds). */
  passOn: string[]
}

function parseArgs(argv: string[]): Args {
  const args: Args = { json: false, strict: false, only: null, inProcess: false, suiteChild: null, results: null, passOn: [] }
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!
    if (a === '--json') args.json = true
    else if (a === '--strict') args.strict = true
    else if (a === '--in-process') args.inProcess = true
    else if (a === '--only') args.only = (argv[++i] ?? '').split(',').filter(Boolean)
    else if (a.startsWith('--only=')) args.only = a.slice(7).split(',').filter(Boolean)
    else if (a === '--suite-child') args.suiteChild = argv[++i] ?? null
    else if (a === '--results') args.results = argv[++i] ?? null
    else args.passOn.push(a)
  }
  return args
}

const errorResult = (suite: string, e: unknown): BenchResult => ({ suite, metric: 'error', value: Number.NaN, unit: String((e as Error)?.message ?? e), goalMet: false })

/** Runs one suite in a fresh process with our Node flags; its stdout joins our log stream. */
async function runIsolated(suite: BenchSuite & { file: string }, args: Args): Promise<BenchResult[]> {
  const dir = mkdtempSync(join(tmpdir(), 'nara-bench-'))
  const out = join(dir, 'results.json')
  try {
    const code = await new Promise<number | null>((done) => {
      const child = spawn(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), '--suite-child', suite.file, '--results', out, ...args.passOn], {
        cwd: root,
        stdio: ['ignore', args.json ? 2 : 1, 2]
      })
      child.on('exit', (c) => done(c))
      child.on('error', () => done(null))
    })
    if (!existsSync(out)) return [errorResult(suite.name, `suite process exited (${code}) without results`)]
    return JSON.parse(readFileSync(out, 'utf8')) as BenchResult[]
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

async function runHere(suite: BenchSuite): Promise<BenchResult[]> {
  try {
    return await suite.run()
  } catch (e) {
    return [errorResult(suite.name, e)]
  }
}

async function childMain(args: Args): Promise<number> {
  const suite = (await loadSuites()).find((s) => s.file === args.suiteChild)
  const results = suite ? await runHere(suite) : [errorResult(String(args.suiteChild), 'no such suite')]
  writeFileSync(args.results!, JSON.stringify(results))
  return 0
}

export async function loadSuites(dir = resolve(here, 'suites')): Promise<Array<BenchSuite & { file: string }>> {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))
    .sort()
  const suites: Array<BenchSuite & { file: string }> = []
  for (const f of files) {
    const mod = (await import(pathToFileURL(resolve(dir, f)).href)) as Partial<BenchSuite>
    if (typeof mod.name !== 'string' || typeof mod.run !== 'function') throw new Error(`bench suite ${f} must export name and run()`)
    suites.push({ name: mod.name, run: mod.run, file: basename(f, '.ts') })
  }
  return suites
}

function fmt(n: number): string {
  if (!Number.isFinite(n)) return String(n)
  const abs = Math.abs(n)
  if (abs >= 1000) return Math.round(n).toLocaleString('en-US')
  if (abs >= 10) return n.toFixed(1)
  return n.toFixed(3)
}

export function formatTable(results: readonly BenchResult[]): string {
  const rows = results.map((r) => [
    r.suite,
    r.metric,
    `${fmt(r.value)} ${r.unit}`,
    r.baseline ? `${fmt(r.baseline.value)} ${r.baseline.unit} (${r.baseline.metric})` : '',
    r.ratio !== undefined ? r.ratio.toFixed(3) : '',
    r.goal ?? '',
    r.goalMet === undefined ? '' : r.goalMet ? 'ok' : 'MISSED'
  ])
  const header = ['suite', 'metric', 'value', 'baseline', 'ratio', 'goal', 'met']
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)))
  const line = (cells: string[]): string => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd()
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n')
}

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2))
  if (args.suiteChild && args.results) return childMain(args)
  const log = (s: string): void => void (args.json ? process.stderr : process.stdout).write(s + '\n')
  const suites = (await loadSuites()).filter((s) => !args.only || args.only.includes(s.name) || args.only.includes(s.file))
  const results: BenchResult[] = []
  for (const suite of suites) {
    log(`▶ ${suite.name}`)
    const started = performance.now()
    results.push(...(args.inProcess ? await runHere(suite) : await runIsolated(suite, args)))
    log(`  done in ${((performance.now() - started) / 1000).toFixed(1)} s`)
  }
  const report = {
    when: new Date().toISOString(),
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    results
  }
  writeFileSync(resolve(root, 'bench-results.json'), JSON.stringify(report, null, 2) + '\n')
  log('')
  log(formatTable(results))
  log(`\nwrote ${resolve(root, 'bench-results.json')}`)
  if (args.json) process.stdout.write(JSON.stringify(report, null, 2) + '\n')
  const missed = results.filter((r) => r.goalMet === false)
  return args.strict && missed.length > 0 ? 1 : 0
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().then(
    (code) => process.exit(code),
    (e) => {
      console.error(e)
      process.exit(1)
    }
  )
}
