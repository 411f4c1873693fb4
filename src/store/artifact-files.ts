import path from 'node:path'
import { UserError } from '../errors.js'
import { isRelativeInside } from '../util/relative-name.js'

/** Characters the artifact service refuses in names (the list @actions/artifact checks). */
const forbiddenInNames: [string, string][] = [
  ['"', 'a double quote "'],
  [':', 'a colon :'],
  ['<', 'a less-than sign <'],
  ['>', 'a greater-than sign >'],
  ['|', 'a vertical bar |'],
  ['*', 'an asterisk *'],
  ['?', 'a question mark ?'],
  ['\r', 'a carriage return'],
  ['\n', 'a line break'],
  ['\\', 'a backslash \\'],
  ['/', 'a slash /']
]

/**
 * Checks an artifact name before anything is built or uploaded: the service refuses these
 * names, and finding out only after a build of several minutes helps nobody.
 */
export function validateArtifactName(name: string): void {
  if (!name) {
    throw new UserError(
      'artifact-name',
      'is empty',
      'Give the artifact a name, or leave artifact-name out to use the default'
    )
  }
  const found = forbiddenInNames.find(([character]) => name.includes(character))
  if (found) {
    throw new UserError(
      'artifact-name',
      `${JSON.stringify(name)} contains ${found[1]}, which artifact names cannot contain`,
      'Use a name without " : < > | * ? \\ / or line breaks'
    )
  }
}

/**
 * The text of a `SHA256SUMS` file as `sha256sum` writes it (`<hex>  <name>`, one line each),
 * sorted by name so the file does not depend on the order files were produced in.
 * `sha256sum -c SHA256SUMS` in the artifact's folder checks it. `file` is the name relative to
 * that folder, kept whole: a layered image's folder holds many files of one name
 * (`sysimage.layers/…/Project.toml`), told apart only by their folders.
 */
export function sha256sumsText(entries: { file: string; sha256: string }[]): string {
  const lines = entries.map(({ file, sha256 }) => {
    const name = file.split(path.sep).join('/')
    if (!/^[0-9a-f]{64}$/i.test(sha256)) {
      throw new Error(`SHA256SUMS: ${name}: not a SHA-256 digest in hex: ${sha256}`)
    }
    // sha256sum escapes such names with a leading backslash; ours never need that.
    if (/[\\\r\n]/.test(name)) throw new Error(`SHA256SUMS: cannot list ${JSON.stringify(name)}`)
    if (!isRelativeInside(name))
      throw new Error(`SHA256SUMS: ${name} is not a path inside the artifact`)
    return { name, line: `${sha256.toLowerCase()}  ${name}\n` }
  })
  lines.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
  const duplicate = lines.find((entry, i) => i > 0 && lines[i - 1].name === entry.name)
  if (duplicate) throw new Error(`SHA256SUMS: ${duplicate.name} is listed twice`)
  return lines.map((entry) => entry.line).join('')
}
