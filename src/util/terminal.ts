import { execFile } from 'node:child_process'

/**
 * Runs a program with a pseudo-terminal as its stdin, stdout and stderr, as in a terminal window:
 * Julia then sees stdout as a `Base.TTY` (and turns colour on), which compiles other printing
 * methods than a pipe or a file. Node has no pseudo-terminals of its own; Python's `pty` module
 * (POSIX only) has, and takes the program as argv: nothing passes through a shell. The program's
 * output arrives on Python's stdout, stdout and stderr together.
 */
export interface TerminalRunner {
  python: string
}

/** Fixed code: argv[1:] is the program; exits with its code (a signal as 128 + its number). */
const ptyCode =
  'import os, pty, sys\n' +
  'code = os.waitstatus_to_exitcode(pty.spawn(sys.argv[1:]))\n' +
  'sys.exit(code if code >= 0 else 128 - code)\n'

/** Pure: the command line that runs `command args…` on a pseudo-terminal. */
export function terminalCommand(
  runner: TerminalRunner,
  command: string,
  args: readonly string[]
): { command: string; args: string[] } {
  return { command: runner.python, args: ['-c', ptyCode, command, ...args] }
}

let found: Promise<TerminalRunner | undefined> | undefined

/**
 * A Python 3.9+ (for `os.waitstatus_to_exitcode`) with `pty`, found once per process; undefined
 * on Windows or without one, and then a terminal is not measured.
 */
export function findTerminalRunner(
  env: NodeJS.ProcessEnv = process.env
): Promise<TerminalRunner | undefined> {
  if (process.platform === 'win32') return Promise.resolve(undefined)
  found ??= (async () => {
    for (const python of ['python3', 'python']) {
      const works = await new Promise<boolean>((resolve) =>
        execFile(
          python,
          ['-c', 'import os, pty; os.waitstatus_to_exitcode'],
          { env, timeout: 30_000 },
          (error) => resolve(!error)
        )
      )
      if (works) return { python }
    }
    return undefined
  })()
  return found
}
