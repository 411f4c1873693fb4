"""
A small column table: named columns of any element type, row views, filtering, sorting,
grouping, joins and column transforms.

Columns are stored as `AbstractVector`s of their own element types and every operation crosses a
function barrier into code specialized on that element type, which is what a real table package
does and what makes a workload over it compile many methods.
"""
module Columns

export Table, Row, nrow, ncol, columnnames, column, hascolumn, addcolumn!, select, rename,
    filter_rows, filter_column, sortby, groupby, Grouped, groupkeys, group_rows, combine,
    transform, innerjoin, leftjoin, vcat_tables, head, tail, distinct, narrow, rows, eachcolumn,
    fillmissing, dropmissing_rows, columntypes

struct Table
    names::Vector{Symbol}
    columns::Vector{AbstractVector}
    index::Dict{Symbol,Int}
    function Table(names::Vector{Symbol}, columns::Vector{AbstractVector})
        length(names) == length(columns) ||
            throw(ArgumentError("$(length(names)) names for $(length(columns)) columns"))
        index = Dict{Symbol,Int}()
        for (i, name) in enumerate(names)
            haskey(index, name) && throw(ArgumentError("duplicate column name $name"))
            index[name] = i
        end
        if !isempty(columns)
            n = length(columns[1])
            for (name, col) in zip(names, columns)
                length(col) == n ||
                    throw(DimensionMismatch("column $name has $(length(col)) rows, expected $n"))
            end
        end
        return new(names, columns, index)
    end
end

Table() = Table(Symbol[], AbstractVector[])

function Table(pairs::Pair{Symbol,<:AbstractVector}...)
    return Table(Symbol[first(p) for p in pairs], AbstractVector[last(p) for p in pairs])
end

nrow(t::Table) = isempty(t.columns) ? 0 : length(t.columns[1])
ncol(t::Table) = length(t.columns)
columnnames(t::Table) = copy(t.names)
hascolumn(t::Table, name::Symbol) = haskey(t.index, name)
columntypes(t::Table) = Type[eltype(c) for c in t.columns]

function column(t::Table, name::Symbol)
    i = get(t.index, name, 0)
    i == 0 && throw(KeyError(name))
    return t.columns[i]
end

Base.getindex(t::Table, name::Symbol) = column(t, name)
Base.getindex(t::Table, i::Integer, name::Symbol) = column(t, name)[i]
Base.getindex(t::Table, rows::AbstractVector{<:Integer}) = take_rows(t, rows)
Base.getindex(t::Table, mask::AbstractVector{Bool}) = take_rows(t, findall(mask))
Base.size(t::Table) = (nrow(t), ncol(t))
Base.isempty(t::Table) = nrow(t) == 0

take_rows(t::Table, rows) = Table(copy(t.names), AbstractVector[col[rows] for col in t.columns])

"Adds (or replaces) a column in place."
function addcolumn!(t::Table, name::Symbol, values::AbstractVector)
    if !isempty(t.columns) && length(values) != nrow(t)
        throw(DimensionMismatch("column $name has $(length(values)) rows, table has $(nrow(t))"))
    end
    i = get(t.index, name, 0)
    if i == 0
        push!(t.names, name)
        push!(t.columns, values)
        t.index[name] = length(t.names)
    else
        t.columns[i] = values
    end
    return t
end

select(t::Table, names::Symbol...) = Table(collect(names), AbstractVector[column(t, n) for n in names])

function rename(t::Table, pairs::Pair{Symbol,Symbol}...)
    mapping = Dict(pairs)
    return Table(Symbol[get(mapping, n, n) for n in t.names], copy(t.columns))
end

eachcolumn(t::Table) = zip(t.names, t.columns)

# ---------------------------------------------------------------------------------------------
# rows

struct Row
    table::Table
    i::Int
end

Base.getproperty(r::Row, name::Symbol) = column(getfield(r, :table), name)[getfield(r, :i)]
Base.getindex(r::Row, name::Symbol) = getproperty(r, name)
Base.propertynames(r::Row) = Tuple(getfield(r, :table).names)
rowindex(r::Row) = getfield(r, :i)

function Base.show(io::IO, r::Row)
    t = getfield(r, :table)
    print(io, "Row(")
    for (k, name) in enumerate(t.names)
        k > 1 && print(io, ", ")
        print(io, name, " = ")
        show(io, column(t, name)[getfield(r, :i)])
    end
    print(io, ")")
end

struct Rows
    table::Table
end

rows(t::Table) = Rows(t)
Base.length(r::Rows) = nrow(r.table)
Base.eltype(::Type{Rows}) = Row
function Base.iterate(r::Rows, i::Int = 1)
    return i > nrow(r.table) ? nothing : (Row(r.table, i), i + 1)
end

# ---------------------------------------------------------------------------------------------
# filtering

"Rows for which `pred(row)` holds."
function filter_rows(pred, t::Table)
    keep = Int[]
    for row in rows(t)
        pred(row) === true && push!(keep, rowindex(row))
    end
    return take_rows(t, keep)
