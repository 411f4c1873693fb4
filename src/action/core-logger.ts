import * as core from '@actions/core'
import type { Logger } from '../log.js'

/** The engine's progress as workflow log groups, one per stage, with the stage's time. */
export const coreLogger: Logger = {
  info: (message) => core.info(message),
  warning: (message) => core.warning(message),
  debug: (message) => core.debug(message),
  async stage(name, fn) {
    const started = performance.now()
    core.startGroup(name)
    try {
      return await fn()
    } finally {
      core.info(`${name}: ${((performance.now() - started) / 1000).toFixed(1)} s`)
      core.endGroup()
    }
  }
}
