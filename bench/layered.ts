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
import { promises as fs } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type { ImageMetadata } from '../src/metadata.js'
import { ledgerBench, ledgerBuildArgs } from './ledger.js'
import { cliEntry, runBench, say, timed, writeResults } from './script.js'

interface Step {
  name: string
  wallMs: number
  metadata: ImageMetadata
}

const runCli = (args: string[], env: NodeJS.ProcessEnv) =>
  timed(process.execPath, [cliEntry, ...args], env)

const seconds = (ms: number | undefined) =>
  ms === undefined ? 'n/a' : `${(ms / 1000).toFixed(1)} s`

async function main(): Promise<number> {
  const { julia, version, root, env, project, jsonFile } = await ledgerBench('layered')
  const steps: Step[] = []
  const build = async (name: string, mode: string, output: string, extra: string[] = []) => {
    say(`▸ ${name}`)
    const run = await runCli(
      ledgerBuildArgs(julia, project, output, mode, [
        '--cache-dir',
        path.join(root, 'cache'),
        ...extra
      ]),
      env
    )
    if (run.code !== 0) throw new Error(`${name} failed:\n${run.output.slice(-3000)}`)
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
  await writeResults('layered', jsonFile, { julia: version, steps })
  await fs.rm(root, { recursive: true, force: true })
  return 0
}

runBench(main)
