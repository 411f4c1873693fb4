import path from 'node:path'
import type { TerminalRunner } from '../util/terminal.js'
import { juliaScript } from './scripts.js'
import { atLeast, type JuliaVersion } from './version.js'

/**
 * Pure construction of every Julia command line julia-sysimage runs. Everything a user supplies
 * (paths, package names, statements) travels as a separate argv element or inside a file, never
 * inside Julia source text.
 */
export interface JuliaCommand {
  args: string[]
  /** Variables to set on top of the inherited environment. */
  env: Record<string, string>
}

/**
 * Flags of the processes that run the workload (trace, verify) and of the load check: they must
 * run the methods a user's plain `julia --project=… workload.jl` runs, so nothing here may change
 * the type of stdout/stderr or which methods are called.
 * - `--startup-file=no`: `~/.julia/config/startup.jl` is the build machine's personal file, not
 *   part of the workload; running it would record its packages (Revise, OhMyREPL, …) into the
 *   image. The workload's own code runs the same with or without it.
 * - `--history-file=no`: only the interactive REPL reads or writes the history; a script never.
 * Deliberately absent: `--color=no` (on Julia 1.10, measured, it makes stdout an
 * `IOContext{Base.PipeEndpoint}` instead of a `Base.PipeEndpoint`, so the trace recorded and
 * verify measured other methods than users run), `-O`, `--check-bounds`, `--inline`,
 * `--compile`, `--code-coverage` (each changes which code runs or whether the image's code is
 * used at all).
 */
function runFlags(): string[] {
  return ['--startup-file=no', '--history-file=no']
}

/**
 * Flags of the processes whose output is the tool's own (instantiate, the `--output-o` build):
 * these print nothing users' methods depend on, and uncoloured output keeps error messages and
 * logs free of escape codes. `--color=no` stays here; it is also part of the base archive's key.
 */
function baseFlags(): string[] {
  return [...runFlags(), '--color=no']
}

/**
 * Julia ≥ 1.9 caches native code in package images. The image build cannot use them, and a
 * trace taken with them would miss every method whose code came from a package image, so the
 * build side of the pipeline runs with `--pkgimages=no` (as PackageCompiler does).
 */
function buildSideFlags(version: JuliaVersion): string[] {
  return atLeast(version, 1, 9) ? ['--pkgimages=no'] : []
}

/**
 * What setting up a project does: download what the manifest names, precompile it, and give the
 * stdlibs an image holds for later steps (later-step-stdlibs.ts) caches of their own.
 */
export type SetupStep = 'instantiate' | 'precompile' | 'stdlibs'

/**
 * `--pkgimages=no` only when precompiling: those are the caches the image build loads. Instantiate
 * alone (a cache hit, or the step before keying) compiles nothing and needs no caches, and from
 * Julia 1.11 Pkg is no longer in the default image (JuliaLang/julia#51189): under
 * `--pkgimages=no` Julia rejects the package-image caches it ships for Pkg and its dependencies,
 * so `using Pkg` would precompile them for minutes on every fresh runner.
 */
export function setupProjectCommand(
  version: JuliaVersion,
  projectDir: string,
  steps: readonly SetupStep[] = ['instantiate', 'precompile'],
  /** The served step's code flags (`JuliaFlags.code`): the caches the build loads match them. */
  codeFlags: readonly string[] = [],
  /**
   * For the `stdlibs` step: the stdlibs the image holds besides the project's packages
   * (later-step-stdlibs.ts). Outside the project's manifest, Julia's parallel precompile skips
   * them; the script compiles their caches one by one.
   */
  stdlibs: readonly { uuid: string; name: string }[] = []
): JuliaCommand {
  const compiles = steps.includes('precompile') || steps.includes('stdlibs')
  return {
    args: [
      ...baseFlags(),
      ...(compiles ? [...buildSideFlags(version), ...codeFlags] : []),
      `--project=${projectDir}`,
      juliaScript('project'),
      ...steps,
      ...(steps.includes('stdlibs') ? stdlibs.map((s) => `--stdlib=${s.uuid}:${s.name}`) : [])
    ],
    // Pkg would otherwise precompile during instantiate and again on request
    env: { JULIA_PKG_PRECOMPILE_AUTO: '0' }
  }
}

