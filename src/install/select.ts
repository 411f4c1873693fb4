import { promises as fs, constants as fsConstants } from 'node:fs'
import path from 'node:path'
import semver from 'semver'
import { UserError, errorMessage } from '../errors.js'
import type { Logger } from '../log.js'
import { lastLines } from '../util/process.js'
import { runJuliaProcess } from '../julia/process.js'
import { installJulia } from './install.js'
import { juliaArch } from './platform.js'
import { ltsMinor, parseVersionSpec, type VersionSpec } from './versions.js'

export interface JuliaRequest {
  /** A version spec (see install.ts); absent: use the Julia given or on PATH. */
  spec?: string
  arch?: string
  /** An explicit Julia executable (action `julia-path`, CLI `--julia`): always used when given. */
  juliaPath?: string
  downloadUrl?: string
  projectDir?: string
  toolCacheDir?: string
  tempDir?: string
  /** Environment whose PATH is searched and under which `julia --version` runs; default process.env. */
  env?: NodeJS.ProcessEnv
}

export interface SelectedJulia {
  juliaPath: string
  bindir: string
  /** As the Julia reports it (`1.10.4`, `1.13.0-DEV.123`). */
  version: string
  /** `explicit`: julia-path; `path`: the julia on PATH; `tool-cache`: installed before; `download`: installed now. */
  source: 'explicit' | 'path' | 'tool-cache' | 'download'
}

/**
 * Which Julia to use: an explicit path, else a `julia` on PATH that satisfies the spec (e.g. one
 * setup-julia installed), else one installed from the spec. Logs the choice and the reason.
 */
export async function selectJulia(request: JuliaRequest, log: Logger): Promise<SelectedJulia> {
  const env = request.env ?? process.env
  const spec = request.spec?.trim() ? request.spec.trim() : undefined
  const parsed = spec === undefined ? undefined : parseVersionSpec(spec)
  // checked now, whichever Julia ends up used: a wrong arch must not pass silently
  const wantedArch = request.arch ? juliaArch(request.arch, process.arch) : undefined
  const hostArch = juliaArch(undefined, process.arch)

  if (request.juliaPath) {
    const juliaPath = await checkExecutable(request.juliaPath)
    const version = await juliaVersionOf(juliaPath, env, 'julia-path')
    const why =
      spec === undefined
        ? 'julia-path was given'
        : `julia-path was given (it takes precedence over version ${spec})`
    if (parsed && satisfies(version, parsed) === false) {
      log.warning(
        `julia-path ${juliaPath} is Julia ${version}, which does not match version ${spec}; using it as asked`
      )
    }
    log.info(`using Julia ${version} at ${juliaPath}: ${why}`)
    return { juliaPath, bindir: await bindirOf(juliaPath), version, source: 'explicit' }
  }

  // a julia on PATH runs on this machine's architecture; another one must be installed
  const onPath =
    wantedArch === undefined || wantedArch === hostArch ? await findOnPath(env) : undefined
  if (onPath) {
    const version = await juliaVersionOf(onPath, env, 'julia')
    if (parsed === undefined) {
      log.info(
        `using Julia ${version} at ${onPath}: it is the julia on PATH and no version was asked for`
      )
      return { juliaPath: onPath, bindir: await bindirOf(onPath), version, source: 'path' }
    }
    const verdict = satisfies(version, parsed)
    if (verdict === true) {
      log.info(`using Julia ${version} at ${onPath}: the julia on PATH satisfies version ${spec}`)
      return { juliaPath: onPath, bindir: await bindirOf(onPath), version, source: 'path' }
    }
    log.info(
      verdict === false
        ? `the julia on PATH (${onPath}) is ${version}, which does not satisfy version ${spec}: installing`
        : `version ${spec} needs the release index to decide, so the julia on PATH (${version}) is not reused: installing`
    )
  } else if (parsed === undefined) {
    throw new UserError(
      'julia',
      'no Julia found: none was given and there is no julia on PATH',
      'Pass --julia PATH or --version SPEC (action inputs julia-path or version)'
    )
  }

  const installed = await installJulia(
    {
      spec: spec!,
      arch: request.arch,
      downloadUrl: request.downloadUrl,
      projectDir: request.projectDir,
      toolCacheDir: request.toolCacheDir,
      tempDir: request.tempDir
    },
    log
  )
  // A nightly's label says nothing about the build: ask the binary.
  const version =
    parsed?.kind === 'nightly'
      ? await juliaVersionOf(installed.juliaPath, env, 'version')
      : installed.version
  log.info(
    `using Julia ${version} at ${installed.juliaPath}: ${installed.source === 'tool-cache' ? 'found in the tool cache' : 'downloaded and installed'} for version ${spec}`
  )
  return {
    juliaPath: installed.juliaPath,
    bindir: installed.bindir,
    version,
    source: installed.source
  }
}

