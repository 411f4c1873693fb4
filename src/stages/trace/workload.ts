import { promises as fs } from 'node:fs'
import path from 'node:path'
import { UserError } from '../../errors.js'
import {
  workloadCommand,
  type WorkloadProcess,
  type WorkloadPurpose,
  type WorkloadRun
} from '../../julia/commands.js'
import { parseKeyValue, parseKeyValueRows } from '../../julia/keyvalue.js'
import type { PackageRef } from '../project/index.js'
import type { JuliaInfo } from '../../julia/probe.js'
import { juliaExitDetail } from '../../julia/failure.js'
import { runJulia } from '../../julia/process.js'
import type { RunResult } from '../../util/process.js'

export interface WorkloadTiming {
  /** Process start until every package is loaded, in ms. */
  loadMs: number
  /** Running the workloads the first time in that process, in ms. */
  workMs: number
}

/** Pure: timings from the driver's result file and the spawn time seen by Node. */
export function parseWorkloadTiming(resultText: string, spawnedAtMs: number): WorkloadTiming {
  const values = parseKeyValue(resultText)
  const loaded = Number(values.get('loaded_at')) * 1000
  const done = Number(values.get('done_at')) * 1000
  if (!Number.isFinite(loaded) || !Number.isFinite(done))
    throw new Error('the workload driver wrote no timings')
  return { loadMs: Math.max(0, loaded - spawnedAtMs), workMs: Math.max(0, done - loaded) }
}

/**
 * Runs each workload in a Julia process of its own, as `julia workload.jl` runs it (see
 * `workloadCommand`), one after another. stdout is a pipe, as in CI, or the file
 * `spec.stdoutFile`, as with `julia … > log.txt`: methods specialised on the stdout type differ
 * between the two (`Base.PipeEndpoint`, `Base.IOStream`). The traces and the result rows of all
 * runs are gathered into `spec.traceFile` and `spec.resultFile`; the timing is their sum.
 */
export async function runWorkloads(
  julia: JuliaInfo,
  spec: WorkloadRun,
  purpose: WorkloadPurpose,
  env: NodeJS.ProcessEnv,
  label: string
): Promise<WorkloadTiming> {
  const total: WorkloadTiming = { loadMs: 0, workMs: 0 }
  const results: string[] = []
  const traces: string[] = []
  for (const [index, workload] of spec.workloads.entries()) {
    const own = (file: string) => (spec.workloads.length === 1 ? file : `${file}.${index + 1}`)
    const run: WorkloadProcess = {
      projectDir: spec.projectDir,
      packagesFile: spec.packagesFile,
      resultFile: own(spec.resultFile),
      workload,
      traceFile: spec.traceFile && own(spec.traceFile),
      image: spec.image,
      layers: spec.layers,
      flags: spec.flags
    }
    await fs.rm(run.resultFile, { force: true })
    const ran = await runJulia(julia, workloadCommand(julia.version, run, purpose), env, {
      timeoutMs: spec.timeoutMs,
      stdoutFile: spec.stdoutFile,
      terminal: spec.terminal
    })
    // on a terminal, Julia's error output arrives with its stdout
    const result = spec.terminal ? { ...ran, stderr: ran.stdout + ran.stderr } : ran
    checkWorkloadExit(result, julia, spec, workload, label, purpose)
    const resultText = await readResult(run.resultFile, workload, label)
    const timing = parseWorkloadTiming(resultText, result.startedAt)
    total.loadMs += timing.loadMs
    total.workMs += timing.workMs
    results.push(resultText)
    if (run.traceFile && run.traceFile !== spec.traceFile)
      traces.push(await fs.readFile(run.traceFile, 'utf8'))
  }
  if (spec.workloads.length > 1) {
    await fs.writeFile(spec.resultFile, results.join(''))
    if (spec.traceFile) await fs.writeFile(spec.traceFile, traces.join(''))
  }
  return total
}

function checkWorkloadExit(
  result: RunResult,
  julia: JuliaInfo,
  spec: WorkloadRun,
  workload: string,
  label: string,
  purpose: WorkloadPurpose
): void {
  const name = path.basename(workload)
  if (result.timedOut) {
    const minutes = (spec.timeoutMs ?? 0) / 60_000
    throw new UserError(
      'workload-timeout',
      `${name} did not finish ${label} within ${minutes} minute${minutes === 1 ? '' : 's'} and was stopped`,
      'A workload should exercise your code and end (not start a server or wait for input); if it needs longer, raise workload-timeout'
    )
  }
  if (result.code !== 0) {
    throw new UserError(
      'workload',
      `${name} failed ${label} ${juliaExitDetail(result, julia)}`,
      workloadFix(result.stderr, spec.projectDir, workload, purpose)
    )
  }
}

/**
 * Pure: how to fix a workload that failed. A package the trace cannot find is most often one of
 * the user's global environment (`@v#.#`), which the trace leaves out of its load path on
 * purpose (see `isolatedLoadPath`): the plain run works for the user, so the fix must say why
 * the trace differs. Julia's message is `Package X not found in current path` on 1.5 through
 * 1.13 (base/loading.jl `require`).
 */
export function workloadFix(
  stderr: string,
  projectDir: string,
  workload: string,
  purpose: WorkloadPurpose
): string {
  const missing = /Package (\S+?) not found in current path/.exec(stderr)?.[1]
  if (purpose === 'trace' && missing) {
    return (
      `The trace loads packages only from the project and the standard library ` +
      `(JULIA_LOAD_PATH=@${path.delimiter}@stdlib), so that nothing outside the project, whose ` +
      `manifest is in the cache key, enters the image: add ${missing} to the project ` +
      `(\`julia --project=${projectDir} -e 'using Pkg; Pkg.add("${missing}")'\`)`
    )
  }
  return `Fix the workload so that \`julia --project=${projectDir} ${workload}\` runs to the end`
}

/**
 * The driver's result, written by its `atexit` hook. A run that ended with exit code 0 but left
 * none ended without running atexit hooks (`exit!`/`ccall(:_exit)`, or a `-L` file that is not
 * julia-sysimage's driver).
 */
async function readResult(file: string, workload: string, label: string): Promise<string> {
  try {
    return await fs.readFile(file, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
    throw new UserError(
      'workload',
      `${path.basename(workload)} ended ${label} without running Julia's exit hooks, so its timings and loaded modules are unknown`,
      'End the workload normally or with `exit()`, not `exit!()` or a raw `_exit`'
    )
  }
}

/**
 * Pure: the modules the driver found loaded at the end of a run (`module<TAB>uuid<TAB>name`
 * rows), less `known` ones (the project's packages), by name, each once.
 */
export function workloadModules(resultText: string, known: readonly PackageRef[]): PackageRef[] {
  const skip = new Set(known.map((p) => p.uuid.toLowerCase()))
  const found = new Map<string, PackageRef>()
  for (const [key, uuid, name] of parseKeyValueRows(resultText)) {
    if (key !== 'module' || !uuid || !name) continue
    const id = uuid.toLowerCase()
    if (!skip.has(id)) found.set(id, { name, uuid: id })
  }
  return [...found.values()].sort((a, b) => a.name.localeCompare(b.name))
}
