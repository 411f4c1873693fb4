import { promises as fs } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { resolveCpuTarget } from './cpu-target.js'
import { availableMemory, chooseImageThreads } from './image-threads.js'
import { UserError } from './errors.js'
import type { JuliaInfo } from './julia/probe.js'
import {
  chainIncapability,
  chooseMode,
  probeChainSupport,
  type BuildMode
} from './julia/chain-support.js'
import { probeJulia } from './julia/probe.js'
import { juliaProcessMs } from './julia/run-julia.js'
import { selectJulia } from './julia/select.js'
import type { Logger } from './log.js'
import { buildMetadata, type ImageMetadata } from './metadata.js'
import { cpuKeyField } from './key-inputs.js'
import {
  findManifest,
  packagesFileText,
  readProject,
  type JuliaProject,
  type PackageRef
} from './project.js'
import {
  assertSpaceFor,
  checkInputFiles,
  defaultBuildTimeoutMinutes,
  type BuildRequest
} from './request.js'
import { provideBaseArchive, type BaseArchive } from './stages/base-archive.js'
import { linkChainedImage } from './stages/chained.js'
import { findObjcopy } from './stages/llvm-tools.js'
import { buildObject } from './stages/object.js'
import { describeLink, findLinker, linkImage, type LinkOutcome } from './stages/link.js'
import { setupProject } from './stages/setup.js'
import type { SetupStep } from './julia/commands.js'
import { verifyImage } from './stages/verify.js'
import { runWorkloads, workloadModules } from './stages/workload.js'
import { filterStatements, type StatementCounts } from './statements.js'
import { streamVariants } from './stream-variants.js'
import { tempPathBeside, writeFileAtomic } from './util/atomic.js'
import { sha256File } from './util/hash.js'
import { formatBytes } from './util/memory.js'
import type { ImageCache } from './store/types.js'
import { StageTimer } from './timing.js'
import { toolVersion } from './version.js'

export interface BuildResult {
  image: string
  metadataFile: string
  metadata: ImageMetadata
  julia: JuliaInfo
}

/** The metadata file that belongs to an image. */
export function metadataPathFor(image: string): string {
  return `${image}.json`
}

function workloadTimeoutMs(request: BuildRequest): number | undefined {
  return request.workloadTimeoutMinutes === undefined
    ? undefined
    : request.workloadTimeoutMinutes * 60_000
}

/** The `--output-o` processes' time limit: `build-timeout`, else the default. */
function buildTimeoutMs(request: BuildRequest): number {
  return (request.buildTimeoutMinutes ?? defaultBuildTimeoutMinutes) * 60_000
}

/**
 * Pure: why the image will not speed up the workload, when the trace shows it: nothing usable
 * was recorded, or nothing that involves the project's packages (the workload never called them;
 * what it recorded is the driver's and Base's own code).
 */
export function workloadNote(
  statements: string[],
  counts: StatementCounts,
  packages: PackageRef[],
  workloadCount: number
): string | undefined {
  if (workloadCount === 0) return undefined
  if (statements.length === 0) {
    return (
      `the workloads recorded nothing that can go into an image (${counts.read} statements, ${counts.main} of them ` +
      "bound to the scripts' own Main definitions): the image will hold the packages but will not make the " +
      "workload faster; have it call the packages' functions"
    )
  }
  const names = packages.map((p) => p.name)
  if (names.length === 0 || statements.some((s) => names.some((name) => s.includes(`${name}.`))))
    return undefined
  return (
    `none of the ${statements.length} recorded statements involve the project's packages (${names.join(', ')}): ` +
    'the image will load them but holds little compiled code for them and will not make the workload faster; ' +
    "have the workload call the packages' functions"
  )
}

