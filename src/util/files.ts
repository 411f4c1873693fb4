import { promises as fs, type Stats } from 'node:fs'

/** The path's stat, or undefined when it does not exist (or cannot be read). */
function statOrUndefined(file: string): Promise<Stats | undefined> {
  return fs.stat(file).catch(() => undefined)
}

export async function pathExists(file: string): Promise<boolean> {
  return (await statOrUndefined(file)) !== undefined
}

export async function isFile(file: string): Promise<boolean> {
  return (await statOrUndefined(file))?.isFile() ?? false
}

export async function isDirectory(file: string): Promise<boolean> {
  return (await statOrUndefined(file))?.isDirectory() ?? false
}
