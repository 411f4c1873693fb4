import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { promises as fs } from 'node:fs'
import path from 'node:path'
import { after, before, describe, it } from 'node:test'
import { promisify } from 'node:util'
import { resolveCpuTarget } from '../../src/cpu-target.js'
import { probeJulia, type JuliaInfo } from '../../src/julia/probe.js'
import { precompileLayer } from '../../src/stages/layers/precompile.js'
import { layerFolder } from '../../src/stages/layers/folder.js'
import { ScratchFolders } from '../helpers/scratch.js'
import { juliaAtLeast, modernJulias, repoRoot } from '../helpers/test-julia.js'

const execFileAsync = promisify(execFile)

/**
 * The own and workload layers are compiled for the build's CPU target, like the dependency image:
 * with `portable`, a package image carries the portable target list (it loads on every runner
 * CPU); without it, Julia would compile it for the build machine alone. The layer precompile runs
 * here on Julia's own base image (the target list is the package image's, whatever the image).
 */
for (const julia of modernJulias())
  describe(
    `package-image layers follow the CPU target (${julia.label})`,
    { skip: julia.skip },
    () => {
      const scratch = new ScratchFolders()
      let root: string
      let depot: string
      let info: JuliaInfo
      before(async () => {
        root = await scratch.folder('layer-cpu')
        depot = await scratch.depot()
        info = await probeJulia(julia.executable, julia.env(depot))
        await fs.cp(path.join(repoRoot, 'examples', 'hello'), path.join(root, 'hello'), {
          recursive: true
        })
      })
      after(() => scratch.remove())

      /** The names of the targets a package image was compiled for (`Base.parse_cache_header`). */
      const cloneTargets = async (cacheFile: string): Promise<string[]> => {
        const { stdout } = await execFileAsync(
          julia.executable,
          [
            '--startup-file=no',
            '-e',
            // the 7th field is the serialized target list in 1.10 to 1.12
            'h = Base.parse_cache_header(ARGS[1]); print(join([t.name for t in Base.parse_image_targets(h[7])], ";"))',
            cacheFile
          ],
          { env: julia.env(depot) }
        )
        return stdout.split(';')
      }

      /**
       * The target names a package image built for `cpuTarget` records. Julia 1.10 records only
       * the first target of a list in the header (measured: `sandybridge;haswell,clone_all` gives
       * `sandybridge`); 1.11 on record each.
       */
      const expectedTargets = (cpuTarget: string): string[] => {
        if (cpuTarget === 'native') return [info.cpuName]
        const names = cpuTarget.split(';').map((t) => t.split(',')[0])
        return juliaAtLeast(julia, 1, 11) ? names : names.slice(0, 1)
      }

      for (const target of ['portable', 'sandybridge;haswell,clone_all', 'native'])
        it(`cpu-target ${target}: the package image's targets are the build's`, async () => {
          const cpuTarget = resolveCpuTarget(target, info.arch, info.os, info.version)
          const slug = target.replace(/[^a-z]+/g, '-')
          const folder = layerFolder(path.join(root, `${slug}.layers`))
          const work = (name: string) => path.join(root, `${slug}-${name}`)
          const images = await precompileLayer(
            info,
            {
              image: info.baseImage,
              projectDir: path.join(root, 'hello'),
              layersDir: folder.root,
              packages: [{ name: 'Hello', uuid: '1e80cfa7-5217-4ab6-9ea0-c0962a7e7a30' }],
              packagesFile: work('packages.txt'),
              reportFile: work('report.txt'),
              workloadReportFile: work('replay.txt'),
              cpuTarget
            },
            // a runner's own JULIA_CPU_TARGET must not decide what the layer is compiled for
            { ...julia.env(depot), JULIA_CPU_TARGET: 'generic' },
            'own package'
          )
          assert.equal(images.length, 1)
          assert.equal(images[0].status, 'built')
          assert.ok(images[0].cacheFile.startsWith(folder.depot), images[0].cacheFile)
          assert.deepEqual(await cloneTargets(images[0].cacheFile), expectedTargets(cpuTarget))
        })
    }
  )
