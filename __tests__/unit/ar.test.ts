import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync
} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { after, describe, it, type TestContext } from 'node:test'
import { extractMembers, parseArchive, type ArchiveMember } from '../../src/stages/chained/ar.js'
import { errorMessage, UserError } from '../../src/errors.js'

// Archives are made here with the machine's own tools, so the reader is checked against what
// real writers produce, not against this file's idea of the format.

const root = mkdtempSync(path.join(os.tmpdir(), 'jsi-ar-'))
const inputs = path.join(root, 'inputs')

function run(command: string, args: string[], cwd: string, env?: NodeJS.ProcessEnv): string {
  const result = spawnSync(command, args, { cwd, env: { ...process.env, ...env } })
  if (result.error) throw result.error
  if (result.status !== 0) {
    throw new Error(`${command} ${args.join(' ')} failed: ${result.stderr.toString()}`)
  }
  return result.stdout.toString()
}

/** Why a tool cannot be used here, or undefined when it can. */
function unavailable(command: string, identity: RegExp): string | undefined {
  const result = spawnSync(command, ['--version'])
  if (result.error) return `${command} is not installed`
  const text = `${result.stdout}${result.stderr}`
  return identity.test(text) ? undefined : `${command} is not ${identity.source}`
}

const gnuArMissing = unavailable('ar', /GNU ar/)
const llvmArMissing = unavailable('llvm-ar', /LLVM/)
const llvmMcMissing = llvmArMissing ?? unavailable('llvm-mc', /LLVM/)

/** Member files in the order they are archived; names chosen to exercise each naming rule. */
const memberNames = [
  'text.o', // real object (symbols), short name
  'data.o', // real object
  'an_object_with_a_long_name.o', // real object, long name
  'odd.bin', // 1 byte: padding
  'seven_bytes_and_a_long_name.txt', // odd and long
  'fifteen_chars.x', // the longest GNU short name
  'sixteen_chars.xy', // the shortest GNU long name
  'with space.txt', // GNU keeps spaces before its `/`; BSD must use `#1/`
  'empty.bin',
  'big.bin' // odd, larger
]

/** Writes the member files; says why not when `cc` cannot compile (absent, or no assembler). */
function writeInputs(): string | undefined {
  if (unavailable('cc', /./)) return 'cc is not installed'
  mkdirSync(inputs, { recursive: true })
  const c = (name: string, source: string) => {
    writeFileSync(path.join(inputs, name.replace(/\.o$/, '.c')), source)
    run('cc', ['-c', name.replace(/\.o$/, '.c'), '-o', name], inputs)
  }
  try {
    c('text.o', 'int answer(int x) { return x * 42; }\nint (*table[])(int) = { answer };\n')
    c('data.o', 'const char message[] = "hello from data";\nlong counter = 7;\n')
    c('an_object_with_a_long_name.o', 'double half(double x) { return x / 2; }\n')
  } catch (error) {
    return `cc cannot compile here: ${errorMessage(error).split('\n')[0]}`
  }
  writeFileSync(path.join(inputs, 'odd.bin'), 'x')
  writeFileSync(path.join(inputs, 'seven_bytes_and_a_long_name.txt'), '1234567')
  writeFileSync(path.join(inputs, 'fifteen_chars.x'), 'fifteen\n')
  writeFileSync(path.join(inputs, 'sixteen_chars.xy'), 'sixteen')
  writeFileSync(path.join(inputs, 'with space.txt'), 'hello')
  writeFileSync(path.join(inputs, 'empty.bin'), '')
  writeFileSync(path.join(inputs, 'big.bin'), randomBytes(100_001))
  return undefined
}

const ccMissing = writeInputs()

let counter = 0
/** Runs `command args <new archive> files` in the inputs folder and returns the archive's path. */
function makeArchive(
  command: string,
  args: string[],
  files: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}
): string {
  const archive = path.join(root, `archive-${counter++}.a`)
  run(command, [...args, archive, ...files], options.cwd ?? inputs, options.env)
  return archive
}

function original(name: string, dir = inputs): Buffer {
  return readFileSync(path.join(dir, name))
}

/** What the tool that wrote the archive extracts: the independent answer. */
function extractedByTool(command: string, archive: string): Map<string, Buffer> {
  const dir = mkdtempSync(path.join(root, 'x-'))
  run(command, ['x', archive], dir)
  return new Map(readdirSync(dir).map((name) => [name, readFileSync(path.join(dir, name))]))
}

