import os from 'node:os'
import { lastLines } from '../util/process.js'
import type { JuliaInfo } from './probe.js'
import { juliaErrorSummary } from './process.js'

/** How a Julia process ended, as `util/process.run` reports it. */
export interface JuliaExit {
  code: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
}

const signalMeaning: Partial<Record<NodeJS.Signals, string>> = {
  SIGSEGV: 'segmentation fault: Julia itself crashed',
  SIGBUS: 'bus error: Julia itself crashed',
  SIGILL: 'illegal instruction: code compiled for another CPU, or a crash',
  SIGABRT: 'aborted: an internal check in Julia or a library failed',
  SIGKILL: 'killed from outside, often by the out-of-memory killer',
  SIGTERM: 'terminated from outside',
  SIGINT: 'interrupted',
  SIGFPE: 'arithmetic fault: Julia itself crashed'
}

/**
 * The signal that ended a process: Node's own report, or an exit code of 128 + N, which is how a
 * shell or wrapper script in between (a `julia` launcher) passes on a child's death by signal N.
 */
export function exitSignal(exit: Pick<JuliaExit, 'code' | 'signal'>): NodeJS.Signals | undefined {
  if (exit.signal) return exit.signal
  if (exit.code === null || exit.code <= 128 || exit.code > 128 + 64) return undefined
  const number = exit.code - 128
  const entry = Object.entries(os.constants.signals).find(([, n]) => n === number)
  return entry ? (entry[0] as NodeJS.Signals) : undefined
}

/**
 * Debian and Ubuntu package Julia 1.5 against the distribution's libunwind; with libunwind newer
 * than 1.3 (Debian 12, Ubuntu 22.04 and later) that Julia segfaults as soon as it unwinds the
 * stack, i.e. on the first exception, even one that is caught (Pkg.precompile throws and catches
 * internally). Recognised by the version and the distribution's install location.
 */
export function isDistributionJulia15(julia: Pick<JuliaInfo, 'version' | 'bindir'>): boolean {
  return (
    julia.version.major === 1 &&
    julia.version.minor === 5 &&
    (julia.bindir === '/usr/bin' || julia.bindir === '/bin')
  )
}

export const libunwindHint =
  'Debian/Ubuntu’s Julia 1.5 packages crash like this on the first exception when the system’s ' +
  'libunwind is newer than 1.3: run it with a libunwind 1.3.x folder first on LD_LIBRARY_PATH ' +
  '(`bash .ci/setup-julia.sh` from the julia-sysimage repository unpacks one into ' +
  '/opt/julia-sysimage-ci/libunwind and installs a `julia` launcher in /usr/local/bin that sets it), ' +
  'or use an official Julia build (`julia-sysimage install --version 1.10`, action input `version`)'

function indented(text: string): string {
  return text
    .split('\n')
    .map((line) => `  ${line}`)
    .join('\n')
}

/**
 * Pure: what a stage's error says about a Julia process that failed, starting with how it ended
 * in parentheses, e.g. `(exit code 1):\nERROR: …`. An ordinary error shows Julia's `ERROR:`
 * summary (or its last lines). A death by signal names the signal and what it usually means, and
 * shows the last lines of both streams, since a crashing Julia often writes nothing useful to
 * stderr (progress such as `Precompiling project...` goes there too); for a segmentation fault of
 * Debian/Ubuntu's Julia 1.5 it ends with the libunwind fix.
 */
export function juliaExitDetail(
  exit: JuliaExit,
  julia: Pick<JuliaInfo, 'version' | 'bindir'>,
  lineCount = 8
): string {
  const signal = exitSignal(exit)
  if (signal === undefined) {
    const summary = juliaErrorSummary(exit.stderr) || lastLines(exit.stdout, lineCount)
    return `(exit code ${exit.code}):\n${summary || 'Julia wrote no output'}`
  }
  const how = exit.signal ? `killed by ${signal}` : `exit code ${exit.code}, i.e. ${signal}`
  const meaning = signalMeaning[signal]
  const parts = [`(${how}${meaning ? `, ${meaning}` : ''}):`]
  const stderr = lastLines(exit.stderr, lineCount)
  const stdout = lastLines(exit.stdout, lineCount)
  parts.push(`Julia's last lines on stderr:\n${stderr ? indented(stderr) : '  (none)'}`)
  parts.push(`Julia's last lines on stdout:\n${stdout ? indented(stdout) : '  (none)'}`)
  if (signal === 'SIGSEGV' && isDistributionJulia15(julia)) parts.push(libunwindHint)
  return parts.join('\n')
}