export interface PreparedBuild {
  request: BuildRequest
  project: JuliaProject
  julia: JuliaInfo
  /** The resolved `--cpu-target` string. */
  cpuTarget: string
  /** The CPU a `native` image is compiled for (cpu-identity.ts); undefined for explicit targets. */
  cpu?: string
  /** True once the project was instantiated (not precompiled) for this run: runBuild does it before keying. */
  instantiated?: boolean
  /** `auto` resolved against what the Julia can do. */
  mode: BuildMode
  /** JULIA_IMAGE_THREADS for the output processes; undefined on Julia < 1.10. */
  imageThreads?: number
  /** Absolute path of the image to produce. */
  output: string
}

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
    const support = await probeChainSupport(julia, request.env)
    const mode = chooseMode(request.mode, julia, support)
    const why =
      mode === 'chained'
        ? 'this Julia can chain images: only new code is compiled, onto a cached base archive'
        : request.mode === 'full'
          ? 'as requested'
          : `${chainIncapability(julia, support)}, so the whole image is compiled`
    log.info(`mode: ${mode} (${why})`)
    return { julia, mode }
  })
  // which manifest Julia reads depends on its version (versioned names, workspaces)
  project = { ...project, manifestFile: await findManifest(project, julia.version) }
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

/**
 * The build itself: set up the project, trace the workloads, build the object, link, verify,
 * and only then move the image and its metadata into place. A failure at any point leaves the
 * output path as it was.
 */