function assertSameAsTool(members: ArchiveMember[], command: string, archive: string): void {
  const byTool = extractedByTool(command, archive)
  assert.deepEqual(
    members.map((m) => m.name).sort(),
    [...byTool.keys()].sort(),
    `${command} x gives the same files`
  )
  for (const m of members) assert.ok(m.data.equals(byTool.get(m.name)!), `${m.name} as ${command}`)
  const listed = run(command, ['t', archive], root).split('\n').filter(Boolean)
  assert.deepEqual(
    members.map((m) => m.name),
    listed,
    `${command} t lists the same members in order`
  )
}

function assertOffsets(buffer: Buffer, members: ArchiveMember[]): void {
  for (const m of members) {
    assert.equal(m.headerOffset % 2, 0, `${m.name} header at an even offset`)
    assert.ok(m.data.equals(buffer.subarray(m.offset, m.offset + m.size)))
    assert.equal(m.data.buffer, buffer.buffer, `${m.name} is a view of the archive, not a copy`)
  }
}

interface Format {
  label: string
  command: string
  args: string[]
  missing: () => string | undefined
  /** Darwin pads every member with newlines to a multiple of 8, and says so in its size. */
  padsTo8?: boolean
  /** How the raw archive shows it has a symbol table and a long-name mechanism. */
  symbolTable: (buffer: Buffer) => boolean
  longNames: (buffer: Buffer) => boolean
}

const gnuSymbolTable = (buffer: Buffer) => buffer.toString('latin1', 8, 24) === '/'.padEnd(16)
const gnuLongNames = (buffer: Buffer) =>
  buffer.includes('//'.padEnd(16)) && buffer.includes('seven_bytes_and_a_long_name.txt/\n')
const bsdSymbolTable = (buffer: Buffer) => buffer.includes('__.SYMDEF')
const bsdLongNames = (buffer: Buffer) =>
  buffer.includes('#1/') && buffer.includes('seven_bytes_and_a_long_name.txt')

const formats: Format[] = [
  {
    label: 'GNU binutils ar',
    command: 'ar',
    args: ['rcs'],
    missing: () => ccMissing ?? gnuArMissing,
    symbolTable: gnuSymbolTable,
    longNames: gnuLongNames
  },
  ...(['gnu', 'bsd', 'darwin'] as const).map((format): Format => ({
    label: `llvm-ar --format=${format}`,
    command: 'llvm-ar',
    args: ['rcs', `--format=${format}`],
    missing: () => ccMissing ?? llvmArMissing,
    padsTo8: format === 'darwin',
    symbolTable: format === 'gnu' ? gnuSymbolTable : bsdSymbolTable,
    longNames: format === 'gnu' ? gnuLongNames : bsdLongNames
  }))
]

after(() => rmSync(root, { recursive: true, force: true }))

