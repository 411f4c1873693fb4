/**
 * `npm run bench`: builds the benchmark projects' images with the bundled CLI, cold and then
 * warm from the cache, and prints one Markdown table per project (stdout) with progress on
 * stderr; every raw figure goes to a JSON file.
 */
import { createHash } from 'node:crypto'
import { promises as fs } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { benchUsage, parseBenchArgs, type BenchOptions } from './args.js'
import { machineFacts } from './environment.js'
import { benchProjects } from './projects.js'
import { benchRun } from './run-cli.js'
import { runBench, say } from './script.js'
import { failuresOf, formatMs, formatTable, summarize, type RunRecord } from './summary.js'

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const cliEntry = path.join(repoRoot, 'dist', 'cli', 'index.js')

/** The bundled CLI's digest: a rebuild of dist/ during a benchmark would mix two versions. */
async function cliDigest(): Promise<string> {
  const bytes = await fs.readFile(cliEntry).catch(() => undefined)
  return bytes ? createHash('sha256').update(bytes).digest('hex') : 'missing'
}

const digestsSeen = new Set<string>()

async function noteCliDigest(): Promise<void> {
  const digest = await cliDigest()
  if (digestsSeen.size > 0 && !digestsSeen.has(digest)) {
    say(`  warning: ${cliEntry} changed during the benchmark (now ${digest.slice(0, 12)})`)
  }
  digestsSeen.add(digest)
}

async function runProject(
  options: BenchOptions,
  name: BenchOptions['projects'][number],
  versionLine: string
): Promise<RunRecord[]> {
  const project = benchProjects(repoRoot)[name]
  const records: RunRecord[] = []
  for (let run = 1; run <= options.runs; run++) {
    say(`▸ ${name}: run ${run} of ${options.runs}`)
    const root = await fs.mkdtemp(path.join(os.tmpdir(), `jsi-bench-${name}-`))
    await noteCliDigest()
    const record = await benchRun({
      cliEntry,
      project,
      run,
      cpuTarget: options.cpuTarget,
      root,
      choice: options,
      versionLine
    })
    records.push(record)
    const failures = failuresOf(record)
    if (failures.length === 0) {
      say(
        `✓ ${name} run ${run}: cold ${formatMs(record.cold.wallMs)}, warm ${formatMs(record.warm!.wallMs)} (cache hit)`
      )
      // images and depots take hundreds of MB per run
      await fs.rm(root, { recursive: true, force: true })
    } else {
      for (const failure of failures) say(`✗ FAILED ${failure}`)
      const output = record.warm?.stderrTail ?? record.cold.stderrTail
      if (output) say(output.replace(/^/gm, '    | '))
      say(`  kept for inspection: ${root}`)
    }
  }
  return records
}

async function main(): Promise<number> {
  const started = new Date()
  let options: BenchOptions | 'help'
  try {
    options = parseBenchArgs(process.argv.slice(2), repoRoot, started)
  } catch (error) {
    say(`bench: ${error instanceof Error ? error.message : String(error)}\n\n${benchUsage}`)
    return 2
  }
  if (options === 'help') {
    console.log(benchUsage)
    return 0
  }
  await fs.access(cliEntry).catch(() => {
    throw new Error(`${cliEntry} is missing: run npm run package first`)
  })
  const scratch = await fs.mkdtemp(path.join(os.tmpdir(), 'jsi-bench-facts-'))
  const machine = machineFacts(repoRoot, cliEntry, scratch, options)
  await fs.rm(scratch, { recursive: true, force: true })
  say(
    `bench: ${options.projects.join(', ')} × ${options.runs} run(s), cpu-target ${options.cpuTarget}; ` +
      `${machine.julia}, ${machine.cpus} × ${machine.cpuModel}, julia-sysimage ${machine.cli}`
  )

  const projects = []
  for (const name of options.projects) {
    const runs = await runProject(options, name, machine.julia)
    const summary = summarize(name, runs)
    projects.push({ ...benchProjects(repoRoot)[name], runs, summary })
  }
  await noteCliDigest()
  const warnings =
    digestsSeen.size > 1
      ? [
          `dist/cli/index.js changed during the benchmark: the figures mix ${digestsSeen.size} builds of the CLI`
        ]
      : []

  // a figure no run produced prints as n/a: e.g. the overhead with a CLI that does not record
  // the time spent in Julia
  const tables = projects.map((p) => formatTable(p.summary, { cpuTarget: options.cpuTarget }))
  console.log(tables.join('\n\n'))

  const failures = projects.flatMap((p) => p.summary.failures)
  const results = {
    schema: 1,
    startedAt: started.toISOString(),
    finishedAt: new Date().toISOString(),
    options: { runs: options.runs, projects: options.projects, cpuTarget: options.cpuTarget },
    machine: { ...machine, cliSha256: [...digestsSeen] },
    projects: projects.map((p) => ({
      name: p.name,
      description: p.description,
      projectDir: path.relative(repoRoot, p.dir),
      workload: path.relative(repoRoot, p.workload),
      runs: p.runs,
      summary: p.summary
    })),
    failures,
    warnings
  }
  await fs.mkdir(path.dirname(options.jsonFile), { recursive: true })
  await fs.writeFile(options.jsonFile, `${JSON.stringify(results, null, 2)}\n`)
  say(`results: ${options.jsonFile}`)
  for (const warning of warnings) say(`warning: ${warning}`)
  if (failures.length > 0) {
    say(`\nbench FAILED: ${failures.length} problem(s):`)
    for (const failure of failures) say(`  - ${failure}`)
    return 1
  }
  return 0
}

runBench(main)
