import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import {
  filterStatements,
  isMainBound,
  isWellFormed,
  normalizeStatement
} from '../../src/stages/trace/statements.js'

describe('normalizeStatement', () => {
  it('drops blank lines and comments', () => {
    assert.equal(normalizeStatement('   '), null)
    assert.equal(normalizeStatement('# a note'), null)
  })
  it("strips Julia 1.12's timing prefix and recompile suffix", () => {
    assert.equal(
      normalizeStatement(
        '#=   12.3 ms =# precompile(Tuple{typeof(Base.sum), Vector{Int64}}) # recompile'
      ),
      'precompile(Tuple{typeof(Base.sum), Vector{Int64}})'
    )
  })
  it('keeps # inside closure names', () => {
    const line = 'precompile(Tuple{Hello.var"#3#4", Int64})'
    assert.equal(normalizeStatement(line), line)
  })
})

describe('isWellFormed', () => {
  it('accepts real trace output', () => {
    assert.ok(
      isWellFormed(
        'precompile(Tuple{Type{Base.Generator{I, F} where F where I}, Main.var"#1#2", Array{Int64, 1}})'
      )
    )
    assert.ok(isWellFormed('precompile(Tuple{typeof(Base.:(>)), Int32, Int64})'))
    assert.ok(
      isWellFormed(
        'precompile(Tuple{Printf.var"#@printf", LineNumberNode, Module, Vararg{Any, N} where N})'
      )
    )
  })
  it('rejects truncated, unbalanced and foreign lines', () => {
    assert.ok(!isWellFormed('precompile(Tuple{typeof(Geometry.area)'))
    assert.ok(!isWellFormed('precompile(Tuple{typeof(f)}, Int})'))
    assert.ok(!isWellFormed('this is not a statement'))
    assert.ok(!isWellFormed('precompile(Tuple{}) ; run(`rm -rf /`)'))
    assert.ok(!isWellFormed('precompile(Tuple{Val{"unterminated}})'))
  })
  it('closes the outer call only at the end', () => {
    assert.ok(!isWellFormed('precompile(Tuple{}) + precompile(Tuple{})'))
  })
})

describe('isMainBound', () => {
  it("detects the workload's own definitions", () => {
    assert.ok(isMainBound('precompile(Tuple{typeof(Main.helper), Int64})'))
    assert.ok(
      isMainBound(
        'precompile(Tuple{Type{Base.Generator{I, F} where F where I}, Main.var"#1#2", Array{Int64, 1}})'
      )
    )
  })
  it('does not match modules whose names end in Main', () => {
    assert.ok(!isMainBound('precompile(Tuple{typeof(MyMain.f), Int64})'))
    assert.ok(!isMainBound('precompile(Tuple{typeof(Hello.report), Hello.Inventory})'))
  })
})

describe('filterStatements', () => {
  it('merges sources, removes duplicates and counts each kind', () => {
    const trace = [
      'precompile(Tuple{typeof(Hello.report), Hello.Inventory})',
      'precompile(Tuple{typeof(Main.helper), Int64})',
      'precompile(Tuple{typeof(Base.println), Array{Int64, 1}})',
      ''
    ].join('\n')
    const extra = [
      '# kept by hand',
      'precompile(Tuple{typeof(Hello.report), Hello.Inventory})',
      'garbage',
      'precompile(Tuple{typeof(Hello.total_value), Hello.Inventory})'
    ].join('\r\n')
    const { statements, counts } = filterStatements([trace, extra])
    assert.deepEqual(statements, [
      'precompile(Tuple{typeof(Hello.report), Hello.Inventory})',
      'precompile(Tuple{typeof(Base.println), Array{Int64, 1}})',
      'precompile(Tuple{typeof(Hello.total_value), Hello.Inventory})'
    ])
    assert.deepEqual(counts, { read: 6, unique: 3, main: 1, malformed: 1 })
  })
  it('handles no input', () => {
    assert.deepEqual(filterStatements([]), {
      statements: [],
      counts: { read: 0, unique: 0, main: 0, malformed: 0 }
    })
  })
})
