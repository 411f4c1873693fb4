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

describe('run with a time limit', () => {
  const alive = (pid: number) => {
    try {
      process.kill(pid, 0)
      return true
    } catch {
      return false
    }
  }

  it('asks with SIGTERM first: a child that honours it is not SIGKILLed', async () => {
    const result = await run('sh', ['-c', 'exec sleep 60'], { timeoutMs: 300, killGraceMs: 5000 })
    assert.equal(result.timedOut, true)
    assert.equal(result.signal, 'SIGTERM')
    assert.ok(result.elapsedMs < 4000, `${result.elapsedMs} ms`)
  })

  it('SIGKILLs a child that ignores SIGTERM once the grace period is over', async () => {
    const result = await run('sh', ['-c', "trap '' TERM; exec sleep 60"], {
      timeoutMs: 300,
      killGraceMs: 1500
    })
    assert.equal(result.timedOut, true)
    assert.equal(result.signal, 'SIGKILL')
    assert.ok(result.elapsedMs >= 1800, `waited the grace period: ${result.elapsedMs} ms`)
    assert.ok(result.elapsedMs < 10_000, `${result.elapsedMs} ms`)
  })

  it('does not wait for a grandchild that keeps the output pipes open after the child is gone', async () => {
    // sh ignores SIGTERM and forks `sleep`, which inherits that and the pipes: the kill ends sh,
    // the sleep goes on holding stdout and stderr
    const result = await run('sh', ['-c', "trap '' TERM; sleep 60 & echo $!; wait"], {
      timeoutMs: 500,
      killGraceMs: 500
    })
    const grandchild = Number(result.stdout.trim())
    try {
      assert.equal(result.timedOut, true)
      assert.equal(result.signal, 'SIGKILL')
      assert.ok(result.elapsedMs < 15_000, `${result.elapsedMs} ms`)
      assert.ok(grandchild > 0 && alive(grandchild), 'the grandchild was still running')
    } finally {
      if (grandchild > 0 && alive(grandchild)) process.kill(grandchild, 'SIGKILL')
    }
  })
})
