import { promises as fs } from 'node:fs'
import { isRelativeInside } from '../../util/relative-name.js'

/**
 * What a layer tarball holds, read from its headers before anything is unpacked: a cache entry
 * is written by whoever can write the cache (a `pull_request_target` job, a shared cache folder
 * on a self-hosted runner), so only regular files and folders inside the layer folder may come
 * out of it. POSIX ustar headers, with GNU long names (`L`) and pax `path` records (`x`), which
 * GNU tar and bsdtar write.
 */
export interface TarEntry {
  name: string
  /** The header's type flag: `0` file, `5` folder, `2` symbolic link, ... */
  type: string
  mode: number
}

const block = 512

/** An octal header field, or GNU's base-256 form (high bit set) for large sizes. */
function numberField(header: Buffer, from: number, length: number): number {
  const field = header.subarray(from, from + length)
  if (field[0] & 0x80) {
    let value = field[0] & 0x7f
    for (let i = 1; i < field.length; i++) value = value * 256 + field[i]
    return value
  }
  const text = field.toString('latin1').replace(/\0.*$/s, '').trim()
  return text === '' ? 0 : parseInt(text, 8)
}

const textField = (header: Buffer, from: number, length: number) =>
  header
    .subarray(from, from + length)
    .toString('utf8')
    .replace(/\0.*$/s, '')

/** Pure: the `path` record of a pax extended header ("<length> path=<name>\n" records). */
function paxPath(data: Buffer): string | undefined {
  let at = 0
  let found: string | undefined
  while (at < data.length) {
    const space = data.indexOf(0x20, at)
    if (space < 0) break
    const length = Number(data.subarray(at, space).toString('latin1'))
    if (!Number.isInteger(length) || length <= 0) break
    const record = data.subarray(space + 1, at + length - 1).toString('utf8')
    if (record.startsWith('path=')) found = record.slice('path='.length)
    at += length
  }
  return found
}

/** The entries of a tarball, from its headers. Throws on a header that does not check out. */
export async function tarEntries(tarball: string): Promise<TarEntry[]> {
  const handle = await fs.open(tarball, 'r')
  try {
    const { size } = await handle.stat()
    const entries: TarEntry[] = []
    const header = Buffer.alloc(block)
    let offset = 0
    let longName: string | undefined
    while (offset + block <= size) {
      await handle.read(header, 0, block, offset)
      if (header.every((b) => b === 0)) break // the end: zero blocks
      const stored = numberField(header, 148, 8)
      let sum = 0
      for (let i = 0; i < block; i++) sum += i >= 148 && i < 156 ? 0x20 : header[i]
      if (sum !== stored) throw new Error(`a tar header at byte ${offset} is damaged`)
      const type = String.fromCharCode(header[156] || 0x30)
      const length = numberField(header, 124, 12)
      const dataAt = offset + block
      offset = dataAt + Math.ceil(length / block) * block
      if (type === 'L' || type === 'x') {
        const data = Buffer.alloc(length)
        await handle.read(data, 0, length, dataAt)
        longName = type === 'L' ? data.toString('utf8').replace(/\0.*$/s, '') : paxPath(data)
        continue
      }
      if (type === 'g' || type === 'K') continue // global pax settings, a long link name
      const ustar = header.subarray(257, 263).toString('latin1') === 'ustar\0'
      const prefix = ustar ? textField(header, 345, 155) : ''
      const short = textField(header, 0, 100)
      const name = longName ?? (prefix ? `${prefix}/${short}` : short)
      longName = undefined
      entries.push({ name, type, mode: numberField(header, 100, 8) })
    }
    return entries
  } finally {
    await handle.close()
  }
}

/**
 * Pure: why the entries may not be unpacked into a layer folder, or undefined: only regular files
 * and folders, named inside it, without setuid, setgid or sticky bits.
 */
export function unsafeTarEntry(entries: readonly TarEntry[]): string | undefined {
  for (const entry of entries) {
    const name = entry.name.replace(/\/+$/, '')
    if (!isRelativeInside(name.replace(/^\.\//, '')))
      return `${JSON.stringify(entry.name)} is not a name inside the layer folder`
    if (entry.type !== '0' && entry.type !== '7' && entry.type !== '5')
      return `${JSON.stringify(entry.name)} is not a regular file or folder (tar type ${entry.type})`
    if (entry.mode & 0o7000)
      return `${JSON.stringify(entry.name)} has setuid, setgid or sticky bits (mode ${entry.mode.toString(8)})`
  }
  return undefined
}
