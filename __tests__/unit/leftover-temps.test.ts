import assert from 'node:assert/strict'
import { promises as fs } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { describe, it } from 'node:test'
import { removeLeftoverTemps, tempPathBeside } from '../../src/util/atomic.js'

describe('temporary files a stopped build left', () => {
  it('are removed when their writer no longer runs; a running writer keeps its own', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'jsi-temps-'))
    try {
      const target = path.join(dir, 'sysimage.so')
      const mine = tempPathBeside(target)
      const dead = path.join(dir, '.sysimage.so.tmp-2147483646-0badcafe') // no such process
      const other = path.join(dir, '.other.so.tmp-2147483646-0badcafe') // another output's
      for (const file of [mine, dead, other, target]) await fs.writeFile(file, 'x')
      assert.deepEqual(await removeLeftoverTemps(target), [path.basename(dead)])
      assert.deepEqual(
        (await fs.readdir(dir)).sort(),
        [path.basename(mine), path.basename(other), 'sysimage.so'].sort()
      )
      assert.deepEqual(await removeLeftoverTemps(path.join(dir, 'missing', 'x.so')), [])
    } finally {
      await fs.rm(dir, { recursive: true, force: true })
    }
  })
})
