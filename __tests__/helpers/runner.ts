import { spawn } from 'node:child_process'
import { promises as fs } from 'node:fs'
import path from 'node:path'

/**
 * Runs a bundled action entry the way a GitHub runner does: inputs as `INPUT_<NAME>` variables
 * (hyphens kept), file commands in the files named by GITHUB_OUTPUT/STATE/ENV/PATH/STEP_SUMMARY,
 * RUNNER_TEMP and RUNNER_TOOL_CACHE pointing at folders of the test's own.
 */
export interface RunnerStep {
  code: number | null
  stdout: string
  stderr: string
  outputs: Record<string, string>
  summary: string
  /** The folders the step added to PATH for later steps (GITHUB_PATH), in file order. */
  path: string[]
  elapsedMs: number
}

/** Pure: the `name=value` and `name<<DELIMITER … DELIMITER` records @actions/core appends. */
export function parseFileCommands(text: string): Record<string, string> {
  const result: Record<string, string> = {}
  const lines = text.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]
    const heredoc = /^([^=<]+)<<(.+)$/.exec(line)
    if (heredoc) {
      const [, name, delimiter] = heredoc
      const value: string[] = []
      for (i++; i < lines.length && lines[i] !== delimiter; i++) value.push(lines[i])
      result[name] = value.join('\n')
    } else if (line.includes('=')) {
      const at = line.indexOf('=')
      result[line.slice(0, at)] = line.slice(at + 1)
    }
  }
  return result
}

export async function runActionStep(
  entry: string,
  inputs: Record<string, string>,
  workspace: string,
  runnerDir: string,
  env: NodeJS.ProcessEnv
): Promise<RunnerStep> {
  await fs.mkdir(runnerDir, { recursive: true })
  const files: Record<string, string> = {}
  for (const kind of ['OUTPUT', 'STATE', 'ENV', 'PATH', 'STEP_SUMMARY']) {
    files[`GITHUB_${kind}`] = path.join(runnerDir, kind.toLowerCase())
    await fs.writeFile(files[`GITHUB_${kind}`], '')
  }
  const temp = path.join(runnerDir, 'temp')
  const toolCache = path.join(runnerDir, 'tool-cache')
  await fs.mkdir(temp, { recursive: true })
  await fs.mkdir(toolCache, { recursive: true })
  const stepEnv: NodeJS.ProcessEnv = {
    ...env,
    ...files,
    GITHUB_WORKSPACE: workspace,
    RUNNER_TEMP: temp,
    RUNNER_TOOL_CACHE: toolCache,
    GITHUB_ACTIONS: 'true',
    ...Object.fromEntries(
      Object.entries(inputs).map(([name, value]) => [`INPUT_${name.toUpperCase()}`, value])
    )
  }
  const started = Date.now()
  const { code, stdout, stderr } = await new Promise<{
    code: number | null
    stdout: string
    stderr: string
  }>((resolve, reject) => {
    const child = spawn(process.execPath, [entry], {
      cwd: workspace,
      env: stepEnv,
      stdio: ['ignore', 'pipe', 'pipe']
    })
    let out = ''
    let err = ''
    child.stdout.on('data', (d: Buffer) => (out += d.toString()))
    child.stderr.on('data', (d: Buffer) => (err += d.toString()))
    child.on('error', reject)
    child.on('close', (exit) => resolve({ code: exit, stdout: out, stderr: err }))
  })
  return {
    code,
    stdout,
    stderr,
    outputs: parseFileCommands(await fs.readFile(files.GITHUB_OUTPUT, 'utf8')),
    summary: await fs.readFile(files.GITHUB_STEP_SUMMARY, 'utf8'),
    path: (await fs.readFile(files.GITHUB_PATH, 'utf8')).split('\n').filter((l) => l !== ''),
    elapsedMs: Date.now() - started
  }
}