describe('parseArchive on archives written by real tools', () => {
  for (const format of formats) {
    it(format.label, (t: TestContext) => {
      const reason = format.missing()
      if (reason) return t.skip(reason)
      const archive = makeArchive(format.command, format.args, memberNames)
      const buffer = readFileSync(archive)
      assert.ok(format.symbolTable(buffer), 'the archive has a symbol table to skip')
      assert.ok(format.longNames(buffer), 'the archive stores long names out of line')

      const members = parseArchive(buffer)
      assert.deepEqual(
        members.map((m) => m.name),
        memberNames,
        'every file, in order, and no symbol table'
      )
      for (const m of members) {
        const bytes = original(m.name)
        if (format.padsTo8) {
          assert.equal(m.size, Math.ceil(bytes.length / 8) * 8, `${m.name} padded to 8`)
          assert.ok(m.data.subarray(0, bytes.length).equals(bytes), `${m.name} bytes`)
          assert.ok(m.data.subarray(bytes.length).every((byte) => byte === 0x0a))
        } else {
          assert.equal(m.size, bytes.length, `${m.name} size`)
          assert.ok(m.data.equals(bytes), `${m.name} bytes`)
        }
      }
      assertOffsets(buffer, members)
      assertSameAsTool(members, format.command, archive)
    })
  }

  it('llvm-ar 64-bit symbol tables: /SYM64/ (gnu) and __.SYMDEF_64 (darwin)', (t: TestContext) => {
    const reason = ccMissing ?? llvmArMissing
    if (reason) return t.skip(reason)
    // LLVM's writer switches to 64-bit tables past this many bytes; 0 forces them
    const env = { SYM64_THRESHOLD: '0' }
    const gnu = readFileSync(makeArchive('llvm-ar', ['rcs', '--format=gnu'], memberNames, { env }))
    const darwin = readFileSync(
      makeArchive('llvm-ar', ['rcs', '--format=darwin'], memberNames, { env })
    )
    if (gnu.toString('latin1', 8, 15) !== '/SYM64/' || !darwin.includes('__.SYMDEF_64')) {
      return t.skip('this llvm-ar ignores SYM64_THRESHOLD')
    }
    assert.deepEqual(
      parseArchive(gnu).map((m) => m.name),
      memberNames
    )
    assert.deepEqual(
      parseArchive(darwin).map((m) => m.name),
      memberNames
    )
  })

  it('COFF objects in a GNU archive, as Julia writes on Windows', (t: TestContext) => {
    if (llvmMcMissing) return t.skip(llvmMcMissing)
    const dir = objectsFor('x86_64-pc-windows-msvc', 'coff')
    const archive = makeArchive('llvm-ar', ['rcs', '--format=gnu'], objectNames, { cwd: dir })
    const parsed = parseArchive(readFileSync(archive))
    assert.deepEqual(
      parsed.map((m) => m.name),
      objectNames
    )
    for (const m of parsed) assert.ok(m.data.equals(original(m.name, dir)), m.name)
    assertSameAsTool(parsed, 'llvm-ar', archive)
  })

  it('Mach-O objects in a Darwin archive, as Julia writes on macOS', (t: TestContext) => {
    if (llvmMcMissing) return t.skip(llvmMcMissing)
    const dir = objectsFor('x86_64-apple-macos', 'macho')
    const archive = makeArchive('llvm-ar', ['rcs', '--format=darwin'], objectNames, { cwd: dir })
    const parsed = parseArchive(readFileSync(archive))
    assert.deepEqual(
      parsed.map((m) => m.name),
      objectNames
    )
    for (const m of parsed) {
      const bytes = original(m.name, dir)
      assert.ok(m.data.subarray(0, bytes.length).equals(bytes), m.name)
    }
    assertSameAsTool(parsed, 'llvm-ar', archive)
  })
})

const objectNames = ['text.o', 'data.o', 'an_object_with_a_long_name.o']

/** The objects of `objectNames` assembled by llvm-mc for another platform, in their own folder. */
function objectsFor(triple: string, tag: string): string {
  const dir = path.join(root, tag)
  mkdirSync(dir, { recursive: true })
  objectNames.forEach((name, i) => {
    // different contents (and sizes) per object, so a mix-up shows
    const source = `.text\n.globl f${i}\nf${i}:\n${'nop\n'.repeat(i)}ret\n.data\n.globl g${i}\ng${i}:\n.long ${i}\n`
    writeFileSync(path.join(dir, `${name}.s`), source)
    run('llvm-mc', ['-filetype=obj', `-triple=${triple}`, `${name}.s`, '-o', name], dir)
  })
  return dir
}

/** A synthetic member: header (name field as given, so special names can be written) and data. */
function entry(name: string, data: string | Buffer): Buffer {
  const bytes = Buffer.from(data)
  const header =
    name.padEnd(16) +
    '0'.padEnd(12) +
    '0'.padEnd(6) +
    '0'.padEnd(6) +
    '644'.padEnd(8) +
    String(bytes.length).padEnd(10) +
    '`\n'
  const padding = Buffer.from(bytes.length % 2 ? '\n' : '')
  return Buffer.concat([Buffer.from(header, 'latin1'), bytes, padding])
}

function synthetic(...entries: Buffer[]): Buffer {
  return Buffer.concat([Buffer.from('!<arch>\n'), ...entries])
}