export async function buildImage(
  prepared: PreparedBuild,
  log: Logger,
  timer: StageTimer,
  cache?: ImageCache
): Promise<BuildResult> {
  const { request, project, julia, cpuTarget, output, mode } = prepared
  const timed = <T>(name: string, fn: () => Promise<T>) => timer.stage(name, fn)
  if (request.workloads.length === 0) {
    log.warning(
      'no workload given: the image holds the packages but none of the code a workload would compile'
    )
  }

  const workDir = await fs.mkdtemp(path.join(request.tempDir ?? os.tmpdir(), 'julia-sysimage-'))
  const work = (name: string) => path.join(workDir, name)
  const partialImage = tempPathBeside(output)
  let base: BaseArchive | undefined
  try {
    await fs.writeFile(work('packages.txt'), packagesFileText(project.packages))
    const env = request.env

    // runBuild instantiates before keying (hits need that too); the build precompiles here
    const steps: SetupStep[] = prepared.instantiated
      ? ['precompile']
      : ['instantiate', 'precompile']
    await timed(prepared.instantiated ? 'precompile' : 'instantiate', () =>
      setupProject(
        julia,
        project.dir,
        env,
        request.measure,
        project.manifestFile !== undefined,
        steps
      )
    )

    const traced = await timed('trace', async () => {
      const traces: string[] = []
      if (request.workloads.length > 0) {
        await runWorkloads(
          julia,
          {
            projectDir: project.dir,
            packagesFile: work('packages.txt'),
            resultFile: work('trace-result.txt'),
            workloads: request.workloads,
            traceFile: work('trace.jl'),
            timeoutMs: workloadTimeoutMs(request)
          },
          'trace',
          env,
          'while recording statements'
        )
        traces.push(await fs.readFile(work('trace.jl'), 'utf8'))
        const modules = workloadModules(
          await fs.readFile(work('trace-result.txt'), 'utf8'),
          project.packages
        )
        await fs.writeFile(work('workload-modules.txt'), packagesFileText(modules))
      }
      for (const file of request.statementFiles) traces.push(await fs.readFile(file, 'utf8'))
      const filtered = filterStatements(traces)
      await fs.writeFile(work('statements.jl'), filtered.statements.map((s) => `${s}\n`).join(''))
      const variants = streamVariants(filtered.statements)
      await fs.writeFile(work('variants.jl'), variants.map((s) => `${s}\n`).join(''))
      const note = workloadNote(
        filtered.statements,
        filtered.counts,
        project.packages,
        request.workloads.length
      )
      if (note) log.warning(note)
      const c = filtered.counts
      log.info(
        `statements: ${c.read} read, ${c.unique} distinct usable, skipped ${c.main} bound to Main, ${c.malformed} malformed; ` +
          `${variants.length} added for other stdout kinds`
      )
      return filtered
    })

    if (mode === 'chained') {
      base = await timed('base', () =>
        provideBaseArchive(
          {
            julia,
            cpuTarget,
            cpu: prepared.cpu,
            cacheKeyPrefix: request.cacheKeyPrefix,
            imageThreads: prepared.imageThreads,
            projectDir: project.dir,
            workDir,
            env,
            timeoutMs: buildTimeoutMs(request)
          },
          cache,
          log
        )
      )
    }

    const object = await timed('object', async () => {
      const result = await buildObject(
        julia,
        {
          projectDir: project.dir,
          baseImage: base?.image ?? julia.baseImage,
          chained: mode === 'chained',
          cpuTarget,
          objectFile: work('image-o.a'),
          imageThreads: prepared.imageThreads,
          packagesFile: work('packages.txt'),
          statementsFile: work('statements.jl'),
          variantsFile: work('variants.jl'),
          workloadModulesFile:
            request.workloads.length > 0 ? work('workload-modules.txt') : undefined,
          reportFile: work('replay.txt')
        },
        env,
        (line) => log.info(line),
        buildTimeoutMs(request)
      )
      const r = result.report
      log.info(
        `object ${formatBytes(result.objectSize)}, peak memory ${formatBytes(result.peakMemory)}; ` +
          `statements used ${r.used}, unresolvable ${r.unresolvable}, failed ${r.failed}, unparsable ${r.unparsable}; ` +
          `for other stdout kinds used ${r.variants.used} of ${r.variants.statements}`
      )
      if (r.added.length > 0)
        log.info(`loaded into the image because the workload loaded them: ${r.added.join(', ')}`)
      for (const { name, why } of r.notLoadable)
        log.warning(
          `the workload loaded ${name}, which the image build cannot load (${why}): its code is compiled at run time`
        )
      return result
    })

    await timed('link', async () => {
      let linked: LinkOutcome
      const linker = await findLinker(julia)
      if (base) {
        const objcopy = await findObjcopy(julia, request, log)
        linked = await linkChainedImage(
          julia,
          {
            chainedArchive: work('image-o.a'),
            base,
            objcopy,
            linker,
            workDir,
            output: partialImage,
            finalName: path.basename(output)
          },
          env
        )
      } else {
        linked = await linkImage(
          julia,
          linker,
          [work('image-o.a')],
          partialImage,
          env,
          path.basename(output)
        )
      }
      log.info(`linker: ${describeLink(linked)}`)
      if (!request.keepWorkDir) await fs.rm(work('image-o.a'), { force: true })
    })

    const verification = await timed('verify', async () => {
      const result = await verifyImage(
        julia,
        {
          image: partialImage,
          projectDir: project.dir,
          packagesFile: work('packages.txt'),
          workloads: request.workloads,
          workDir,
          measure: request.measure,
          timeoutMs: workloadTimeoutMs(request)
        },
        env
      )
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
            (by ? `; stdout a pipe: ${by.pipe.count}, stdout a file: ${by.file.count}` : '')
        )
      }
      return result
    })

    const stat = await fs.stat(partialImage)
    const metadata = buildMetadata({
      toolVersion,
      image: {
        file: path.basename(output),
        sha256: await sha256File(partialImage),
        size: stat.size
      },
      julia: {
        version: julia.versionString,
        commit: julia.commit,
        os: julia.os,
        arch: julia.arch,
        llvm: julia.llvmVersion
      },
      cpuTarget,
      cpu: prepared.cpu,
      mode,
      base: base?.reference,
      imagePath: output,
      packages: project.packages.map((p) => p.name),
      workloads: request.workloads.map((w) => path.basename(w)),
      statementCounts: traced.counts,
      replay: object.report,
      objectSize: object.objectSize,
      peakMemory: object.peakMemory,
      imageThreads: prepared.imageThreads,
      timings: timer.timings,
      juliaProcessMs: juliaProcessMs(),
      verification,
      now: new Date()
    })
    const metadataFile = metadataPathFor(output)
    await fs.rename(partialImage, output).catch((error: NodeJS.ErrnoException) => {
      throw new UserError(
        'output',
        `cannot write ${output} (${error.code})`,
        'Choose an output path in a writable folder'
      )
    })
    await writeFileAtomic(metadataFile, `${JSON.stringify(metadata, null, 2)}\n`)
    return { image: output, metadataFile, metadata, julia }
  } finally {
    await fs.rm(partialImage, { force: true })
    // a restored base sits in the user's cache folder: hundreds of MB not needed any more
    if (base?.restored) await fs.rm(base.dir, { recursive: true, force: true })
    if (request.keepWorkDir) log.info(`work folder kept: ${workDir}`)
    else await fs.rm(workDir, { recursive: true, force: true })
  }
}