end

"Rows whose value in column `name` satisfies `pred` (specialized on the column's type)."
filter_column(pred, t::Table, name::Symbol) = take_rows(t, _matching(pred, column(t, name)))

function _matching(pred, col::AbstractVector{T}) where {T}
    keep = Int[]
    for (i, x) in enumerate(col)
        pred(x) === true && push!(keep, i)
    end
    return keep
end

"Rows with no missing value in the given columns (all columns when none are given)."
function dropmissing_rows(t::Table, names::Symbol...)
    cols = isempty(names) ? t.columns : AbstractVector[column(t, n) for n in names]
    keep = trues(nrow(t))
    for col in cols
        _mark_missing!(keep, col)
    end
    return take_rows(t, findall(keep))
end

function _mark_missing!(keep::BitVector, col::AbstractVector{T}) where {T}
    Missing <: T || return keep
    for (i, x) in enumerate(col)
        ismissing(x) && (keep[i] = false)
    end
    return keep
end

"A copy of the table with missing values of column `name` replaced by `value`."
function fillmissing(t::Table, name::Symbol, value)
    out = Table(copy(t.names), copy(t.columns))
    addcolumn!(out, name, _fill(column(t, name), value))
    return out
end

function _fill(col::AbstractVector{T}, value) where {T}
    S = nonmissingtype(T)
    out = Vector{promote_type(S, typeof(value))}(undef, length(col))
    for (i, x) in enumerate(col)
        out[i] = ismissing(x) ? value : x
    end
    return out
end

# ---------------------------------------------------------------------------------------------
# sorting

function _row_isless(cols::Vector{AbstractVector}, revs::Vector{Bool}, a::Int, b::Int)
    for (col, rev) in zip(cols, revs)
        c = _compare(col, a, b)
        c == 0 && continue
        return rev ? c > 0 : c < 0
    end
    return false
end

function _compare(col::AbstractVector{T}, a::Int, b::Int) where {T}
    x, y = col[a], col[b]
    return isless(x, y) ? -1 : isless(y, x) ? 1 : 0
end

"""
    sortby(t, :a, :b; rev = false)

Sorted by the columns in order; `rev` is one Bool for all columns or a vector with one per
column. Missing values sort last. The sort is stable.
"""
function sortby(t::Table, names::Symbol...; rev = false)
    isempty(names) && return t
    revs = rev isa Bool ? fill(rev, length(names)) : collect(Bool, rev)
    cols = AbstractVector[column(t, n) for n in names]
    order = sort!(collect(1:nrow(t)); alg = MergeSort, lt = (a, b) -> _row_isless(cols, revs, a, b))
    return take_rows(t, order)
end

# ---------------------------------------------------------------------------------------------
# grouping

"Rows of a table grouped by the values of key columns."
struct Grouped{K}
    table::Table
    keys::Vector{Symbol}
    groups::Dict{K,Vector{Int}}
    order::Vector{K}
end

groupkeys(g::Grouped) = g.order
group_rows(g::Grouped, key) = take_rows(g.table, g.groups[key])
Base.length(g::Grouped) = length(g.order)

"Groups by one column (keys are its values) or several (keys are tuples), in order of appearance."
function groupby(t::Table, name::Symbol)
    groups, order = _group_single(column(t, name))
    return Grouped(t, [name], groups, order)
end

function groupby(t::Table, names::Symbol...)
    length(names) == 1 && return groupby(t, names[1])
    cols = [column(t, n) for n in names]
    groups = Dict{Tuple,Vector{Int}}()
    order = Tuple[]
    for i in 1:nrow(t)
        key = Tuple(col[i] for col in cols)
        list = get!(groups, key) do
            push!(order, key)
            Int[]
        end
        push!(list, i)
    end
    return Grouped(t, collect(names), groups, order)
end

function _group_single(col::AbstractVector{T}) where {T}
    groups = Dict{T,Vector{Int}}()
    order = T[]
    for (i, x) in enumerate(col)
        list = get!(groups, x) do
            push!(order, x)
            Int[]
        end
        push!(list, i)
    end
    return groups, order
end

"""
    combine(g, :price => sum => :total, :units => length => :count)

One row per group: the key columns, then one column per `source => function => name`, the
function applied to the group's values of the source column.
"""
function combine(g::Grouped{K}, specs::Pair{Symbol,<:Pair}...) where {K}
    out = Table()
    for (k, name) in enumerate(g.keys)
        addcolumn!(out, name, narrow([_keypart(key, k, length(g.keys)) for key in g.order]))
    end
    for spec in specs
        source, (f, target) = first(spec), last(spec)
        col = column(g.table, source)
        addcolumn!(out, target, narrow(_apply_groups(f, col, g.groups, g.order)))
    end
    return out
end

_keypart(key, k::Int, n::Int) = n == 1 ? key : key[k]

