import assert from 'node:assert/strict'
import { promises as fs } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { describe, it } from 'node:test'
import {
  layerRootFor,
  liveLayers,
  nextGeneration,
  parsePointer,
  pointerText,
  removeOtherGenerations,
  switchGeneration
} from '../../src/stages/layers/generations.js'

describe('layer generations', () => {
  it('the pointer names build-N and nothing else; the hook reads the same line', () => {
    assert.equal(parsePointer(pointerText('build-2', 'sysimage.so')), 'build-2')
    assert.equal(parsePointer('generation\t../elsewhere\n'), undefined)
    assert.equal(parsePointer('generation\t/abs\n'), undefined)
    assert.equal(parsePointer('generation\tbuild-1\textra\n'), undefined)
    assert.equal(parsePointer(`trigger\t${'0'.repeat(8)}\tX\n`), undefined)
  })

  it('a build writes the generation not in use', () => {
    assert.equal(nextGeneration(undefined), 'build-1')
    assert.equal(nextGeneration('build-1'), 'build-2')
    assert.equal(nextGeneration('build-2'), 'build-1')
  })

  it('the layers in use: the generation pointed at, the old layout, or none', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'jsi-generations-'))
    try {
      const root = layerRootFor(path.join(dir, 'sysimage.so'))
      assert.equal(root.root, path.join(dir, 'sysimage.layers'))
      assert.equal(await liveLayers(root), undefined, 'no folder yet')
      // the layout before generations: layers.txt with trigger lines at the top
      await fs.mkdir(root.root)
      await fs.writeFile(root.pointer, 'trigger\tx\tY\n')
      assert.equal((await liveLayers(root))?.folder.root, root.root)
      // a pointer to a generation that was never finished: none in use
      await fs.writeFile(root.pointer, pointerText('build-2', 'sysimage.so'))
      assert.equal(await liveLayers(root), undefined)
      // a finished generation, switched in; everything else at the top removed
      await fs.mkdir(path.join(root.root, 'build-2'))
      await fs.writeFile(path.join(root.root, 'build-2', 'layers.txt'), 'trigger\tx\tY\n')
      await fs.mkdir(path.join(root.root, 'build-1', 'depot'), { recursive: true })
      await fs.mkdir(path.join(root.root, 'depot'))
      await switchGeneration(root, 'build-2', 'sysimage.so')
      assert.equal(
        await fs.readFile(root.pointer, 'utf8'),
        'generation\tbuild-2\nimage\tsysimage.so\n'
      )
      const live = await liveLayers(root)
      assert.equal(live?.generation, 'build-2')
      assert.equal(live?.folder.root, path.join(root.root, 'build-2'))
      // a hook.jl an earlier version wrote for `-L` goes too: the hook is in the image now
      await fs.writeFile(path.join(root.root, 'hook.jl'), '')
      await removeOtherGenerations(root, 'build-2')
      assert.deepEqual((await fs.readdir(root.root)).sort(), ['build-2', 'layers.txt'])
    } finally {
      await fs.rm(dir, { recursive: true, force: true })
    }
  })
})