describe('parseArchive on layouts the tools here do not write', () => {
  it("Microsoft's COFF layout: two `/` tables, NUL-terminated long names, /<ECSYMBOLS>/", () => {
    const longNames = 'a_long_coff_member_name.obj\0another_long_member.obj\0'
    const buffer = synthetic(
      entry('/', Buffer.alloc(12)),
      entry('/', Buffer.alloc(14)),
      entry('//', longNames),
      entry('/<ECSYMBOLS>/', Buffer.alloc(4)),
      entry('/0', 'first'),
      entry('/28', 'second!'),
      entry('data.o/', 'abc')
    )
    const members = parseArchive(buffer)
    assert.deepEqual(
      members.map((m) => [m.name, m.data.toString()]),
      [
        ['a_long_coff_member_name.obj', 'first'],
        ['another_long_member.obj', 'second!'],
        ['data.o', 'abc']
      ]
    )
  })

  it("BSD tables as cctools' ranlib names them, short and `#1/` names side by side", () => {
    const buffer = synthetic(
      entry('__.SYMDEF SORTED', Buffer.alloc(8)),
      entry('#1/20', Buffer.concat([Buffer.from('__.SYMDEF_64 SORTED\0'), Buffer.alloc(8)])),
      entry('text.o', 'abc'),
      entry('#1/8', 'data.o\0\0xyz!')
    )
    const members = parseArchive(buffer)
    assert.deepEqual(
      members.map((m) => [m.name, m.data.toString(), m.size]),
      [
        ['text.o', 'abc', 3],
        ['data.o', 'xyz!', 4]
      ]
    )
    assert.equal(buffer.toString('latin1', members[1].offset, members[1].offset + 4), 'xyz!')
  })

  it('an archive without members, and one whose last odd member lacks its padding byte', () => {
    assert.deepEqual(parseArchive(Buffer.from('!<arch>\n')), [])
    const unpadded = synthetic(entry('odd.o/', 'abc')).subarray(0, -1)
    assert.deepEqual(
      parseArchive(unpadded).map((m) => m.data.toString()),
      ['abc']
    )
  })
})

describe('parseArchive refuses malformed archives, saying what and where', () => {
  /** A real GNU archive (binutils or LLVM) and its parsed members. */
  function gnuArchive(t: TestContext): { buffer: Buffer; members: ArchiveMember[] } | undefined {
    const command = !gnuArMissing ? 'ar' : !llvmArMissing ? 'llvm-ar' : undefined
    const reason = ccMissing ?? (command ? undefined : 'neither GNU ar nor llvm-ar is installed')
    if (reason || !command) {
      t.skip(reason)
      return undefined
    }
    const args = command === 'ar' ? ['rcs'] : ['rcs', '--format=gnu']
    const buffer = readFileSync(makeArchive(command, args, memberNames))
    return { buffer, members: parseArchive(buffer) }
  }

  it('garbage, a too-short file and a thin archive', () => {
    assert.throws(() => parseArchive(Buffer.from('hello world, not an archive')), {
      message: /not an ar archive.*offset 0/
    })
    assert.throws(() => parseArchive(Buffer.alloc(0)), { message: /not an ar archive/ })
    assert.throws(() => parseArchive(Buffer.from('!<ar')), { message: /not an ar archive/ })
    assert.throws(() => parseArchive(Buffer.from('!<thin>\n')), {
      message: /thin archive.*offset 0/
    })
  })

  it('a thin archive written by llvm-ar', (t: TestContext) => {
    const reason = ccMissing ?? llvmArMissing
    if (reason) return t.skip(reason)
    const archive = makeArchive('llvm-ar', ['rcs', '--thin'], ['text.o', 'data.o'])
    assert.throws(() => parseArchive(readFileSync(archive)), { message: /thin archive/ })
  })

  it('a truncated header', (t: TestContext) => {
    const real = gnuArchive(t)
    if (!real) return
    assert.throws(() => parseArchive(real.buffer.subarray(0, 8 + 30)), {
      message: /truncated member header \(30 bytes left, a header is 60\) at offset 8$/
    })
  })

  it('truncated member data', (t: TestContext) => {
    const real = gnuArchive(t)
    if (!real) return
    const text = real.members.find((m) => m.name === 'text.o')!
    const cut = text.offset + Math.floor(text.size / 2)
    const left = cut - text.offset
    assert.throws(() => parseArchive(real.buffer.subarray(0, cut)), {
      message: new RegExp(
        `truncated member data \\(the header says ${text.size} bytes, ${left} are left\\) at offset ${text.headerOffset}$`
      )
    })
  })

  it('a bad size field and a bad header terminator', (t: TestContext) => {
    const real = gnuArchive(t)
    if (!real) return
    const badSize = Buffer.from(real.buffer)
    badSize.write('12x4      ', 8 + 48, 'latin1')
    assert.throws(() => parseArchive(badSize), {
      message: /bad size field "12x4 {6}" at offset 56$/
    })
    const badEnd = Buffer.from(real.buffer)
    badEnd.write('!!', 8 + 58, 'latin1')
    assert.throws(() => parseArchive(badEnd), { message: /does not end with.*at offset 66$/ })
  })

  it('a long-name reference outside the table, or with no table', (t: TestContext) => {
    const real = gnuArchive(t)
    if (!real) return
    const long = real.members.find((m) => m.name === 'seven_bytes_and_a_long_name.txt')!
    assert.match(
      real.buffer.toString('latin1', long.headerOffset, long.headerOffset + 16),
      /^\/\d+ /
    )
    const outside = Buffer.from(real.buffer)
    outside.write('/99999'.padEnd(16), long.headerOffset, 'latin1')
    assert.throws(() => parseArchive(outside), {
      message: new RegExp(`/99999 outside the long-name table .* at offset ${long.headerOffset}$`)
    })
    assert.throws(() => parseArchive(synthetic(entry('/0', 'data'))), {
      message: /no "\/\/" table before it at offset 8$/
    })
  })

  it('other impossible names', () => {
    assert.throws(() => parseArchive(synthetic(entry('#1/9', 'short'))), {
      message: /BSD name length 9 is larger than the member \(5\) at offset 8$/
    })
    assert.throws(() => parseArchive(synthetic(entry('/what/', 'x'))), {
      message: /unknown special member name "\/what\/" at offset 8$/
    })
    assert.throws(() => parseArchive(synthetic(entry('//', 'a/\n'), entry('//', 'b/\n'))), {
      message: /a second long-name table/
    })
    assert.throws(() => parseArchive(synthetic(entry('//', 'abc'), entry('/0', 'x'))), {
      message: /\/0 is not terminated/
    })
  })
})