function _apply_groups(f, col::AbstractVector{T}, groups::Dict, order::Vector) where {T}
    out = Vector{Any}(undef, length(order))
    for (j, key) in enumerate(order)
        out[j] = f(view(col, groups[key]))
    end
    return out
end

# ---------------------------------------------------------------------------------------------
# transforms

"Adds column `target` computed by `f` from the values of the `sources` columns, row by row."
function transform(t::Table, f, target::Symbol, sources::Symbol...)
    out = Table(copy(t.names), copy(t.columns))
    cols = [column(t, s) for s in sources]
    values = length(cols) == 1 ? map(f, cols[1]) : map(f, cols...)
    addcolumn!(out, target, narrow(values))
    return out
end

"""
The narrowest concrete element type for a vector built without one (e.g. `Vector{Any}`):
`Int`, `Float64`, `String`, … or `Union{Missing,T}` when some values are missing.
"""
function narrow(v::AbstractVector)
    isempty(v) && return v
    T = mapreduce(typeof, promote_nonmissing, v)
    T === eltype(v) && return v
    out = Vector{T}(undef, length(v))
    copyto!(out, v)
    return out
end

function promote_nonmissing(a::Type, b::Type)
    a === b && return a
    a === Missing && return Union{Missing,b}
    b === Missing && return Union{Missing,a}
    if a isa Union && Missing <: a
        return Union{Missing,promote_nonmissing(nonmissingtype(a), b)}
    end
    if b isa Union && Missing <: b
        return Union{Missing,promote_nonmissing(a, nonmissingtype(b))}
    end
    if a <: Number && b <: Number
        return promote_type(a, b)
    end
    return Any
end

# ---------------------------------------------------------------------------------------------
# joins

"""
    innerjoin(left, right, :key)

Rows of `left` paired with every row of `right` whose `key` is equal; the right table's other
columns are added (renamed with a `_right` suffix when the name is taken).
"""
function innerjoin(left::Table, right::Table, on::Symbol)
    lrows, rrows = _join_pairs(column(left, on), column(right, on), false)
    return _joined(left, right, on, lrows, rrows)
end

"Like `innerjoin`, but every left row is kept; right columns are missing where nothing matched."
function leftjoin(left::Table, right::Table, on::Symbol)
    lrows, rrows = _join_pairs(column(left, on), column(right, on), true)
    return _joined(left, right, on, lrows, rrows)
end

function _join_pairs(lcol::AbstractVector{A}, rcol::AbstractVector{B}, keep_left::Bool) where {A,B}
    index = Dict{B,Vector{Int}}()
    for (j, x) in enumerate(rcol)
        push!(get!(() -> Int[], index, x), j)
    end
    lrows = Int[]
    rrows = Union{Int,Nothing}[]
    for (i, x) in enumerate(lcol)
        matches = get(index, x, nothing)
        if matches === nothing
            if keep_left
                push!(lrows, i)
                push!(rrows, nothing)
            end
        else
            for j in matches
                push!(lrows, i)
                push!(rrows, j)
            end
        end
    end
    return lrows, rrows
end

function _joined(left::Table, right::Table, on::Symbol, lrows::Vector{Int}, rrows::Vector)
    out = take_rows(left, lrows)
    for (name, col) in eachcolumn(right)
        name === on && continue
        target = hascolumn(out, name) ? Symbol(name, "_right") : name
        addcolumn!(out, target, _gather(col, rrows))
    end
    return out
end

function _gather(col::AbstractVector{T}, rows::Vector) where {T}
    if all(r -> r !== nothing, rows)
        return col[Int[r for r in rows]]
    end
    out = Vector{Union{Missing,T}}(undef, length(rows))
    for (k, r) in enumerate(rows)
        out[k] = r === nothing ? missing : col[r]
    end
    return out
end

# ---------------------------------------------------------------------------------------------
# whole tables

"Stacks tables with the same column names; element types are widened where they differ."
function vcat_tables(tables::Table...)
    isempty(tables) && return Table()
    names = columnnames(tables[1])
    for t in tables
        Set(columnnames(t)) == Set(names) || throw(ArgumentError("tables have different columns"))
    end
    cols = AbstractVector[narrow(vcat(Any[], (column(t, n) for t in tables)...)) for n in names]
    return Table(names, cols)
end

head(t::Table, n::Integer = 5) = take_rows(t, 1:min(n, nrow(t)))
tail(t::Table, n::Integer = 5) = take_rows(t, max(1, nrow(t) - n + 1):nrow(t))

"Distinct values of a column in order of appearance."
distinct(t::Table, name::Symbol) = _distinct(column(t, name))

function _distinct(col::AbstractVector{T}) where {T}
    seen = Set{T}()
    out = T[]
    for x in col
        x in seen && continue
        push!(seen, x)
        push!(out, x)
    end
    return out
end

function Base.show(io::IO, t::Table)
    print(io, "Table(", nrow(t), " rows: ")
    join(io, ("$n::$(eltype(c))" for (n, c) in eachcolumn(t)), ", ")
    print(io, ")")
end

end # module
