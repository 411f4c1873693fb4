"""
Reports from tables: cells formatted by type (thousands separators, fixed decimals, dates,
missing as a dash), tables rendered as Markdown or aligned plain text, pivot tables, text bar
charts and histograms, and a report that strings sections together.
"""
module Tabulate

using Columns
using Dates
using Printf
using Summaries

export fmt, thousands, format_percent, format_bytes, format_duration, render, render_markdown,
    render_plain, pivot, bar_chart, histogram_chart, Report, section!, paragraph!, table!,
    chart!, write_report, summary_report, leaderboard

# ---------------------------------------------------------------------------------------------
# cells

"Integer part with thousands separators: 1234567 → \"1,234,567\"."
function thousands(n::Integer; sep::Char = ',')
    s = string(abs(n))
    groups = String[]
    while length(s) > 3
        pushfirst!(groups, s[end-2:end])
        s = s[1:end-3]
    end
    pushfirst!(groups, s)
    return (n < 0 ? "-" : "") * join(groups, sep)
end

fmt(x::Missing; kwargs...) = "—"
fmt(x::Nothing; kwargs...) = ""
fmt(x::Bool; kwargs...) = x ? "yes" : "no"
fmt(x::Integer; kwargs...) = thousands(x)
fmt(x::AbstractString; width::Int = 40, kwargs...) = length(x) <= width ? String(x) : first(x, width - 1) * "…"
fmt(x::Symbol; kwargs...) = string(x)
fmt(x::Date; kwargs...) = Dates.format(x, dateformat"yyyy-mm-dd")
fmt(x::DateTime; kwargs...) = Dates.format(x, dateformat"yyyy-mm-dd HH:MM")
fmt(x::Type; kwargs...) = string(x)
fmt(x; kwargs...) = string(x)

function fmt(x::AbstractFloat; digits::Int = 2, kwargs...)
    isnan(x) && return "NaN"
    isinf(x) && return x > 0 ? "∞" : "-∞"
    r = round(x; digits = digits)
    whole = trunc(Int, r)
    frac = abs(r - whole)
    s = thousands(whole)
    if r < 0 && whole == 0
        s = "-" * s
    end
    digits == 0 && return s
    decimals = lpad(string(round(Int, frac * 10^digits)), digits, '0')
    return s * "." * decimals
end

format_percent(x::Real; digits::Int = 1) = fmt(100 * Float64(x); digits = digits) * " %"
format_percent(::Missing; kwargs...) = "—"

function format_bytes(n::Integer)
    units = ("B", "KB", "MB", "GB", "TB")
    value = Float64(n)
    k = 1
    while value >= 1024 && k < length(units)
        value /= 1024
        k += 1
    end
    return k == 1 ? "$(n) B" : @sprintf("%.1f %s", value, units[k])
end

function format_duration(seconds::Real)
    seconds < 1 && return @sprintf("%.0f ms", 1000 * seconds)
    seconds < 60 && return @sprintf("%.1f s", seconds)
    m, s = divrem(round(Int, seconds), 60)
    m < 60 && return @sprintf("%d min %02d s", m, s)
    h, m = divrem(m, 60)
    return @sprintf("%d h %02d min", h, m)
end

_right_aligned(::Type{T}) where {T} = nonmissingtype(T) <: Number && !(nonmissingtype(T) <: Bool)

# `maximum(f, v; init)` needs Julia 1.6
_widest(cells::Vector{String}) = isempty(cells) ? 0 : maximum(length, cells)

_format_column(col::AbstractVector{T}, digits::Int) where {T} = String[fmt(x; digits = digits) for x in col]

# ---------------------------------------------------------------------------------------------
# whole tables

"A Markdown table; numeric columns are right-aligned."
function render_markdown(io::IO, t::Table; digits::Int = 2, maxrows::Int = typemax(Int))
    names = columnnames(t)
    cols = [column(t, n) for n in names]
    n = min(nrow(t), maxrows)
    cells = [_format_column(view(c, 1:n), digits) for c in cols]
    println(io, "| ", join(string.(names), " | "), " |")
    println(io, "| ", join([_right_aligned(eltype(c)) ? "---:" : "---" for c in cols], " | "), " |")
    for i in 1:n
        println(io, "| ", join([replace(cells[k][i], "|" => "\\|") for k in 1:length(cols)], " | "), " |")
    end
    n < nrow(t) && println(io, "\n… $(nrow(t) - n) more rows")
    return io
end

"Plain text with columns padded to their widest cell and a rule under the header."
function render_plain(io::IO, t::Table; digits::Int = 2, maxrows::Int = typemax(Int))
    names = columnnames(t)
    cols = [column(t, n) for n in names]
    n = min(nrow(t), maxrows)
    cells = [_format_column(view(c, 1:n), digits) for c in cols]
    widths = [max(length(string(names[k])), _widest(cells[k])) for k in 1:length(cols)]
    pad(s, k) = _right_aligned(eltype(cols[k])) ? lpad(s, widths[k]) : rpad(s, widths[k])
    println(io, join([pad(string(names[k]), k) for k in 1:length(cols)], "  "))
    println(io, join([repeat("─", w) for w in widths], "  "))
    for i in 1:n
        println(io, rstrip(join([pad(cells[k][i], k) for k in 1:length(cols)], "  ")))
    end
    n < nrow(t) && println(io, "… $(nrow(t) - n) more rows")
    return io
end

render(io::IO, t::Table; format::Symbol = :markdown, kwargs...) =
    format === :markdown ? render_markdown(io, t; kwargs...) :
    format === :plain ? render_plain(io, t; kwargs...) :
    throw(ArgumentError("unknown format $format (use :markdown or :plain)"))