describe('extractMembers', () => {
  function archiveOf(t: TestContext, files = memberNames): string | undefined {
    const reason = ccMissing ?? (gnuArMissing && llvmArMissing)
    if (reason) {
      t.skip(reason)
      return undefined
    }
    return gnuArMissing
      ? makeArchive('llvm-ar', ['rcs', '--format=gnu'], files)
      : makeArchive('ar', ['rcs'], files)
  }

  it('writes text.o and data.o, creating the folder, leaving no temporary files', async (t) => {
    const archive = archiveOf(t)
    if (!archive) return
    const dest = path.join(root, 'extract-ok', 'objects')
    const written = await extractMembers(archive, ['text.o', 'data.o'], dest)
    assert.deepEqual(written, [path.join(dest, 'text.o'), path.join(dest, 'data.o')])
    assert.deepEqual(readdirSync(dest).sort(), ['data.o', 'text.o'])
    for (const name of ['text.o', 'data.o']) {
      assert.ok(readFileSync(path.join(dest, name)).equals(original(name)), name)
    }
  })

  it('names the archive and the missing member, and writes nothing', async (t) => {
    const archive = archiveOf(t)
    if (!archive) return
    const dest = path.join(root, 'extract-missing')
    await assert.rejects(extractMembers(archive, ['text.o', 'missing.o'], dest), (error) => {
      assert.ok(error instanceof UserError)
      assert.equal(error.input, 'image build')
      assert.ok(error.message.includes(archive), error.message)
      assert.match(error.message, /no member missing\.o \(it holds: text\.o, data\.o, /)
      return true
    })
    assert.equal(existsSync(dest), false)
  })

  it('refuses a wanted name that two members share', async (t) => {
    const archive = archiveOf(t, ['text.o', 'data.o'])
    if (!archive) return
    // `q` appends without replacing: a second, different text.o
    const other = path.join(root, 'other')
    mkdirSync(other, { recursive: true })
    writeFileSync(path.join(other, 'text.o'), 'not the first one')
    run(gnuArMissing ? 'llvm-ar' : 'ar', ['q', archive, 'text.o'], other)
    const dest = path.join(root, 'extract-duplicate')
    await assert.rejects(extractMembers(archive, ['data.o', 'text.o'], dest), (error) => {
      assert.ok(error instanceof UserError)
      assert.match(error.message, /holds 2 members named text\.o/)
      return true
    })
    assert.equal(existsSync(dest), false)
    // a name that is not shared still comes out
    const [data] = await extractMembers(archive, ['data.o'], dest)
    assert.ok(readFileSync(data).equals(original('data.o')))
  })

  it('turns a malformed archive into a UserError naming the file', async () => {
    const archive = path.join(root, 'garbage.a')
    writeFileSync(archive, 'definitely not an archive')
    await assert.rejects(extractMembers(archive, ['text.o'], path.join(root, 'x')), (error) => {
      assert.ok(error instanceof UserError)
      assert.equal(error.input, 'image build')
      assert.ok(error.message.includes(archive))
      assert.match(error.message, /not an ar archive/)
      return true
    })
  })

  it('refuses names that are paths (a bug in the caller, not user input)', async () => {
    await assert.rejects(extractMembers('unused.a', ['../text.o'], root), /not a plain file name/)
    await assert.rejects(extractMembers('unused.a', ['a.o', 'a.o'], root), /duplicate names/)
  })
})
