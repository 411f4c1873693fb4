import { promises as fs } from 'node:fs'
import path from 'node:path'
import { UserError } from './errors.js'
import type { JuliaFlags } from './julia-flags.js'
import { tempPathBeside } from './util/atomic.js'
import { formatBytes } from './util/memory.js'
import { isDirectory, isFile } from './util/files.js'

/**
 * How an image is built: `full` re-emits the whole image; `chained` links only the new code onto
 * a base archive (patched Julia); `layered` builds an image of the registry dependencies plus
 * package images of the project's own code and of a generated workload package (Julia ≥ 1.9).
 */
export type BuildMode = 'full' | 'chained' | 'layered'

/** Everything a build needs, parsed once from CLI flags or action inputs. Paths are absolute. */
export interface BuildRequest {
  projectDir: string
  workloads: string[]
  /** Extra statement files (`precompile(...)` lines) merged with the traced ones. */
  statementFiles: string[]
  /** An explicit Julia executable; otherwise Julia is selected from the version spec or PATH. */
  juliaPath?: string
  /** A version spec to install when no suitable Julia is present (see `julia/select.ts`). */
  juliaVersion?: string
  /** Architecture of the Julia to install (x64, aarch64, x86; default this machine's). */
  arch?: string
  /** Mirror base for versions.json and the Julia archives. */
  downloadUrl?: string
  /** Tool cache folder for installed Julias; default RUNNER_TOOL_CACHE or the user's cache. */
  toolCacheDir?: string
  /**
   * Mirror for the LLVM tool archive (LLVM_full_jll, for llvm-objcopy) chained builds download; it
   * replaces the GitHub release folder, the sha256 still comes from the shipped tables.
   */
  toolsUrl?: string
  /** Where the image goes; default `sysimage.<dlext>` in the working directory. */
  output?: string
  /** `native`, `portable` or a Julia target string. */
  cpuTarget: string
  /** `auto` (chained when the Julia can, layered for own code on Julia ≥ 1.9, else full), `full`, `chained` or `layered`. */
  mode: 'auto' | BuildMode
  /** Packages to load, by name; default every direct dependency of the project. */
  packages?: string[]
  /** JULIA_IMAGE_THREADS for the object build (Julia ≥ 1.10); default Julia's own choice. */
  imageThreads?: number
  /**
   * The Julia flags of the step the image serves (`julia-flags`, e.g. a test step's
   * `--check-bounds=yes`): the build compiles and measures with them; part of every key.
   */
  juliaFlags: JuliaFlags
  /** Prepended to cache keys, to separate or invalidate entries. */
  cacheKeyPrefix: string
  /** Stop a workload run that takes longer than this (minutes; fractions allowed). */
  workloadTimeoutMinutes?: number
  /**
   * Stop the image build (`--output-o` process) after this many minutes; undefined means
   * `defaultBuildTimeoutMinutes`. It does not shape the image, so it is not in the cache key.
   */
  buildTimeoutMinutes?: number
  /** Run the workloads without and with the image to measure the gain. */
  measure: boolean
  /** Keep the work folder (traces, object, logs) for inspection. */
  keepWorkDir: boolean
  /** Where work folders are created; default the OS temp folder (RUNNER_TEMP in the action). */
  tempDir?: string
  /** Environment for every Julia process (JULIA_DEPOT_PATH etc. pass through). */
  env: NodeJS.ProcessEnv
}

/** A write probe: a read-only folder should fail now, not after a build of many minutes. */
async function assertWritable(dir: string): Promise<void> {
  const probe = tempPathBeside(path.join(dir, 'write-check'))
  try {
    await fs.writeFile(probe, '')
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    throw new UserError(
      'output',
      `cannot write in ${dir} (${code === 'EROFS' ? 'read-only file system' : code})`,
      'Choose an output path in a writable folder'
    )
  } finally {
    await fs.rm(probe, { force: true })
  }
}

/**
 * Checks there is room for the image: about the size of Julia's own image (a workload image
 * is a little smaller than the base or larger by its packages), with a margin.
 */
