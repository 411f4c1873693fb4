import { promises as fs } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { UserError, errorMessage } from '../errors.js'
import type { Logger } from '../log.js'
import { lastLines, run } from '../util/process.js'
import { readJuliaCompat } from './compat.js'
import { downloadFile, makeDownloadDir, verifySha256 } from './download.js'
import {
  nightlyUrl,
  normalizeBaseUrl,
  officialBaseUrl,
  releaseFileUrl,
  releaseIndexUrl
} from './download-urls.js'
import { describePlatform, hostPlatform, toolCacheArch, type JuliaPlatform } from './platform.js'
import {
  findCachedJulia,
  makeStagingDir,
  placeInToolCache,
  placeNightly,
  resolveToolCacheDir,
  useToolCacheDir
} from './tool-cache.js'
import {
  parseReleaseIndex,
  parseVersionSpec,
  pickReleaseFile,
  resolveVersion,
  yamlNumberHint,
  type ReleaseIndex
} from './versions.js'
import { isFile } from '../util/files.js'

export interface InstallRequest {
  /** A version spec: lts, 1, 1.10, 1.10.4, ^1.9, pre, min, nightly, 1.12-nightly. */
  spec: string
  /** x64, aarch64, x86 or any runner spelling (X64, ARM64, x86_64, arm64); default this machine's. */
  arch?: string
  /** A mirror's base URL replacing https://julialang-s3.julialang.org/bin/ for the index and the archives. */
  downloadUrl?: string
  /** The project whose `[compat] julia` `min` reads; default the working directory. */
  projectDir?: string
  /** Where installs are kept; default RUNNER_TOOL_CACHE, else ~/.cache/julia-sysimage/tool-cache. */
  toolCacheDir?: string
  /** Where downloads wait to be verified; default RUNNER_TEMP, else the OS temp folder. */
  tempDir?: string
}

export interface InstalledJulia {
  /** The release installed (`1.10.4`); for nightlies the spec's label (`nightly`, `1.12-nightly`). */
  version: string
  /** The install's root folder (holding bin/, lib/, share/). */
  root: string
  bindir: string
  juliaPath: string
  /** `tool-cache`: found installed; `download`: downloaded now. */
  source: 'tool-cache' | 'download'
}

/** What to download: pure planning output, before any file is touched. */
interface DownloadPlan {
  version: string
  url: string
  /** Absent only for nightlies, which are published without one. */
  sha256?: string
  size?: number
  nightly: boolean
}

function juliaExecutable(root: string): string {
  return path.join(root, 'bin', process.platform === 'win32' ? 'julia.exe' : 'julia')
}

function installedAt(
  root: string,
  version: string,
  source: InstalledJulia['source']
): InstalledJulia {
  const juliaPath = juliaExecutable(root)
  return { version, root, bindir: path.dirname(juliaPath), juliaPath, source }
}

/**
 * Installs Julia for a version spec into the tool cache, or finds it there: resolves the spec
 * against the release index, downloads the archive, verifies its sha256 before unpacking,
 * unpacks it keeping mtimes and moves it into the tool cache.
 */
export async function installJulia(request: InstallRequest, log: Logger): Promise<InstalledJulia> {
  const spec = parseVersionSpec(request.spec)
  const platform = hostPlatform(request.arch)
  const archKey = toolCacheArch(platform.arch)
  const cacheDir = resolveToolCacheDir(request.toolCacheDir, process.env, os.homedir())
  await useToolCacheDir(cacheDir)
  const mirror = request.downloadUrl?.trim() ? normalizeBaseUrl(request.downloadUrl) : undefined
  if (mirror?.startsWith('http:')) {
    log.warning(
      `download-url ${mirror} is plain http: the checksums come from the same server, so they catch corruption but not tampering`
    )
  }
  const blame = mirror ? 'download-url' : 'download'

  // An exact release already installed needs no index: this also works offline.
  if (spec.kind === 'exact') {
    const cached = findCachedJulia(spec.version, archKey)
    if (cached) {
      log.info(
        `Julia ${spec.version} for ${describePlatform(platform)} is in the tool cache: ${cached}`
      )
      return installedAt(cached, spec.version, 'tool-cache')
    }
  }

  let plan: DownloadPlan
  if (spec.kind === 'nightly') {
    plan = { version: spec.label, url: nightlyUrl(platform, spec.branch, mirror), nightly: true }
  } else {
    const base = mirror ?? officialBaseUrl
    const index = await fetchReleaseIndex(base, blame, request.tempDir)
    const hint = yamlNumberHint(request.spec, index)
    if (hint) log.warning(hint)
    const compatRange =
      spec.kind === 'min' ? await readJuliaCompat(request.projectDir ?? process.cwd()) : undefined
    const version = resolveVersion(index, spec, { platform, compatRange })
    if (spec.kind !== 'exact')
      log.info(`version ${request.spec.trim()} resolves to Julia ${version}`)
    const cached = findCachedJulia(version, archKey)
    if (cached) {
      log.info(`Julia ${version} for ${describePlatform(platform)} is in the tool cache: ${cached}`)
      return installedAt(cached, version, 'tool-cache')
    }
    const file = pickReleaseFile(index, version, platform)
    plan = {
      version,
      url: releaseFileUrl(file.url, base),
      sha256: file.sha256,
      size: file.size,
      nightly: false
    }
  }
  const root = await downloadAndPlace(
    plan,
    platform,
    cacheDir,
    archKey,
    blame,
    request.tempDir,
    log
  )
  return installedAt(root, plan.version, 'download')
}

