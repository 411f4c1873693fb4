import { promises as fs } from 'node:fs'
import path from 'node:path'
import { errorMessage, UserError } from '../../errors.js'
import { writeFileAtomic } from '../../util/atomic.js'

/**
 * Reads Unix `ar` archives, so the build can unpack Julia's object archive (`sys-o.a`: `text.o`,
 * `data.o`) without `llvm-ar`. Julia writes it with LLVM's archive writer: GNU format on Linux
 * and Windows, BSD/Darwin format on macOS. Both variants are read here; symbol tables are
 * skipped, thin archives refused. A member's bytes are what its header says, as `llvm-ar x`
 * gives them: the Darwin writer pads each member with newlines to a multiple of 8 and counts
 * the padding in the size, so those members come out padded (linkers ignore the tail).
 */
export interface ArchiveMember {
  /** The file name, without the GNU `/` terminator or the BSD `#1/N` indirection. */
  name: string
  /** Where the member's header starts in the archive. */
  headerOffset: number
  /** Where the member's data starts (after the name, for a BSD `#1/N` member). */
  offset: number
  size: number
  /** A view of the archive's buffer, not a copy: the members of `sys-o.a` are hundreds of MB. */
  data: Buffer
}

const MAGIC = '!<arch>\n'
const THIN_MAGIC = '!<thin>\n'
const HEADER_SIZE = 60
const TERMINATOR = '`\n'

/** Symbol tables of BSD archives (`ranlib`, `libtool`, LLVM's Darwin writer): an index, not a file. */
const BSD_SYMBOL_TABLES = new Set([
  '__.SYMDEF',
  '__.SYMDEF SORTED',
  '__.SYMDEF_64',
  '__.SYMDEF_64 SORTED'
])

/**
 * GNU and COFF special members that are indexes, not files: the symbol table (`/`, twice in
 * Microsoft's layout), its 64-bit form, and the tables newer LLVM and MSVC add to COFF archives.
 */
const GNU_INDEXES = new Set(['/', '/SYM64/', '/<ECSYMBOLS>/', '/<XFGHASHMAP>/'])

/** Pure: the members of an archive, in order, without its symbol and long-name tables. */
export function parseArchive(buffer: Buffer): ArchiveMember[] {
  checkMagic(buffer)
  const members: ArchiveMember[] = []
  let longNames: Buffer | undefined
  let position = MAGIC.length
  while (position < buffer.length) {
    const header = readHeader(buffer, position)
    const dataStart = position + HEADER_SIZE
    // the padding byte after an odd-sized member may be missing at the very end; LLVM allows it
    const next = Math.min(dataStart + header.size + (header.size % 2), buffer.length)
    const field = header.name

    if (field.startsWith('#1/')) {
      const nameLength = bsdNameLength(field, header.size, position)
      // the writer pads the name with NULs so the data that follows is aligned
      const name = buffer
        .subarray(dataStart, dataStart + nameLength)
        .toString('utf8')
        .replace(/\0+$/, '')
      if (!name) throw archiveError(`empty BSD member name`, position)
      if (!BSD_SYMBOL_TABLES.has(name)) {
        members.push(
          member(buffer, name, position, dataStart + nameLength, header.size - nameLength)
        )
      }
    } else if (field === '//') {
      if (longNames) throw archiveError('a second long-name table ("//")', position)
      longNames = buffer.subarray(dataStart, dataStart + header.size)
    } else if (/^\/\d+$/.test(field)) {
      const name = longName(longNames, Number(field.slice(1)), position)
      members.push(member(buffer, name, position, dataStart, header.size))
    } else if (field.startsWith('/')) {
      if (!GNU_INDEXES.has(field)) {
        throw archiveError(`unknown special member name "${field}"`, position)
      }
    } else {
      const name = shortName(buffer.subarray(position, position + 16))
      if (!name) throw archiveError('empty member name', position)
      if (!BSD_SYMBOL_TABLES.has(name)) {
        members.push(member(buffer, name, position, dataStart, header.size))
      }
    }
    position = next
  }
  return members
}

function checkMagic(buffer: Buffer): void {
  const start = buffer.subarray(0, MAGIC.length).toString('latin1')
  if (start === THIN_MAGIC) {
    throw new Error(
      'ar archive: a thin archive ("!<thin>") at offset 0 only refers to its members as separate ' +
        'files; this reader needs them inside the archive'
    )
  }
  if (start !== MAGIC) {
    throw new Error(
      `ar archive: not an ar archive, expected "!<arch>\\n" at offset 0, found ${JSON.stringify(start)}`
    )
  }
}

interface RawHeader {
  /** The name field with its space padding removed. */
  name: string
  size: number
}

/**
 * Only the fields the reader relies on are checked (terminator and size): the date, owner and
 * mode fields are ignored, and some writers leave them blank (Microsoft's linker members).
 */
function readHeader(buffer: Buffer, position: number): RawHeader {
  const left = buffer.length - position
  if (left < HEADER_SIZE) {
    throw archiveError(
      `truncated member header (${left} bytes left, a header is ${HEADER_SIZE})`,
      position
    )
  }
  const terminator = buffer.toString('latin1', position + 58, position + 60)
  if (terminator !== TERMINATOR) {
    throw archiveError(
      `member header does not end with "\`\\n" (found ${JSON.stringify(terminator)})`,
      position + 58
    )
  }
  const sizeField = buffer.toString('latin1', position + 48, position + 58)
  if (!/^\d+ *$/.test(sizeField)) {
    throw archiveError(`bad size field ${JSON.stringify(sizeField)}`, position + 48)
  }
  const size = Number(sizeField.trimEnd())
  const available = left - HEADER_SIZE
  if (size > available) {
    throw archiveError(
      `truncated member data (the header says ${size} bytes, ${available} are left)`,
      position
    )
  }
  return { name: buffer.toString('latin1', position, position + 16).trimEnd(), size }
}

