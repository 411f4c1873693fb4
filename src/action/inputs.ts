import path from 'node:path'
import { UserError } from '../errors.js'
import { parseJuliaFlags } from '../julia-flags.js'
import {
  parseImageThreads,
  parseMode,
  parseNameList,
  parseTimeoutMinutes,
  type BuildRequest
} from '../request.js'

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
 * 1 to 400: GitHub's own bounds (400 is the most a private repository can be set to keep
 * artifacts; public repositories keep them at most 90 days). A value above the repository's
 * setting is lowered to it by @actions/artifact, with a warning.
 */
function retentionDays(value: string): number | undefined {
  if (value === '') return undefined
  const days = Number(value)
  if (!Number.isInteger(days) || days < 1 || days > 400) {
    throw new UserError(
      'retention-days',
      `${JSON.stringify(value)} is not a number of days`,
      "Use a whole number from 1 to 400 (a value above the repository's own limit, 90 days at most for public repositories, is lowered to that limit), or leave it empty for the repository's setting"
    )
  }
  return days
}

export interface ActionInputs {
  request: BuildRequest
  /** Restore and save the image with the GitHub Actions cache. */
  cache: boolean
  uploadArtifact: boolean
  /** Later steps' plain `julia` starts with the image (a wrapper first on PATH). */
  juliaWithImage: boolean
  /** Explicit artifact name; default derived from the platform and Julia version. */
  artifactName?: string
  retentionDays?: number
}

/**
 * Pure: the action's inputs, parsed and checked once. Relative paths are relative to the
 * workspace, as in every other step of the workflow.
 */
export function readActionInputs(read: InputReader, env: NodeJS.ProcessEnv): ActionInputs {
  const workspace = env.GITHUB_WORKSPACE || process.cwd()
  const resolve = (p: string) => path.resolve(workspace, p)
  const juliaPath = read('julia-path')
  const output = read('output')
  return {
    request: {
      projectDir: resolve(read('project') || '.'),
      workloads: lines(read('workload')).map(resolve),
      statementFiles: lines(read('precompile-statements')).map(resolve),
      packages: parseNameList(read('packages')),
      juliaPath: juliaPath ? resolve(juliaPath) : undefined,
      juliaVersion: read('version') || undefined,
      arch: read('arch') || undefined,
      downloadUrl: read('download-url') || undefined,
      toolsUrl: read('tools-url') || undefined,
      // default sysimage.<dlext> in the working directory, which on a runner is the workspace
      output: output ? resolve(output) : undefined,
      cpuTarget: read('cpu-target') || 'native',
      mode: parseMode(read('mode')),
      imageThreads: parseImageThreads(read('image-threads')),
      juliaFlags: parseJuliaFlags(read('julia-flags')),
      cacheKeyPrefix: read('cache-key-prefix'),
      workloadTimeoutMinutes: parseTimeoutMinutes(read('workload-timeout')),
      buildTimeoutMinutes: parseTimeoutMinutes(read('build-timeout'), 'build-timeout'),
      measure: booleanInput(read, 'measure', true),
      keepWorkDir: false,
      tempDir: env.RUNNER_TEMP || undefined,
      env
    },
    cache: booleanInput(read, 'cache', true),
    uploadArtifact: booleanInput(read, 'upload-artifact', true),
    juliaWithImage: booleanInput(read, 'julia-with-image', true),
    artifactName: read('artifact-name') || undefined,
    retentionDays: retentionDays(read('retention-days'))
  }
}
