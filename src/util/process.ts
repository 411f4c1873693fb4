import { spawn, type ChildProcess } from 'node:child_process'
import { closeSync, openSync } from 'node:fs'
import { terminalCommand, type TerminalRunner } from './terminal.js'

export interface RunOptions {
  cwd?: string
  env?: NodeJS.ProcessEnv
  /**
   * Stop the process after this many milliseconds: SIGTERM, then SIGKILL when it is still alive
   * `killGraceMs` later.
   */
  timeoutMs?: number
  /** How long a process asked to stop (SIGTERM) gets before it is SIGKILLed. Default 30 s. */
  killGraceMs?: number
  /** Called with each chunk of output as it arrives (for live logs). */
  onOutput?: (chunk: string, stream: 'stdout' | 'stderr') => void
  /** Keep at most this many characters of each stream (the tail). Default 1 MiB. */
  keepChars?: number
  /** Called once the process has started, with its pid (for memory sampling). */
  onSpawn?: (pid: number) => void
  /**
   * Write the child's stdout to this file (created or truncated) instead of a pipe, so that the
   * child sees a file as stdout, as `program > file` gives it. `stdout` of the result is then ''.
   */
  stdoutFile?: string
  /** Run the program on a pseudo-terminal instead (see util/terminal.ts). */
  terminal?: TerminalRunner
}

export interface RunResult {
  /** Exit code, or null when the process was ended by a signal. */
  code: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
  timedOut: boolean
  /** Wall time in milliseconds from spawn to exit. */
  elapsedMs: number
  /** Epoch milliseconds at spawn, for correlating with timestamps the child records. */
  startedAt: number
}

/**
 * Runs a program with an argv array: never through a shell, so no argument is ever
 * interpreted. Resolves with the outcome whatever the exit code; rejects only when the program
 * cannot be started at all (ENOENT, EACCES).
 */
export function run(
  command: string,
  args: readonly string[],
  options: RunOptions = {}
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    let stdoutFd: number | undefined
    try {
      if (options.stdoutFile !== undefined) stdoutFd = openSync(options.stdoutFile, 'w')
    } catch (error) {
      reject(error)
      return
    }
    const startedAt = Date.now()
    let child: ChildProcess
    try {
      const started = options.terminal
        ? terminalCommand(options.terminal, command, args)
        : { command, args }
      child = spawn(started.command, started.args, {
        cwd: options.cwd,
        env: options.env ?? process.env,
        stdio: ['ignore', stdoutFd ?? 'pipe', 'pipe'],
        shell: false,
        windowsHide: true
      })
    } finally {
      // the child holds its own copy of the descriptor
      if (stdoutFd !== undefined) closeSync(stdoutFd)
    }
    if (child.pid !== undefined) options.onSpawn?.(child.pid)
    const output = collectOutput(child, options)
    const stopper = stopOnTimeout(child, options)
    let settled = false
    const settle = (code: number | null, signal: NodeJS.Signals | null) => {
      if (settled) return
      settled = true
      stopper.clear()
      const { stdout, stderr } = output
      const timedOut = stopper.timedOut
      resolve({
        code,
        signal,
        stdout,
        stderr,
        timedOut,
        elapsedMs: Date.now() - startedAt,
        startedAt
      })
    }
    child.on('error', (error) => {
      stopper.clear()
      reject(error)
    })
    child.on('exit', (code, signal) => {
      stopper.exited = true
      if (!stopper.timedOut) return
      // A stopped process's children (a server the workload started, say) can keep the output
      // pipes open long after it died; 'close' would wait for them. Take what has arrived.
      stopper.later(() => {
        child.stdout?.destroy()
        child.stderr?.destroy()
        settle(code, signal)
      }, pipeDrainMs)
    })
    child.on('close', settle)
  })
}

/** The tail of each output stream as it arrives, passed on to `onOutput` too. */
function collectOutput(
  child: ChildProcess,
  options: RunOptions
): { stdout: string; stderr: string } {
  const keep = options.keepChars ?? 1 << 20
  const output = { stdout: '', stderr: '' }
  for (const stream of ['stdout', 'stderr'] as const) {
    child[stream]?.setEncoding('utf8')
    child[stream]?.on('data', (chunk: string) => {
      const next = output[stream] + chunk
      output[stream] = next.length > keep ? next.slice(next.length - keep) : next
      options.onOutput?.(chunk, stream)
    })
  }
  return output
}

interface Stopper {
  timedOut: boolean
  exited: boolean
  later(fn: () => void, ms: number): void
  clear(): void
}

/**
 * Stopping asks first: SIGTERM lets Julia print where each thread was (its SIGTERM handler
 * does) and exit by itself; SIGKILL follows for a process that ignores or outlives the request.
 * (On Windows both end the process at once.)
 */
function stopOnTimeout(child: ChildProcess, options: RunOptions): Stopper {
  const timers: NodeJS.Timeout[] = []
  const stopper: Stopper = {
    timedOut: false,
    exited: false,
    later: (fn, ms) => void timers.push(setTimeout(fn, ms)),
    clear: () => timers.forEach((timer) => clearTimeout(timer))
  }
  if (options.timeoutMs !== undefined) {
    stopper.later(() => {
      stopper.timedOut = true
      child.kill('SIGTERM')
      stopper.later(() => {
        if (!stopper.exited) child.kill('SIGKILL')
      }, options.killGraceMs ?? defaultKillGraceMs)
    }, options.timeoutMs)
  }
  return stopper
}

/** Default time a process asked to stop gets before SIGKILL: Julia's SIGTERM handler prints a backtrace of every thread and runs its exit hooks first. */
const defaultKillGraceMs = 30_000

/** How long output may still arrive after a stopped process exited. */
const pipeDrainMs = 2_000

/** The last `count` non-empty lines of some output, for error messages. */
export function lastLines(text: string, count: number): string {
  const lines = text.split(/\r?\n/).filter((line) => line.trim() !== '')
  return lines.slice(-count).join('\n')
}
