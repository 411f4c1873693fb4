import { promises as fs, readFileSync, statSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { parse as parseToml } from 'smol-toml'
import { UserError } from '../../errors.js'
import type { JuliaVersion } from '../../julia/version.js'
import { chooseManifest, type ManifestView } from './manifest-choice.js'
import { findProjectFile, firstExisting, readProjectToml } from '../../util/project-file.js'

/** A package to load into the image. */
export interface PackageRef {
  name: string
  uuid: string
}

export interface JuliaProject {
  dir: string
  projectFile: string
  /**
   * The manifest the Julia in use reads for this project (see stages/project/manifest-choice.ts); set once the
   * Julia is probed, since the rules depend on its version.
   */
  manifestFile?: string
  /** The project's name when it is itself a package (name, uuid and src/<name>.jl). */
  ownPackage?: string
  /** The project's direct dependencies, plus the project itself when it is a package. */
  packages: PackageRef[]
}

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/** Pure: the packages an image should load, from a parsed Project.toml. */
export function packagesOfProject(
  project: Record<string, unknown>,
  hasOwnSource: boolean
): PackageRef[] {
  const packages: PackageRef[] = []
  const deps = (project.deps ?? {}) as Record<string, unknown>
  for (const [name, uuid] of Object.entries(deps)) {
    if (typeof uuid !== 'string' || !uuidPattern.test(uuid)) {
      throw new Error(`[deps] ${name} has no valid uuid`)
    }
    packages.push({ name, uuid: uuid.toLowerCase() })
  }
  // A package project (name + uuid + src/<name>.jl) can load itself; include it.
  if (
    hasOwnSource &&
    typeof project.name === 'string' &&
    typeof project.uuid === 'string' &&
    uuidPattern.test(project.uuid)
  ) {
    packages.push({ name: project.name, uuid: project.uuid.toLowerCase() })
  }
  return packages.sort((a, b) => a.name.localeCompare(b.name))
}

export async function readProject(dir: string): Promise<JuliaProject> {
  const stat = await fs.stat(dir).catch(() => undefined)
  if (!stat?.isDirectory()) {
    throw new UserError(
      'project',
      `folder ${dir} does not exist`,
      'Pass the folder that holds Project.toml'
    )
  }
  const projectFile = await findProjectFile(dir)
  if (!projectFile) {
    throw new UserError(
      'project',
      `${dir} has no Project.toml`,
      'Pass the folder of a Julia project (create one with `julia --project=DIR -e "using Pkg; Pkg.add(...)"`)'
    )
  }
  const parsed = await readProjectToml(projectFile)
  const name = typeof parsed.name === 'string' ? parsed.name : ''
  const hasOwnSource =
    name !== '' && (await firstExisting(path.join(dir, 'src'), [`${name}.jl`])) !== undefined
  let packages: PackageRef[]
  try {
    packages = packagesOfProject(parsed, hasOwnSource)
  } catch (error) {
    throw new UserError(
      'project',
      `${projectFile}: ${(error as Error).message}`,
      'Fix the [deps] section'
    )
  }
  const ownPackage = packages.some((p) => p.name === name) && hasOwnSource ? name : undefined
  return { dir, projectFile, ownPackage, packages }
}

/** The real file system as the manifest rules see it. */
function fileSystemView(): ManifestView {
  return {
    isFile: (file) => statSync(file, { throwIfNoEntry: false })?.isFile() ?? false,
    isDir: (dir) => statSync(dir, { throwIfNoEntry: false })?.isDirectory() ?? false,
    readToml: (file) => {
      try {
        return parseToml(readFileSync(file, 'utf8')) as Record<string, unknown>
      } catch {
        return undefined
      }
    },
    home: os.homedir()
  }
}

/**
 * The manifest `version` of Julia reads for the project (none when there is none yet), checked
 * to be valid TOML: Pkg's own message for a broken manifest is a stack trace several screens long.
 */
export async function findManifest(
  project: Pick<JuliaProject, 'projectFile'>,
  version: JuliaVersion
): Promise<string | undefined> {
  const manifestFile = chooseManifest(version, path.resolve(project.projectFile), fileSystemView())
  if (manifestFile) {
    try {
      parseToml(await fs.readFile(manifestFile, 'utf8'))
    } catch (error) {
      throw new UserError(
        'project',
        `${manifestFile} is not valid TOML (${(error as Error).message.split('\n')[0]})`,
        'Restore it from version control, or delete it and run `julia --project=DIR -e "using Pkg; Pkg.instantiate()"` to write a new one'
      )
    }
  }
  return manifestFile
}

/** Pure: the packages of a packages file's text (the inverse of `packagesFileText`). */
export function packagesOfFileText(text: string): PackageRef[] {
  return text
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter((fields) => fields.length === 2)
    .map(([uuid, name]) => ({ uuid, name }))
}

/** The packages file the Julia scripts read: "<uuid> <name>" per line. */
export function packagesFileText(packages: readonly PackageRef[]): string {
  return packages.map((p) => `${p.uuid} ${p.name}\n`).join('')
}
