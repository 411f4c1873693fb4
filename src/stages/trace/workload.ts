import { promises as fs } from 'node:fs'
import path from 'node:path'
import { UserError } from '../../errors.js'
import { workloadCommand, type WorkloadRun } from '../../julia/commands.js'
import { parseKeyValue, parseKeyValueRows } from '../../julia/keyvalue.js'
import type { PackageRef } from '../project/index.js'
import type { JuliaInfo } from '../../julia/probe.js'
import { juliaExitDetail } from '../../julia/failure.js'
import { runJulia } from '../../julia/process.js'

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
 * Runs the workloads in one Julia process through the driver script. stdout is a pipe, as in
 * CI, or the file `spec.stdoutFile`, as with `julia … > log.txt`: methods specialised on the
 * stdout type differ between the two (`Base.PipeEndpoint`, `Base.IOStream`).
 */
export async function runWorkloads(
  julia: JuliaInfo,
  spec: WorkloadRun,
  purpose: 'trace' | 'measure',
  env: NodeJS.ProcessEnv,
  label: string
): Promise<WorkloadTiming> {
  const result = await runJulia(julia, workloadCommand(julia.version, spec, purpose), env, {
    timeoutMs: spec.timeoutMs,
    stdoutFile: spec.stdoutFile
  })
  const names = spec.workloads.map((w) => path.basename(w)).join(', ')
  if (result.timedOut) {
    const minutes = (spec.timeoutMs ?? 0) / 60_000
    throw new UserError(
      'workload-timeout',
      `${names} did not finish ${label} within ${minutes} minute${minutes === 1 ? '' : 's'} and was stopped`,
      'A workload should exercise your code and end (not start a server or wait for input); if it needs longer, raise workload-timeout'
    )
  }
  if (result.code !== 0) {
    throw new UserError(
      'workload',
      `${names} failed ${label} ${juliaExitDetail(result, julia)}`,
      `Fix the workload so that \`julia --project=${spec.projectDir} <workload>\` runs to the end`
    )
  }
  return parseWorkloadTiming(await fs.readFile(spec.resultFile, 'utf8'), result.startedAt)
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
