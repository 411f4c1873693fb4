import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import {
  allStreamForms,
  maxVariantsPerStatement,
  streamPositions,
  streamVariants,
  variantsOf
} from '../../src/stages/trace/stream-variants.js'

// statements as Julia 1.5.3's --trace-compile printed them with stdout a file (issue 13)
const printToFile = 'precompile(Tuple{typeof(Base.print), Base.IOStream, Array{Int64, 1}})'
const printlnVararg =
  'precompile(Tuple{typeof(Base.println), Base.IOStream, Int64, Vararg{Any, N} where N})'
const terminal =
  'precompile(Tuple{Type{REPL.Terminals.TTYTerminal}, String, Base.IOStream, Base.IOStream, Base.IOStream})'
const wrapped =
  'precompile(Tuple{typeof(Hello.report), Base.IOContext{Base.PipeEndpoint}, Hello.Inventory})'

describe('streamPositions', () => {
  it('finds bare and IOContext-wrapped stream types, qualified or not', () => {
    const s =
      'precompile(Tuple{typeof(f), Base.TTY, IOContext{Base.IOStream}, PipeEndpoint, Base.DevNull})'
    const found = streamPositions(s).map((p) => s.slice(p.start, p.end))
    assert.deepEqual(found, [
      'Base.TTY',
      'IOContext{Base.IOStream}',
      'PipeEndpoint',
      'Base.DevNull'
    ])
  })
  it('ignores longer names, other modules’ types, IOContexts of other streams and string literals', () => {
    for (const s of [
      'precompile(Tuple{Type{REPL.Terminals.TTYTerminal}, String})',
      'precompile(Tuple{typeof(f), MyPkg.TTY, Base.TTYish, Base.IOStreamer})',
      'precompile(Tuple{typeof(f), Base.IOContext{Base.GenericIOBuffer{Array{UInt8, 1}}}})',
      'precompile(Tuple{typeof(Main.var"Base.TTY"), Symbol("Base.IOStream")})'
    ]) {
      assert.deepEqual(streamPositions(s), [], s)
    }
  })
})

describe('variantsOf', () => {
  it('one stream position: each of the 7 other forms, the rest of the text unchanged', () => {
    const variants = variantsOf(printToFile)
    assert.equal(variants.length, allStreamForms.length - 1)
    assert.ok(!variants.includes(printToFile))
    for (const form of allStreamForms.filter((f) => f !== 'Base.IOStream')) {
      assert.ok(
        variants.includes(`precompile(Tuple{typeof(Base.print), ${form}, Array{Int64, 1}})`),
        form
      )
    }
  })
  it('keeps Vararg and where clauses intact', () => {
    for (const v of variantsOf(printlnVararg)) {
      assert.match(
        v,
        /^precompile\(Tuple\{typeof\(Base\.println\), [^,]+, Int64, Vararg\{Any, N\} where N\}\)$/
      )
    }
    const whereOuter = 'precompile(Tuple{typeof(Base.write), Base.TTY, T} where T<:Integer)'
    assert.ok(
      variantsOf(whereOuter).includes(
        'precompile(Tuple{typeof(Base.write), Base.IOStream, T} where T<:Integer)'
      )
    )
  })
  it('an IOContext-wrapped stream (Julia 1.10 with --color=no) gets the bare forms too', () => {
    const variants = variantsOf(wrapped)
    assert.ok(
      variants.includes(
        'precompile(Tuple{typeof(Hello.report), Base.PipeEndpoint, Hello.Inventory})'
      )
    )
    assert.ok(
      variants.includes(
        'precompile(Tuple{typeof(Hello.report), Base.IOContext{Base.TTY}, Hello.Inventory})'
      )
    )
    assert.equal(variants.length, 7)
  })
  it('two positions vary independently (stdout a file, stderr a terminal)', () => {
    const s = 'precompile(Tuple{typeof(f), Base.PipeEndpoint, Base.PipeEndpoint})'
    const variants = variantsOf(s)
    assert.equal(variants.length, 8 * 8 - 1)
    assert.ok(variants.includes('precompile(Tuple{typeof(f), Base.IOStream, Base.TTY})'))
  })
  it('the terminal constructor (stdin, stdout, stderr): every mix of the bare types, no more than the cap', () => {
    const variants = variantsOf(terminal)
    assert.equal(variants.length, 4 ** 3 - 1)
    assert.ok(variants.length <= maxVariantsPerStatement)
    assert.ok(
      variants.includes(
        'precompile(Tuple{Type{REPL.Terminals.TTYTerminal}, String, Base.TTY, Base.IOStream, Base.TTY})'
      )
    )
    assert.ok(variants.every((v) => !v.includes('IOContext')))
  })
  it('four or more positions: one form everywhere', () => {
    const s = 'precompile(Tuple{typeof(f), Base.TTY, Base.TTY, Base.TTY, Base.TTY})'
    const variants = variantsOf(s)
    assert.equal(variants.length, 7)
    assert.ok(
      variants.includes(
        'precompile(Tuple{typeof(f), Base.IOStream, Base.IOStream, Base.IOStream, Base.IOStream})'
      )
    )
  })
  it('a statement naming no stream type has none', () => {
    assert.deepEqual(variantsOf('precompile(Tuple{typeof(Base.sum), Array{Int64, 1}})'), [])
  })
})

describe('streamVariants', () => {
  it('adds no statement already traced and none twice', () => {
    const pipe = 'precompile(Tuple{typeof(Base.print), Base.PipeEndpoint, Array{Int64, 1}})'
    const traced = [printToFile, pipe, 'precompile(Tuple{typeof(Base.sum), Array{Int64, 1}})']
    const added = streamVariants(traced)
    // the two stream statements are variants of each other: together they give the 8 forms
    assert.equal(added.length, 6)
    assert.equal(new Set(added).size, added.length)
    for (const s of traced) assert.ok(!added.includes(s))
  })
  it('nothing for statements that mention no stream', () => {
    assert.deepEqual(streamVariants(['precompile(Tuple{typeof(Base.sum), Array{Int64, 1}})']), [])
  })
})
