import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { describe, it } from 'node:test'
import { UserError } from '../../src/errors.js'
import { sha256sumsText, validateArtifactName } from '../../src/store/artifact-files.js'

describe('validateArtifactName', () => {
  it('accepts the names the action produces and ordinary ones', () => {
    for (const name of ['sysimage-linux-x64-julia-1.10.4', 'image (native) #2', 'a.b_c+d', 'é']) {
      assert.doesNotThrow(() => validateArtifactName(name), name)
    }
  })

  for (const [character, described] of [
    ['"', 'double quote'],
    [':', 'colon'],
    ['<', 'less-than sign'],
    ['>', 'greater-than sign'],
    ['|', 'vertical bar'],
    ['*', 'asterisk'],
    ['?', 'question mark'],
    ['\r', 'carriage return'],
    ['\n', 'line break'],
    ['\\', 'backslash'],
    ['/', 'slash']
  ]) {
    it(`refuses a name with a ${described}, naming the input and the character`, () => {
      assert.throws(
        () => validateArtifactName(`sysimage${character}linux`),
        (error: unknown) =>
          error instanceof UserError &&
          error.input === 'artifact-name' &&
          error.message.startsWith('artifact-name: ') &&
          error.message.includes(described) &&
          error.fix.length > 0
      )
    })
  }

  it('refuses an empty name', () => {
    assert.throws(
      () => validateArtifactName(''),
      (error: unknown) => error instanceof UserError && /is empty/.test(error.message)
    )
  })
})

describe('sha256sumsText', () => {
  const a = 'a'.repeat(64)
  const b = 'B'.repeat(64)

  it('writes "<hex>  <name>" lines sorted by file name, digests in lower case', () => {
    const text = sha256sumsText([
      { file: 'sysimage.so.json', sha256: a },
      { file: 'sysimage.so', sha256: b }
    ])
    assert.equal(text, `${'b'.repeat(64)}  sysimage.so\n${a}  sysimage.so.json\n`)
  })

  it('sorts by code point, not locale (upper case first), independent of input order', () => {
    const entries = [
      { file: 'b', sha256: a },
      { file: 'B', sha256: a },
      { file: 'a', sha256: a }
    ]
    const names = (text: string) =>
      text
        .split('\n')
        .filter(Boolean)
        .map((l) => l.slice(66))
    assert.deepEqual(names(sha256sumsText(entries)), ['B', 'a', 'b'])
    assert.equal(sha256sumsText(entries), sha256sumsText([...entries].reverse()))
  })

  it('is empty for no files', () => {
    assert.equal(sha256sumsText([]), '')
  })

  it('refuses digests that are not SHA-256 hex, names it cannot write, and duplicates', () => {
    assert.throws(() => sha256sumsText([{ file: 'x', sha256: 'abc' }]), /not a SHA-256 digest/)
    assert.throws(() => sha256sumsText([{ file: 'x', sha256: 'g'.repeat(64) }]), /not a SHA/)
    assert.throws(() => sha256sumsText([{ file: 'x\ny', sha256: a }]), /cannot list/)
    assert.throws(
      () =>
        sha256sumsText([
          { file: 'one/x', sha256: a },
          { file: 'one/x', sha256: a }
        ]),
      /one\/x is listed twice/
    )
    for (const outside of ['/tmp/x', '../x', 'a/../../x', 'a//x'])
      assert.throws(
        () => sha256sumsText([{ file: outside, sha256: a }]),
        /is not a path inside the artifact/
      )
  })

  it("keeps a file's folders: a layer folder holds many files of one name", () => {
    const text = sha256sumsText([
      { file: 'sysimage.layers/depot/dev/Hello/Project.toml', sha256: a },
      { file: 'sysimage.layers/workload/Project.toml', sha256: a }
    ])
    assert.equal(
      text,
      `${a}  sysimage.layers/depot/dev/Hello/Project.toml\n${a}  sysimage.layers/workload/Project.toml\n`
    )
  })

  const sha256sum = spawnSync('sha256sum', ['--version']).status === 0
  it('is accepted by `sha256sum -c`', { skip: !sha256sum && 'no sha256sum here' }, () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'sha256sums-'))
    try {
      const files = {
        'sysimage.so': 'image bytes',
        'sysimage.so.json': '{}\n',
        'sysimage.layers/hook.jl': 'using Hello\n'
      }
      const entries = Object.entries(files).map(([file, content]) => {
        mkdirSync(path.dirname(path.join(dir, file)), { recursive: true })
        writeFileSync(path.join(dir, file), content)
        return { file, sha256: createHash('sha256').update(content).digest('hex') }
      })
      writeFileSync(path.join(dir, 'SHA256SUMS'), sha256sumsText(entries))
      const ok = spawnSync('sha256sum', ['-c', 'SHA256SUMS'], { cwd: dir, encoding: 'utf8' })
      assert.equal(ok.status, 0, ok.stdout + ok.stderr)
      writeFileSync(path.join(dir, 'sysimage.layers/hook.jl'), 'other bytes')
      const bad = spawnSync('sha256sum', ['-c', 'SHA256SUMS'], { cwd: dir, encoding: 'utf8' })
      assert.notEqual(bad.status, 0)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
