import { promises as fs } from 'node:fs'
import path from 'node:path'
import { parse as parseToml } from 'smol-toml'
import { collectKeyFiles, juliaKeyFields, runningCodeFile } from '../../key-inputs.js'
import { layerCacheKey, type KeyFile } from '../../keys.js'
import { imageShapingScripts, juliaScript, layerShapingScripts } from '../../julia/scripts.js'
import type { PreparedBuild } from '../stage.js'
import type { LayerSplit } from './split.js'
import { sha256File } from '../../util/hash.js'
import { atLeast } from '../../julia/version.js'
import { laterStepStdlibs, type PackageRef } from '../project/index.js'

/** The key fields every layer shares. */
async function base(prepared: PreparedBuild) {
  return {
    prefix: prepared.request.cacheKeyPrefix,
    ...(await juliaKeyFields(prepared.julia)),
    cpuTarget: prepared.cpuTarget,
    cpu: prepared.cpu,
    juliaFlags: prepared.request.juliaFlags.all
  }
}

async function scriptFiles(
  names: readonly Parameters<typeof juliaScript>[0][]
): Promise<KeyFile[]> {
  return Promise.all(
    names.map(async (name) => ({
      role: 'script',
      relativePath: `${name}.jl`,
      sha256: await sha256File(juliaScript(name))
    }))
  )
}

const toolFile = async (): Promise<KeyFile> => ({
  role: 'tool',
  relativePath: '',
  sha256: await sha256File(runningCodeFile)
})

/**
 * Compile-time preferences of the project's packages, part one: `LocalPreferences.toml` (and
 * `JuliaLocalPreferences.toml`) beside the project (base/loading.jl `get_preferences`, the same
 * in 1.10 to 1.13). Part two, the project file's `[preferences]`, is `projectPreferencesFact`.
 */
async function preferenceFiles(projectDir: string): Promise<KeyFile[]> {
  const files: KeyFile[] = []
  for (const name of ['LocalPreferences.toml', 'JuliaLocalPreferences.toml']) {
    const file = path.join(projectDir, name)
    if (await fs.stat(file).catch(() => undefined))
      files.push({ role: 'preferences', relativePath: name, sha256: await sha256File(file) })
  }
  return files
}

/** JSON with object keys sorted: the same table always gives the same text. */
function sortedJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(sortedJson).join(',')}]`
  if (value && typeof value === 'object' && !(value instanceof Date))
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${sortedJson((value as Record<string, unknown>)[k])}`)
      .join(',')}}`
  return JSON.stringify(value)
}

/**
 * Pure: the project file's `[preferences]` table as a key fact (Julia merges it with
 * LocalPreferences.toml, base/loading.jl `get_preferences`). The rest of the project file does
 * not shape the dependency image: its packages are keyed by what the manifest resolves.
 */
export function projectPreferencesFact(projectToml: Record<string, unknown>): string[] {
  const table = projectToml.preferences
  return ['project-preferences', table === undefined ? '' : sortedJson(table)]
}

/**
 * Pure: the facts of the dependency image's key: every package it can hold (see
 * `LayerSplit.closure`) by uuid, version and tree hash, the manifest's name and the preferences.
 */
export function dependencyKeyFacts(
  split: Pick<LayerSplit, 'deps' | 'closure'>,
  manifestName: string,
  preferences: string[]
): string[][] {
  return [
    ['packages', ...split.deps.map((p) => `${p.uuid}:${p.name}`).sort()],
    ...split.closure.map((e) => [
      'resolved',
      e.uuid,
      e.name,
      e.version ?? '',
      e.treeHash ?? (e.path === undefined ? 'stdlib' : `path:${e.path}`)
    ]),
    ['manifest-name', manifestName],
    preferences
  ]
}

/** Pure: the stdlibs the dependency image holds for later steps; no fact when none (keys stay). */
export function stdlibsFact(stdlibs: readonly PackageRef[]): string[][] {
  return stdlibs.length > 0 ? [['stdlibs', ...stdlibs.map((p) => `${p.uuid}:${p.name}`)]] : []
}

/**
 * K1, the dependency image's key: what its packages are (by their resolved content), not which
 * statements it holds. See `layerCacheKey`.
 */
export async function dependencyImageKey(
  prepared: PreparedBuild,
  split: LayerSplit
): Promise<string> {
  const { project } = prepared
  const projectToml = parseToml(await fs.readFile(project.projectFile, 'utf8'))
  return layerCacheKey('deps', {
    ...(await base(prepared)),
    facts: [
      ...dependencyKeyFacts(
        split,
        project.manifestFile ? path.basename(project.manifestFile) : '',
        projectPreferencesFact(projectToml)
      ),
      ...stdlibsFact(laterStepStdlibs(prepared.julia.version, prepared.mode))
    ],
    files: [
      ...(await preferenceFiles(project.dir)),
      ...(await scriptFiles(imageShapingScripts)),
      await toolFile()
    ]
  })
}

/** K2, the own package images' key: the dependency image they were built on and their sources. */
export async function ownLayerKey(
  prepared: PreparedBuild,
  dependencyImageSha256: string
): Promise<string> {
  const { project } = prepared
  const files = await collectKeyFiles({
    projectFile: project.projectFile,
    manifestFile: project.manifestFile,
    ownPackage: project.ownPackage,
    workloads: [],
    statementFiles: [],
    scripts: [],
    toolCode: runningCodeFile
  })
  return layerCacheKey('own', {
    ...(await base(prepared)),
    facts: [['dependency-image', dependencyImageSha256]],
    files: [
      ...files,
      ...(await preferenceFiles(project.dir)),
      ...(await scriptFiles(layerShapingScripts))
    ]
  })
}

/**
 * K3, the workload package's key: the own layer's key, the workloads and statement files. On
 * Julia 1.10 also where its source is: 1.10 records that absolute path in the package image and
 * rejects the image at any other (base/loading.jl `stale_cachefile`); 1.11 on records it relative
 * to the depot, so the entry serves any folder.
 */
export async function workloadLayerKey(
  prepared: PreparedBuild,
  ownKey: string,
  workloadSource: string
): Promise<string> {
  const { request, project } = prepared
  const files = await collectKeyFiles({
    projectFile: project.projectFile,
    workloads: request.workloads,
    statementFiles: request.statementFiles,
    scripts: [],
    toolCode: runningCodeFile
  })
  return layerCacheKey('workload', {
    ...(await base(prepared)),
    facts: [
      ['own-layer', ownKey],
      ...(atLeast(prepared.julia.version, 1, 11) ? [] : [['workload-source', workloadSource]])
    ],
    files: [...files, ...(await scriptFiles(layerShapingScripts))]
  })
}
