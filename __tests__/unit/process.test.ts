import assert from 'node:assert/strict'
import { promises as fs } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { describe, it } from 'node:test'
import { run } from '../../src/util/process.js'

// the child reports what its stdout is, on stdout (a file or a pipe) and on stderr (always a pipe)
const probe =
  "const s = require('fs').fstatSync(1); const kind = s.isFile() ? 'file' : s.isFIFO() || s.isSocket() ? 'pipe' : 'other';" +
  'process.stdout.write(kind); process.stderr.write(kind)'

describe('run', () => {
  it('gives the child a pipe as stdout by default', async () => {
    const result = await run(process.execPath, ['-e', probe])
    assert.equal(result.code, 0)
    assert.equal(result.stdout, 'pipe')
  })
  it('gives the child a file as stdout with stdoutFile, and still pipes stderr', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'jsi-process-'))
    try {
      const file = path.join(dir, 'out.txt')
      await fs.writeFile(file, 'old content that must be replaced')
      const result = await run(process.execPath, ['-e', probe], { stdoutFile: file })
      assert.equal(result.code, 0)
      assert.equal(result.stderr, 'file')
      assert.equal(result.stdout, '')
      assert.equal(await fs.readFile(file, 'utf8'), 'file')
    } finally {
      await fs.rm(dir, { recursive: true, force: true })
    }
  })
  it('rejects when the stdout file cannot be created', async () => {
    await assert.rejects(
      run(process.execPath, ['-e', probe], { stdoutFile: '/nonexistent-dir/x/out.txt' }),
      /ENOENT/
    )
  })
})
