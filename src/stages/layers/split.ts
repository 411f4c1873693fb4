import { promises as fs } from 'node:fs'
import { parse as parseToml } from 'smol-toml'
import type { JuliaProject, PackageRef } from '../project/index.js'

/**
 * Which packages go into which layer of a layered build. Pure, over the parsed manifest.
 *
 * Own code is what a user edits: the project itself when it is a package, every package the
 * manifest tracks by `path` (`Pkg.develop`), and every package that depends on one of those
 * (its image would be invalidated by their edits anyway). Everything else the project uses,
 * registry packages (versioned, with a git tree hash), git-tracked packages and stdlibs, goes into
 * the dependency image.
 */

/** A manifest entry with its dependencies resolved to uuids. */
export interface ManifestEntry {
  name: string
  uuid: string
  version?: string
  /** `git-tree-sha1`: the exact content of a registry or git-tracked package. */
  treeHash?: string
  /** `path`: a developed package, relative to the manifest's folder. */
  path?: string
  deps: string[]
}

type Table = Record<string, unknown>

/** Pure: the entries of a Manifest.toml, old layout (names at the top) or 1.7+ (`[deps]`). */
export function manifestEntries(manifest: Table): ManifestEntry[] {
  const table = (typeof manifest.manifest_format === 'string' ? manifest.deps : manifest) as Table
  const raw: { name: string; entry: Table }[] = []
  for (const [name, entries] of Object.entries(table ?? {})) {
    if (!Array.isArray(entries)) continue
    for (const entry of entries) {
      if (entry && typeof (entry as Table).uuid === 'string')
        raw.push({ name, entry: entry as Table })
    }
  }
  // a `deps` list names packages; a name stands for a uuid only when the manifest has it once
  const byName = new Map<string, string | undefined>()
  for (const { name, entry } of raw) {
    const uuid = (entry.uuid as string).toLowerCase()
    byName.set(name, byName.has(name) && byName.get(name) !== uuid ? undefined : uuid)
  }
  return raw.map(({ name, entry }) => {
    const deps = entry.deps
    const resolved = Array.isArray(deps)
      ? deps.map((d) => byName.get(String(d))).filter((u): u is string => u !== undefined)
      : deps && typeof deps === 'object'
        ? Object.values(deps as Table).map((u) => String(u).toLowerCase())
        : []
    return {
      name,
      uuid: (entry.uuid as string).toLowerCase(),
      ...(typeof entry.version === 'string' ? { version: entry.version } : {}),
      ...(typeof entry['git-tree-sha1'] === 'string' ? { treeHash: entry['git-tree-sha1'] } : {}),
      ...(typeof entry.path === 'string' ? { path: entry.path } : {}),
      deps: resolved
    }
  })
}

export interface LayerSplit {
  /** Own packages, each after the own packages it depends on (the order to precompile them). */
  own: PackageRef[]
  /** The project's packages that go into the dependency image. */
  deps: PackageRef[]
  /**
   * Every package of the manifest that is not own code and that the project reaches, directly or
   * through its own packages, sorted by uuid: the dependency image's key. Any of them can end up
   * in the image (the trace keeps every module the workload loaded, and a workload that loads an
   * own package loads that package's registry dependencies too), and a module in a system image
   * hides the manifest's version of it for good.
   */
  closure: ManifestEntry[]
  /** uuids of the own packages and of everything in the manifest that depends on one. */
  ownUuids: Set<string>
  /** The manifest's entries the split was made from (none without a manifest). */
  entries: ManifestEntry[]
}

/** Pure: splits the project's packages into own code and dependencies. */
export function splitLayers(
  project: Pick<JuliaProject, 'packages' | 'ownPackage'>,
  entries: ManifestEntry[]
): LayerSplit {
  const byUuid = new Map(entries.map((e) => [e.uuid, e]))
  const ownUuids = new Set(entries.filter((e) => e.path !== undefined).map((e) => e.uuid))
  // grow the own set by everything that depends on it, until nothing changes
  for (let grew = true; grew;) {
    grew = false
    for (const e of entries) {
      if (!ownUuids.has(e.uuid) && e.deps.some((d) => ownUuids.has(d))) {
        ownUuids.add(e.uuid)
        grew = true
      }
    }
  }
  const self = project.packages.find((p) => p.name === project.ownPackage)
  if (self) ownUuids.add(self.uuid)

  const own: PackageRef[] = []
  const placed = new Set<string>()
  const place = (uuid: string, seen: Set<string>) => {
    // the project itself goes last, below; from Julia 1.12 Pkg also lists it in its own
    // manifest (`path = "."`, for workspaces), which must not place it twice
    if (uuid === self?.uuid) return
    if (placed.has(uuid) || seen.has(uuid) || !ownUuids.has(uuid)) return
    seen.add(uuid)
    for (const dep of byUuid.get(uuid)?.deps ?? []) place(dep, seen)
    placed.add(uuid)
    const entry = byUuid.get(uuid)
    if (entry) own.push({ name: entry.name, uuid })
  }
  for (const uuid of [...ownUuids].sort()) place(uuid, new Set())
  if (self) own.push(self) // the project depends on its packages, nothing depends on it

  const deps = project.packages.filter((p) => !ownUuids.has(p.uuid))
  const closure = new Map<string, ManifestEntry>()
  const seen = new Set<string>()
  const visit = (uuid: string) => {
    const entry = byUuid.get(uuid)
    if (!entry || seen.has(uuid)) return
    seen.add(uuid)
    if (!ownUuids.has(uuid)) closure.set(uuid, entry)
    entry.deps.forEach(visit)
  }
  project.packages.forEach((p) => visit(p.uuid))
  const sorted = [...closure.values()].sort((a, b) => a.uuid.localeCompare(b.uuid))
  return { own, deps, closure: sorted, ownUuids, entries }
}

/** The manifest's entries, or none when the project has no manifest yet. */
export async function readManifestEntries(
  manifestFile: string | undefined
): Promise<ManifestEntry[]> {
  if (!manifestFile) return []
  return manifestEntries(parseToml(await fs.readFile(manifestFile, 'utf8')) as Table)
}

/** Whether the project has code of its own: it is a package, or its manifest develops one. */
export async function hasOwnCode(
  project: Pick<JuliaProject, 'ownPackage' | 'manifestFile'>
): Promise<boolean> {
  if (project.ownPackage) return true
  const entries = await readManifestEntries(project.manifestFile).catch(() => [])
  return entries.some((e) => e.path !== undefined)
}
