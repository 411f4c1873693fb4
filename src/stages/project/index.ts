import type { SetupStep } from '../../julia/commands.js'
import type { Stage } from '../stage.js'
import { setupProject } from './setup.js'

export { findManifest, packagesFileText, packagesOfFileText, readProject } from './project.js'
export type { JuliaProject, PackageRef } from './project.js'
export { setupProject, setupActivity } from './setup.js'
export { laterStepStdlibs } from './later-step-stdlibs.js'

/**
 * Instantiates and precompiles the project. runBuild instantiates before keying (hits need that
 * too); the build then only precompiles here.
 */
export const projectStage: Stage<object, void> = {
  name: (prepared) => (prepared.instantiated ? 'precompile' : 'instantiate'),
  async run({ prepared }) {
    const { julia, project, request } = prepared
    const steps: SetupStep[] = prepared.instantiated
      ? ['precompile']
      : ['instantiate', 'precompile']
    await setupProject(
      julia,
      project.dir,
      request.env,
      request.measure,
      project.manifestFile !== undefined,
      steps,
      request.juliaFlags.code
    )
  }
}