export async function assertSpaceFor(output: string, baseImage: string): Promise<void> {
  const [stat, base] = await Promise.all([fs.statfs(path.dirname(output)), fs.stat(baseImage)])
  const free = stat.bavail * stat.bsize
  const needed = Math.ceil(base.size * 1.5)
  if (free < needed) {
    throw new UserError(
      'output',
      `only ${formatBytes(free)} free in ${path.dirname(output)}, and the image needs about ${formatBytes(needed)}`,
      'Free some space or choose an output folder on a larger disk'
    )
  }
}

/** Checks that every named input file exists before any slow work starts. */
export async function checkInputFiles(request: BuildRequest): Promise<void> {
  for (const workload of request.workloads) {
    if (!(await isFile(workload))) {
      throw new UserError(
        'workload',
        `file ${workload} does not exist`,
        'Pass the path of a Julia script to run'
      )
    }
  }
  for (const file of request.statementFiles) {
    if (!(await isFile(file))) {
      throw new UserError(
        'precompile-statements',
        `file ${file} does not exist`,
        'Pass files of precompile(...) lines, e.g. written by julia --trace-compile'
      )
    }
  }
  if (request.output) {
    const dir = path.dirname(request.output)
    if (request.output.endsWith(path.sep) || (await isDirectory(request.output))) {
      throw new UserError(
        'output',
        `${request.output} is a folder`,
        'Pass a file path for the image, e.g. out/sysimage.so'
      )
    }
    await fs.mkdir(dir, { recursive: true }).catch((error: NodeJS.ErrnoException) => {
      throw new UserError(
        'output',
        `cannot create folder ${dir} (${error.code})`,
        'Choose an output path in a writable folder'
      )
    })
    await assertWritable(dir)
  }
}

/** Pure: the `mode` input. */
export function parseMode(value: string): BuildRequest['mode'] {
  const mode = value.trim() || 'auto'
  if (mode === 'auto' || mode === 'full' || mode === 'chained' || mode === 'layered') return mode
  throw new UserError(
    'mode',
    `${JSON.stringify(value)} is not a mode`,
    'Use auto, full, chained or layered'
  )
}

/** Pure: the `image-threads` input; empty means Julia's own default. */
export function parseImageThreads(value: string): number | undefined {
  const text = value.trim()
  if (text === '') return undefined
  const threads = Number(text)
  if (!Number.isInteger(threads) || threads < 1 || threads > 1024) {
    throw new UserError(
      'image-threads',
      `${JSON.stringify(value)} is not a thread count`,
      'Use a whole number from 1 up, or leave it empty for Julia’s default'
    )
  }
  return threads
}

/** Pure: a list input (`packages`): names separated by commas, spaces or newlines. */
export function parseNameList(value: string): string[] | undefined {
  const names = value.split(/[\s,]+/).filter((name) => name !== '')
  return names.length > 0 ? names : undefined
}

/**
 * The image build's time limit when none is given. Julia ≥ 1.9 writes the image only after every
 * task has ended (`jl_task_wait_empty` in src/precompile.c, JuliaLang/julia#46571), so a package
 * that leaves a task or timer running makes the build wait forever, and a hosted runner would
 * only cancel the job at its 6-hour limit, without a word about why. Object builds measured here
 * take 2–6 minutes for small projects on 2 cores; large dependency trees, `portable` (several
 * CPU targets) or one emission thread take many times that. 120 minutes leaves room for 20× the
 * measured builds and still ends hours before that limit, with an error that says what to do.
 */
export const defaultBuildTimeoutMinutes = 120

/**
 * Pure: a timeout input in minutes (`workload-timeout`, `build-timeout`); fractions allowed.
 * Empty means no limit for the workload and the default for the build.
 */
export function parseTimeoutMinutes(
  value: string,
  input: 'workload-timeout' | 'build-timeout' = 'workload-timeout'
): number | undefined {
  const text = value.trim()
  if (text === '') return undefined
  const minutes = Number(text)
  if (!Number.isFinite(minutes) || minutes <= 0) {
    const empty =
      input === 'build-timeout'
        ? `for the default, ${defaultBuildTimeoutMinutes} minutes`
        : 'for no limit'
    throw new UserError(
      input,
      `${JSON.stringify(value)} is not a number of minutes`,
      `Use a positive number of minutes (e.g. 30 or 0.5), or leave it empty ${empty}`
    )
  }
  return minutes
}
