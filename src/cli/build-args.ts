import path from 'node:path'
import type { BuildRequest } from '../request.js'
import { parseFlags } from './flags.js'

export const buildUsage = `Usage: julia-sysimage build [options]

  --project DIR         Julia project (Project.toml, Manifest.toml)        default: the bundled example
  --workload FILE       script run to record compiled methods; repeatable  default: the example's workload
  --statements FILE     extra precompile(...) statements; repeatable
  --julia PATH          Julia executable                                   default: julia on PATH
  --version SPEC        Julia to use or install: lts, 1, 1.10, 1.10.4, ^1.9, pre, min, nightly
  --arch A              architecture of the Julia to install (x64, aarch64, x86)
  --download-url URL    mirror for versions.json and Julia archives
  --tool-cache DIR      where installed Julias are kept
  --output FILE         image path                                         default: ./sysimage.<so|dylib|dll>
  --cpu-target T        native | portable | a Julia target list            default: native
  --no-measure          skip the runs without/with the image
  --keep-work           keep the work folder (traces, object file, reports)
  -h, --help            show this help`

/**
 * Pure: turns `build` flags into a BuildRequest. With neither --project nor --workload it builds
 * the example shipped in `exampleDir`, so `julia-sysimage build` works out of the box.
 */
export function parseBuildArgs(
  argv: string[],
  cwd: string,
  env: NodeJS.ProcessEnv,
  exampleDir: string
): BuildRequest | 'help' {
  const values = parseFlags(
    argv,
    {
      project: { type: 'string' },
      workload: { type: 'string', multiple: true },
      statements: { type: 'string', multiple: true },
      julia: { type: 'string' },
      version: { type: 'string' },
      arch: { type: 'string' },
      'download-url': { type: 'string' },
      'tool-cache': { type: 'string' },
      output: { type: 'string', short: 'o' },
      'cpu-target': { type: 'string' },
      'no-measure': { type: 'boolean' },
      'keep-work': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' }
    },
    'build'
  )
  if (values.help) return 'help'
  const useExample = values.project === undefined && values.workload === undefined
  const projectDir = useExample ? exampleDir : path.resolve(cwd, values.project ?? '.')
  const workloads = useExample
    ? [path.join(exampleDir, 'workload.jl')]
    : (values.workload ?? []).map((w) => path.resolve(cwd, w))
  return {
    projectDir,
    workloads,
    statementFiles: (values.statements ?? []).map((s) => path.resolve(cwd, s)),
    juliaPath: values.julia === undefined ? undefined : path.resolve(cwd, values.julia),
    juliaVersion: values.version,
    arch: values.arch,
    downloadUrl: values['download-url'],
    toolCacheDir:
      values['tool-cache'] === undefined ? undefined : path.resolve(cwd, values['tool-cache']),
    output: values.output === undefined ? undefined : path.resolve(cwd, values.output),
    cpuTarget: values['cpu-target'] ?? 'native',
    measure: !values['no-measure'],
    keepWorkDir: values['keep-work'] ?? false,
    env
  }
}
