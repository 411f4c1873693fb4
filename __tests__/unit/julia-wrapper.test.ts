import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { promises as fs } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { describe, it } from 'node:test'
import { writeJuliaWrapper } from '../../src/julia-wrapper.js'

/**
 * The `julia` put on PATH: what it hands the real Julia. A program that prints its arguments one
 * per line stands in for Julia (the integration suites run the wrapper with the real one).
 */
describe('the julia wrapper', { skip: process.platform === 'win32' && 'POSIX sh only' }, () => {
  const withWrapper = async (check: (run: (args: string[]) => string[]) => void) => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), "jsi wrapper 'q' "))
    try {
      const julia = path.join(dir, 'print-args')
      await fs.writeFile(julia, '#!/bin/sh\nfor a in "$@"; do printf "%s\\n" "$a"; done\n', {
        mode: 0o755
      })
      const image = path.join(dir, 'sys $(id).so')
      await fs.writeFile(image, '')
      const wrapper = await writeJuliaWrapper(path.join(dir, 'bin'), { julia, image })
      assert.equal(wrapper, path.join(dir, 'bin', 'julia'))
      check((args) => {
        const r = spawnSync(wrapper, args, { encoding: 'utf8' })
        assert.equal(r.status, 0, r.stderr)
        return r.stdout.split('\n').slice(0, -1)
      })
      // the image gone: Julia alone
      await fs.rm(image)
      assert.deepEqual(spawnSync(wrapper, ['-e', '1'], { encoding: 'utf8' }).stdout, '-e\n1\n')
    } finally {
      await fs.rm(dir, { recursive: true, force: true })
    }
  }

  it('puts the image before every argument, which it passes untouched', async () => {
    await withWrapper((run) => {
      const args = ['--project=.', '-e', 'print("$(1+1)")', "it's", '*', '-L', '$HOME.jl']
      const out = run(args)
      assert.match(out[0], /^--sysimage=.*sys \$\(id\)\.so$/)
      assert.deepEqual(out.slice(1), args)
      // an explicit sysimage comes after the wrapper's, and Julia keeps the last one
      assert.deepEqual(run(['-J', 'mine.so']).slice(-2), ['-J', 'mine.so'])
      // --lisp must be Julia's first argument
      assert.deepEqual(run(['--lisp']), ['--lisp'])
    })
  })
})
