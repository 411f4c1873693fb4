import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { describe, it } from 'node:test'
import { readActionInputs } from '../../src/action/inputs.js'
import { resultFiles } from '../../src/action/result-files.js'
import type { ImageMetadata } from '../../src/metadata.js'
import { buildUsage } from '../../src/cli/build-args.js'
import { UserError } from '../../src/errors.js'

const root = path.resolve(import.meta.dirname, '..', '..')
const actionYml = readFileSync(path.join(root, 'action.yml'), 'utf8')
const readme = readFileSync(path.join(root, 'README.md'), 'utf8')

/** The keys of a top-level section of action.yml (`inputs:`, `outputs:`), with descriptions. */
function actionSection(name: string): Map<string, string> {
  const lines = actionYml.split('\n')
  const start = lines.indexOf(`${name}:`)
  assert.ok(start >= 0, `action.yml has no ${name}:`)
  const entries = new Map<string, string>()
  let current: string | undefined
  for (const line of lines.slice(start + 1)) {
    if (/^\S/.test(line)) break
    const key = /^ {2}([a-z0-9-]+):\s*$/.exec(line)
    if (key) entries.set((current = key[1]), '')
    const description = /^ {4}description:\s*(.*)$/.exec(line)
    if (description && current) entries.set(current, description[1])
  }
  return entries
}

/** The names in the first column of the table under a README heading (`### Inputs`). */
function readmeTableNames(heading: string): string[] {
  const from = readme.indexOf(`\n${heading}\n`)
  assert.ok(from >= 0, `README has no ${heading}`)
  const section = readme.slice(from + heading.length + 2).split(/\n#{2,3} /)[0]
  return section
    .split('\n')
    .filter((line) => line.startsWith('| `'))
    .flatMap((line) => [...line.split('|')[1].matchAll(/`([a-z0-9-]+)`/g)].map((m) => m[1]))
}

function readmeRow(heading: string, name: string): string {
  const from = readme.indexOf(`\n${heading}\n`)
  const row = readme
    .slice(from)
    .split('\n')
    .find((line) => line.startsWith(`| \`${name}\` |`))
  assert.ok(row, `README ${heading} has no row for ${name}`)
  return row
}

describe('action.yml, src/action/inputs.ts and the README agree', () => {
  const inputs = [...actionSection('inputs').keys()]

  it('every input in action.yml is read by the action, and the action reads no other', () => {
    const asked = new Set<string>()
    readActionInputs(
      (name) => {
        asked.add(name)
        return ''
      },
      { GITHUB_WORKSPACE: '/ws' }
    )
    assert.deepEqual([...asked].sort(), [...inputs].sort())
  })

  it('every input is in the README Inputs table, and the table has no other', () => {
    assert.deepEqual(readmeTableNames('### Inputs').sort(), [...inputs].sort())
  })

  it('every output is in the README Outputs table, and the table has no other', () => {
    assert.deepEqual(
      readmeTableNames('### Outputs').sort(),
      [...actionSection('outputs').keys()].sort()
    )
  })

  it('every README example that attaches to a release builds one self-contained image (mode: full)', () => {
    const blocks = [...readme.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1])
    const releasing = blocks.filter((b) => /gh release upload/.test(b))
    assert.ok(releasing.length > 0, 'the README has a release example')
    for (const block of releasing) assert.match(block, /^\s+mode: full$/m, block)
  })

  it('retention-days: the code accepts 1 to 400, and action.yml and the README say so', () => {
    const parse = (value: string) =>
      readActionInputs((name) => (name === 'retention-days' ? value : ''), {
        GITHUB_WORKSPACE: '/ws'
      }).retentionDays
    assert.equal(parse('1'), 1)
    assert.equal(parse('400'), 400)
    for (const bad of ['0', '401', '1.5', 'ninety'])
      assert.throws(
        () => parse(bad),
        (e: unknown) => e instanceof UserError && /1 to 400/.test(e.message)
      )
    assert.match(actionSection('inputs').get('retention-days') ?? '', /1-400/)
    assert.match(readmeRow('### Inputs', 'retention-days'), /1–400/)
  })

  it('tools-url is documented for what it serves (LLVM_full_jll only; no LLD_jll download exists)', () => {
    const yml = actionSection('inputs').get('tools-url') ?? ''
    const row = readmeRow('### Inputs', 'tools-url')
    for (const text of [yml, row]) {
      assert.match(text, /LLVM_full_jll/)
      assert.doesNotMatch(text, /LLD_jll/)
    }
  })
})

describe('the CLI usage and the README agree', () => {
  /** The flags a usage block lists (`--name` at the start of an option line). */
  const flags = (text: string) =>
    [...text.matchAll(/^ {2}(?:-\w, )?(--[a-z-]+)/gm)]
      .map((m) => m[1])
      .filter((f) => f !== '--help')

  it('the README command-line block lists exactly the flags of `julia-sysimage build --help`', () => {
    const block = /```\njulia-sysimage build \[options\]\n([\s\S]*?)```/.exec(readme)
    assert.ok(block, 'README has the usage block')
    assert.deepEqual(flags(block[1]).sort(), flags(buildUsage).sort())
    assert.ok(flags(buildUsage).includes('--build-timeout'))
  })

  it('every timeout input of the action has its CLI flag', () => {
    for (const input of [...actionSection('inputs').keys()].filter((i) => i.endsWith('-timeout')))
      assert.ok(flags(buildUsage).includes(`--${input}`), input)
  })
})

describe('the files output', () => {
  const result = { image: '/w/out/app.so', metadataFile: '/w/out/app.so.json' }
  it('lists the image, its metadata and the launcher', () => {
    assert.deepEqual(resultFiles({ ...result, metadata: {} }, '/w/out/app.sh'), [
      '/w/out/app.so',
      '/w/out/app.so.json',
      '/w/out/app.sh'
    ])
  })
  it("and a layered image's layer folder, beside the image", () => {
    const layers = { folder: 'app.layers' } as NonNullable<ImageMetadata['layers']>
    assert.deepEqual(resultFiles({ ...result, metadata: { layers } }, '/w/out/app.sh'), [
      '/w/out/app.so',
      '/w/out/app.so.json',
      '/w/out/app.sh',
      '/w/out/app.layers'
    ])
  })
})
