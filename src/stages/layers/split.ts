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
  /** Package extensions: each with the uuids of its trigger packages (weak dependencies). */
  extensions?: { name: string; triggers: string[] }[]
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
  // a `deps` or `weakdeps` list names packages, a table (names the manifest has twice) maps
  // names to uuids
  const uuidsOf = (list: unknown): Map<string, string> =>
    new Map(
      Array.isArray(list)
        ? list.flatMap((d) => {
            const uuid = byName.get(String(d))
            return uuid === undefined ? [] : [[String(d), uuid] as [string, string]]
          })
        : uuidTable(list)
    )
  return raw.map(({ name, entry }) => {
    const resolved = [...uuidsOf(entry.deps).values()]
    const extensions = manifestExtensions(entry.extensions, uuidsOf(entry.weakdeps))
    return {
      name,
      uuid: (entry.uuid as string).toLowerCase(),
      ...(typeof entry.version === 'string' ? { version: entry.version } : {}),
      ...(typeof entry['git-tree-sha1'] === 'string' ? { treeHash: entry['git-tree-sha1'] } : {}),
      ...(typeof entry.path === 'string' ? { path: entry.path } : {}),
      deps: resolved,
      ...(extensions.length > 0 ? { extensions } : {})
    }
  })
}

/** Pure: a table of names to uuids (`[deps]`, `[weakdeps]`) as pairs, uuids lower-cased. */
function uuidTable(table: unknown): [string, string][] {
  return table && typeof table === 'object' && !Array.isArray(table)
    ? Object.entries(table as Table).map(([name, uuid]) => [name, String(uuid).toLowerCase()])
    : []
}

/**
 * Pure: an entry's `[extensions]` (name = trigger or [triggers], Julia 1.9 on), each trigger
 * resolved through the entry's weak dependencies; an extension with a trigger the manifest does
 * not name is left out (Julia cannot load it in this environment).
 */
function manifestExtensions(
  table: unknown,
  weak: Map<string, string>
): { name: string; triggers: string[] }[] {
  if (!table || typeof table !== 'object' || Array.isArray(table)) return []
  return Object.entries(table as Table).flatMap(([name, value]) => {
    const names = (Array.isArray(value) ? value : [value]).map(String)
    const triggers = names.map((n) => weak.get(n))
    return triggers.every((t): t is string => t !== undefined) ? [{ name, triggers }] : []
  })
}

/** A package extension: Julia loads it once its parent and every trigger are loaded. */
export interface OwnExtension {
  name: string
  parent: PackageRef
  triggers: PackageRef[]
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
  /**
   * Package extensions of own code: those of own packages, and those of other packages that an
   * own package triggers. Their images depend on own code, so they go into the own layer (Julia
   * compiles an extension into a package image of its own, named after it).
   */
  extensions: OwnExtension[]
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
  const ref = (uuid: string): PackageRef | undefined => {
    const entry = byUuid.get(uuid)
    return entry ? { name: entry.name, uuid } : uuid === self?.uuid ? self : undefined
  }
  const extensions = entries.flatMap((e) =>
    (e.extensions ?? []).flatMap(({ name, triggers }) => {
      const refs = triggers.map(ref)
      if (!refs.every((r): r is PackageRef => r !== undefined)) return []
      if (!ownUuids.has(e.uuid) && !triggers.some((t) => ownUuids.has(t))) return []
      return [{ name, parent: { name: e.name, uuid: e.uuid }, triggers: refs }]
    })
  )
  return { own, deps, closure: sorted, extensions, ownUuids, entries }
}

/**
 * Pure: the entries with the project's own package extensions (its Project.toml `[weakdeps]` and
 * `[extensions]`): until Julia 1.12 a project is not an entry of its own manifest, and from 1.12
 * its entry (`path = "."`) is given them from this file too, should Pkg leave them out.
 */
export function withProjectExtensions(
  entries: ManifestEntry[],
  projectToml: Table
): ManifestEntry[] {
  const { name, uuid } = projectToml
  if (typeof name !== 'string' || typeof uuid !== 'string') return entries
  const extensions = manifestExtensions(
    projectToml.extensions,
    new Map(uuidTable(projectToml.weakdeps))
  )
  if (extensions.length === 0) return entries
  const id = uuid.toLowerCase()
  const entry = entries.find((e) => e.uuid === id)
  if (entry) return entries.map((e) => (e === entry ? { ...e, extensions } : e))
  return [...entries, { name, uuid: id, deps: [], extensions }]
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
