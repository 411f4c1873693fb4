import { promises as fs } from 'node:fs'
import os from 'node:os'
import { UserError } from '../../errors.js'
import { objectBuildCommand, type JuliaCommand, type ObjectBuild } from '../../julia/commands.js'
import { exitSignal, juliaExitDetail } from '../../julia/failure.js'
import { parseKeyValue, parseKeyValueRows } from '../../julia/keyvalue.js'
import type { JuliaInfo } from '../../julia/probe.js'
import { runJulia } from '../../julia/process.js'
import { atLeast } from '../../julia/version.js'
import { formatBytes, MemoryWatch } from '../../util/memory.js'
import { lastLines } from '../../util/process.js'

/** The replay of the statements added for other stdout kinds, counted apart. */
export interface VariantReplay {
  /** Variants replayed. */
  statements: number
  used: number
  /** Unparsable, unresolvable (a stream type missing on this Julia) or failed to compile. */
  skipped: number
}

/** What the build script reports about the statements it replayed. */
export interface ReplayReport {
  statements: number
  used: number
  unparsable: number
  unresolvable: number
  failed: number
  packages: string[]
  variants: VariantReplay
  /** Modules the workload had loaded that the build loaded into the image besides the packages. */
  added: string[]
  /** Stdlibs loaded for the steps after the build (later-step-stdlibs.ts). */
  stdlibs: string[]
  /** Modules the workload had loaded that the build could not load, with the first error line. */
  notLoadable: { name: string; why: string }[]
  /**
   * Package extensions the workload had loaded (Julia ≥ 1.9): never loaded by the build itself,
   * `loaded` when Julia loaded them once their parent and triggers were loaded.
   */
  extensions: { name: string; loaded: boolean }[]
}

/** Pure: the build script's report file. */
export function parseReplayReport(text: string): ReplayReport {
  const values = parseKeyValue(text)
  const count = (key: string) => {
    const value = Number(values.get(key))
    if (!Number.isInteger(value)) throw new Error(`the build report has no count "${key}"`)
    return value
  }
  const packages = values.get('packages') ?? ''
  const added = values.get('added') ?? ''
  const stdlibs = values.get('stdlibs') ?? ''
  // absent when no variants file was given (and in reports of older scripts): none replayed
  const optional = (key: string) => (values.has(key) ? count(key) : 0)
  return {
    statements: count('statements'),
    used: count('used'),
    unparsable: count('unparsable'),
    unresolvable: count('unresolvable'),
    failed: count('failed'),
    packages: packages ? packages.split(',') : [],
    added: added ? added.split(',') : [],
    stdlibs: stdlibs ? stdlibs.split(',') : [],
    notLoadable: parseKeyValueRows(text)
      .filter((row) => row[0] === 'not_loadable')
      .map((row) => ({ name: row[1] ?? '', why: row.slice(2).join('\t') })),
    extensions: parseKeyValueRows(text)
      .filter((row) => row[0] === 'extension')
      .map((row) => ({ name: row[1] ?? '', loaded: row[2] === 'loaded' })),
    variants: {
      statements: optional('variants_statements'),
      used: optional('variants_used'),
      skipped:
        optional('variants_unparsable') +
        optional('variants_unresolvable') +
        optional('variants_failed')
    }
  }
}

export interface ObjectResult extends OutputProcessResult {
  report: ReplayReport
}

/**
 * Pure: the error for a failed object build. A process killed by SIGKILL that nobody asked to
 * stop is most likely the kernel's out-of-memory killer.
 */
