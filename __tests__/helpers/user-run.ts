import { spawn } from 'node:child_process'
import { closeSync, openSync, promises as fs } from 'node:fs'
import path from 'node:path'
import { residualOf, type Residual } from '../../src/stages/verify/verify.js'

/** Where a user's run sends stdout (and stderr): a pipe (CI), a file (cron), a terminal. */
export type StdoutKind = 'pipe' | 'file' | 'terminal'

export interface UserRun {
  code: number | null
  /** What the workload printed (stdout and stderr together for a file or a terminal). */
  output: string
  /** What the run compiled at run time, from `--trace-compile`. */
  residual: Residual
}

/** A POSIX shell word that stands for exactly `arg`: single-quoted, with `'` as `'\''`. */
export function shellWord(arg: string): string {
  return `'${arg.replace(/'/g, "'\\''")}'`
}

function spawnAndWait(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  stdio: ['ignore', 'pipe' | number, 'pipe' | number]
): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, stdio })
    let output = ''
    child.stdout?.on('data', (d: Buffer) => (output += d.toString()))
    child.stderr?.on('data', (d: Buffer) => (output += d.toString()))
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, output }))
  })
}

/**
 * Runs a workload with an image as a user does: plain `julia --sysimage=… --project=… workload`
 * (`--trace-compile` only to count what is compiled at run time), with stdout a pipe, a file
 * (`> out.txt 2>&1`) or a pseudo-terminal (`script` from util-linux, whose command line is
 * built from single-quoted words: nothing in it is interpreted by the shell).
 */
export async function runAsUser(
  kind: StdoutKind,
  image: string,
  projectDir: string,
  workload: string,
  workDir: string,
  env: NodeJS.ProcessEnv,
  julia = 'julia'
): Promise<UserRun> {
  const trace = path.join(workDir, `user-${kind}.trace.jl`)
  const args = [
    `--sysimage=${image}`,
    `--project=${projectDir}`,
    `--trace-compile=${trace}`,
    workload
  ]
  let result: { code: number | null; output: string }
  if (kind === 'pipe') {
    result = await spawnAndWait(julia, args, env, ['ignore', 'pipe', 'pipe'])
  } else if (kind === 'file') {
    const outFile = path.join(workDir, 'user-file.out.txt')
    const fd = openSync(outFile, 'w')
    try {
      result = await spawnAndWait(julia, args, env, ['ignore', fd, fd])
    } finally {
      closeSync(fd)
    }
    result.output = await fs.readFile(outFile, 'utf8')
  } else {
    const line = [julia, ...args].map(shellWord).join(' ')
    // -q: no start/done lines, -e: exit with the command's code, -c: run this command
    result = await spawnAndWait('script', ['-qec', line, '/dev/null'], env, [
      'ignore',
      'pipe',
      'pipe'
    ])
  }
  const text = await fs.readFile(trace, 'utf8').catch(() => '')
  return { ...result, residual: residualOf(text) }
}
