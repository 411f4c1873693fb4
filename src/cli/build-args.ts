import os from 'node:os'
import path from 'node:path'
import {
  parseImageThreads,
  parseMode,
  parseNameList,
  parseTimeoutMinutes,
  type BuildRequest
} from '../request.js'
import { userCacheDir } from '../util/user-cache.js'
import { parseFlags } from './flags.js'

export const buildUsage = `Usage: julia-sysimage build [options]

  --project DIR         Julia project (Project.toml, Manifest.toml)        default: the bundled example
  --workload FILE       script run to record compiled methods; repeatable  default: the example's workload
  --statements FILE     extra precompile(...) statements; repeatable
  --package NAME        load only these of the project's packages; repeatable   default: all direct deps
  --julia PATH          Julia executable                                   default: julia on PATH
  --version SPEC        Julia to use or install: lts, 1, 1.10, 1.10.4, ^1.9, pre, min, nightly
  --arch A              architecture of the Julia to install (x64, aarch64, x86)
  --download-url URL    mirror for versions.json and Julia archives
  --tool-cache DIR      where installed Julias are kept
  --tools-url URL       mirror for the LLVM tool archives chained builds download
  --output FILE         image path                                         default: ./sysimage.<so|dylib|dll>
  --cpu-target T        native | portable | a Julia target list            default: native
  --mode M              auto | full | chained                              default: auto
  --image-threads N     LLVM threads for the object build (Julia ≥ 1.10)   default: every CPU the free memory allows
  --cache-dir DIR       where finished images are cached                   default: ~/.cache/julia-sysimage/images
  --no-cache            neither restore nor save an image
  --cache-key-prefix P  prefix for cache keys (separate or invalidate entries)
  --workload-timeout M  stop a workload run after M minutes             default: no limit
  --no-measure          skip the runs without/with the image
  --keep-work           keep the work folder (traces, object file, reports)
  -h, --help            show this help`

export interface BuildArgs {
  request: BuildRequest
  /** The local image cache folder, or undefined with --no-cache. */
  cacheDir?: string
}

/**
 * Pure: turns `build` flags into a BuildRequest. With neither --project nor --workload it builds
 * the example shipped in `exampleDir`, so `julia-sysimage build` works out of the box.
 */
export function parseBuildArgs(
  argv: string[],
  cwd: string,
  env: NodeJS.ProcessEnv,
  exampleDir: string,
  home: string = os.homedir()
): BuildArgs | 'help' {
  const values = parseFlags(
    argv,
    {
      project: { type: 'string' },
      workload: { type: 'string', multiple: true },
      statements: { type: 'string', multiple: true },
      package: { type: 'string', multiple: true },
      julia: { type: 'string' },
      version: { type: 'string' },
      arch: { type: 'string' },
      'download-url': { type: 'string' },
      'tool-cache': { type: 'string' },
      'tools-url': { type: 'string' },
      output: { type: 'string', short: 'o' },
      'cpu-target': { type: 'string' },
      mode: { type: 'string' },
      'image-threads': { type: 'string' },
      'cache-dir': { type: 'string' },
      'no-cache': { type: 'boolean' },
      'cache-key-prefix': { type: 'string' },
      'workload-timeout': { type: 'string' },
      'no-measure': { type: 'boolean' },
      'keep-work': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' }
    },
    'build'
  )
  if (values.help) return 'help'
  const resolve = (p: string) => path.resolve(cwd, p)
  const optional = (p: string | undefined) => (p === undefined ? undefined : resolve(p))
  const useExample = values.project === undefined && values.workload === undefined
  const request: BuildRequest = {
    projectDir: useExample ? exampleDir : resolve(values.project ?? '.'),
    workloads: useExample
      ? [path.join(exampleDir, 'workload.jl')]
      : (values.workload ?? []).map(resolve),
    statementFiles: (values.statements ?? []).map(resolve),
    packages: parseNameList((values.package ?? []).join(',')),
    juliaPath: optional(values.julia),
    juliaVersion: values.version,
    arch: values.arch,
    downloadUrl: values['download-url'],
    toolCacheDir: optional(values['tool-cache']),
    toolsUrl: values['tools-url'],
    output: optional(values.output),
    cpuTarget: values['cpu-target'] ?? 'native',
    mode: parseMode(values.mode ?? ''),
    imageThreads: parseImageThreads(values['image-threads'] ?? ''),
    cacheKeyPrefix: values['cache-key-prefix'] ?? '',
    workloadTimeoutMinutes: parseTimeoutMinutes(values['workload-timeout'] ?? ''),
    measure: !values['no-measure'],
    keepWorkDir: values['keep-work'] ?? false,
    env
  }
  const cacheDir = values['no-cache']
    ? undefined
    : (optional(values['cache-dir']) ?? path.join(userCacheDir(env, home), 'images'))
  return { request, cacheDir }
}