/**
 * Precompiles package images with the flags users run with (default ones, or the served step's
 * code flags), so that the "without image" timing is fair.
 */
export function precompileDefaultCommand(
  projectDir: string,
  codeFlags: readonly string[] = []
): JuliaCommand {
  return {
    args: [
      ...baseFlags(),
      ...codeFlags,
      `--project=${projectDir}`,
      juliaScript('project'),
      'precompile'
    ],
    env: { JULIA_PKG_PRECOMPILE_AUTO: '0' }
  }
}

export interface WorkloadRun {
  projectDir: string
  packagesFile: string
  resultFile: string
  workloads: string[]
  /** Record the statements compiled at run time into this file. */
  traceFile?: string
  /** Start from this image instead of Julia's default one. */
  image?: string
  /** Kill the run after this many milliseconds (the `workload-timeout` input). */
  timeoutMs?: number
  /** Send the workload's stdout to this file instead of a pipe (as `julia … > log.txt` does). */
  stdoutFile?: string
  /**
   * The layer folder of a layered image that is not in its place yet (JULIA_SYSIMAGE_LAYERS,
   * read by the hook built into the image, julia/layer_hook.jl).
   */
  layers?: string
  /** Run on a pseudo-terminal instead, as in a terminal window (stdout a `Base.TTY`). */
  terminal?: TerminalRunner
  /** The Julia flags of the step the image serves (`JuliaFlags.all`), as that step passes them. */
  flags?: readonly string[]
}

/** One workload script run in its own process: what `workloadCommand` needs. */
export interface WorkloadProcess {
  projectDir: string
  packagesFile: string
  resultFile: string
  workload: string
  traceFile?: string
  image?: string
  layers?: string
  flags?: readonly string[]
}

/**
 * `JULIA_LOAD_PATH` for the processes whose output shapes the image (trace, `--output-o`): the
 * project and the stdlibs only, as PackageCompiler does. Julia's default load path also holds
 * `@v#.#`, the user's global environment, whose packages and `LocalPreferences.toml` (compile-time
 * preferences merge over the whole load path, base/loading.jl) would then enter the image without
 * being in the cache key. `delimiter` is the platform's (`:`, `;` on Windows), as Julia splits it
 * (base/initdefs.jl `init_load_path`).
 */
export function isolatedLoadPath(delimiter: string = path.delimiter): string {
  return ['@', '@stdlib'].join(delimiter)
}

/**
 * Why a workload runs: `trace` records the statements of an image build; `retrace` records what a
 * layered build's package layers still leave to run time (package images on, as users run);
 * `measure` times the workload and counts what it still compiles.
 */
export type WorkloadPurpose = 'trace' | 'retrace' | 'measure'

/**
 * Runs one workload as `julia workload.jl` runs it, with the driver loaded ahead of it by `-L`
 * (`julia/trace.jl`): Julia sets `PROGRAM_FILE` and `ARGS`, runs a `@main` entry point
 * and honours `exit()` itself, and the driver's result is written at exit. The trace run uses
 * the build-side flags and the isolated load path; measurement runs use what a user has, with
 * or without `-J`. A layered image gets its layer folder from JULIA_SYSIMAGE_LAYERS, found by the
 * hook in the image as a user's start finds the folder beside the image.
 */