export function objectBuildError(
  signal: NodeJS.Signals | null,
  code: number | null,
  stderr: string,
  peakMemory: number,
  julia?: Pick<JuliaInfo, 'version' | 'bindir'>,
  stdout = ''
): UserError {
  if (signal === 'SIGKILL') {
    return new UserError(
      'image build',
      `the Julia process was killed (SIGKILL) after using up to ${formatBytes(peakMemory)}; ` +
        `this machine has ${formatBytes(os.totalmem())} — most likely the out-of-memory killer`,
      'Lower image-threads (fewer parallel LLVM threads need less memory), use cpu-target native, or run on a larger machine'
    )
  }
  const crashed = julia !== undefined && exitSignal({ code, signal }) !== undefined
  return new UserError(
    'image build',
    crashed
      ? `julia --output-o failed ${juliaExitDetail({ code, signal, stdout, stderr }, julia, 15)}`
      : `julia --output-o failed (${signal ?? `exit code ${code}`}):\n${lastLines(stderr, 15) || 'no output'}`,
    'Check that every package loads with `using` in this project; rerun with --keep-work to inspect the work folder'
  )
}

/**
 * Pure: the error for an image build stopped by `build-timeout`. Julia ≥ 1.9 writes the image
 * only once every task has ended (`jl_task_wait_empty` in src/precompile.c, JuliaLang/julia#46571):
 * a package that starts a Timer, a background Task or a server when it loads keeps the build
 * waiting forever, which is the likely cause; else the build needed more time.
 */
export function buildTimeoutError(timeoutMs: number, julia: Pick<JuliaInfo, 'version'>): UserError {
  const minutes = timeoutMs / 60_000
  const waits = atLeast(julia.version, 1, 9)
  return new UserError(
    'build-timeout',
    `the image build (julia --output-o) did not finish within ${minutes} minute${minutes === 1 ? '' : 's'} and was stopped`,
    (waits
      ? 'Most likely a package left a task or timer running when it loaded (a Timer, a background Task or a server started in __init__): Julia writes the image only after every task has ended, so the build waits forever. ' +
        'Have the package skip that while `ccall(:jl_generating_output, Cint, ()) == 1`, or leave it out of packages. '
      : '') +
      'If the build just needs more time (many packages, cpu-target portable, few image-threads), raise build-timeout'
  )
}

export interface OutputProcessResult {
  objectSize: number
  /** Highest resident memory seen while building, in bytes (0 where it cannot be read). */
  peakMemory: number
}

/**
 * Runs an `--output-o` process with a memory heartbeat, stopped after `timeoutMs` (the
 * `build-timeout` input); on failure removes the partial object and explains (out of time, out
 * of memory, or Julia's own error).
 */
export async function runOutputProcess(
  julia: JuliaInfo,
  command: JuliaCommand,
  objectFile: string,
  env: NodeJS.ProcessEnv,
  heartbeat: (line: string) => void,
  timeoutMs?: number
): Promise<OutputProcessResult> {
  const watch = new MemoryWatch(heartbeat)
  const result = await runJulia(julia, command, env, {
    onSpawn: (pid) => watch.attach(pid),
    timeoutMs
  }).finally(() => watch.stop())
  if (result.timedOut) {
    // stopped with SIGTERM (Julia then writes nothing) or SIGKILL (maybe midway): either way no
    // object to keep
    await fs.rm(objectFile, { force: true })
    throw buildTimeoutError(timeoutMs ?? 0, julia)
  }
  if (result.code !== 0) {
    await fs.rm(objectFile, { force: true })
    throw objectBuildError(
      result.signal,
      result.code,
      result.stderr,
      watch.peak,
      julia,
      result.stdout
    )
  }
  return { objectSize: (await fs.stat(objectFile)).size, peakMemory: watch.peak }
}

export async function buildObject(
  julia: JuliaInfo,
  spec: ObjectBuild,
  env: NodeJS.ProcessEnv,
  heartbeat: (line: string) => void,
  /** The `build-timeout`, in milliseconds. */
  timeoutMs?: number
): Promise<ObjectResult> {
  const command = objectBuildCommand(julia.version, spec)
  const built = await runOutputProcess(julia, command, spec.objectFile, env, heartbeat, timeoutMs)
  const report = parseReplayReport(await fs.readFile(spec.reportFile, 'utf8'))
  return { report, ...built }
}
