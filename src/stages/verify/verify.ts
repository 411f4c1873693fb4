import { promises as fs } from 'node:fs'
import { findTerminalRunner, type TerminalRunner } from '../../util/terminal.js'
import path from 'node:path'
import { UserError, errorMessage } from '../../errors.js'
import { checkImageCommand } from '../../julia/commands.js'
import { parseKeyValueRows } from '../../julia/keyvalue.js'
import type { JuliaInfo } from '../../julia/probe.js'
import { packagesFileText, type PackageRef } from '../project/index.js'
import { juliaExitDetail } from '../../julia/failure.js'
import { runJulia } from '../../julia/process.js'
import { filterStatements, runWorkloads, type WorkloadTiming } from '../trace/index.js'

export interface LoadCheck {
  /** Packages of the project that the image already holds (no loading at run time). */
  packagesInImage: string[]
  packagesMissing: string[]
}

/** Pure: the image check's result file: the image Julia says it started with, and the packages. */
export function parseLoadCheck(text: string): { image?: string; load: LoadCheck } {
  const rows = parseKeyValueRows(text)
  const image = rows.find((row) => row[0] === 'image')?.[1]
  const packages = rows.filter((row) => row[0] === 'package')
  return {
    image: image || undefined,
    load: {
      packagesInImage: packages.filter((row) => row[2] === 'true').map((row) => row[1]),
      packagesMissing: packages.filter((row) => row[2] !== 'true').map((row) => row[1])
    }
  }
}

/**
 * Whether two paths name the same file (the same device and inode; Node's bigint stat, since
 * Windows file indexes exceed 2^53). False when either cannot be read.
 */
export async function sameFile(a: string, b: string): Promise<boolean> {
  const [x, y] = await Promise.all(
    [a, b].map((p) => fs.stat(p, { bigint: true }).catch(() => undefined))
  )
  if (!x || !y) return false
  // a file system without inode numbers reports 0: fall back to the resolved paths
  if (x.ino === 0n || y.ino === 0n) return (await fs.realpath(a)) === (await fs.realpath(b))
  return x.dev === y.dev && x.ino === y.ino
}

/**
 * Checks that Julia started with `expected`. Julia records the image it loads as an absolute path
 * with symlinks resolved (`jl_options.image_file`, passed through `absrealpath` by its C start-up
 * code; seen on Julia 1.5.3 and 1.10.8), so it names the image differently from us whenever a
 * symlink is on the way: macOS's temporary folders (/var → /private/var), an output or cache
 * folder under a symlink. Hence compared as files, not as path strings.
 */
export async function assertStartedWith(
  reported: string | undefined,
  expected: string
): Promise<void> {
  if (reported !== undefined && (await sameFile(reported, expected))) return
  throw new Error(`Julia started with image ${reported ?? '(none)'} instead of ${expected}`)
}

export interface Residual {
  /** Statements still compiled at run time with the image (Main-bound ones excluded). */
  count: number
  /** Those compiled for the workload script's own definitions, which no image can hold. */
  main: number
  statements: string[]
}

/** Pure: what the workload still compiled at run time with the image. */
export function residualOf(traceText: string): Residual {
  const { statements, counts } = filterStatements([traceText])
  return { count: statements.length + counts.malformed, main: counts.main, statements }
}

/** Where the workload's stdout pointed in a run with the image. */
export type StdoutKind = 'pipe' | 'file' | 'terminal'

/** The residual of each run with the image; a terminal only where one could be made. */
export type ResidualByStdout = Record<'pipe' | 'file', Residual> & { terminal?: Residual }

export interface Verification {
  load: LoadCheck
  without?: WorkloadTiming
  /** The run with the image and stdout a pipe. */
  with?: WorkloadTiming
  /** The headline: the bigger of the residuals per stdout kind. */
  residual?: Residual
  residualByStdout?: ResidualByStdout
}

/**
 * Pure: the headline residual, the bigger of the pipe's and the file's (the pipe's on a tie): the
 * stdout kinds the trace's variants cover. A terminal is reported beside it: code that only runs
 * on a terminal (a width from `displaysize`, colours) is never traced, so what it compiles is not
 * in the image (measured on Julia 1.12: `print(::Base.TTY, ::String)`, `repeat(::Char, ::Int64)`).
 */
export function headlineResidual(byStdout: ResidualByStdout): Residual {
  return byStdout.file.count > byStdout.pipe.count ? byStdout.file : byStdout.pipe
}

