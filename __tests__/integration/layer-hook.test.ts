import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { promises as fs } from 'node:fs'
import path from 'node:path'
import { after, before, describe, it } from 'node:test'
import { juliaScript } from '../../src/julia/scripts.js'
import { ScratchFolders } from '../helpers/scratch.js'
import { juliaAtLeast, modernJulias } from '../helpers/test-julia.js'

/**
 * The start-up hook of a layered image (julia/layer_hook.jl) on its own, with Julia's base image
 * and small packages of the test's own: loaded with `-L` (what the image does at its start, the
 * folder named by JULIA_SYSIMAGE_LAYERS instead of found beside the image). Whatever its folder
 * holds, it never stops the user's Julia, and it loads the workload package exactly once. The
 * layered suite runs it from a built image.
 */
const uuids = {
  Trig: '8f0a6c1e-1111-4a5b-9c0d-000000000001',
  Outer: '8f0a6c1e-1111-4a5b-9c0d-000000000002',
  Work: '8f0a6c1e-1111-4a5b-9c0d-000000000003',
  Missing: '8f0a6c1e-1111-4a5b-9c0d-0000000000ff'
}

/** A package folder: Project.toml and src/<name>.jl. */
async function writePackage(dir: string, name: keyof typeof uuids, deps: string[], body: string) {
  await fs.mkdir(path.join(dir, 'src'), { recursive: true })
  const depLines = deps.map((d) => `${d} = "${uuids[d as keyof typeof uuids]}"\n`).join('')
  await fs.writeFile(
    path.join(dir, 'Project.toml'),
    `name = "${name}"\nuuid = "${uuids[name]}"\nversion = "0.1.0"\n\n[deps]\n${depLines}`
  )
  await fs.writeFile(path.join(dir, 'src', `${name}.jl`), `module ${name}\n${body}\nend\n`)
}

/** A manifest of path packages: name → [path, deps]. */
function manifestText(entries: Record<string, [string, string[]]>): string {
  return (
    'manifest_format = "2.0"\n\n' +
    Object.entries(entries)
      .map(
        ([name, [p, deps]]) =>
          `[[deps.${name}]]\npath = "${p}"\nuuid = "${uuids[name as keyof typeof uuids]}"\nversion = "0.1.0"\n` +
          (deps.length ? `deps = [${deps.map((d) => `"${d}"`).join(', ')}]\n` : '') +
          '\n'
      )
      .join('')
  )
}

