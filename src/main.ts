import * as core from '@actions/core'
import path from 'node:path'
import { coreLogger } from './action/core-logger.js'
import { envInputReader, readActionInputs } from './action/inputs.js'
import { UserError } from './errors.js'
import { buildSysimage } from './pipeline.js'

/** The action: read inputs, run the same pipeline as the CLI, set outputs. */
export async function run(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  try {
    const request = readActionInputs(envInputReader(env), env)
    const result = await buildSysimage(request, coreLogger)
    core.setOutput('sysimage', result.image)
    core.setOutput('metadata', result.metadataFile)
    core.setOutput('julia-version', result.julia.versionString)
    core.setOutput('julia-bindir', result.julia.bindir)
    core.setOutput('julia-args', result.metadata.juliaArgs.join(' '))
    core.info(`image: ${result.image} (${path.basename(result.metadataFile)} beside it)`)
  } catch (error) {
    if (error instanceof UserError) {
      core.setFailed(error.message)
    } else {
      core.debug(error instanceof Error ? (error.stack ?? '') : '')
      core.setFailed(`internal error: ${error instanceof Error ? error.message : String(error)}`)
    }
  }
}
