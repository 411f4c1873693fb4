import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { promises as fs } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { after, before, describe, it } from 'node:test'
import { packFolders, unpackFolders } from '../../src/stages/layers/archive.js'
import { tarEntries, unsafeTarEntry } from '../../src/stages/layers/tar-entries.js'

/** Real tarballs, written by the machine's tar, as a layer entry (or a tampered one) holds them. */
describe('layer tarballs: only files and folders inside the layer folder come out', () => {
  let root: string
  const tar = (args: string[]) => execFileSync('tar', args, { stdio: 'pipe' })
  before(async () => {
    root = await fs.mkdtemp(path.join(os.tmpdir(), 'tar-entries-'))
    const long = path.join(root, 'layer', 'depot', 'compiled', 'v1.12', 'x'.repeat(90))
    await fs.mkdir(long, { recursive: true })
    await fs.writeFile(path.join(long, `${'y'.repeat(60)}.ji`), 'image')
    await fs.writeFile(path.join(root, 'layer', 'layers.txt'), 'trigger\n')
    await fs.writeFile(path.join(root, 'outside.txt'), 'secret')
  })
  after(() => fs.rm(root, { recursive: true, force: true }))

  it('reads the names of a layer packed by packFolders, long names included, and accepts it', async () => {
    const tarball = path.join(root, 'layer.tar')
    await packFolders(path.join(root, 'layer'), ['depot', 'layers.txt'], tarball)
    const entries = await tarEntries(tarball)
    const names = entries.map((e) => e.name.replace(/\/$/, ''))
    assert.ok(names.includes('layers.txt'), names.join(', '))
    const longFile = `depot/compiled/v1.12/${'x'.repeat(90)}/${'y'.repeat(60)}.ji`
    assert.ok(names.includes(longFile), names.join(', '))
    assert.deepEqual([...new Set(entries.map((e) => e.type))].sort(), ['0', '5'])
    assert.equal(unsafeTarEntry(entries), undefined)
    const into = path.join(root, 'unpacked')
    await unpackFolders(tarball, into)
    assert.equal(await fs.readFile(path.join(into, ...longFile.split('/')), 'utf8'), 'image')
  })

  it('refuses a link, an absolute name, a `..` name and a setuid file, and unpacks nothing', async () => {
    const tampered = path.join(root, 'tampered')
    await fs.mkdir(tampered)
    await fs.symlink(path.join(root, 'outside.txt'), path.join(tampered, 'link.jl'))
    await fs.writeFile(path.join(tampered, 'setuid'), '#!/bin/sh\n')
    await fs.chmod(path.join(tampered, 'setuid'), 0o4755)
    const cases: [string, string[], RegExp][] = [
      [
        'link.tar',
        ['-C', tampered, 'link.jl'],
        /"link\.jl" is not a regular file or folder \(tar type 2\)/
      ],
      [
        'absolute.tar',
        ['-P', path.join(root, 'outside.txt')],
        /is not a name inside the layer folder/
      ],
      [
        'parent.tar',
        ['-P', '-C', tampered, '../outside.txt'],
        /"\.\.\/outside\.txt" is not a name inside/
      ],
      [
        'setuid.tar',
        ['-C', tampered, 'setuid'],
        /"setuid" has setuid, setgid or sticky bits \(mode 4755\)/
      ]
    ]
    for (const [name, args, problem] of cases) {
      const tarball = path.join(root, name)
      tar(['-cf', tarball, ...args])
      assert.match(unsafeTarEntry(await tarEntries(tarball)) ?? '', problem, name)
      const into = path.join(root, `into-${name}`)
      await assert.rejects(unpackFolders(tarball, into), problem)
      assert.equal(await fs.stat(into).catch(() => undefined), undefined, 'nothing unpacked')
    }
  })

  it('refuses a damaged header', async () => {
    const tarball = path.join(root, 'damaged.tar')
    await packFolders(path.join(root, 'layer'), ['layers.txt'], tarball)
    const bytes = await fs.readFile(tarball)
    bytes[0] ^= 0xff
    await fs.writeFile(tarball, bytes)
    await assert.rejects(tarEntries(tarball), /a tar header at byte 0 is damaged/)
  })
})
