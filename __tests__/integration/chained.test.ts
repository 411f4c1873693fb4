import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { promises as fs } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { after, before, describe, it } from 'node:test'
import type { BaseRecord } from '../../src/stages/base-archive/record.js'
import type { ImageMetadata } from '../../src/metadata.js'
import {
  makeStandinJulia,
  standinImageFacts,
  standinMissingReason
} from '../helpers/chain-standin.js'
import { runCli, type CliRun } from '../helpers/cli.js'
import { juliaMissingReason, juliaTestEnv, newDepot, repoRoot } from '../helpers/test-julia.js'

const skip = juliaMissingReason() ?? standinMissingReason()
const example = path.join(repoRoot, 'examples', 'hello')

/**
 * The chained path end to end, through the bundled CLI, against the stand-in for a
 * chain-capable Julia (see __tests__/fixtures/chain-julia/README.md): probe, mode choice, base
 * archive built and cached, chained object, unpacking, llvm-objcopy and ld.lld all run for real.
 */
describe('chained images (stand-in for a Julia carrying PR #46045)', { skip }, () => {
  let dir: string
  let depot: string
  let home: string
  let julia: string
  let cacheDir: string
  let first: CliRun

  const build = (output: string, extra: string[] = []) =>
    runCli(
      [
        'build',
        '--julia',
        julia,
        '--project',
        example,
        '--workload',
        path.join(example, 'workload.jl'),
        '--cache-dir',
        cacheDir,
        '--no-measure',
        '--output',
        path.join(dir, output),
        ...extra
      ],
      juliaTestEnv(depot),
      dir
    )
  const metadataOf = async (output: string) =>
    JSON.parse(await fs.readFile(path.join(dir, `${output}.json`), 'utf8')) as ImageMetadata
  const baseEntries = async () =>
    (await fs.readdir(cacheDir)).filter((name) => name.startsWith('julia-sysimage-base-'))
  const tool = (name: string, ...args: string[]) =>
    execFileSync(name, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 })

  before(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'jsi-chained-'))
    depot = newDepot()
    home = path.join(dir, 'standin')
    julia = await makeStandinJulia(home)
    cacheDir = path.join(dir, 'cache')
    first = await build('chained.so', ['--keep-work'])
  })
  after(async () => {
    const work = /work folder kept: (.+)$/m.exec(first?.stderr ?? '')?.[1]
    if (work) await fs.rm(work, { recursive: true, force: true })
    await fs.rm(dir, { recursive: true, force: true })
    await fs.rm(depot, { recursive: true, force: true })
  })

  it('mode auto picks chained on a Julia that can chain', async () => {
    assert.equal(first.code, 0, first.stderr)
    assert.match(first.stderr, /mode: chained \(this Julia can chain images/)
    const metadata = await metadataOf('chained.so')
    assert.equal(metadata.mode, 'chained')
  })

  it('builds the base archive once and saves it with the image linked from it', async () => {
    assert.match(first.stderr, /no base archive in the local cache .* building it once/)
    const [entry] = await baseEntries()
    assert.ok(entry, 'a base entry in the cache folder')
    const record = JSON.parse(
      await fs.readFile(path.join(cacheDir, entry, 'base.json'), 'utf8')
    ) as BaseRecord
    const metadata = await metadataOf('chained.so')
    assert.deepEqual(metadata.base, { key: entry, imageSha256: record.image.sha256 })
    assert.equal(record.cpuTarget, 'native')
  })

  it('the chained image holds the new code and the base code, linked against exactly that base', async () => {
    const image = path.join(dir, 'chained.so')
    const symbols = tool('nm', '--defined-only', image)
    assert.match(symbols, / T julia_standin_chained_0$/m)
    assert.match(symbols, / T julia_standin_base_0$/m)
    assert.doesNotMatch(tool('nm', '--undefined-only', image), /julia_standin/)
    const [entry] = await baseEntries()
    const base = standinImageFacts(home, path.join(cacheDir, entry, 'sys.so'))
    const chained = standinImageFacts(home, image) // dlopen with every symbol bound: it loads
    assert.equal(chained.kind, 'chained')
    assert.equal(chained.baseId, base.baseId)
    assert.equal(chained.packages, 'Hello')
  })

  it("keeps only the chained link table: the base's section is removed before linking", async () => {
    const image = path.join(dir, 'chained.so')
    // lld files `.data.*` input sections under `.data`: look for the tables' contents and symbols
    const bytes = await fs.readFile(image)
    assert.ok(bytes.includes('CHAINED-LINK-TABLE'))
    assert.ok(!bytes.includes('BASE-LINK-TABLE'))
    const symbols = tool('nm', image)
    assert.match(symbols, / standin_chained_link_table$/m)
    assert.doesNotMatch(symbols, /standin_base_link_table/)
    // the base's code object, as linked, has no such section, and still has its code
    const work = /work folder kept: (.+)$/m.exec(first.stderr)?.[1]
    assert.ok(work, first.stderr)
    const oldText = path.join(work, 'chained', 'text-old.o')
    assert.doesNotMatch(tool('readelf', '-S', '-W', oldText), /sysimg_link/)
    assert.match(tool('nm', oldText), / T julia_standin_base_0$/m)
    // while the chained code object keeps its own
    const newText = path.join(work, 'chained', 'text.o')
    assert.match(tool('readelf', '-S', '-W', newText), /\.data\.jl\.sysimg_link/)
  })

  it('a later build with other statements restores the base instead of building it', async () => {
    const statements = path.join(dir, 'more.jl')
    await fs.writeFile(statements, 'precompile(Tuple{typeof(Base.sum), Vector{Int}})\n')
    const run = await build('second.so', ['--statements', statements])
    assert.equal(run.code, 0, run.stderr)
    assert.match(run.stderr, /base archive restored from the local cache/)
    const [firstMeta, secondMeta] = [await metadataOf('chained.so'), await metadataOf('second.so')]
    assert.deepEqual(secondMeta.base, firstMeta.base)
    assert.ok(secondMeta.statements.used > firstMeta.statements.used)
    assert.equal((await baseEntries()).length, 1)
  })

  it('another cpu target builds another base', async () => {
    const run = await build('generic.so', ['--cpu-target', 'generic'])
    assert.equal(run.code, 0, run.stderr)
    assert.match(run.stderr, /building it once/)
    const entries = await baseEntries()
    assert.equal(entries.length, 2)
    const metadata = await metadataOf('generic.so')
    assert.notEqual(metadata.base?.key, (await metadataOf('chained.so')).base?.key)
    const facts = standinImageFacts(home, path.join(dir, 'generic.so'))
    assert.match(facts.baseId, /^generic#/)
  })

  it('an unchanged project is restored from the image cache, checked by loading it', async () => {
    const run = await build('again.so')
    assert.equal(run.code, 0, run.stderr)
    assert.match(run.stderr, /restored .*again\.so from the local cache/)
    assert.doesNotMatch(run.stderr, /base archive (key|restored)|building it once/)
  })

  it('mode full on the same Julia is refused by nothing and chosen as asked', async () => {
    // only the choice is checked here: a full build of the real 1.5.3 image is the other suites' job
    const run = await build('full.so', ['--mode', 'full', '--workload-timeout', '0.01'])
    assert.match(run.stderr, /mode: full \(as requested\)/)
  })
})