for (const julia of modernJulias())
  describe(`the layer hook (${julia.label})`, { skip: julia.skip }, () => {
    const scratch = new ScratchFolders()
    let root: string
    let depot: string
    let project: string
    let layers: string
    before(async () => {
      root = await scratch.folder('hook')
      depot = await scratch.depot()
      // the user's project: Outer (a path package) depends on Trig, the trigger
      project = path.join(root, 'project')
      await writePackage(path.join(project, 'Trig'), 'Trig', [], 'const x = 40')
      await writePackage(
        path.join(project, 'Outer'),
        'Outer',
        ['Trig'],
        'using Trig\ny = Trig.x + 2'
      )
      await fs.writeFile(
        path.join(project, 'Project.toml'),
        `[deps]\nOuter = "${uuids.Outer}"\nTrig = "${uuids.Trig}"\n`
      )
      await fs.writeFile(
        path.join(project, 'Manifest.toml'),
        manifestText({ Outer: ['Outer', ['Trig']], Trig: ['Trig', []] })
      )
      // the layer folder: the hook, and the workload package Work in its env/
      layers = path.join(root, 'image.layers')
      await fs.mkdir(layers)
      await writePackage(
        path.join(layers, 'work'),
        'Work',
        ['Trig'],
        'using Trig\nfunction __init__()\n    println(stderr, "work loaded")\nend'
      )
      await fs.mkdir(path.join(layers, 'env'))
      await fs.writeFile(
        path.join(layers, 'env', 'Project.toml'),
        `[deps]\nWork = "${uuids.Work}"\n`
      )
      await fs.writeFile(
        path.join(layers, 'env', 'Manifest.toml'),
        manifestText({ Work: ['../work', ['Trig']] }).replace(
          '[[deps.Work]]',
          `[[deps.Trig]]\npath = "${path.join(project, 'Trig').split(path.sep).join('/')}"\nuuid = "${uuids.Trig}"\nversion = "0.1.0"\n\n[[deps.Work]]`
        )
      )
    })
    after(() => scratch.remove())

    const config = (text: string | undefined) =>
      text === undefined
        ? fs.rm(path.join(layers, 'layers.txt'), { force: true })
        : fs.writeFile(path.join(layers, 'layers.txt'), text)
    let image: string | undefined
    /** The image Julia starts with by default. */
    const defaultImage = async () => {
      image ??= spawnSync(
        julia.executable,
        ['-e', 'print(unsafe_string(Base.JLOptions().image_file))'],
        { env: julia.env(depot), encoding: 'utf8' }
      ).stdout
      return image
    }
    const run = (code: string, flags: string[] = [], folder = layers, hooks = 1) => {
      const result = spawnSync(
        julia.executable,
        [
          ...flags,
          `--project=${project}`,
          ...Array.from({ length: hooks }, () => ['-L', juliaScript('layer_hook')]).flat(),
          '-e',
          code
        ],
        {
          env: {
            ...julia.env(depot),
            JULIA_PKG_PRECOMPILE_AUTO: '0',
            JULIA_SYSIMAGE_LAYERS: folder
          },
          encoding: 'utf8'
        }
      )
      // precompiling the test packages may say so on stderr; the hook's lines start with its name
      const hookLines = result.stderr.split('\n').filter((l) => l.startsWith('julia-sysimage:'))
      return { ...result, hookLines }
    }

    it('a layers.txt of nonsense is ignored: Julia runs as without the hook', async () => {
      await config('trigger\tnot-a-uuid\tTrig\nworkload\nstray line\n\t\t\n')
      const r = run('using Outer; print(Outer.y)')
      assert.equal(r.status, 0, r.stderr)
      assert.equal(r.stdout, '42')
      assert.deepEqual(r.hookLines, [])
    })

    it('a missing layers.txt: one line that says so, and Julia runs on', async () => {
      await config(undefined)
      const r = run('print(1 + 1)')
      assert.equal(r.status, 0, r.stderr)
      assert.equal(r.stdout, '2')
      assert.equal(r.hookLines.length, 1, r.stderr)
      assert.match(
        r.hookLines[0],
        /package layers of this image are not in use .*layers\.txt.*rebuild the image/
      )
    })

    it('a workload package that cannot load: one line why and how to rebuild, and the program runs', async () => {
      await config(`trigger\t${uuids.Trig}\tTrig\nworkload\t${uuids.Missing}\tMissingWork\n`)
      const r = run('using Outer; print(Outer.y)')
      assert.equal(r.status, 0, r.stderr)
      assert.equal(r.stdout, '42')
      assert.equal(r.hookLines.length, 1, r.stderr)
      assert.match(
        r.hookLines[0],
        /the workload layer of this image was not loaded \(.*MissingWork.*\); rebuild the image/
      )
    })

    it('the workload package loads exactly once: trigger nested in another package, two tasks at once', async () => {
      await config(`trigger\t${uuids.Trig}\tTrig\nworkload\t${uuids.Work}\tWork\n`)
      // two tasks from 1.11 on: 1.10's loading is not safe from two threads at once (seen
      // here without the hook's part: "Error reading package image file", KeyError Outer)
      const tasks = juliaAtLeast(julia, 1, 11) ? 2 : 1
      const code = [
        `ts = [Threads.@spawn(@eval(using Outer)) for _ in 1:${tasks}]`,
        'foreach(wait, ts)',
        'print(Outer.y, " ", any(m -> nameof(m) == :Work, values(Base.loaded_modules)))'
      ].join('; ')
      const r = run(code, ['--threads=2'])
      assert.equal(r.status, 0, r.stderr)
      assert.equal(r.stdout, '42 true')
      assert.deepEqual(r.hookLines, [], r.stderr)
      assert.equal(r.stderr.split('\n').filter((l) => l === 'work loaded').length, 1, r.stderr)
    })

    it('at the top of a layer folder, a generation line: the hook loads the layers of that generation', async () => {
      // the layout of a built image: sysimage.layers/{layers.txt, build-N/}
      const top = path.join(root, 'top.layers')
      await fs.rm(top, { recursive: true, force: true })
      await config(`trigger\t${uuids.Trig}\tTrig\nworkload\t${uuids.Work}\tWork\n`)
      await fs.cp(layers, path.join(top, 'build-2'), { recursive: true })
      const runTop = async (pointer: string) => {
        await fs.writeFile(path.join(top, 'layers.txt'), pointer)
        return run(
          'using Outer; print(Outer.y, " ", any(m -> nameof(m) == :Work, values(Base.loaded_modules)), " ", any(d -> endswith(d, joinpath("build-2", "depot")), DEPOT_PATH))',
          [],
          top
        )
      }
      const used = await runTop('generation\tbuild-2\n')
      assert.equal(used.status, 0, used.stderr)
      assert.equal(used.stdout, '42 true true')
      assert.equal(used.stderr.split('\n').filter((l) => l === 'work loaded').length, 1)
      // a name that is no generation (a path out of the folder) is not followed
      const refused = await runTop('generation\t../image.layers\n')
      assert.equal(refused.status, 0, refused.stderr)
      assert.equal(refused.stdout, '42 false false')
      // a generation that is gone: one line, and Julia runs on
      const gone = await runTop('generation\tbuild-7\n')
      assert.equal(gone.status, 0, gone.stderr)
      assert.equal(gone.stdout, '42 false false')
      assert.match(gone.stderr, /julia-sysimage: the package layers of this image are not in use/)
    })

    it('loaded twice (the image and a `-L` of the hook): the layers are added once, the workload loaded once', async () => {
      await config(`trigger\t${uuids.Trig}\tTrig\nworkload\t${uuids.Work}\tWork\n`)
      const r = run(
        'using Outer; print(Outer.y, " ", count(d -> endswith(d, joinpath("image.layers", "depot")), DEPOT_PATH), " ", count(p -> p isa String && endswith(p, joinpath("image.layers", "env")), LOAD_PATH))',
        [],
        layers,
        2
      )
      assert.equal(r.status, 0, r.stderr)
      assert.equal(r.stdout, '42 1 1')
      assert.equal(r.stderr.split('\n').filter((l) => l === 'work loaded').length, 1, r.stderr)
    })

    it('layers named for another image: Julia runs alone, with no word (a command line chose its image)', async () => {
      const top = path.join(root, 'other.layers')
      await fs.rm(top, { recursive: true, force: true })
      await config(`trigger\t${uuids.Trig}\tTrig\nworkload\t${uuids.Work}\tWork\n`)
      await fs.cp(layers, path.join(top, 'build-1'), { recursive: true })
      const probe =
        'using Outer; print(Outer.y, " ", any(m -> nameof(m) == :Work, values(Base.loaded_modules)), " ", any(d -> occursin("other.layers", d), DEPOT_PATH))'
      const runWith = async (image: string) => {
        await fs.writeFile(
          path.join(top, 'layers.txt'),
          `generation\tbuild-1\nimage\t${path.relative(root, image)}\n`
        )
        return run(probe, [], top)
      }
      const mine = await runWith(await defaultImage())
      assert.equal(mine.status, 0, mine.stderr)
      assert.equal(mine.stdout, '42 true true')
      // the pointer names an image beside it (as a build writes it); Julia runs its default one
      const other = await runWith(path.join(root, 'other.so'))
      assert.equal(other.status, 0, other.stderr)
      assert.equal(other.stdout, '42 false false')
      assert.doesNotMatch(other.stderr, /julia-sysimage:/)
    })

    it('a version mix: one line naming each package the environment resolves otherwise than the image holds', async () => {
      const env = path.join(root, 'mix')
      await fs.mkdir(env, { recursive: true })
      const id = (n: number) => `8f0a6c1e-2222-4a5b-9c0d-00000000000${n}`
      await fs.writeFile(
        path.join(env, 'Project.toml'),
        `[deps]\nFoo = "${id(1)}"\nBar = "${id(2)}"\nDev = "${id(3)}"\n`
      )
      const entry = (name: string, n: number, fields: string) =>
        `[[deps.${name}]]\nuuid = "${id(n)}"\n${fields}\n`
      const held = path.join(root, 'held.txt')
      // Foo: another version; Bar: the same tree; Dev: developed at a path; Gone: not in the
      // manifest (available, never asked for)
      await fs.writeFile(
        held,
        [
          [id(1), 'Foo', '1.1.0', 'aaaa'],
          [id(2), 'Bar', '2.0.0', 'same'],
          [id(3), 'Dev', '0.1.0', 'cccc'],
          [id(4), 'Gone', '1.0.0', 'dddd']
        ]
          .map((row) => row.join('\t') + '\n')
          .join('')
      )
      const check = () => {
        const r = spawnSync(
          julia.executable,
          [
            `--project=${env}`,
            '-L',
            juliaScript('layer_hook'),
            '-e',
            'JuliaSysimageLayers.hold!(ARGS[1]); JuliaSysimageLayers.warn_version_mix(); print("ran")',
            held
          ],
          { env: julia.env(depot), encoding: 'utf8' }
        )
        assert.equal(r.status, 0, r.stderr)
        assert.equal(r.stdout, 'ran')
        return r.stderr.split('\n').filter((l) => l.startsWith('julia-sysimage:'))
      }
      await fs.writeFile(
        path.join(env, 'Manifest.toml'),
        'manifest_format = "2.0"\n\n' +
          entry('Foo', 1, 'version = "1.2.0"\ngit-tree-sha1 = "bbbb"') +
          entry('Bar', 2, 'version = "2.0.0"\ngit-tree-sha1 = "same"') +
          entry('Dev', 3, 'path = "../dev"\nversion = "0.1.0"')
      )
      const lines = check()
      assert.equal(lines.length, 1, lines.join('\n'))
      assert.match(
        lines[0],
        /^julia-sysimage: the image holds Foo 1\.1\.0 \(the environment wants 1\.2\.0\), Dev 0\.1\.0 \(the environment develops it at \.\.\/dev\) and Julia uses the image's; rebuild the image with julia-sysimage for .*Manifest\.toml, or start Julia without it/
      )
      assert.doesNotMatch(lines[0], /Bar|Gone/)
      // a manifest of the format before 1.7 (entries at the top), all as the image holds them
      await fs.writeFile(
        path.join(env, 'Manifest.toml'),
        entry('Foo', 1, 'version = "1.1.0"\ngit-tree-sha1 = "aaaa"').replace('deps.', '') +
          entry('Bar', 2, 'version = "2.1.0"\ngit-tree-sha1 = "newer"').replace('deps.', '')
      )
      const old = check()
      assert.equal(old.length, 1, old.join('\n'))
      assert.match(old[0], /holds Bar 2\.0\.0 \(the environment wants 2\.1\.0\) and/)
    })
  })
