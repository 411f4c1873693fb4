import os from 'node:os'
import path from 'node:path'
import { resolveCpuTarget } from './cpu-target.js'
import { UserError } from './errors.js'
import { availableMemory, chooseImageThreads } from './image-threads.js'
import { selectJulia } from './install/index.js'
import { probeJulia } from './julia/probe.js'
import { cpuKeyField } from './key-inputs.js'
import type { Logger } from './log.js'
import { assertSpaceFor, checkInputFiles, type BuildRequest } from './request.js'
import { chooseMode, modeReason } from './mode.js'
import { probeChainSupport } from './stages/chained/index.js'
import { hasOwnCode } from './stages/layers/split.js'
import { findManifest, readProject, type PackageRef } from './stages/project/index.js'
import type { PreparedBuild } from './stages/stage.js'
import type { StageTimer } from './timing.js'

export type { PreparedBuild } from './stages/stage.js'

/** Pure: the project's packages narrowed to the `packages` input, which must name only deps. */
export function selectPackages(
  available: PackageRef[],
  wanted: string[] | undefined
): PackageRef[] {
  if (wanted === undefined || wanted.length === 0) return available
  const byName = new Map(available.map((p) => [p.name, p]))
  const unknown = wanted.filter((name) => !byName.has(name))
  if (unknown.length > 0) {
    throw new UserError(
      'packages',
      `${unknown.join(', ')} ${unknown.length === 1 ? 'is not a dependency' : 'are not dependencies'} of the project (it has ${available.map((p) => p.name).join(', ') || 'none'})`,
      'Add them to the project with Pkg.add, or leave them out of packages'
    )
  }
  return wanted.map((name) => byName.get(name)!)
}

/**
 * Everything before the expensive part: inputs checked (a wrong path fails in a second, not
 * after a Julia download), Julia selected or installed and probed, target and output resolved.
 */
export async function prepareBuild(
  request: BuildRequest,
  log: Logger,
  timer: StageTimer
): Promise<PreparedBuild> {
  const found = await readProject(request.projectDir)
  let project = { ...found, packages: selectPackages(found.packages, request.packages) }
  await checkInputFiles(request)
  const selected = await timer.stage('install', () =>
    selectJulia(
      {
        spec: request.juliaVersion,
        arch: request.arch,
        juliaPath: request.juliaPath,
        downloadUrl: request.downloadUrl,
        projectDir: request.projectDir,
        toolCacheDir: request.toolCacheDir,
        tempDir: request.tempDir,
        env: request.env
      },
      log
    )
  )
  const { julia, mode } = await timer.stage('probe', async () => {
    const julia = await probeJulia(selected.juliaPath, request.env)
    log.info(`Julia ${julia.versionString} at ${julia.bindir}; base image ${julia.baseImage}`)
    log.info(`packages: ${project.packages.map((p) => p.name).join(', ') || '(none)'}`)
    // which manifest Julia reads depends on its version (versioned names, workspaces)
    project = { ...project, manifestFile: await findManifest(project, julia.version) }
    const facts = {
      julia,
      chain: await probeChainSupport(julia, request.env),
      hasOwnCode: await hasOwnCode(project)
    }
    const mode = chooseMode(request.mode, facts)
    log.info(`mode: ${mode} (${modeReason(mode, request.mode, facts)})`)
    return { julia, mode }
  })
  const output = path.resolve(request.output ?? `sysimage.${julia.dlext}`)
  await assertSpaceFor(output, julia.baseImage)
  const threads = chooseImageThreads(
    request.imageThreads,
    julia.version,
    os.availableParallelism(),
    availableMemory(os.freemem(), process.constrainedMemory?.())
  )
  log.info(`image threads: ${threads.threads ?? 1} (${threads.reason})`)
  const cpuTarget = resolveCpuTarget(request.cpuTarget, julia.arch, julia.os, julia.version)
  const cpu = await cpuKeyField(julia, cpuTarget)
  if (cpu) log.info(`compiling for this CPU: ${cpu}`)
  return {
    imageThreads: threads.threads,
    request,
    project,
    julia,
    cpuTarget,
    cpu,
    mode,
    output
  }
}
