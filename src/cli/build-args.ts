import os from 'node:os'
import path from 'node:path'
import {
  parseImageThreads,
  parseMode,
  parseNameList,
  parseTimeoutMinutes,
  type BuildRequest
} from '../request.js'
import { UserError } from '../errors.js'
import { parseJuliaFlags } from '../julia-flags.js'
import { userCacheDir } from '../util/user-cache.js'
import { parseFlags } from './flags.js'

export const buildUsage = `Usage: julia-sysimage build [options]

  --project DIR         Julia project (Project.toml, Manifest.toml)        default: the current folder when it
                        has a Project.toml, else the bundled example
  --workload FILE       script run to record compiled methods; repeatable  required for your own project
                        (default only for the bundled example)
  --statements FILE     extra precompile(...) statements; repeatable
  --package NAME        load only these of the project's packages; repeatable   default: all direct deps
  --julia PATH          Julia executable                                   default: julia on PATH
  --version SPEC        Julia to use or install: lts, 1, 1.10, 1.10.4, ^1.9, pre, min, nightly
  --arch A              architecture of the Julia to install (x64, aarch64, x86)
  --download-url URL    mirror for versions.json and Julia archives
  --tool-cache DIR      where installed Julias are kept
  --tools-url URL       mirror for the LLVM_full_jll archive (llvm-objcopy) chained builds download
  --output FILE         image path                                         default: ./sysimage.<so|dylib|dll>
  --cpu-target T        native | portable | a Julia target list            default: native
  --mode M              auto | full | chained | layered                    default: auto
  --image-threads N     LLVM threads for the object build (Julia ≥ 1.10)   default: every CPU the free memory allows
  --julia-flags "F…"    the Julia flags of the step the image serves, e.g. "--check-bounds=yes"
                        for Pkg.test(): --check-bounds, --inline, --depwarn
  --cache-dir DIR       where finished images are cached                   default: ~/.cache/julia-sysimage/images
  --no-cache            neither restore nor save an image
  --cache-key-prefix P  prefix for cache keys (separate or invalidate entries)
  --workload-timeout M  stop a workload run after M minutes                default: no limit
  --build-timeout M     stop the image build (--output-o) after M minutes  default: 120
  --no-measure          skip the runs without/with the image
  --keep-work           keep the work folder (traces, object file, reports)
  --julia-wrapper DIR   also write DIR/julia: Julia with the image (and layers) unless its command
                        line names a sysimage; put DIR first on PATH in a shell (Linux, macOS)
  -h, --help            show this help`

export interface BuildArgs {
  request: BuildRequest
  /** The local image cache folder, or undefined with --no-cache. */
  cacheDir?: string
  /** Which project is built and why, for the log when it was not named with --project. */
  projectNote?: string
  /** Where to write a `julia` that starts with the image (--julia-wrapper). */
  juliaWrapperDir?: string
}

/**
 * Pure: the project to build. `--project` wins; else the current folder when it is a Julia
 * project (so `julia-sysimage build` inside a project builds that project); else the bundled
 * example, unless workloads were given (they belong to some project of the user's: the current
 * folder, which then fails with a clear "no Project.toml").
 */
export function chooseProject(
  projectFlag: string | undefined,
  workloadsGiven: boolean,
  cwd: string,
  cwdIsProject: boolean,
  exampleDir: string
): { dir: string; note?: string } {
  if (projectFlag !== undefined) return { dir: path.resolve(cwd, projectFlag) }
  if (cwdIsProject) return { dir: cwd, note: `building the project in the current folder, ${cwd}` }
  if (workloadsGiven) return { dir: cwd }
  return {
    dir: exampleDir,
    note: `building the bundled example ${exampleDir} (the current folder has no Project.toml; pass --project DIR for another project)`
  }
}

/**
 * Pure: turns `build` flags into a BuildRequest. The project is chosen by `chooseProject`. The
 * bundled example brings its own workload; any other project needs `--workload` (or
 * `--statements`): an image built from no workload holds the packages but makes no workload
 * faster, and guessing one (a test suite, say) would often run code the project environment
 * cannot load (test-only dependencies) or take far longer than a build should.
 * `cwdIsProject`: the working directory holds a Project.toml or JuliaProject.toml.
 */
export function parseBuildArgs(
  argv: string[],
  cwd: string,
  env: NodeJS.ProcessEnv,
  exampleDir: string,
  home: string = os.homedir(),
  cwdIsProject = false
): BuildArgs | 'help' {
  const values = parseFlags(
    joinFlagValues(argv, ['--julia-flags']),
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
      'julia-flags': { type: 'string' },
      'cache-dir': { type: 'string' },
      'no-cache': { type: 'boolean' },
      'cache-key-prefix': { type: 'string' },
      'workload-timeout': { type: 'string' },
      'build-timeout': { type: 'string' },
      'no-measure': { type: 'boolean' },
      'keep-work': { type: 'boolean' },
      'julia-wrapper': { type: 'string' },
      help: { type: 'boolean', short: 'h' }
    },
    'build'
  )
  if (values.help) return 'help'
  const resolve = (p: string) => path.resolve(cwd, p)
  const optional = (p: string | undefined) => (p === undefined ? undefined : resolve(p))
  const project = chooseProject(
    values.project,
    values.workload !== undefined,
    cwd,
    cwdIsProject,
    exampleDir
  )
  const isExample = path.resolve(project.dir) === path.resolve(exampleDir)
  requireWorkload(project.dir, isExample, values.workload, values.statements)
  const request: BuildRequest = {
    projectDir: project.dir,
    workloads:
      values.workload === undefined && isExample
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
    juliaFlags: parseJuliaFlags(values['julia-flags'] ?? ''),
    cacheKeyPrefix: values['cache-key-prefix'] ?? '',
    workloadTimeoutMinutes: parseTimeoutMinutes(values['workload-timeout'] ?? ''),
    buildTimeoutMinutes: parseTimeoutMinutes(values['build-timeout'] ?? '', 'build-timeout'),
    measure: !values['no-measure'],
    keepWorkDir: values['keep-work'] ?? false,
    env
  }
  const cacheDir = values['no-cache']
    ? undefined
    : (optional(values['cache-dir']) ?? path.join(userCacheDir(env, home), 'images'))
  return {
    request,
    cacheDir,
    projectNote: project.note,
    juliaWrapperDir: optional(values['julia-wrapper'])
  }
}

/**
 * Pure: `--name VALUE` as `--name=VALUE` for flags whose value is itself Julia flags: Node's
 * parser refuses a separate value that starts with a dash (`--julia-flags --check-bounds=yes`).
 */
export function joinFlagValues(argv: string[], names: string[]): string[] {
  const joined: string[] = []
  for (let i = 0; i < argv.length; i++) {
    if (names.includes(argv[i]) && i + 1 < argv.length) {
      joined.push(`${argv[i]}=${argv[i + 1]}`)
      i++
    } else joined.push(argv[i])
  }
  return joined
}

/** Any project but the bundled example needs a workload or statement files. */
function requireWorkload(
  projectDir: string,
  isExample: boolean,
  workloads: string[] | undefined,
  statements: string[] | undefined
): void {
  if (workloads === undefined && !isExample && statements === undefined) {
    throw new UserError(
      'workload',
      `building ${projectDir} needs a workload: the script whose compile time the image should remove`,
      'Pass --workload FILE (repeatable), e.g. a script that loads your package and calls the functions you use; or --statements FILE with precompile(...) statements'
    )
  }
}
