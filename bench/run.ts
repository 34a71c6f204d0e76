/**
 * Bench runner: loads every bench/suites/*.ts (adding a suite = adding a file), runs them
 * one after another, prints a table and writes bench-results.json in the repository root.
 *
 *   node --import tsx bench/run.ts [--json] [--only name[,name]] [--strict] [--idle-seconds N]
 *
 * --idle-seconds sets the idle suite's measuring window (default 90 s; 600 for the full figure).
 * --json prints the results as JSON on stdout (the table goes to stderr); --strict exits 1
 * when a goal is not met. A suite that throws is reported as a failed result, not a crash.
 */
import { readdirSync, writeFileSync } from 'node:fs'
import { basename, dirname, resolve } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import type { BenchResult, BenchSuite } from './types'

const here = dirname(fileURLToPath(import.meta.url))
const root = resolve(here, '..')

interface Args {
  json: boolean
  strict: boolean
  only: string[] | null
}

function parseArgs(argv: string[]): Args {
  const args: Args = { json: false, strict: false, only: null }
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!
    if (a === '--json') args.json = true
    else if (a === '--strict') args.strict = true
    else if (a === '--only') args.only = (argv[++i] ?? '').split(',').filter(Boolean)
    else if (a.startsWith('--only=')) args.only = a.slice(7).split(',').filter(Boolean)
  }
  return args
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
  const log = (s: string): void => void (args.json ? process.stderr : process.stdout).write(s + '\n')
  const suites = (await loadSuites()).filter((s) => !args.only || args.only.includes(s.name) || args.only.includes(s.file))
  const results: BenchResult[] = []
  for (const suite of suites) {
    log(`▶ ${suite.name}`)
    const started = performance.now()
    try {
      const out = await suite.run()
      results.push(...out)
    } catch (e) {
      results.push({ suite: suite.name, metric: 'error', value: Number.NaN, unit: String((e as Error)?.message ?? e), goalMet: false })
    }
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
