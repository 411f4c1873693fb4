import path from 'node:path'
import { atLeast, type JuliaVersion } from '../../julia/version.js'

/**
 * What the manifest choice needs to see of the file system. Given as an interface so that the
 * rules below stay a pure function of it (unit tests pass a table of files).
 */
export interface ManifestView {
  isFile(file: string): boolean
  isDir(dir: string): boolean
  /** The parsed TOML of a file, or undefined when it is missing or not valid TOML. */
  readToml(file: string): Record<string, unknown> | undefined
  /** The user's home folder (Julia ≥ 1.13 stops the workspace search when it leaves it). */
  home: string
}

/**
 * Pure: the manifest file names Julia looks for beside a project file, in order.
 *
 * `base/loading.jl`, `const manifest_names`:
 * - up to 1.10.7: `JuliaManifest.toml`, `Manifest.toml`;
 * - 1.11.0 on, and 1.10.8 on (backported by JuliaLang/julia PRs #56600 and #56653; see #56709):
 *   `JuliaManifest-vX.Y.toml`, `Manifest-vX.Y.toml` for the running X.Y first, then the plain names.
 */
export function manifestNames(version: JuliaVersion): string[] {
  const plain = ['JuliaManifest.toml', 'Manifest.toml']
  const versioned =
    atLeast(version, 1, 11) || (version.major === 1 && version.minor === 10 && version.patch >= 8)
  if (!versioned) return plain
  const xy = `${version.major}.${version.minor}`
  return [`JuliaManifest-v${xy}.toml`, `Manifest-v${xy}.toml`, ...plain]
}

/** The project file of a folder: `JuliaProject.toml` wins over `Project.toml` (`project_names`). */
function projectFileIn(dir: string, view: ManifestView): string | undefined {
  for (const name of ['JuliaProject.toml', 'Project.toml']) {
    const file = path.join(dir, name)
    if (view.isFile(file)) return file
  }
  return undefined
}

function workspaceProjects(toml: Record<string, unknown> | undefined): string[] {
  const workspace = toml?.workspace as Record<string, unknown> | undefined
  const projects = workspace?.projects
  return Array.isArray(projects) ? projects.filter((p): p is string => typeof p === 'string') : []
}

/**
 * Pure: the workspace root project a project belongs to (`base_project` in `base/loading.jl`), or
 * undefined. Workspaces exist from Julia 1.12:
 * - 1.12: only the parent folder's project is asked, and it must list the member's folder name
 *   in `[workspace] projects`;
 * - later sources (applied here from 1.13): every ancestor folder is asked in turn (stopping at
 *   the file system root, or when leaving the home folder if the project is inside it), and an
 *   entry matches when it names the member's folder relative to that ancestor.
 */
export function workspaceRoot(
  version: JuliaVersion,
  projectFile: string,
  view: ManifestView
): string | undefined {
  if (!atLeast(version, 1, 12)) return undefined
  const projectDir = path.resolve(path.dirname(projectFile))
  if (!atLeast(version, 1, 13)) {
    const parent = path.dirname(projectDir)
    const baseFile = parent === projectDir ? undefined : projectFileIn(parent, view)
    if (!baseFile) return undefined
    return workspaceProjects(view.readToml(baseFile)).includes(path.basename(projectDir))
      ? baseFile
      : undefined
  }
  const home = path.resolve(view.home)
  const inHome = projectDir === home || projectDir.startsWith(home + path.sep)
  let current = projectDir
  for (;;) {
    const parent = path.dirname(current)
    if (parent === current) return undefined
    if (inHome && !(parent === home || parent.startsWith(home + path.sep))) return undefined
    const baseFile = projectFileIn(parent, view)
    if (baseFile) {
      const members = workspaceProjects(view.readToml(baseFile))
      if (members.some((member) => path.resolve(parent, member) === projectDir)) return baseFile
    }
    current = parent
  }
}

/**
 * Pure: the manifest Julia `version` uses for `projectFile` (`project_file_manifest_path` in
 * `base/loading.jl`), or undefined when it would use none.
 *
 * 1. Julia ≥ 1.12: a workspace member uses its workspace root's manifest (found by the same
 *    rules, so a nested workspace ends at the outermost root).
 * 2. A `manifest = "..."` entry in the project file, relative to its folder. Julia 1.5's reader
 *    (a line-by-line regex over the top of the file) returns it whether or not the file exists,
 *    so a missing one means no manifest; the TOML-based reader of 1.6 and later takes it only
 *    when the file exists and otherwise falls back to the names.
 * 3. The first of `manifestNames(version)` that exists beside the project file.
 */
export function chooseManifest(
  version: JuliaVersion,
  projectFile: string,
  view: ManifestView
): string | undefined {
  const root = workspaceRoot(version, projectFile, view)
  if (root) {
    const rootManifest = chooseManifest(version, root, view)
    if (rootManifest) return rootManifest
  }
  const dir = path.resolve(path.dirname(projectFile))
  const explicit = view.readToml(projectFile)?.manifest
  if (typeof explicit === 'string') {
    const file = path.resolve(dir, explicit)
    if (view.isFile(file)) return file
    if (!atLeast(version, 1, 6)) return undefined
  }
  for (const name of manifestNames(version)) {
    const file = path.join(dir, name)
    if (view.isFile(file)) return file
  }
  return undefined
}
