import assert from 'node:assert/strict'
import { promises as fs } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { describe, it } from 'node:test'
import { heldFileText, writeHeldFile } from '../../src/stages/object/held-file.js'

describe('the held-packages file (the image hook warns of a version mix from it)', () => {
  it('lists only packages with a tree hash: a stdlib or a path package cannot be compared', () => {
    assert.equal(
      heldFileText([
        { uuid: 'u1', name: 'CSV', version: '0.10.14', treeHash: 'abc' },
        { uuid: 'u2', name: 'Dates' },
        { uuid: 'u3', name: 'Tree', treeHash: 'def' }
      ]),
      'u1\tCSV\t0.10.14\tabc\nu3\tTree\t\tdef\n'
    )
  })

  it('takes the packages of both files, as the manifest resolves them', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'jsi-held-'))
    try {
      const manifest = path.join(dir, 'Manifest.toml')
      await fs.writeFile(
        manifest,
        'manifest_format = "2.0"\n\n[[deps.A]]\nuuid = "11111111-0000-0000-0000-000000000001"\nversion = "1.0.0"\ngit-tree-sha1 = "aa"\n\n' +
          '[[deps.B]]\nuuid = "11111111-0000-0000-0000-000000000002"\nversion = "2.0.0"\ngit-tree-sha1 = "bb"\n\n' +
          '[[deps.C]]\nuuid = "11111111-0000-0000-0000-000000000003"\npath = "C"\n'
      )
      await fs.writeFile(path.join(dir, 'p.txt'), '11111111-0000-0000-0000-000000000001 A\n')
      await fs.writeFile(
        path.join(dir, 'm.txt'),
        '11111111-0000-0000-0000-000000000002 B\n11111111-0000-0000-0000-000000000003 C\n'
      )
      const target = path.join(dir, 'held.txt')
      await writeHeldFile(target, manifest, [path.join(dir, 'p.txt'), path.join(dir, 'm.txt')])
      assert.equal(
        await fs.readFile(target, 'utf8'),
        '11111111-0000-0000-0000-000000000001\tA\t1.0.0\taa\n11111111-0000-0000-0000-000000000002\tB\t2.0.0\tbb\n'
      )
      // no manifest (a project without dependencies): an empty file
      await writeHeldFile(target, undefined, [path.join(dir, 'p.txt')])
      assert.equal(await fs.readFile(target, 'utf8'), '')
    } finally {
      await fs.rm(dir, { recursive: true, force: true })
    }
  })
})
