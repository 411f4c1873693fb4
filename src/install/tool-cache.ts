import { randomUUID } from 'node:crypto'
import { promises as fs } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { userCacheDir } from '../util/user-cache.js'
import * as tc from '@actions/tool-cache'
import semver from 'semver'
import { pathExists } from '../util/files.js'

/** The tool name Julia is cached under, as setup-julia does: `<tool cache>/julia/<version>/<arch>`. */
const toolName = 'julia'

/**
 * Pure: where Julia installs are kept. An explicit folder wins; on a runner, RUNNER_TOOL_CACHE;
 * elsewhere (the CLI) `$XDG_CACHE_HOME/julia-sysimage/tool-cache`, else `~/.cache/…`.
 */
export function resolveToolCacheDir(
  explicit: string | undefined,
  env: NodeJS.ProcessEnv,
  home: string
): string {
  if (explicit) return path.resolve(explicit)
  if (env.RUNNER_TOOL_CACHE) return env.RUNNER_TOOL_CACHE
  return path.join(userCacheDir(env, home), 'tool-cache')
}

/**
 * Points tool-cache at `dir`. tool-cache reads its folders from the environment on every call
 * (RUNNER_TOOL_CACHE, RUNNER_TEMP), which outside Actions are unset.
 */
export async function useToolCacheDir(dir: string): Promise<void> {
  await fs.mkdir(dir, { recursive: true })
  process.env.RUNNER_TOOL_CACHE = dir
  process.env.RUNNER_TEMP ||= os.tmpdir()
}

/** The folder of a complete cached Julia, or undefined. */
export function findCachedJulia(version: string, archKey: string): string | undefined {
  return tc.find(toolName, version, archKey) || undefined
}

function toolPath(cacheDir: string, version: string, archKey: string): string {
  return path.join(cacheDir, toolName, semver.clean(version) ?? version, archKey)
}

/**
 * A fresh folder to unpack into, on the same file system as the tool cache so that finishing
 * the install is a rename. Its name is not a version, so tool-cache never lists it. `tool` is
 * the tool-cache name the install goes under (default Julia's).
 */
export async function makeStagingDir(cacheDir: string, tool: string = toolName): Promise<string> {
  const parent = path.join(cacheDir, tool)
  await fs.mkdir(parent, { recursive: true })
  return fs.mkdtemp(path.join(parent, '.staging-'))
}

/**
 * Moves an unpacked Julia into the tool cache and marks it complete, in tool-cache's layout so
 * that `tc.find` (and setup-julia) find it.
 */
export async function placeInToolCache(
  staging: string,
  cacheDir: string,
  version: string,
  archKey: string
): Promise<string> {
  return moveIntoPlace(staging, toolPath(cacheDir, version, archKey))
}

/** True when `dest` is a finished install: the folder and its `.complete` marker both exist. */
export async function isCompleteInstall(dest: string): Promise<boolean> {
  return (await pathExists(dest)) && (await pathExists(`${dest}.complete`))
}

/**
 * Moves an unpacked folder to `dest` (a tool-cache path, `<tool>/<version>/<arch>`) and writes
 * the `.complete` marker tool-cache checks.
 *
 * Not `tc.cacheDir`: it copies file by file and the copies get new mtimes, which breaks Julia's
 * bundled precompile caches (validated against source mtimes). A rename keeps every mtime, and
 * the `.complete` marker is written only once the folder is in place, so an interrupted install
 * is never taken for a finished one.
 */
export async function moveIntoPlace(staging: string, dest: string): Promise<string> {
  const marker = `${dest}.complete`
  await fs.mkdir(path.dirname(dest), { recursive: true })
  // A folder without its marker is the remains of an interrupted install: replace it.
  if (!(await pathExists(marker))) await fs.rm(dest, { recursive: true, force: true })
  try {
    await fs.rename(staging, dest)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    // Another process finished the same install first: keep theirs. It renames before it
    // writes the marker, so give it a moment to write it.
    if (
      (code === 'ENOTEMPTY' || code === 'EEXIST' || code === 'EPERM') &&
      (await appears(marker))
    ) {
      await fs.rm(staging, { recursive: true, force: true })
      return dest
    }
    throw error
  }
  await fs.writeFile(marker, '')
  return dest
}

/**
 * Moves an unpacked nightly to `<tool cache>/julia-nightly/<label>/<arch>`, replacing the
 * previous one. Nightlies change daily and have no checksum, so they are never looked up as a
 * tool-cache version.
 */
export async function placeNightly(
  staging: string,
  cacheDir: string,
  label: string,
  archKey: string
): Promise<string> {
  const dest = path.join(cacheDir, `${toolName}-nightly`, label, archKey)
  await fs.mkdir(path.dirname(dest), { recursive: true })
  // Move the old one aside first: rename cannot replace a non-empty folder.
  const old = `${dest}.old-${randomUUID()}`
  if (await pathExists(dest)) await fs.rename(dest, old)
  await fs.rename(staging, dest)
  await fs.rm(old, { recursive: true, force: true })
  return dest
}

/** Whether `file` exists now or within about a second (checked every 50 ms). */
async function appears(file: string): Promise<boolean> {
  for (let i = 0; i < 20; i++) {
    if (await pathExists(file)) return true
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  return pathExists(file)
}
