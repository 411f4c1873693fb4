import { UserError } from '../errors.js'
import { precompileDefaultCommand, setupProjectCommand } from '../julia/commands.js'
import type { JuliaInfo } from '../julia/probe.js'
import { juliaExitDetail } from '../julia/failure.js'
import { runJulia } from '../julia/run-julia.js'
import { atLeast } from '../julia/version.js'

/**
 * Instantiates and precompiles the project, so the image build (which cannot precompile) finds a
 * cache for every package. On Julia ≥ 1.9 the build side uses `--pkgimages=no` caches; when the
 * gain is measured, the default package images are precompiled too, so that the "without image"
 * run measures loading, not precompiling.
 */
export async function setupProject(
  julia: JuliaInfo,
  projectDir: string,
  env: NodeJS.ProcessEnv,
  measure: boolean,
  hasManifest = true
): Promise<void> {
  const commands = [setupProjectCommand(julia.version, projectDir)]
  if (measure && atLeast(julia.version, 1, 9)) commands.push(precompileDefaultCommand(projectDir))
  for (const command of commands) {
    const result = await runJulia(julia, command, env)
    if (result.code !== 0) {
      throw new UserError(
        'project',
        `instantiating and precompiling ${projectDir} failed${hasManifest ? '' : ' (it has no Manifest.toml, so Pkg had to resolve every dependency)'} ${juliaExitDetail(result, julia)}`,
        hasManifest
          ? 'Make sure `julia --project=DIR -e "using Pkg; Pkg.instantiate(); Pkg.precompile()"` works for this project'
          : 'Run `julia --project=DIR -e "using Pkg; Pkg.instantiate()"` where the dependencies can be found and commit the Manifest.toml it writes'
      )
    }
  }
}
