import { run, type RunOptions, type RunResult } from '../util/process.js'
import type { JuliaCommand } from './commands.js'

let juliaWallMs = 0

/**
 * Wall time this process has spent waiting on Julia processes, in milliseconds. The rest of a
 * run's time is julia-sysimage's own overhead, which the benchmark reports.
 */
export function juliaProcessMs(): number {
  return Math.round(juliaWallMs)
}

/** Runs a Julia executable with `args`, counting its wall time in `juliaProcessMs`. */
export async function runJuliaProcess(
  executable: string,
  args: string[],
  options: RunOptions
): Promise<RunResult> {
  const start = performance.now()
  try {
    return await run(executable, args, options)
  } finally {
    juliaWallMs += performance.now() - start
  }
}

/** Runs one of the planned Julia commands with the inherited environment plus its own variables. */
export function runJulia(
  julia: { executable: string },
  command: JuliaCommand,
  baseEnv: NodeJS.ProcessEnv,
  options: Omit<RunOptions, 'env'> = {}
): Promise<RunResult> {
  return runJuliaProcess(julia.executable, command.args, {
    ...options,
    env: { ...baseEnv, ...command.env }
  })
}

/**
 * The part of Julia's error output a user needs: from the first `ERROR:` line up to the stack
 * trace (which points into julia-sysimage's driver rather than the user's code), plus the
 * "in expression starting at" line that names the user's file and line.
 */
export function juliaErrorSummary(stderr: string): string {
  const lines = stderr.split(/\r?\n/)
  const start = lines.findIndex((line) => line.startsWith('ERROR:'))
  if (start < 0)
    return lines
      .filter((l) => l.trim())
      .slice(-10)
      .join('\n')
  // one `LoadError:` per `include` level (the driver, then the workload): one is enough
  const summary: string[] = [lines[start].replace(/^ERROR: (LoadError: )+/, 'ERROR: LoadError: ')]
  for (const line of lines.slice(start + 1)) {
    if (/^\s*Stacktrace:/.test(line)) break
    summary.push(line)
  }
  const where = lines.filter((line) => line.startsWith('in expression starting at'))
  return [...summary.filter((l) => l.trim()), ...where.slice(0, 1)].join('\n')
}
