import { spawn } from 'node:child_process'
import path from 'node:path'
import { repoRoot } from './test-julia.js'

export const cliEntry = path.join(repoRoot, 'dist', 'cli', 'index.js')

/** What a test's `julia-sysimage build` is given; everything but the project is optional. */
export interface BuildArgs {
  julia?: string
  project: string
  workloads?: string[]
  statements?: string[]
  output?: string
  mode?: string
  /** A cache folder, or false for `--no-cache`; unset, the CLI's default. */
  cache?: string | false
  /** Any further flags, as given. */
  extra?: string[]
}

/** Pure: the command line `julia-sysimage build …` for `args`. The one place tests spell it. */
export function buildArgs(args: BuildArgs): string[] {
  const option = (flag: string, value: string | undefined) => (value ? [flag, value] : [])
  return [
    'build',
    ...option('--julia', args.julia),
    ...(args.cache === false ? ['--no-cache'] : option('--cache-dir', args.cache)),
    '--project',
    args.project,
    ...(args.workloads ?? []).flatMap((w) => ['--workload', w]),
    ...(args.statements ?? []).flatMap((s) => ['--statements', s]),
    ...option('--output', args.output),
    ...option('--mode', args.mode),
    ...(args.extra ?? [])
  ]
}

export interface CliRun {
  code: number | null
  stdout: string
  stderr: string
}

/** Runs the bundled CLI as a user would (`julia-sysimage ...` is this file). */
export function runCli(
  args: string[],
  env: NodeJS.ProcessEnv,
  cwd: string,
  onSpawn?: (pid: number) => void
): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cliEntry, ...args], {
      env,
      cwd,
      stdio: ['ignore', 'pipe', 'pipe']
    })
    if (child.pid !== undefined) onSpawn?.(child.pid)
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, stdout, stderr }))
  })
}
