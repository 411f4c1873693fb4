import * as core from '@actions/core'
import { coreLogger } from './action/core-logger.js'
import { envInputReader, readActionInputs } from './action/inputs.js'
import { publishImage } from './action/publish.js'
import { resultFiles } from './action/result-files.js'
import { writeJobSummary } from './action/summary.js'
import { errorMessage, UserError } from './errors.js'
import { defaultArtifactName, skippedStatementsNote } from './report.js'
import { runBuild } from './run-build.js'
import { GitHubArtifactStore, validateArtifactName } from './store/github-artifact.js'
import { GitHubImageCache, isGitHubCacheAvailable } from './store/github-cache.js'
import os from 'node:os'
import path from 'node:path'
import { writeLauncher } from './launcher.js'
import { wrapperSpecFor, writeJuliaWrapper } from './julia-wrapper.js'
import { createHash } from 'node:crypto'
import type { RunResult } from './run-build.js'

/** The action: read inputs, run the same engine as the CLI with GitHub's services, report. */
export async function run(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  try {
    const inputs = readActionInputs(envInputReader(env), env)
    if (inputs.artifactName) validateArtifactName(inputs.artifactName)
    let cache
    if (inputs.cache) {
      if (isGitHubCacheAvailable(env)) cache = new GitHubImageCache(coreLogger)
      else
        core.warning(
          'the GitHub Actions cache service is not available here: building without a cache'
        )
    }
    const result = await runBuild(inputs.request, cache, coreLogger)
    const juliaArgs = result.metadata.juliaArgs.join(' ')
    core.setOutput('sysimage', result.image)
    core.setOutput('metadata', result.metadataFile)
    core.setOutput('cache-hit', String(result.cacheHit))
    core.setOutput('julia-version', result.julia.versionString)
    core.setOutput('julia-bindir', result.julia.bindir)
    core.setOutput('julia-args', juliaArgs)
    // Like setup-julia: later steps' plain `julia` is the one the image belongs to. The folder
    // of the executable the build ran (not Julia's own BINDIR, which for a wrapper such as a
    // distribution's launcher script would be the unwrapped binary).
    const juliaDir = path.dirname(result.julia.executable)
    core.addPath(juliaDir)
    core.info(`added ${juliaDir} to PATH for later steps (julia ${result.julia.versionString})`)
    const launcher = await writeLauncher(result.image, result.julia)
    const wrapper = await putWrapperOnPath(inputs.juliaWithImage, result, env)
    core.setOutput('launcher', launcher)
    core.setOutput('files', resultFiles(result, launcher).join('\n'))

    const note = skippedStatementsNote(result.metadata)
    if (note) core.notice(note, { title: 'julia-sysimage: statements not in the image' })

    if (inputs.uploadArtifact) {
      // the image exists either way: a failed upload is a warning, not a failed step
      try {
        const name = inputs.artifactName ?? defaultArtifactName(result.metadata)
        const upload = await core.group('upload artifact', () =>
          publishImage(
            new GitHubArtifactStore(),
            name,
            result.image,
            result.metadataFile,
            result.metadata,
            inputs.request.tempDir ?? os.tmpdir(),
            inputs.retentionDays,
            launcher
          )
        )
        if (upload.id !== undefined) core.setOutput('artifact-id', String(upload.id))
        core.info(`uploaded artifact ${name}${upload.id !== undefined ? ` (id ${upload.id})` : ''}`)
      } catch (error) {
        core.warning(`uploading the image as an artifact failed: ${errorMessage(error)}`)
      }
    }
    await writeJobSummary(
      {
        metadata: result.metadata,
        cacheHit: result.cacheHit,
        cacheKey: result.cacheKey,
        timings: result.timings
      },
      juliaArgs,
      path.basename(launcher),
      wrapper
    )
  } catch (error) {
    if (error instanceof UserError) {
      core.setFailed(error.message)
    } else {
      core.debug(error instanceof Error ? (error.stack ?? '') : '')
      core.setFailed(`internal error: ${errorMessage(error)}`)
    }
  }
}

/**
 * Later steps' plain `julia` starts with the image: a wrapper (julia-wrapper.ts) in a folder of
 * the runner's temp space, added to PATH after the Julia's own folder, so it comes first (the
 * runner puts the folders a step adds before PATH, the last added first). One folder per image,
 * so two images built in one job do not overwrite each other's. Returns the wrapper, or undefined
 * when turned off or on Windows (whose cmd.exe has no `exec`: the launcher serves there).
 */
async function putWrapperOnPath(
  wanted: boolean,
  result: RunResult,
  env: NodeJS.ProcessEnv
): Promise<string | undefined> {
  if (!wanted) {
    core.info("later steps' julia is the plain Julia (julia-with-image: false)")
    return undefined
  }
  if (process.platform === 'win32') {
    core.info(
      "later steps' julia is the plain Julia: the wrapper that gives it the image is for Linux and macOS; use julia-args or the launcher"
    )
    return undefined
  }
  const id = createHash('sha256').update(result.image).digest('hex').slice(0, 12)
  const dir = path.join(env.RUNNER_TEMP || os.tmpdir(), 'julia-sysimage', `julia-${id}`)
  const spec = wrapperSpecFor(result)
  const wrapper = await writeJuliaWrapper(dir, spec)
  core.addPath(dir)
  core.info(
    `later steps' plain julia starts with the image${result.metadata.layers ? ' and its layers' : ''}: ${wrapper} is first on PATH (a command line that names a sysimage gets that one; julia-with-image: false turns this off)`
  )
  return wrapper
}
