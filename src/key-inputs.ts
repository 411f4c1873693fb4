import { promises as fs } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { parse as parseToml } from 'smol-toml'
import { compiledCpu, hostCpuFeatures, targetsHost } from './cpu-identity.js'
import type { JuliaInfo } from './julia/probe.js'
import type { KeyFile, KeyInputs } from './keys.js'
import { sha256File } from './util/hash.js'

/** The digest of the Julia build: its commit, or its base image's content when none is recorded. */
async function juliaBuildId(julia: Pick<JuliaInfo, 'commit' | 'baseImage'>): Promise<string> {
  return julia.commit ? `commit:${julia.commit}` : `image:${await sha256File(julia.baseImage)}`
}

/** The key fields every cache key shares: which Julia build, on which platform. */
export async function juliaKeyFields(
  julia: JuliaInfo
): Promise<Pick<KeyInputs, 'julia' | 'os' | 'arch'>> {
  return {
    julia: { version: julia.versionString, build: await juliaBuildId(julia) },
    os: julia.os,
    arch: julia.arch
  }
}

/**
 * The CPU an image for `cpuTarget` is compiled for (undefined for explicit targets); the host's
 * features are read only when Julia cannot name the model.
 */
export async function cpuKeyField(
  julia: Pick<JuliaInfo, 'cpuName'>,
  cpuTarget: string
): Promise<string | undefined> {
  const generic = targetsHost(cpuTarget) && (julia.cpuName.trim() || 'generic') === 'generic'
  return compiledCpu(cpuTarget, julia.cpuName, generic ? await hostCpuFeatures() : [])
}

async function fileEntry(role: string, file: string, relativePath = ''): Promise<KeyFile> {
  return { role, relativePath, sha256: await sha256File(file) }
}

/**
 * Pure: the `path = ...` packages of a Manifest.toml (both the old layout with `[[Name]]` at the
 * top level and the 1.7+ layout under `[deps]`), as name → path relative to the project.
 */
export function pathPackagesOfManifest(manifest: Record<string, unknown>): Map<string, string> {
  const table = (typeof manifest.manifest_format === 'string' ? manifest.deps : manifest) as Record<
    string,
    unknown
  >
  const result = new Map<string, string>()
  for (const [name, entries] of Object.entries(table ?? {})) {
    if (!Array.isArray(entries)) continue
    for (const entry of entries) {
      const p = (entry as Record<string, unknown>)?.path
      if (typeof p === 'string') result.set(name, p)
    }
  }
  return result
}

/** Every file below `root`, as paths relative to it (with `/`), skipping VCS and hidden folders. */
export async function treeFiles(root: string): Promise<string[]> {
  const found: string[] = []
  if (!(await fs.stat(root).catch(() => undefined))?.isDirectory()) return found
  const walk = async (dir: string, rel: string) => {
    const entries = await fs.readdir(dir, { withFileTypes: true })
    for (const entry of entries) {
      if (entry.name.startsWith('.')) continue // .git, .github, editor state: not package code
      const childRel = rel ? `${rel}/${entry.name}` : entry.name
      if (entry.isDirectory()) await walk(path.join(dir, entry.name), childRel)
      else if (entry.isFile()) found.push(childRel)
    }
  }
  await walk(root, '')
  return found.sort()
}

/**
 * The folders of a package project whose files its code can load: `src/` (the package itself)
 * and `ext/` (its extensions). Docs, tests and `.git` do not end up in an image.
 */
export const ownSourceFolders = ['src', 'ext']

export interface KeyFileSources {
  projectFile: string
  manifestFile?: string
  /** The project's name when it is itself a package: its own source then shapes the image. */
  ownPackage?: string
  workloads: string[]
  statementFiles: string[]
  scripts: string[]
  /** julia-sysimage's own code: the statement filter, the stdout variants, flags and link recipe shape the image too. */
  toolCode?: string
}

/**
 * The file this code runs from: in the action and the CLI, the whole bundle (`dist/<entry>/index.js`),
 * so any change to how julia-sysimage plans a build misses the cache; in the tests, this module.
 */
export const runningCodeFile = fileURLToPath(import.meta.url)

/**
 * Digests of every file that shapes the image: project and manifest, the project's own source
 * when it is a package, the source trees of path packages (an image keeps the code it was built with, so editing a local package must miss),
 * workloads, statement files and julia-sysimage's own Julia scripts and code.
 */
export async function collectKeyFiles(sources: KeyFileSources): Promise<KeyFile[]> {
  const files: KeyFile[] = [await fileEntry('project', sources.projectFile)]
  if (sources.ownPackage) {
    const projectDir = path.dirname(sources.projectFile)
    for (const folder of ownSourceFolders) {
      for (const rel of await treeFiles(path.join(projectDir, folder))) {
        const file = path.join(projectDir, folder, rel)
        files.push(await fileEntry(`own:${sources.ownPackage}`, file, `${folder}/${rel}`))
      }
    }
  }
  if (sources.manifestFile) {
    files.push(await fileEntry('manifest', sources.manifestFile))
    const manifest = parseToml(await fs.readFile(sources.manifestFile, 'utf8'))
    // paths in a manifest are relative to the manifest's folder (a workspace root's, for members)
    const manifestDir = path.dirname(sources.manifestFile)
    const projectDir = path.resolve(path.dirname(sources.projectFile))
    for (const [name, relative] of pathPackagesOfManifest(manifest)) {
      const root = path.resolve(manifestDir, relative)
      // from Julia 1.12 Pkg lists the project itself in its manifest (`path = "."`): its code is
      // keyed above as own code; its whole folder would also hold outputs and unrelated files
      if (root === projectDir) continue
      for (const rel of await treeFiles(root)) {
        files.push(await fileEntry(`package:${name}`, path.join(root, rel), rel))
      }
    }
  }
  for (const file of sources.workloads) files.push(await fileEntry('workload', file))
  for (const file of sources.statementFiles) files.push(await fileEntry('statements', file))
  for (const file of sources.scripts)
    files.push(await fileEntry('script', file, path.basename(file)))
  if (sources.toolCode) files.push(await fileEntry('tool', sources.toolCode))
  return files
}
