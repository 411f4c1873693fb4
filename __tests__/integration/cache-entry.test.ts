import { noJuliaFlags } from '../../src/julia-flags.js'
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { promises as fs } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { after, before, describe, it } from 'node:test'
import { silentLogger } from '../../src/log.js'
import { prepareBuild, type PreparedBuild } from '../../src/pipeline.js'
import { rejectionOf } from '../../src/run-build.js'
import { checkImageLoadsAlone } from '../../src/stages/verify/verify.js'
import { sha256File } from '../../src/util/hash.js'
import { StageTimer } from '../../src/timing.js'
import { newDepot, newestJulia, repoRoot } from '../helpers/test-julia.js'

const julia = newestJulia()
const skip = julia.skip
const example = path.join(repoRoot, 'examples', 'hello')

/** Checks of restored cache entries with the real Julia, without building an image. */
describe(
  `a restored cache entry is checked before it is trusted (${julia.label})`,
  { skip },
  () => {
    let prepared: PreparedBuild
    let dir: string

    before(async () => {
      dir = await fs.mkdtemp(path.join(os.tmpdir(), 'jsi-entry-'))
      prepared = await prepareBuild(
        {
          projectDir: example,
          workloads: [path.join(example, 'workload.jl')],
          statementFiles: [],
          cpuTarget: 'native',
          mode: 'auto',
          cacheKeyPrefix: '',
          juliaFlags: noJuliaFlags,
          measure: false,
          keepWorkDir: false,
          tempDir: dir,
          juliaPath: julia.executable,
          env: julia.env(newDepot())
        },
        silentLogger,
        new StageTimer(silentLogger)
      )
    })
    after(() => fs.rm(dir, { recursive: true, force: true }))

    async function entry(name: string, image: Buffer, metadata: object): Promise<string> {
      const entryDir = path.join(dir, name)
      await fs.mkdir(entryDir)
      await fs.writeFile(path.join(entryDir, 'image'), image)
      await fs.writeFile(path.join(entryDir, 'metadata.json'), JSON.stringify(metadata))
      return entryDir
    }
    const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex')
    const juliaFacts = () => ({ version: prepared.julia.versionString })

    it('rejects an image whose sha256 is not the one its metadata records', async () => {
      const image = Buffer.from('an image')
      const e = await entry('mismatch', image, {
        image: { sha256: sha(Buffer.from('another')) },
        julia: juliaFacts()
      })
      assert.match(
        (await rejectionOf(e, prepared)) ?? '',
        /the image's sha256 [0-9a-f]{64} is not the [0-9a-f]{64} its metadata records/
      )
    })

    it('rejects an image that Julia cannot load, even with a matching sha256', async () => {
      const image = Buffer.from('\x7fELF not really a shared library')
      const e = await entry('garbage', image, {
        image: { sha256: sha(image) },
        julia: juliaFacts()
      })
      assert.match((await rejectionOf(e, prepared)) ?? '', /image: the image does not load/)
    })

    it('rejects an entry built by another Julia, and one without metadata', async () => {
      const image = Buffer.from('x')
      const other = await entry('other-julia', image, {
        image: { sha256: sha(image) },
        julia: { version: '0.0.1' }
      })
      assert.match((await rejectionOf(other, prepared)) ?? '', /built with Julia 0\.0\.1/)
      const bare = path.join(dir, 'bare')
      await fs.mkdir(bare)
      assert.match((await rejectionOf(bare, prepared)) ?? '', /its metadata cannot be read/)
    })

    // Julia records the image it started with as a real path (jl_options.image_file), so an image
    // reached through a symlink (macOS's /var → /private/var, an output folder under a link) is
    // reported under another name. Julia's own default image stands in for a built one.
    it('accepts an image reached through a symlinked folder (Julia reports its real path)', async () => {
      const real = prepared.julia.baseImage
      const linked = path.join(dir, 'linked-julia-lib')
      await fs.symlink(path.dirname(real), linked)
      const check = await checkImageLoadsAlone(
        prepared.julia,
        path.join(linked, path.basename(real)),
        prepared.project.dir,
        prepared.project.packages,
        dir,
        prepared.request.env
      )
      assert.deepEqual(check.packagesInImage, [])
    })

    it('accepts a good entry whose folder and image are reached through symlinks', async () => {
      const real = prepared.julia.baseImage
      const entryDir = path.join(dir, 'real-entry')
      await fs.mkdir(entryDir)
      await fs.symlink(real, path.join(entryDir, 'image'))
      await fs.writeFile(
        path.join(entryDir, 'metadata.json'),
        JSON.stringify({ image: { sha256: await sha256File(real) }, julia: juliaFacts() })
      )
      const viaLink = path.join(dir, 'entry-via-link')
      await fs.symlink(entryDir, viaLink)
      assert.equal(await rejectionOf(viaLink, prepared), undefined)
    })
  }
)
