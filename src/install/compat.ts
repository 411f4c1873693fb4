import semver from 'semver'
import { UserError } from '../errors.js'
import { findProjectFile, readProjectToml } from '../util/project-file.js'

/**
 * Pure: a Julia `[compat]` entry → an npm semver range over the same versions.
 *
 * Julia reads a bare `1.6` as `^1.6` (npm: `1.6.x`), so bare versions get a caret; commas are
 * unions (`||`); `≥`/`≤` are spelled out; Julia allows a space after an operator, npm does not.
 * Returns undefined when an entry is not a range npm can express.
 */
export function juliaCompatToRange(compat: string): string | undefined {
  const parts: string[] = []
  for (const raw of compat.split(',')) {
    let part = raw.trim().replace(/≥/g, '>=').replace(/≤/g, '<=')
    if (part === '') return undefined
    part = part.replace(/\s+/g, ' ').replace(/(>=|<=|>|<|=|\^|~) (?=\d)/g, '$1')
    const isHyphenRange = / - /.test(part)
    if (/^\d/.test(part) && !isHyphenRange) part = `^${part}`
    if (semver.validRange(part) === null) return undefined
    parts.push(part)
  }
  return parts.length ? parts.join(' || ') : undefined
}

/**
 * The `[compat] julia` range of the project in `projectDir` (JuliaProject.toml wins over
 * Project.toml, as in Julia), or undefined when the project sets none.
 */
export async function readJuliaCompat(projectDir: string): Promise<string | undefined> {
  const file = await findProjectFile(projectDir)
  if (!file) {
    throw new UserError(
      'version',
      `min needs a Project.toml, and ${projectDir} has none`,
      'Pass the project folder (project / --project), or ask for a version'
    )
  }
  const parsed = await readProjectToml(file)
  const compat = parsed.compat as Record<string, unknown> | undefined
  const entry = compat?.julia
  if (entry === undefined) return undefined
  const range = typeof entry === 'string' ? juliaCompatToRange(entry) : undefined
  if (range === undefined) {
    throw new UserError(
      'project',
      `${file}: [compat] julia = ${JSON.stringify(entry)} is not a version range`,
      'Write it like "1.10" or "1.6, 1.10" (Pkg compat syntax)'
    )
  }
  return range
}
