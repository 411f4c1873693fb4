import { spawn } from 'node:child_process'
import { promises as fs } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

/** What the bench scripts share: progress on stderr, the results file, the exit code. */
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')

/** A progress line on stderr (stdout carries the Markdown table alone). */
export const say = (line: string) => process.stderr.write(`${line}\n`)

/**
 * Writes the raw figures as JSON: to `given`, else to bench/results/<name>-<time>.json. Returns
 * the path, which is said on stderr too.
 */
export async function writeResults(
  name: string,
  given: string | undefined,
  data: unknown
): Promise<string> {
  const file = path.resolve(
    given ??
      path.join(
        repoRoot,
        'bench',
        'results',
        `${name}-${new Date().toISOString().replace(/[:.]/g, '-')}.json`
      )
  )
  await fs.mkdir(path.dirname(file), { recursive: true })
  await fs.writeFile(file, `${JSON.stringify(data, null, 2)}\n`)
  say(`results: ${file}`)
  return file
}

/** Runs a bench's main: its return value is the exit code; a throw is one line and exit 1. */
export function runBench(main: () => Promise<number>): void {
  main().then(
    (code) => (process.exitCode = code),
    (error: unknown) => {
      say(`bench: ${error instanceof Error ? error.message : String(error)}`)
      process.exitCode = 1
    }
  )
}

/** Runs a command to its end: exit code, stdout and stderr together, wall time in ms. */
export function timed(
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  cwd?: string
): Promise<{ code: number | null; output: string; ms: number }> {
  const started = performance.now()
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] })
    let output = ''
    child.stdout.on('data', (d: Buffer) => (output += d.toString()))
    child.stderr.on('data', (d: Buffer) => (output += d.toString()))
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, output, ms: performance.now() - started }))
  })
}

/** The CLI bundle the benches run, as users do. */
export const cliEntry = path.join(repoRoot, 'dist', 'cli', 'index.js')

/** `julia --version`'s line. */
export async function juliaVersionLine(julia: string): Promise<string> {
  return (await timed(julia, ['--version'], process.env)).output.trim()
}