/**
 * Pure: does an installed Julia's version answer the spec? undefined when only the release
 * index can tell (`pre`: is there a newer prerelease; `min`: which release is the lowest).
 */
export function satisfies(version: string, spec: VersionSpec): boolean | undefined {
  const v = semver.valid(version)
  if (v === null) return false
  switch (spec.kind) {
    case 'exact':
      return semver.eq(v, spec.version)
    case 'range':
      return semver.satisfies(v, spec.range)
    case 'lts':
      return semver.satisfies(v, ltsMinor)
    case 'nightly': {
      // Nightlies report `X.Y.0-DEV.N`; a branch nightly must be of that branch.
      const isDev = (semver.prerelease(v)?.[0] ?? '') === 'DEV'
      return (
        isDev &&
        (spec.branch === undefined || `${semver.major(v)}.${semver.minor(v)}` === spec.branch)
      )
    }
    case 'pre':
    case 'min':
      return undefined
  }
}

async function checkExecutable(file: string): Promise<string> {
  const resolved = path.resolve(file)
  const stat = await fs.stat(resolved).catch(() => undefined)
  if (!stat?.isFile()) {
    throw new UserError(
      'julia-path',
      `${resolved} does not exist or is not a file`,
      'Pass the path of the julia executable (…/bin/julia)'
    )
  }
  return resolved
}

/** The first `julia` on the PATH of `env`, the way a shell would find it. */
export async function findOnPath(env: NodeJS.ProcessEnv): Promise<string | undefined> {
  const names = process.platform === 'win32' ? ['julia.exe'] : ['julia']
  const dirs = (env.PATH ?? env.Path ?? '').split(path.delimiter).filter((dir) => dir !== '')
  for (const dir of dirs) {
    for (const name of names) {
      const candidate = path.resolve(dir, name)
      const stat = await fs.stat(candidate).catch(() => undefined)
      if (!stat?.isFile()) continue
      if (process.platform === 'win32') return candidate
      if (
        await fs.access(candidate, fsConstants.X_OK).then(
          () => true,
          () => false
        )
      )
        return candidate
    }
  }
  return undefined
}

/**
 * Julia's own bindir: the folder of the real executable, since Julia resolves symlinks to find
 * its libraries (`/usr/local/bin/julia` → `/opt/julia-1.10.4/bin`).
 */
async function bindirOf(juliaPath: string): Promise<string> {
  return path.dirname(await fs.realpath(juliaPath))
}

/** Runs `julia --version` (fast: no image compilation) and reads the version it prints. */
export async function juliaVersionOf(
  juliaPath: string,
  env: NodeJS.ProcessEnv,
  input: string
): Promise<string> {
  let result
  try {
    result = await runJuliaProcess(juliaPath, ['--startup-file=no', '--version'], {
      env,
      timeoutMs: 60_000
    })
  } catch (error) {
    throw new UserError(
      input,
      `cannot start ${juliaPath} (${errorMessage(error)})`,
      'Pass the path of a working Julia executable'
    )
  }
  const match = /julia version (\S+)/.exec(result.stdout)
  if (result.code !== 0 || !match) {
    throw new UserError(
      input,
      `${juliaPath} --version failed (${result.signal ?? `exit code ${result.code}`}): ${lastLines(result.stderr || result.stdout, 5) || 'no output'}`,
      'Check that this Julia installation works'
    )
  }
  return match[1]
}
