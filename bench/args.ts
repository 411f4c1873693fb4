import path from 'node:path'
import { parseArgs } from 'node:util'

export const projectNames = ['hello', 'catalog'] as const
export type ProjectName = (typeof projectNames)[number]

export interface BenchOptions {
  runs: number
  projects: ProjectName[]
  cpuTarget: 'native' | 'portable'
  jsonFile: string
  /** The Julia to build with (`build --julia`); undefined: the `julia` on PATH. */
  julia?: string
  /** Give every fresh depot a stub General registry (machines without the internet). */
  offline: boolean
}

export const benchUsage = `Usage: npm run bench -- [options]

Builds each benchmark project's image with the bundled CLI (dist/cli/index.js): a cold build in
a fresh Julia depot and cache folder, then a warm run that must restore it from the cache.

  --runs N                cold + warm pairs per project            default: 3
  --project P             hello | catalog | all                     default: all
  --cpu-target T          native | portable                         default: native
  --json FILE             raw figures, medians and machine facts    default: bench/results/<time>.json
  --julia PATH            the Julia to build with                   default: julia on PATH
  --offline               a stub General registry in each fresh depot (Julia ≥ 1.7 clones the
                          real one otherwise); enough for the bundled projects' path packages
  -h, --help              show this help`

/** Pure: the options from the command line; throws with a one-line message on a bad value. */
export function parseBenchArgs(argv: string[], repoRoot: string, now: Date): BenchOptions | 'help' {
  const { values } = parseArgs({
    args: argv,
    options: {
      runs: { type: 'string', default: '3' },
      project: { type: 'string', default: 'all' },
      'cpu-target': { type: 'string', default: 'native' },
      json: { type: 'string' },
      julia: { type: 'string' },
      offline: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false }
    },
    strict: true,
    allowPositionals: false
  })
  if (values.help) return 'help'
  const runs = Number(values.runs)
  if (!Number.isInteger(runs) || runs < 1)
    throw new Error(`--runs must be a whole number ≥ 1, not ${values.runs}`)
  const project = values.project
  const projects =
    project === 'all' ? [...projectNames] : projectNames.filter((name) => name === project)
  if (projects.length === 0)
    throw new Error(`--project must be hello, catalog or all, not ${project}`)
  const cpuTarget = values['cpu-target']
  if (cpuTarget !== 'native' && cpuTarget !== 'portable') {
    throw new Error(`--cpu-target must be native or portable, not ${cpuTarget}`)
  }
  // colons are not portable in file names
  const stamp = now.toISOString().replace(/[:.]/g, '-')
  const jsonFile = path.resolve(
    values.json ?? path.join(repoRoot, 'bench', 'results', `${stamp}.json`)
  )
  const julia = values.julia === undefined ? undefined : path.resolve(values.julia)
  return { runs, projects, cpuTarget, jsonFile, julia, offline: values.offline }
}
