import { promises as fs } from 'node:fs'
import path from 'node:path'
import { parse as parseToml } from 'smol-toml'
import { UserError } from '../errors.js'
import { isFile } from './files.js'

export async function firstExisting(dir: string, names: string[]): Promise<string | undefined> {
  for (const name of names) {
    const file = path.join(dir, name)
    if (await isFile(file)) return file
  }
  return undefined
}

/** The project file of `dir`: JuliaProject.toml wins over Project.toml, as in Julia. */
export function findProjectFile(dir: string): Promise<string | undefined> {
  return firstExisting(dir, ['JuliaProject.toml', 'Project.toml'])
}

/** A parsed Project.toml; invalid TOML is the user's to fix. */
export async function readProjectToml(file: string): Promise<Record<string, unknown>> {
  try {
    return parseToml(await fs.readFile(file, 'utf8')) as Record<string, unknown>
  } catch (error) {
    throw new UserError(
      'project',
      `${file} is not valid TOML (${(error as Error).message.split('\n')[0]})`,
      'Fix the file'
    )
  }
}