export interface VerifySpec {
  image: string
  /** The served step's Julia flags (`julia-flags`): the measuring runs use them, as that step does. */
  flags?: readonly string[]
  /** A layered image's layer folder, for the runs with the image (see `WorkloadRun.layers`). */
  layers?: string
  /** Variables set only for the runs with the image. */
  withImageEnv?: NodeJS.ProcessEnv
  /**
   * The packages the measuring runs load before the workload, when they are not those the image
   * holds (a layered image: the own packages come from its package images), so that "load"
   * covers every package and "first work" only the workload, as for a full image.
   */
  measurePackagesFile?: string
  projectDir: string
  packagesFile: string
  workloads: string[]
  workDir: string
  measure: boolean
  timeoutMs?: number
}

/** Starts Julia with the image once and reports which packages it already holds. */
export async function checkImageLoads(
  julia: JuliaInfo,
  image: string,
  projectDir: string,
  packagesFile: string,
  workDir: string,
  env: NodeJS.ProcessEnv
): Promise<LoadCheck> {
  const checkFile = path.join(workDir, 'check.txt')
  const check = await runJulia(
    julia,
    checkImageCommand(image, projectDir, packagesFile, checkFile),
    env
  )
  if (check.code !== 0) {
    throw new UserError(
      'image',
      `the image does not load ${juliaExitDetail(check, julia)}`,
      'Rebuild with --keep-work and report the log; an image must be used with the Julia that built it'
    )
  }
  const parsed = parseLoadCheck(await fs.readFile(checkFile, 'utf8'))
  await assertStartedWith(parsed.image, image)
  return parsed.load
}

/**
 * `checkImageLoads` for an image outside a build (a cache entry, a base): the packages file and
 * the result go to a scratch folder under `parentDir`, removed afterwards.
 */
export async function checkImageLoadsAlone(
  julia: JuliaInfo,
  image: string,
  projectDir: string,
  packages: PackageRef[],
  parentDir: string,
  env: NodeJS.ProcessEnv
): Promise<LoadCheck> {
  const scratch = await fs.mkdtemp(path.join(parentDir, 'julia-sysimage-check-'))
  try {
    const packagesFile = path.join(scratch, 'packages.txt')
    await fs.writeFile(packagesFile, packagesFileText(packages))
    return await checkImageLoads(julia, image, projectDir, packagesFile, scratch, env)
  } finally {
    await fs.rm(scratch, { recursive: true, force: true })
  }
}

/** Why a stored image cannot be used (the first line of its load check's error), or undefined. */
export async function loadProblem(
  ...args: Parameters<typeof checkImageLoadsAlone>
): Promise<string | undefined> {
  try {
    await checkImageLoadsAlone(...args)
    return undefined
  } catch (error) {
    return errorMessage(error).split('\n')[0]
  }
}

/** Loads the image once, then (when measuring) runs the workloads without and with it. */
export async function verifyImage(
  julia: JuliaInfo,
  spec: VerifySpec,
  env: NodeJS.ProcessEnv
): Promise<Verification> {
  const load = await checkImageLoads(
    julia,
    spec.image,
    spec.projectDir,
    spec.packagesFile,
    spec.workDir,
    env
  )
  if (!spec.measure || spec.workloads.length === 0) return { load }

  const run = (
    name: string,
    image?: string,
    stdout: { file?: string; terminal?: TerminalRunner } = {}
  ) => {
    const traceFile = path.join(spec.workDir, `verify-${name}.trace.jl`)
    return runWorkloads(
      julia,
      {
        projectDir: spec.projectDir,
        packagesFile: spec.measurePackagesFile ?? spec.packagesFile,
        resultFile: path.join(spec.workDir, `verify-${name}.txt`),
        workloads: spec.workloads,
        traceFile,
        image,
        layers: image ? spec.layers : undefined,
        timeoutMs: spec.timeoutMs,
        stdoutFile: stdout.file,
        terminal: stdout.terminal,
        flags: spec.flags
      },
      'measure',
      image ? { ...env, ...spec.withImageEnv } : env,
      image ? 'with the new image' : 'without the image'
    ).then(async (timing) => ({ timing, trace: await fs.readFile(traceFile, 'utf8') }))
  }
  const without = await run('without')
  // Users run a workload with stdout a pipe (CI, `| tee`), a file (`> log.txt`, cron) or a
  // terminal: Julia compiles printing methods per stdout type, so the image is measured with each
  // (a terminal where this machine can make one, see util/terminal.ts).
  const withPipe = await run('with', spec.image)
  const withFile = await run('with-file', spec.image, {
    file: path.join(spec.workDir, 'verify-with-file.stdout.txt')
  })
  const terminal = await findTerminalRunner(env)
  const withTerminal = terminal && (await run('with-terminal', spec.image, { terminal }))
  const residualByStdout: ResidualByStdout = {
    pipe: residualOf(withPipe.trace),
    file: residualOf(withFile.trace),
    ...(withTerminal ? { terminal: residualOf(withTerminal.trace) } : {})
  }
  return {
    load,
    without: without.timing,
    with: withPipe.timing,
    residual: headlineResidual(residualByStdout),
    residualByStdout
  }
}