/** Downloads `versions.json` under `baseUrl` and validates it. */
async function fetchReleaseIndex(
  baseUrl: string,
  blame: string,
  tempDir: string | undefined
): Promise<ReleaseIndex> {
  const url = releaseIndexUrl(baseUrl)
  const dir = await makeDownloadDir(tempDir)
  try {
    const file = path.join(dir, 'versions.json')
    await downloadFile(url, file, 'the release index', blame)
    let data: unknown
    try {
      data = JSON.parse(await fs.readFile(file, 'utf8'))
    } catch (error) {
      throw new UserError(
        'download-url',
        `${url} is not a Julia release index: not JSON (${errorMessage(error).split('\n')[0]})`,
        'Point download-url at a folder that serves versions.json and the tarballs in the layout of https://julialang-s3.julialang.org/bin/'
      )
    }
    return parseReleaseIndex(data, url)
  } finally {
    await fs.rm(dir, { recursive: true, force: true })
  }
}

/**
 * Download → verify → unpack → move into the tool cache. Whatever fails, the download and the
 * half-unpacked folder are removed and nothing is marked installed.
 */
async function downloadAndPlace(
  plan: DownloadPlan,
  platform: JuliaPlatform,
  cacheDir: string,
  archKey: string,
  blame: string,
  tempDir: string | undefined,
  log: Logger
): Promise<string> {
  const downloadDir = await makeDownloadDir(tempDir)
  let staging: string | undefined
  try {
    const archive = path.join(
      downloadDir,
      path.posix.basename(new URL(plan.url).pathname) || 'julia.tar.gz'
    )
    const what = plan.nightly
      ? `Julia ${plan.version}`
      : `Julia ${plan.version} for ${describePlatform(platform)}`
    log.info(`downloading ${what} from ${plan.url}`)
    let started = performance.now()
    await downloadFile(plan.url, archive, what, blame)
    const bytes = (await fs.stat(archive)).size
    log.info(`downloaded ${(bytes / 1e6).toFixed(1)} MB in ${seconds(started)}`)
    if (plan.sha256) {
      await verifySha256(archive, plan.sha256, plan.url, plan.size)
      log.info(`sha256 ${plan.sha256} verified`)
    } else {
      log.warning(
        `Julia ${plan.version} is a nightly build: Julia publishes no checksum for it, so it is installed unverified`
      )
    }
    staging = await makeStagingDir(cacheDir)
    started = performance.now()
    await unpack(archive, staging, plan.url)
    log.info(`unpacked in ${seconds(started)}`)
    const root = plan.nightly
      ? await placeNightly(staging, cacheDir, plan.version, archKey)
      : await placeInToolCache(staging, cacheDir, plan.version, archKey)
    staging = undefined
    log.info(`Julia ${plan.version} installed in ${root}`)
    return root
  } finally {
    await fs.rm(downloadDir, { recursive: true, force: true })
    if (staging) await fs.rm(staging, { recursive: true, force: true })
  }
}

function seconds(startedMs: number): string {
  return `${((performance.now() - startedMs) / 1000).toFixed(1)} s`
}

/**
 * Unpacks a Julia archive into `dest`, dropping its top folder (`julia-1.10.4/`). tar keeps
 * each file's mtime, which Julia's bundled precompile caches are checked against. Windows uses
 * its own tar (bsdtar, which also reads zip): a Git-for-Windows GNU tar earlier on PATH
 * mistakes `C:` for a remote host.
 */
async function unpack(archive: string, dest: string, url: string): Promise<void> {
  const tar =
    process.platform === 'win32'
      ? path.join(process.env.SystemRoot ?? 'C:\\Windows', 'System32', 'tar.exe')
      : 'tar'
  // --no-same-owner: as root (container jobs) do not hand files to the release builder's uid.
  const args = ['-xf', archive, '--strip-components=1', '--no-same-owner', '-C', dest]
  let result
  try {
    result = await run(tar, args, { timeoutMs: 20 * 60_000 })
  } catch (error) {
    throw new UserError(
      'download',
      `cannot run ${tar} to unpack ${url} (${errorMessage(error)})`,
      'Install tar and put it on PATH'
    )
  }
  if (result.code !== 0) {
    throw new UserError(
      'download',
      `${tar} could not unpack ${url} (${result.signal ?? `exit code ${result.code}`}): ${lastLines(result.stderr, 5)}`,
      'Check free disk space in the tool cache; rerun to download again'
    )
  }
  const executable = juliaExecutable(dest)
  if (!(await isFile(executable))) {
    throw new UserError(
      'download',
      `${url} does not unpack to a Julia installation (no bin/${path.basename(executable)} under its top folder)`,
      'Serve the archives Julia publishes, unchanged'
    )
  }
}
