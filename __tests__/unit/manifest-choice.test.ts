import assert from 'node:assert/strict'
import path from 'node:path'
import { describe, it } from 'node:test'
import { parseJuliaVersion } from '../../src/julia/version.js'
import {
  chooseManifest,
  manifestNames,
  workspaceRoot,
  type ManifestView
} from '../../src/stages/project/manifest-choice.js'

const v = parseJuliaVersion

/** A file system of TOML files given as text ('' for an empty file). */
function view(
  files: Record<string, Record<string, unknown> | string>,
  home = '/home/u'
): ManifestView {
  const abs = new Map(Object.entries(files).map(([p, c]) => [path.resolve(p), c]))
  return {
    isFile: (f) => abs.has(path.resolve(f)),
    isDir: (d) => [...abs.keys()].some((f) => f.startsWith(path.resolve(d) + path.sep)),
    readToml: (f) => {
      const content = abs.get(path.resolve(f))
      return content === undefined ? undefined : typeof content === 'string' ? {} : content
    },
    home
  }
}

describe('manifestNames', () => {
  it('is the two plain names up to Julia 1.10.7', () => {
    for (const version of ['1.5.3', '1.6.7', '1.9.4', '1.10.7']) {
      assert.deepEqual(manifestNames(v(version)), ['JuliaManifest.toml', 'Manifest.toml'])
    }
  })
  it('puts the versioned names of the running X.Y first from 1.10.8 and 1.11', () => {
    assert.deepEqual(manifestNames(v('1.10.8')), [
      'JuliaManifest-v1.10.toml',
      'Manifest-v1.10.toml',
      'JuliaManifest.toml',
      'Manifest.toml'
    ])
    assert.equal(manifestNames(v('1.11.0'))[1], 'Manifest-v1.11.toml')
    assert.equal(manifestNames(v('1.13.0-DEV.12'))[0], 'JuliaManifest-v1.13.toml')
  })
})

describe('chooseManifest', () => {
  const all = {
    '/p/Project.toml': '',
    '/p/Manifest.toml': '',
    '/p/JuliaManifest.toml': '',
    '/p/Manifest-v1.11.toml': '',
    '/p/JuliaManifest-v1.11.toml': '',
    '/p/Manifest-v1.12.toml': ''
  }
  it('follows each precedence step, one name removed at a time', () => {
    const order = [
      '/p/JuliaManifest-v1.11.toml',
      '/p/Manifest-v1.11.toml',
      '/p/JuliaManifest.toml',
      '/p/Manifest.toml'
    ]
    const files: Record<string, string> = { ...all }
    for (const expected of order) {
      assert.equal(chooseManifest(v('1.11.2'), '/p/Project.toml', view(files)), expected)
      delete files[expected]
    }
    assert.equal(chooseManifest(v('1.11.2'), '/p/Project.toml', view(files)), undefined)
  })
  it('never reads versioned names on Julia 1.5, nor another version’s', () => {
    assert.equal(chooseManifest(v('1.5.3'), '/p/Project.toml', view(all)), '/p/JuliaManifest.toml')
    const onlyVersioned = { '/p/Project.toml': '', '/p/Manifest-v1.11.toml': '' }
    assert.equal(chooseManifest(v('1.5.3'), '/p/Project.toml', view(onlyVersioned)), undefined)
    assert.equal(chooseManifest(v('1.12.1'), '/p/Project.toml', view(onlyVersioned)), undefined)
  })
  it('takes a manifest entry of the project file first', () => {
    const files = { ...all, '/p/Project.toml': { manifest: 'envs/ci.toml' }, '/p/envs/ci.toml': '' }
    assert.equal(chooseManifest(v('1.5.3'), '/p/Project.toml', view(files)), '/p/envs/ci.toml')
    assert.equal(chooseManifest(v('1.11.2'), '/p/Project.toml', view(files)), '/p/envs/ci.toml')
  })
  it('falls back to the names for a missing manifest entry from 1.6; 1.5 then has none', () => {
    const files = { '/p/Project.toml': { manifest: 'gone.toml' }, '/p/Manifest.toml': '' }
    assert.equal(chooseManifest(v('1.5.3'), '/p/Project.toml', view(files)), undefined)
    assert.equal(chooseManifest(v('1.10.4'), '/p/Project.toml', view(files)), '/p/Manifest.toml')
  })
})

describe('workspace members (Julia ≥ 1.12)', () => {
  const files = {
    '/w/Project.toml': { workspace: { projects: ['app', 'test'] } },
    '/w/Manifest.toml': '',
    '/w/app/Project.toml': { name: 'App' },
    '/w/app/Manifest.toml': '',
    '/w/other/Project.toml': ''
  }
  it('use the workspace root’s manifest from 1.12', () => {
    assert.equal(workspaceRoot(v('1.12.0'), '/w/app/Project.toml', view(files)), '/w/Project.toml')
    assert.equal(
      chooseManifest(v('1.12.0'), '/w/app/Project.toml', view(files)),
      '/w/Manifest.toml'
    )
    assert.equal(
      chooseManifest(v('1.13.0'), '/w/app/Project.toml', view(files)),
      '/w/Manifest.toml'
    )
  })
  it('before 1.12 a member reads its own manifest', () => {
    assert.equal(
      chooseManifest(v('1.11.5'), '/w/app/Project.toml', view(files)),
      '/w/app/Manifest.toml'
    )
  })
  it('a project the root does not list is not a member', () => {
    assert.equal(chooseManifest(v('1.12.0'), '/w/other/Project.toml', view(files)), undefined)
  })
  it('the root’s versioned manifest wins there too', () => {
    const versioned = { ...files, '/w/Manifest-v1.12.toml': '' }
    assert.equal(
      chooseManifest(v('1.12.0'), '/w/app/Project.toml', view(versioned)),
      '/w/Manifest-v1.12.toml'
    )
  })
  it('a member two levels down is found from 1.13 only (1.12 asks the parent folder)', () => {
    const nested = {
      '/w/Project.toml': { workspace: { projects: ['libs/core'] } },
      '/w/Manifest.toml': '',
      '/w/libs/core/Project.toml': ''
    }
    assert.equal(chooseManifest(v('1.12.0'), '/w/libs/core/Project.toml', view(nested)), undefined)
    assert.equal(
      chooseManifest(v('1.13.0'), '/w/libs/core/Project.toml', view(nested)),
      '/w/Manifest.toml'
    )
  })
  it('stops at the home folder when the project is inside it (1.13)', () => {
    const outside = {
      '/home/Project.toml': { workspace: { projects: ['u/app'] } },
      '/home/Manifest.toml': '',
      '/home/u/app/Project.toml': ''
    }
    assert.equal(chooseManifest(v('1.13.0'), '/home/u/app/Project.toml', view(outside)), undefined)
  })
})
