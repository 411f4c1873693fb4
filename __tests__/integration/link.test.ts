import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { promises as fs } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import { after, before, describe, it } from 'node:test'
import { probeJulia, type JuliaInfo } from '../../src/julia/probe.js'
import { linkImage } from '../../src/stages/link/link.js'
import { juliaMissingReason, juliaTestEnv, modernJulias, newDepot } from '../helpers/test-julia.js'

const exec = promisify(execFile)
const skip = juliaMissingReason()

/** A real archive holding one exported function, as an image's object archive would. */
async function markerArchive(dir: string): Promise<string> {
  const file = (name: string) => path.join(dir, name)
  await fs.writeFile(file('marker.c'), 'int julia_sysimage_link_marker(void) { return 42; }\n')
  await exec('cc', ['-fPIC', '-c', file('marker.c'), '-o', file('marker.o')])
  await exec('ar', ['rcs', file('image-o.a'), file('marker.o')])
  return file('image-o.a')
}

/** Whether a linked image exports the archive's function. */
async function exportsMarker(image: string): Promise<boolean> {
  const { stdout } = await exec('nm', ['-D', '--defined-only', image])
  return /\bjulia_sysimage_link_marker\b/.test(stdout)
}

/**
 * The link stage's two recipes with real processes: the real julia/link.jl run by a real
 * Julia, and a real ld.lld linking a real (tiny) archive. Julia 1.5.3 has no `Base.Linking`, so
 * the "Julia ≥ 1.9" case is a stand-in: the real 1.5.3 with a `Base.Linking.link_image_cmd`
 * defined before the script runs (`-L`), giving a command the way 1.9+ does (a Cmd with env).
 */
describe("link stage: Julia's own recipe, else the hand-written one", { skip }, () => {
  let dir: string
  let depot: string
  let julia: JuliaInfo
  let env: NodeJS.ProcessEnv
  let archive: string
  const file = (name: string) => path.join(dir, name)

  before(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'jsi link '))
    depot = newDepot()
    env = juliaTestEnv(depot)
    julia = await probeJulia('julia', env)
    archive = await markerArchive(dir)
  })
  after(async () => {
    await fs.rm(dir, { recursive: true, force: true })
    await fs.rm(depot, { recursive: true, force: true })
  })

  const soname = async (image: string) => (await exec('readelf', ['-d', image])).stdout

  it('a Julia without Base.Linking (1.5.3): falls back to ld.lld with the reason, and links', async () => {
    const output = file('fallback image.so')
    const outcome = await linkImage(
      julia,
      { kind: 'julia-recipe', path: julia.executable },
      [archive],
      output,
      env
    )
    assert.equal(outcome.recipe, 'lld')
    assert.match(outcome.fallback ?? '', /Julia could not give its link command \(exit code 1/)
    assert.ok(await exportsMarker(output))
    // linked to a temporary name in real builds: the soname is the default, the file's own name
    assert.match(await soname(output), /\[fallback image\.so\]/)
  })

  it('a Julia with Base.Linking: links with exactly the program, words and variables it gives', async () => {
    const lld = (await exec('sh', ['-c', 'command -v ld.lld'])).stdout.trim()
    // the stand-in's recipe, in the shape of base/linking.jl (1.9+): a Cmd whose env prepends
    // a folder to LD_LIBRARY_PATH, and a word with a space in it (the output path)
    await fs.writeFile(
      file('linking.jl'),
      [
        'Core.eval(Base, :(module Linking',
        '    link_image_cmd(path, out) = setenv(',
        `        \`${lld} -shared -o $out --whole-archive $path --no-whole-archive\`,`,
        '        merge(ENV, Dict("LD_LIBRARY_PATH" => "/julia-sysimage-test-lib:" * get(ENV, "LD_LIBRARY_PATH", ""))))',
        'end))',
        ''
      ].join('\n')
    )
    const wrapper = file('julia-with-linking')
    await fs.writeFile(
      wrapper,
      `#!/bin/sh\nexec ${julia.executable} -L "${file('linking.jl')}" "$@"\n`,
      { mode: 0o755 }
    )
    const output = file('.recipe image.so.tmp-1')
    const outcome = await linkImage(
      { ...julia, executable: wrapper },
      { kind: 'julia-recipe', path: wrapper },
      [archive],
      output,
      env,
      'recipe image.so'
    )
    assert.deepEqual(outcome, { program: lld, recipe: 'julia' })
    assert.ok(await exportsMarker(output))
    assert.match(await soname(output), /\[recipe image\.so\]/)
  })
})

/**
 * The real recipe of each Julia users run (Base.Linking, 1.9 on): the same tiny archive linked
 * with the command that Julia gives, by the program it names (its bundled lld: on 1.12 found
 * through `Base.Linking.lld_path()`, a per-process value where 1.10 and 1.11 have a `Ref`).
 */
for (const testJulia of modernJulias())
  describe(
    `link stage with the real recipe of ${testJulia.label}`,
    { skip: testJulia.skip },
    () => {
      let dir: string
      let depot: string
      let archive: string
      before(async () => {
        dir = await fs.mkdtemp(path.join(os.tmpdir(), 'jsi link '))
        depot = newDepot()
        archive = await markerArchive(dir)
      })
      after(async () => {
        await fs.rm(dir, { recursive: true, force: true })
        await fs.rm(depot, { recursive: true, force: true })
      })

      it('links with the program and words that Julia gives, its own lld', async () => {
        const env = testJulia.env(depot)
        const julia = await probeJulia(testJulia.executable, env)
        const output = path.join(dir, 'real recipe.so')
        const outcome = await linkImage(
          julia,
          { kind: 'julia-recipe', path: julia.executable },
          [archive],
          output,
          env
        )
        assert.equal(outcome.recipe, 'julia', outcome.fallback)
        assert.equal(
          await fs.realpath(outcome.program),
          await fs.realpath(path.join(julia.bindir, '..', 'libexec', 'julia', 'lld'))
        )
        assert.ok(await exportsMarker(output), 'the image exports the archive’s function')
      })
    }
  )
