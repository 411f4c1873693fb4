import { promises as fs } from 'node:fs'
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

/** Pure: the image check's result file. */
export function parseLoadCheck(text: string, expectedImage: string): LoadCheck {
  const rows = parseKeyValueRows(text)
  const image = rows.find((row) => row[0] === 'image')?.[1]
  if (!image || path.resolve(image) !== path.resolve(expectedImage)) {
    throw new Error(`Julia started with image ${image ?? '(none)'} instead of ${expectedImage}`)
  }
  const packages = rows.filter((row) => row[0] === 'package')
  return {
    packagesInImage: packages.filter((row) => row[2] === 'true').map((row) => row[1]),
    packagesMissing: packages.filter((row) => row[2] !== 'true').map((row) => row[1])
  }
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
export type StdoutKind = 'pipe' | 'file'

export interface Verification {
  load: LoadCheck
  without?: WorkloadTiming
  /** The run with the image and stdout a pipe. */
  with?: WorkloadTiming
  /** The headline: the bigger of the residuals per stdout kind. */
  residual?: Residual
  residualByStdout?: Record<StdoutKind, Residual>
}

/** Pure: the headline residual, the bigger of the two (the pipe's on a tie). */
export function headlineResidual(byStdout: Record<StdoutKind, Residual>): Residual {
  return byStdout.file.count > byStdout.pipe.count ? byStdout.file : byStdout.pipe
}

export interface VerifySpec {
  image: string
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
  return parseLoadCheck(await fs.readFile(checkFile, 'utf8'), image)
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

  const run = (name: string, image?: string, stdoutFile?: string) => {
    const traceFile = path.join(spec.workDir, `verify-${name}.trace.jl`)
    return runWorkloads(
      julia,
      {
        projectDir: spec.projectDir,
        packagesFile: spec.packagesFile,
        resultFile: path.join(spec.workDir, `verify-${name}.txt`),
        workloads: spec.workloads,
        traceFile,
        image,
        timeoutMs: spec.timeoutMs,
        stdoutFile
      },
      'measure',
      env,
      image ? 'with the new image' : 'without the image'
    ).then(async (timing) => ({ timing, trace: await fs.readFile(traceFile, 'utf8') }))
  }
  const without = await run('without')
  // Users run a workload with stdout a pipe (CI, `| tee`) or a file (`> log.txt`, cron): Julia
  // compiles printing methods per stdout type, so the image is measured with both.
  const withPipe = await run('with', spec.image)
  const withFile = await run(
    'with-file',
    spec.image,
    path.join(spec.workDir, 'verify-with-file.stdout.txt')
  )
  const residualByStdout = {
    pipe: residualOf(withPipe.trace),
    file: residualOf(withFile.trace)
  }
  return {
    load,
    without: without.timing,
    with: withPipe.timing,
    residual: headlineResidual(residualByStdout),
    residualByStdout
  }
}