function bsdNameLength(field: string, size: number, position: number): number {
  const digits = field.slice(3)
  if (!/^\d+$/.test(digits)) throw archiveError(`bad BSD name length "${field}"`, position)
  const length = Number(digits)
  if (length > size) {
    throw archiveError(`BSD name length ${length} is larger than the member (${size})`, position)
  }
  return length
}

/**
 * A `/N` name: N is an offset into the `//` table. GNU ends each name there with `/\n`;
 * Microsoft's layout (newer LLVM's COFF archives) ends it with a NUL.
 */
function longName(table: Buffer | undefined, offset: number, position: number): string {
  if (!table) {
    throw archiveError(`long-name reference /${offset} but no "//" table before it`, position)
  }
  if (offset >= table.length) {
    throw archiveError(
      `long-name reference /${offset} outside the long-name table (${table.length} bytes)`,
      position
    )
  }
  let end = offset
  while (end < table.length && table[end] !== 0x0a && table[end] !== 0) end++
  if (end === table.length) {
    throw archiveError(`long-name reference /${offset} is not terminated in the table`, position)
  }
  const name = table.toString('utf8', offset, end).replace(/\/$/, '')
  if (!name) throw archiveError(`long-name reference /${offset} is empty`, position)
  return name
}

/** GNU ends a short name with `/` (so it may hold spaces); BSD only pads it with spaces. */
function shortName(field: Buffer): string {
  const slash = field.indexOf(0x2f)
  if (slash >= 0) return field.toString('utf8', 0, slash)
  return field.toString('utf8').replace(/ +$/, '')
}

function member(
  buffer: Buffer,
  name: string,
  headerOffset: number,
  offset: number,
  size: number
): ArchiveMember {
  return { name, headerOffset, offset, size, data: buffer.subarray(offset, offset + size) }
}

function archiveError(problem: string, offset: number): Error {
  return new Error(`ar archive: ${problem} at offset ${offset}`)
}

/**
 * Writes the members called `names` from the archive into `destDir`, each through a temporary
 * file and a rename, and returns their paths in the order asked. Everything is checked before
 * anything is written, so a missing or ambiguous member leaves `destDir` untouched.
 */
export async function extractMembers(
  archivePath: string,
  names: string[],
  destDir: string
): Promise<string[]> {
  for (const name of names) {
    // names come from the build, never from the archive: a path here is a bug, not user input
    if (!name || name !== path.basename(name) || name === '.' || name === '..') {
      throw new Error(`extractMembers: "${name}" is not a plain file name`)
    }
  }
  if (new Set(names).size !== names.length) {
    throw new Error(`extractMembers: duplicate names in ${names.join(', ')}`)
  }

  const buffer = await readWhole(archivePath)
  let members: ArchiveMember[]
  try {
    members = parseArchive(buffer)
  } catch (error) {
    throw new UserError(
      'image build',
      `cannot read the object archive ${archivePath}: ${errorMessage(error)}`,
      'Check that the disk is not full and build again; if it happens again, report it with the archive (--keep-work keeps it)'
    )
  }

  const chosen = names.map((name) => {
    const matches = members.filter((candidate) => candidate.name === name)
    if (matches.length === 0) {
      const held = members.map((candidate) => candidate.name).join(', ') || 'no members'
      throw new UserError(
        'image build',
        `the object archive ${archivePath} has no member ${name} (it holds: ${held})`,
        'This Julia lays out its object archive differently from what the build expects; report it with the Julia version'
      )
    }
    if (matches.length > 1) {
      const at = matches.map((candidate) => candidate.headerOffset).join(', ')
      throw new UserError(
        'image build',
        `the object archive ${archivePath} holds ${matches.length} members named ${name} (at offsets ${at}), so which one to use is unclear`,
        'Report it with the Julia version; the build will not guess'
      )
    }
    return matches[0]
  })

  await fs.mkdir(destDir, { recursive: true })
  const written: string[] = []
  for (const wanted of chosen) {
    const target = path.join(destDir, wanted.name)
    await writeFileAtomic(target, wanted.data)
    written.push(target)
  }
  return written
}

/**
 * The whole file in one buffer. `fs.readFile` refuses files over 2 GiB; a big image's archive
 * can approach that, so read into a buffer of the file's size (Node allows up to 4 GiB).
 */
async function readWhole(file: string): Promise<Buffer> {
  const handle = await fs.open(file, 'r')
  try {
    const { size } = await handle.stat()
    const buffer = Buffer.allocUnsafe(size)
    let filled = 0
    while (filled < size) {
      // one read(2) returns at most about 2 GiB, so ask in chunks below that
      const chunk = Math.min(size - filled, 1 << 30)
      const { bytesRead } = await handle.read(buffer, filled, chunk, filled)
      if (bytesRead === 0) break
      filled += bytesRead
    }
    // a file that shrank while being read is parsed as what was read, and found truncated
    return buffer.subarray(0, filled)
  } finally {
    await handle.close()
  }
}
