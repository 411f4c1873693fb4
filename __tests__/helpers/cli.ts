import { spawn } from 'node:child_process'
import path from 'node:path'
import { repoRoot } from './test-julia.js'

export const cliEntry = path.join(repoRoot, 'dist', 'cli', 'index.js')

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
