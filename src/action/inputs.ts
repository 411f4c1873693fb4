import path from 'node:path'
import { UserError } from '../errors.js'
import type { BuildRequest } from '../request.js'

/** Reads one input as the runner passes it: `INPUT_<NAME>` with spaces as underscores. */
export type InputReader = (name: string) => string

export const envInputReader =
  (env: NodeJS.ProcessEnv): InputReader =>
  (name) =>
    (env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] ?? '').trim()

/** YAML 1.2 booleans, as `core.getBooleanInput` accepts them. */
function booleanInput(read: InputReader, name: string, fallback: boolean): boolean {
  const value = read(name)
  if (value === '') return fallback
  if (['true', 'True', 'TRUE'].includes(value)) return true
  if (['false', 'False', 'FALSE'].includes(value)) return false
  throw new UserError(name, `${JSON.stringify(value)} is not a boolean`, 'Use true or false')
}

function lines(value: string): string[] {
  return value
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
}

/**
 * Pure: the action's inputs as one BuildRequest. Relative paths are relative to the workspace,
 * as in every other step of the workflow.
 */
export function readActionInputs(read: InputReader, env: NodeJS.ProcessEnv): BuildRequest {
  const workspace = env.GITHUB_WORKSPACE || process.cwd()
  const resolve = (p: string) => path.resolve(workspace, p)
  const juliaPath = read('julia-path')
  const output = read('output')
  return {
    projectDir: resolve(read('project') || '.'),
    workloads: lines(read('workload')).map(resolve),
    statementFiles: lines(read('precompile-statements')).map(resolve),
    juliaPath: juliaPath ? resolve(juliaPath) : undefined,
    juliaVersion: read('version') || undefined,
    arch: read('arch') || undefined,
    downloadUrl: read('download-url') || undefined,
    output: output ? resolve(output) : undefined,
    cpuTarget: read('cpu-target') || 'native',
    measure: booleanInput(read, 'measure', true),
    keepWorkDir: false,
    tempDir: env.RUNNER_TEMP || undefined,
    env
  }
}