render(t::Table; kwargs...) = sprint(io -> render(io, t; kwargs...))

# ---------------------------------------------------------------------------------------------
# pivot

"""
    pivot(t, :region, :category, :revenue, sum)

One row per value of `rowkey`, one column per value of `colkey`, each cell `agg` of the `value`
column over the matching rows (missing where no row matches), plus a `total` column.
"""
function pivot(t::Table, rowkey::Symbol, colkey::Symbol, value::Symbol, agg = sum)
    return _pivot(column(t, rowkey), column(t, colkey), column(t, value), agg, rowkey)
end

function _pivot(r::AbstractVector{R}, c::AbstractVector{C}, v::AbstractVector{V}, agg, rowkey::Symbol) where {R,C,V}
    cells = Dict{Tuple{R,C},Vector{nonmissingtype(V)}}()
    for i in eachindex(r)
        ismissing(v[i]) && continue
        push!(get!(() -> nonmissingtype(V)[], cells, (r[i], c[i])), v[i])
    end
    rows = sort!(unique(r); lt = isless)
    cols = sort!(unique(c); lt = isless)
    out = Table(rowkey => rows)
    totals = zeros(Float64, length(rows))
    for cv in cols
        values = Any[]
        for (j, rv) in enumerate(rows)
            xs = get(cells, (rv, cv), nothing)
            if xs === nothing
                push!(values, missing)
            else
                a = agg(xs)
                totals[j] += a
                push!(values, a)
            end
        end
        addcolumn!(out, Symbol(string(cv)), narrow(values))
    end
    addcolumn!(out, :total, totals)
    return out
end

# ---------------------------------------------------------------------------------------------
# charts

"Horizontal bars scaled to the largest value, labels padded, values printed after the bars."
function bar_chart(io::IO, labels::AbstractVector, values::AbstractVector{<:Real}; width::Int = 40, digits::Int = 1)
    isempty(values) && return io
    top = maximum(values)
    lw = maximum(length ∘ fmt, labels)
    for (label, v) in zip(labels, values)
        n = top <= 0 ? 0 : round(Int, width * v / top)
        println(io, rpad(fmt(label), lw), " │", repeat("█", n), " ", fmt(v; digits = digits))
    end
    return io
end

function histogram_chart(io::IO, h::Histogram; width::Int = 40)
    labels = [string(fmt(h.edges[k]; digits = 1), " – ", fmt(h.edges[k + 1]; digits = 1)) for k in 1:length(h)]
    return bar_chart(io, labels, h.counts; width = width, digits = 0)
end

# ---------------------------------------------------------------------------------------------
# reports

abstract type Block end

struct Heading <: Block
    level::Int
    text::String
end

struct Paragraph <: Block
    text::String
end

struct TableBlock <: Block
    table::Table
    digits::Int
    maxrows::Int
end

struct ChartBlock <: Block
    labels::Vector{String}
    values::Vector{Float64}
end

"A document built from headings, paragraphs, tables and charts, written as Markdown or text."
struct Report
    title::String
    blocks::Vector{Block}
end

Report(title::AbstractString) = Report(String(title), Block[])

section!(r::Report, text::AbstractString; level::Int = 2) = (push!(r.blocks, Heading(level, String(text))); r)
paragraph!(r::Report, text::AbstractString) = (push!(r.blocks, Paragraph(String(text))); r)
table!(r::Report, t::Table; digits::Int = 2, maxrows::Int = 20) = (push!(r.blocks, TableBlock(t, digits, maxrows)); r)
chart!(r::Report, labels::AbstractVector, values::AbstractVector{<:Real}) =
    (push!(r.blocks, ChartBlock(String[fmt(l) for l in labels], Float64[v for v in values])); r)

_write(io::IO, b::Heading, format::Symbol) =
    format === :markdown ? println(io, repeat("#", b.level), " ", b.text, "\n") :
    println(io, b.text, "\n", repeat(b.level <= 1 ? "═" : "─", length(b.text)), "\n")
_write(io::IO, b::Paragraph, ::Symbol) = println(io, b.text, "\n")
function _write(io::IO, b::TableBlock, format::Symbol)
    render(io, b.table; format = format, digits = b.digits, maxrows = b.maxrows)
    println(io)
end
function _write(io::IO, b::ChartBlock, format::Symbol)
    format === :markdown && println(io, "```")
    bar_chart(io, b.labels, b.values)
    format === :markdown && println(io, "```")
    println(io)
end

function write_report(io::IO, r::Report; format::Symbol = :markdown)
    _write(io, Heading(1, r.title), format)
    for b in r.blocks
        _write(io, b, format)
    end
    return io
end

"""
A report on one table: its shape, a description of every column, and for each of `by` a group
summary of `value` with a bar chart of the group totals.
"""
function summary_report(t::Table, title::AbstractString; by::Vector{Symbol} = Symbol[], value::Union{Nothing,Symbol} = nothing)
    r = Report(title)
    paragraph!(r, "$(thousands(nrow(t))) rows, $(ncol(t)) columns.")
    section!(r, "Columns")
    table!(r, describe(t))
    if value !== nothing
        for key in by
            section!(r, "$(value) by $(key)")
            g = sortby(group_summary(t, key, value), :total; rev = true)
            table!(r, g)
            chart!(r, column(g, key), column(g, :total))
        end
    end
    return r
end

"The `n` rows with the largest `value`, with their rank."
function leaderboard(t::Table, value::Symbol, n::Int = 5)
    top = head(sortby(dropmissing_rows(t, value), value; rev = true), n)
    out = Table(:rank => collect(1:nrow(top)))
    for (name, col) in eachcolumn(top)
        addcolumn!(out, name, col)
    end
    return out
end

end # module
