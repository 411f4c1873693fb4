/**
 * `npm run bench:layered -- --julia PATH`: the layered mode's figures on the Ledger project (a
 * package project over registry packages of a few thousand lines, served from a local registry
 * in a fresh depot: works offline). With the bundled CLI, in this order:
 *   1. a cold layered build (all three layers built, measured without and with the image);
 *   2. a rebuild after an edit of the project's own package;
 *   3. a rebuild after an edit of the workload;
 *   4. a full image of the same project, for its first-work time.
 * Prints a Markdown table (stdout), progress on stderr, raw figures to a JSON file.
 */
import { spawn } from 'node:child_process'
import { promises as fs } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import type { ImageMetadata } from '../src/metadata.js'
import {
  layeredRegistryPackages,
  writeLayeredProject,
  writeLocalRegistry
} from '../__tests__/helpers/local-registry.js'
import { runEnv } from './environment.js'

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const cliEntry = path.join(repoRoot, 'dist', 'cli', 'index.js')
const say = (line: string) => process.stderr.write(`${line}\n`)

interface Step {
  name: string
  wallMs: number
  metadata: ImageMetadata
}

function runCli(
  args: string[],
  env: NodeJS.ProcessEnv
): Promise<{ code: number | null; stderr: string; ms: number }> {
  const started = performance.now()
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cliEntry, ...args], {
      env,
      stdio: ['ignore', 'ignore', 'pipe']
    })
    let stderr = ''
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, stderr, ms: performance.now() - started }))
  })
}

const seconds = (ms: number | undefined) =>
  ms === undefined ? 'n/a' : `${(ms / 1000).toFixed(1)} s`

async function main(): Promise<number> {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    options: { julia: { type: 'string' }, json: { type: 'string' } },
    strict: true
  })
  const julia = path.resolve(values.julia ?? 'julia')
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'jsi-bench-layered-'))
  const version = await new Promise<string>((resolve) => {
    const child = spawn(julia, ['--version'], { stdio: ['ignore', 'pipe', 'ignore'] })
    let out = ''
    child.stdout.on('data', (d: Buffer) => (out += d.toString()))
    child.on('close', () => resolve(out.trim()))
  })
  const env = runEnv(root, process.env, { julia, offline: true }, version)
  const depot = (env.JULIA_DEPOT_PATH ?? '').split(path.delimiter)[0]
  await writeLocalRegistry(depot, path.join(root, 'repos'), layeredRegistryPackages())
  const project = await writeLayeredProject(julia, env, root, { tableKitVersion: '1.0.0' })
  const steps: Step[] = []
  const build = async (name: string, mode: string, output: string, extra: string[] = []) => {
    say(`▸ ${name}`)
    const run = await runCli(
      [
        'build',
        '--julia',
        julia,
        '--project',
        project.dir,
        '--workload',
        project.workload,
        '--output',
        output,
        '--mode',
        mode,
        '--cache-dir',
        path.join(root, 'cache'),
        ...extra
      ],
      env
    )
    if (run.code !== 0) throw new Error(`${name} failed:\n${run.stderr.slice(-3000)}`)
    const metadata = JSON.parse(await fs.readFile(`${output}.json`, 'utf8')) as ImageMetadata
    steps.push({ name, wallMs: run.ms, metadata })
    say(`✓ ${name}: ${seconds(run.ms)}`)
  }
  const layered = path.join(root, 'out', 'sysimage.so')
  await build('cold layered build', 'layered', layered)
  await project.setGreeting('ledger v2')
  await build('rebuild after an own-code edit', 'layered', layered)
  await fs.appendFile(project.workload, 'Ledger.main(; months = 2)\n')
  await build('rebuild after a workload edit', 'layered', layered)
  await build('full image (same project)', 'full', path.join(root, 'full', 'sysimage.so'))
  // the same edit without the runs that measure: what the layers themselves cost
  await project.setGreeting('ledger v3')
  await build('rebuild after an own-code edit, --no-measure', 'layered', layered, ['--no-measure'])

  const [cold, own, work, full, ownQuiet] = steps
  const m = cold.metadata.measurement
  const rows = [
    ['| figure | value |', '| --- | ---: |'],
    [`| cold layered build | ${seconds(cold.wallMs)} |`],
    [
      `| rebuild after an own-code edit | ${seconds(own.wallMs)} (${(own.wallMs / cold.wallMs).toFixed(3)} × cold) |`
    ],
    [
      `| rebuild after a workload edit | ${seconds(work.wallMs)} (${(work.wallMs / cold.wallMs).toFixed(3)} × cold) |`
    ],
    [
      `| rebuild after an own-code edit, \`--no-measure\` | ${seconds(ownQuiet.wallMs)} (${(ownQuiet.wallMs / cold.wallMs).toFixed(3)} × cold) |`
    ],
    [`| full image build | ${seconds(full.wallMs)} |`],
    [`| first work: no image | ${seconds(m?.without.workMs)} |`],
    [`| first work: layered | ${seconds(m?.with.workMs)} |`],
    [`| first work: full image | ${seconds(full.metadata.measurement?.with.workMs)} |`],
    [
      `| load + first work: none / layered / full | ${seconds((m?.without.loadMs ?? 0) + (m?.without.workMs ?? 0))} / ${seconds((m?.with.loadMs ?? 0) + (m?.with.workMs ?? 0))} / ${seconds((full.metadata.measurement?.with.loadMs ?? 0) + (full.metadata.measurement?.with.workMs ?? 0))} |`
    ],
    [
      `| residual layered, stdout pipe / file | ${m?.residualByStdout?.pipe} / ${m?.residualByStdout?.file} (used ${cold.metadata.statements.used} + ${cold.metadata.layers?.workload.used ?? 0}) |`
    ],
    [
      `| layers: dependency image / own / workload | ${seconds(cold.metadata.layers?.dependencies.ms)} / ${seconds(cold.metadata.layers?.own.ms)} / ${seconds(cold.metadata.layers?.workload.ms)} |`
    ]
  ]
  for (const line of m?.residualStatements ?? []) say(`  still compiled with the layers: ${line}`)
  console.log(`Layered mode, ${version}, ${os.cpus().length} × ${os.cpus()[0]?.model ?? '?'}\n`)
  console.log(rows.flat().join('\n'))
  const jsonFile = path.resolve(
    values.json ??
      path.join(
        repoRoot,
        'bench',
        'results',
        `layered-${new Date().toISOString().replace(/[:.]/g, '-')}.json`
      )
  )
  await fs.mkdir(path.dirname(jsonFile), { recursive: true })
  await fs.writeFile(jsonFile, `${JSON.stringify({ julia: version, steps }, null, 2)}\n`)
  say(`results: ${jsonFile}`)
  await fs.rm(root, { recursive: true, force: true })
  return 0
}

main().then(
  (code) => (process.exitCode = code),
  (error: unknown) => {
    say(`bench: ${error instanceof Error ? error.message : String(error)}`)
    process.exitCode = 1
  }
)
