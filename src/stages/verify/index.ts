import type { Logger } from '../../log.js'
import { workloadTimeoutMs, type Stage } from '../stage.js'
import { verifyImage, type Verification } from './verify.js'

export { measurementOf } from './measurement.js'
export {
  checkImageLoadsAlone,
  loadProblem,
  residualOf,
  verifyImage,
  type Residual,
  type Verification
} from './verify.js'

/**
 * Starts Julia with the new image: it must load and hold the packages; with `measure`, the
 * workloads run without and with it (time to load, time to first work, what is still compiled).
 */
export const verifyStage: Stage<object, Verification, { verification: Verification }> = {
  name: () => 'verify',
  async run({ prepared, log, work, workDir, partialImage }) {
    const { julia, request, project } = prepared
    const result = await verifyImage(
      julia,
      {
        image: partialImage,
        projectDir: project.dir,
        packagesFile: work('packages.txt'),
        workloads: request.workloads,
        workDir,
        measure: request.measure,
        timeoutMs: workloadTimeoutMs(request),
        flags: request.juliaFlags.all
      },
      request.env
    )
    logVerification(result, log)
    return result
  },
  facts: (verification) => ({ verification })
}

function logVerification(result: Verification, log: Logger): void {
  if (result.load.packagesMissing.length > 0) {
    log.warning(`packages not in the image: ${result.load.packagesMissing.join(', ')}`)
  }
  if (result.without && result.with && result.residual) {
    const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`
    log.info(
      `without image: load ${seconds(result.without.loadMs)}, first work ${seconds(result.without.workMs)}; ` +
        `with image: load ${seconds(result.with.loadMs)}, first work ${seconds(result.with.workMs)}`
    )
    const by = result.residualByStdout
    log.info(
      `compiled at run time with the image: ${result.residual.count} (+${result.residual.main} of the workload's own Main definitions)` +
        (by
          ? `; stdout a pipe: ${by.pipe.count}, stdout a file: ${by.file.count}, ` +
            (by.terminal
              ? `stdout a terminal: ${by.terminal.count}`
              : 'stdout a terminal: not measured (no python3 with pty here)')
          : '')
    )
  }
}
