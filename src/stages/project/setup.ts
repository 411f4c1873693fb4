import { UserError } from '../../errors.js'
import {
  precompileDefaultCommand,
  setupProjectCommand,
  type SetupStep
} from '../../julia/commands.js'
import type { JuliaInfo } from '../../julia/probe.js'
import { juliaExitDetail } from '../../julia/failure.js'
import { runJulia } from '../../julia/process.js'
import { atLeast } from '../../julia/version.js'
import type { PackageRef } from './project.js'

/** Pure: how a failed setup is named in its error: "instantiating and precompiling", … */
export function setupActivity(steps: readonly SetupStep[]): string {
  const words = {
    instantiate: 'instantiating',
    precompile: 'precompiling',
    stdlibs: 'precompiling the stdlibs the image holds for'
  }
  return steps.map((step) => words[step]).join(' and ')
}

/**
 * Sets up the project: `instantiate` downloads what the manifest names (resolving one when there
 * is none); `precompile` gives every package a cache, since the image build cannot precompile.
 * On Julia ≥ 1.9 the build side uses `--pkgimages=no` caches; when the gain is measured, the
 * default package images are precompiled too, so that the "without image" run measures loading,
 * not precompiling. A cache hit only instantiates: the image holds the packages' code.
 */
export async function setupProject(
  julia: JuliaInfo,
  projectDir: string,
  env: NodeJS.ProcessEnv,
  measure: boolean,
  hasManifest = true,
  steps: readonly SetupStep[] = ['instantiate', 'precompile'],
  /** The served step's code flags (`julia-flags`): the caches are compiled for them. */
  codeFlags: readonly string[] = [],
  /** For the `stdlibs` step: the stdlibs the image holds besides the project's packages. */
  stdlibs: readonly PackageRef[] = []
): Promise<void> {
  const commands = [setupProjectCommand(julia.version, projectDir, steps, codeFlags, stdlibs)]
  if (measure && steps.includes('precompile') && atLeast(julia.version, 1, 9))
    commands.push(precompileDefaultCommand(projectDir, codeFlags))
  for (const command of commands) {
    const result = await runJulia(julia, command, env)
    if (result.code !== 0) {
      throw new UserError(
        'project',
        `${setupActivity(steps)} ${projectDir} failed${hasManifest ? '' : ' (it has no Manifest.toml, so Pkg had to resolve every dependency)'} ${juliaExitDetail(result, julia)}`,
        hasManifest
          ? 'Make sure `julia --project=DIR -e "using Pkg; Pkg.instantiate(); Pkg.precompile()"` works for this project'
          : 'Run `julia --project=DIR -e "using Pkg; Pkg.instantiate()"` where the dependencies can be found and commit the Manifest.toml it writes'
      )
    }
  }
}
