import { promises as fs } from 'node:fs'
import path from 'node:path'
import * as tc from '@actions/tool-cache'
import { UserError, errorMessage } from '../../../errors.js'
import {
  downloadFile,
  isCompleteInstall,
  makeDownloadDir,
  makeStagingDir,
  moveIntoPlace,
  normalizeBaseUrl,
  verifySha256
} from '../../../install/index.js'
import type { JuliaOS } from '../../../julia/probe.js'
import type { Logger } from '../../../log.js'
import { pathAlternative, type JllArtifact } from './artifacts.js'
import { isFile } from '../../../util/files.js'

export interface LlvmToolRequest {
  /** The build to install, from `selectArtifact` (production: over the shipped tables). */
  artifact: JllArtifact
  /** The tool-cache folder (already resolved: RUNNER_TOOL_CACHE or the CLI's own). */
  toolCacheDir: string
  /**
   * A mirror's folder URL: it replaces everything before the file name of the table's url. The
   * sha256 still comes from the table, so a mirror cannot substitute another build.
   */
  baseUrl?: string
  /** The input that set `baseUrl`, blamed when the mirror fails. */
  baseUrlInput?: string
  /** Where the download waits to be verified; default RUNNER_TEMP, else the OS temp folder. */
  tempDir?: string
}

export interface InstalledLlvmTools {
  /** The unpacked build: `tools/`, `lib/`, `bin/` below it. */
  root: string
  /** `tool-cache`: installed before; `download`: downloaded now. */
  source: 'tool-cache' | 'download'
  /** Where it was (or would have been) downloaded from. */
  url: string
}

/** Pure: the tool-cache name of a JLL package's installs (`julia-sysimage-LLD`). */
export function llvmToolCacheName(artifact: JllArtifact): string {
  return `julia-sysimage-${artifact.name}`
}

/**
 * Pure: where a build lives in the tool cache, `<name>/<version+build>/<triplet>`. The build
 * number keeps a newer table's build (another sha256) from reusing an older one's folder, and
 * the triplet (not just the arch) keeps libc and C++ ABI variants apart.
 */
export function llvmToolCachePath(toolCacheDir: string, artifact: JllArtifact): string {
  return path.join(toolCacheDir, llvmToolCacheName(artifact), artifact.build, artifact.triplet)
}

/** Pure: the download URL, the table's own or the same file name under a mirror. */
export function llvmToolUrl(
  artifact: JllArtifact,
  baseUrl?: string,
  baseUrlInput?: string
): string {
  if (!baseUrl?.trim()) return artifact.url
  return normalizeBaseUrl(baseUrl, baseUrlInput) + artifact.fileName
}

/**
 * Installs a JLL build of LLVM tools into the tool cache, or finds it there: downloads the
 * tarball, checks its sha256 against the table before unpacking, unpacks it into a staging
 * folder beside its final place and renames it there. Whatever fails, nothing is left behind
 * and nothing is marked installed.
 */
export async function installLlvmTool(
  request: LlvmToolRequest,
  log: Logger
): Promise<InstalledLlvmTools> {
  const { artifact, toolCacheDir } = request
  const url = llvmToolUrl(artifact, request.baseUrl, request.baseUrlInput)
  const dest = llvmToolCachePath(toolCacheDir, artifact)
  const what = `${artifact.name}_jll ${artifact.build} for ${artifact.triplet}`
  if (await isCompleteInstall(dest)) {
    log.info(`${what} is in the tool cache: ${dest}`)
    return { root: dest, source: 'tool-cache', url }
  }
  const mirror = url !== artifact.url
  const blame = mirror ? (request.baseUrlInput ?? 'download-url') : 'download'
  const notFound = mirror
    ? `Check that the mirror serves ${artifact.fileName} as the JLL release at ${artifact.url} does`
    : `Put ${pathAlternative(artifact.name)} on PATH, or serve the file from a mirror`
  const downloadDir = await makeDownloadDir(request.tempDir)
  let staging: string | undefined
  try {
    const archive = path.join(downloadDir, artifact.fileName)
    log.info(`downloading ${what} from ${url}`)
    await downloadFile(url, archive, what, blame, notFound)
    await verifySha256(archive, artifact.sha256, url, undefined, `the ${artifact.name}_jll table`)
    log.info(`sha256 ${artifact.sha256} verified`)
    staging = await makeStagingDir(toolCacheDir, llvmToolCacheName(artifact))
    await unpack(archive, staging, url)
    const root = await moveIntoPlace(staging, dest)
    staging = undefined
    log.info(`${what} installed in ${root}`)
    return { root, source: 'download', url }
  } finally {
    await fs.rm(downloadDir, { recursive: true, force: true })
    if (staging) await fs.rm(staging, { recursive: true, force: true })
  }
}

/**
 * JLL tarballs hold the install prefix itself (`tools/`, `lib/`), no top folder. Symlinks in
 * them (`tools/ld.lld` → `lld`) survive because the folder is later renamed, never copied.
 */
async function unpack(archive: string, dest: string, url: string): Promise<void> {
  try {
    // --no-same-owner: as root (container jobs) do not hand files to the builder's uid.
    await tc.extractTar(archive, dest, ['xz', '--no-same-owner'])
  } catch (error) {
    throw new UserError(
      'download',
      `could not unpack ${url}: ${errorMessage(error)}`,
      'Check free disk space in the tool cache and that tar is on PATH; rerun to download again'
    )
  }
}

/** The tools julia-sysimage runs from JLL builds, all under the build's `tools/`. */
export type LlvmTool = 'llvm-objcopy' | 'llvm-ar' | 'ld.lld' | 'ld64.lld' | 'lld-link' | 'lld'

/** Pure: the path of a tool inside an installed build (`.exe` on Windows). */
export function llvmToolPath(root: string, tool: LlvmTool, os: JuliaOS = hostOs()): string {
  return path.join(root, 'tools', os === 'windows' ? `${tool}.exe` : tool)
}

/** The path of a tool inside an installed build, checked to exist. */
export async function findLlvmTool(
  installed: InstalledLlvmTools,
  tool: LlvmTool,
  os: JuliaOS = hostOs()
): Promise<string> {
  const file = llvmToolPath(installed.root, tool, os)
  if (!(await isFile(file))) {
    throw new UserError(
      'download',
      `${installed.url} has no tools/${path.basename(file)} (unpacked in ${installed.root})`,
      `Put ${tool} on PATH instead`
    )
  }
  return file
}

function hostOs(): JuliaOS {
  if (process.platform === 'win32') return 'windows'
  return process.platform === 'darwin' ? 'macos' : 'linux'
}