export function workloadCommand(
  version: JuliaVersion,
  spec: WorkloadProcess,
  purpose: WorkloadPurpose
): JuliaCommand {
  // the served step's flags (`julia-flags`): a user's run of that step has them
  const args = [...runFlags(), ...(spec.flags ?? [])]
  // `--pkgimages=no` (Julia ≥ 1.9) changes where native code comes from, not which methods are
  // dispatched; without it the trace would miss every method a package image already held.
  if (purpose === 'trace') args.push(...buildSideFlags(version))
  if (spec.image) args.push(`--sysimage=${spec.image}`)
  args.push(`--project=${spec.projectDir}`)
  // `--trace-compile` only writes what is compiled to a file; it changes nothing that runs
  if (spec.traceFile) args.push(`--trace-compile=${spec.traceFile}`)
  // `-L` files run before the program file, after Julia has taken it off ARGS (base/client.jl
  // `exec_options`, Julia 1.5 through 1.13)
  args.push('-L', juliaScript('trace'), spec.workload)
  const env: Record<string, string> = {
    JULIA_SYSIMAGE_PACKAGES: spec.packagesFile,
    JULIA_SYSIMAGE_RESULT: spec.resultFile
  }
  if (purpose !== 'measure') env.JULIA_LOAD_PATH = isolatedLoadPath()
  if (spec.layers) env.JULIA_SYSIMAGE_LAYERS = spec.layers
  return { args, env }
}

export interface LayersBuild {
  /** The dependency image the package images are built on. */
  image: string
  projectDir: string
  layersDir: string
  /** "<uuid> <name>" per line, dependencies first. */
  packagesFile: string
  reportFile: string
  /** Where the workload package's precompilation writes its replay counts. */
  workloadReportFile: string
  /** The build's CPU target: what the package images are compiled for, as the image is. */
  cpuTarget: string
  /** The served step's code flags: Julia accepts a package image only with the flags it was built with. */
  codeFlags?: readonly string[]
}

/**
 * Precompiles package images on a dependency image (`julia/layers.jl`), with the flags users run
 * with: no `--pkgimages=no`, no `--color`, default `-O` and `--check-bounds`, since a package
 * image is valid only for the flags it was built with (base/loading.jl `CacheFlags`). The load
 * path is the project's and the stdlibs', as for the dependency image's build.
 */
export function layersCommand(spec: LayersBuild): JuliaCommand {
  return {
    args: [
      ...runFlags(),
      ...(spec.codeFlags ?? []),
      `--sysimage=${spec.image}`,
      `--project=${spec.projectDir}`,
      juliaScript('layers'),
      spec.layersDir,
      spec.packagesFile,
      spec.reportFile
    ],
    env: {
      JULIA_LOAD_PATH: isolatedLoadPath(),
      JULIA_SYSIMAGE_WORKLOAD_REPORT: spec.workloadReportFile,
      // Julia compiles a package image for JULIA_CPU_TARGET when it is set, else for the loading
      // process's `-C` (base/loading.jl `create_expr_cache`, 1.10 to 1.13): set, every layer
      // is built for the requested target (and a runner's own JULIA_CPU_TARGET cannot change it)
      JULIA_CPU_TARGET: spec.cpuTarget
    }
  }
}

export interface ObjectBuild {
  projectDir: string
  baseImage: string
  cpuTarget: string
  objectFile: string
  packagesFile: string
  statementsFile: string
  reportFile: string
  /**
   * The statements added for other stdout kinds (see stream-variants.ts): replayed after the
   * traced ones and counted apart in the report.
   */
  variantsFile?: string
  /**
   * "<uuid> <name>" of the modules the traced workload had loaded, for the build to load those
   * not in the image yet (stdlibs outside Julia ≥ 1.11's default image, indirect dependencies).
   */
  workloadModulesFile?: string
  /** "<uuid> <name>" of the stdlibs the image holds for later steps (later-step-stdlibs.ts). */
  stdlibsFile?: string
  /** JULIA_IMAGE_THREADS for Julia ≥ 1.10 (parallel LLVM emission); undefined = Julia's default. */
  imageThreads?: number
  /** Emit only the new code, to be linked onto `baseImage`'s archive (chained mode). */
  chained?: boolean
  /**
   * The start-up hook to build into the image after the packages (julia/layer_hook.jl), and the
   * packages the image holds as the manifest resolved them (see held-file.ts), for its warning.
   */
  hook?: { file: string; held: string }
  /** The served step's code flags: the image's code compiled as that step would compile it. */
  codeFlags?: readonly string[]
}

