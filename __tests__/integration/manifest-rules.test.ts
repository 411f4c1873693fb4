import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import { promises as fs } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { after, before, describe, it } from 'node:test'
import { parseJuliaVersion } from '../../src/julia/version.js'
import { findManifest } from '../../src/stages/project/project.js'
import { modernJulias, newDepot } from '../helpers/test-julia.js'

/**
 * The manifest the tool keys and builds with must be the one Julia itself reads for the
 * project: `findManifest` (src/stages/project/manifest-choice.ts, rules written from
 * base/loading.jl per version) against what the real Julia answers, on layouts where the
 * versions differ — workspaces (1.12), versioned manifest names (1.10.8, 1.11), `JuliaManifest`
 * over `Manifest`, an explicit `manifest = …` entry. Seconds per Julia, no image build.
 */
for (const julia of modernJulias())
  describe(`the manifest Julia reads for a project (${julia.label})`, { skip: julia.skip }, () => {
    let root: string
    let depot: string
    const version = () => parseJuliaVersion(julia.version ?? '0.0.0')

    /** The manifest path Julia uses for the project in `dir` (empty when none). */
    const juliaManifest = (dir: string) => {
      const run = spawnSync(
        julia.executable,
        [
          '--startup-file=no',
          `--project=${dir}`,
          '-e',
          'm = Base.project_file_manifest_path(Base.active_project()); print(m === nothing ? "" : m)'
        ],
        { encoding: 'utf8', env: julia.env(depot) }
      )
      assert.equal(run.status, 0, run.stderr)
      return run.stdout
    }
    const write = async (file: string, text: string) => {
      await fs.mkdir(path.dirname(path.join(root, file)), { recursive: true })
      await fs.writeFile(path.join(root, file), text)
    }
    const agree = async (projectDir: string) => {
      const dir = path.join(root, projectDir)
      const ours = await findManifest({ projectFile: path.join(dir, 'Project.toml') }, version())
      assert.equal(ours ?? '', juliaManifest(dir), `the tool and Julia disagree for ${projectDir}`)
      return ours
    }

    before(async () => {
      root = await fs.mkdtemp(path.join(os.tmpdir(), 'jsi-manifests-'))
      depot = newDepot()
      const manifest = '# This file is machine-generated\n\n[[deps]]\n'
      // a workspace: its root lists `member`; `member/deeper` is listed by `member` only
      await write('ws/Project.toml', '[workspace]\nprojects = ["member"]\n')
      await write('ws/Manifest.toml', manifest)
      await write('ws/member/Project.toml', '[workspace]\nprojects = ["deeper"]\n')
      await write('ws/member/Manifest.toml', manifest)
      await write('ws/member/deeper/Project.toml', '')
      // a folder that is not a workspace root: a project below it keeps its own manifest
      await write('plain/Project.toml', '')
      await write('plain/sub/Project.toml', '')
      await write('plain/sub/Manifest.toml', manifest)
      // several names beside one project
      const xy = `${version().major}.${version().minor}`
      await write('names/Project.toml', '')
      await write('names/Manifest.toml', manifest)
      await write('names/JuliaManifest.toml', manifest)
      await write(`names/Manifest-v${xy}.toml`, manifest)
      // an explicit entry, and one naming a file that does not exist
      await write('explicit/Project.toml', 'manifest = "custom.toml"\n')
      await write('explicit/custom.toml', manifest)
      await write('explicit/Manifest.toml', manifest)
      await write('missing/Project.toml', 'manifest = "nowhere.toml"\n')
      await write('missing/Manifest.toml', manifest)
    })
    after(async () => {
      await fs.rm(root, { recursive: true, force: true })
      await fs.rm(depot, { recursive: true, force: true })
    })

    it('a workspace member reads its root’s manifest from 1.12 on, its own before', async () => {
      const chosen = await agree('ws/member')
      const expected = version().minor >= 12 ? 'ws/Manifest.toml' : 'ws/member/Manifest.toml'
      assert.equal(chosen, path.join(root, expected))
    })

    it('a member of a member ends at the outermost root it reaches', async () => {
      await agree('ws/member/deeper')
    })

    it('a project below a folder that is no workspace root keeps its own manifest', async () => {
      assert.equal(await agree('plain/sub'), path.join(root, 'plain/sub/Manifest.toml'))
    })

    it('the versioned name wins where the Julia knows it, then JuliaManifest over Manifest', async () => {
      await agree('names')
    })

    it('an explicit manifest entry, and one naming a missing file', async () => {
      assert.equal(await agree('explicit'), path.join(root, 'explicit/custom.toml'))
      await agree('missing')
    })
  })
