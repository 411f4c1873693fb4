import { noJuliaFlags } from '../../src/julia-flags.js'
import assert from 'node:assert/strict'
import { promises as fs } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { after, before, describe, it } from 'node:test'
import { silentLogger } from '../../src/log.js'
import { prepareBuild } from '../../src/pipeline.js'
import { cacheKeyFor, setUpAndKey } from '../../src/run-build.js'
import { StageTimer } from '../../src/timing.js'
import { newDepot, newestJulia, writeStubRegistry } from '../helpers/test-julia.js'

const julia = newestJulia()
const skip = julia.skip

/**
 * A project without a committed manifest is keyed by the manifest Pkg resolves for this run
 * (real Julia, no image build): keying it before resolving would give every run the same key,
 * so new dependency versions would never miss.
 */
describe(`a project without a committed manifest (${julia.label})`, { skip }, () => {
  let dir: string
  let depot: string
  before(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'jsi-resolve-'))
    depot = newDepot()
    // stdlib-only, so Pkg resolves against an empty (stub) registry without the network
    writeStubRegistry(depot, 'https://github.com/JuliaRegistries/General.git')
    await fs.writeFile(
      path.join(dir, 'Project.toml'),
      '[deps]\nPrintf = "de0858da-6303-5e67-8744-51eddeeeb8d7"\n'
    )
  })
  after(async () => {
    await fs.rm(dir, { recursive: true, force: true })
    await fs.rm(depot, { recursive: true, force: true })
  })

  it('is resolved first and keyed by the manifest Pkg wrote', async () => {
    const prepared = await prepareBuild(
      {
        projectDir: dir,
        workloads: [],
        statementFiles: [],
        cpuTarget: 'native',
        mode: 'auto',
        cacheKeyPrefix: '',
        juliaFlags: noJuliaFlags,
        measure: false,
        keepWorkDir: false,
        tempDir: dir,
        juliaPath: julia.executable,
        env: julia.env(depot)
      },
      silentLogger,
      new StageTimer(silentLogger)
    )
    assert.equal(prepared.project.manifestFile, undefined)
    const unresolvedKey = await cacheKeyFor(prepared)

    const keyed = await setUpAndKey(prepared, silentLogger, new StageTimer(silentLogger))
    const manifest = path.join(dir, 'Manifest.toml')
    assert.equal(keyed.prepared.project.manifestFile, manifest)
    assert.match(await fs.readFile(manifest, 'utf8'), /^\[\[(deps\.)?Printf\]\]$/m)
    assert.notEqual(keyed.cacheKey, unresolvedKey)

    // the key follows the resolved manifest's content
    await fs.appendFile(manifest, '\n# resolved again, to other versions\n')
    assert.notEqual(await cacheKeyFor(keyed.prepared), keyed.cacheKey)
  })
})