/**
 * The environment of every `--output-o` process: Julia threads pinned to 1 (known hangs
 * otherwise, PackageCompiler #963/#990); LLVM emission threads are separate (JULIA_IMAGE_THREADS).
 */
function outputEnv(
  version: JuliaVersion,
  imageThreads: number | undefined
): Record<string, string> {
  const env: Record<string, string> = {
    JULIA_NUM_THREADS: '1',
    // the packages the trace saw, from the same places (see isolatedLoadPath)
    JULIA_LOAD_PATH: isolatedLoadPath()
  }
  if (imageThreads !== undefined && atLeast(version, 1, 10)) {
    env.JULIA_IMAGE_THREADS = String(imageThreads)
  }
  return env
}

/** The flags of an `--output-o` process other than paths and the target. */
function outputFlags(version: JuliaVersion): string[] {
  return [...baseFlags(), ...buildSideFlags(version), '--threads=1']
}

/**
 * The `--output-o` process. `--sysimage` is always explicit: without it the output process would
 * bootstrap with no image at all.
 */
export function objectBuildCommand(version: JuliaVersion, spec: ObjectBuild): JuliaCommand {
  return {
    args: [
      ...outputFlags(version),
      ...(spec.codeFlags ?? []),
      ...(spec.chained ? ['--sysimage-native-code=chained'] : []),
      `--sysimage=${spec.baseImage}`,
      `--project=${spec.projectDir}`,
      `--cpu-target=${spec.cpuTarget}`,
      `--output-o=${spec.objectFile}`,
      juliaScript('object'),
      spec.packagesFile,
      spec.statementsFile,
      spec.reportFile,
      // `chained` stays the 4th script argument; the variants file is tagged, after it
      ...(spec.chained ? ['chained'] : []),
      ...(spec.variantsFile ? [`--variants=${spec.variantsFile}`] : []),
      ...(spec.workloadModulesFile ? [`--loaded=${spec.workloadModulesFile}`] : []),
      ...(spec.stdlibsFile ? [`--stdlibs=${spec.stdlibsFile}`] : []),
      ...(spec.hook ? [`--hook=${spec.hook.file}`, `--held=${spec.hook.held}`] : [])
    ],
    env: outputEnv(version, spec.imageThreads)
  }
}

export interface BaseArchiveBuild {
  /** Julia's own default image, regenerated with its native code. */
  juliaImage: string
  cpuTarget: string
  objectFile: string
  imageThreads?: number
}

/** Pure: the flags that shape a base archive (for its cache key): everything but paths and target. */
export function baseArchiveFlags(version: JuliaVersion): string[] {
  return outputFlags(version)
}

/**
 * Regenerates the object archive of Julia's default image (official builds do not ship it),
 * for chained images to link against.
 */
export function baseArchiveCommand(version: JuliaVersion, spec: BaseArchiveBuild): JuliaCommand {
  return {
    args: [
      ...baseArchiveFlags(version),
      `--sysimage=${spec.juliaImage}`,
      `--cpu-target=${spec.cpuTarget}`,
      `--output-o=${spec.objectFile}`,
      juliaScript('base_archive')
    ],
    env: outputEnv(version, spec.imageThreads)
  }
}

export function checkImageCommand(
  image: string,
  projectDir: string,
  packagesFile: string,
  resultFile: string
): JuliaCommand {
  return {
    args: [
      ...runFlags(),
      `--sysimage=${image}`,
      `--project=${projectDir}`,
      juliaScript('verify'),
      packagesFile,
      resultFile
    ],
    env: {}
  }
}
