"""
Descriptive statistics for vectors and table columns: moments, quantiles, frequencies,
histograms, correlation, moving averages and per-group summaries. Missing values are skipped
and counted; every function is generic over the element type.
"""
module Summaries

using Columns

export Moments, fit!, mean, variance, stddev, quantile, median, extrema_skip, frequencies,
    top_values, histogram, Histogram, covariance, correlation, moving_average, zscores, ranks,
    NumericSummary, CategorySummary, summarize, describe, group_summary, crosstab, cumulative,
    percent_change, nmissing, weighted_mean, outliers

# ---------------------------------------------------------------------------------------------
# streaming moments (Welford), so one pass gives count, mean and variance without overflow

mutable struct Moments{T<:AbstractFloat}
    n::Int
    mean::T
    m2::T
    min::T
    max::T
end

Moments{T}() where {T<:AbstractFloat} = Moments{T}(0, zero(T), zero(T), T(Inf), T(-Inf))
Moments() = Moments{Float64}()

function fit!(m::Moments{T}, x::Real) where {T}
    y = T(x)
    m.n += 1
    delta = y - m.mean
    m.mean += delta / m.n
    m.m2 += delta * (y - m.mean)
    m.min = min(m.min, y)
    m.max = max(m.max, y)
    return m
end

fit!(m::Moments, ::Missing) = m

function fit!(m::Moments, xs::AbstractVector)
    for x in xs
        fit!(m, x)
    end
    return m
end

Base.length(m::Moments) = m.n
mean(m::Moments) = m.n == 0 ? NaN : m.mean
variance(m::Moments) = m.n < 2 ? NaN : m.m2 / (m.n - 1)
stddev(m::Moments) = sqrt(variance(m))

function Base.merge(a::Moments{T}, b::Moments{T}) where {T}
    a.n == 0 && return b
    b.n == 0 && return a
    n = a.n + b.n
    delta = b.mean - a.mean
    mean = a.mean + delta * b.n / n
    m2 = a.m2 + b.m2 + delta^2 * a.n * b.n / n
    return Moments{T}(n, mean, m2, min(a.min, b.min), max(a.max, b.max))
end

# ---------------------------------------------------------------------------------------------
# vector statistics

_float(::Type{T}) where {T<:AbstractFloat} = T
_float(::Type) = Float64

function _moments(xs::AbstractVector{T}) where {T}
    m = Moments{_float(nonmissingtype(T))}()
    return fit!(m, xs)
end

mean(xs::AbstractVector) = mean(_moments(xs))
variance(xs::AbstractVector) = variance(_moments(xs))
stddev(xs::AbstractVector) = stddev(_moments(xs))
nmissing(xs::AbstractVector{T}) where {T} = Missing <: T ? count(ismissing, xs) : 0

"Mean of `xs` weighted by `ws`, skipping pairs where either is missing."
function weighted_mean(xs::AbstractVector, ws::AbstractVector)
    length(xs) == length(ws) || throw(DimensionMismatch("values and weights differ in length"))
    total = 0.0
    weight = 0.0
    for (x, w) in zip(xs, ws)
        (ismissing(x) || ismissing(w)) && continue
        total += x * w
        weight += w
    end
    return weight == 0 ? NaN : total / weight
end

_present(xs::AbstractVector{T}) where {T} = collect(nonmissingtype(T), skipmissing(xs))

"Quantile `p` (0 ≤ p ≤ 1) by linear interpolation between order statistics (type 7)."
function quantile(xs::AbstractVector, p::Real)
    0 <= p <= 1 || throw(ArgumentError("quantile level $p is outside [0, 1]"))
    v = sort!(_present(xs))
    return _sorted_quantile(v, p)
end

function quantile(xs::AbstractVector, ps::AbstractVector{<:Real})
    v = sort!(_present(xs))
    return [_sorted_quantile(v, p) for p in ps]
end

function _sorted_quantile(v::AbstractVector{T}, p::Real) where {T<:Real}
    isempty(v) && return NaN
    h = (length(v) - 1) * p + 1
    lo = floor(Int, h)
    hi = min(lo + 1, length(v))
    return Float64(v[lo]) + (h - lo) * (Float64(v[hi]) - Float64(v[lo]))
end

median(xs::AbstractVector) = quantile(xs, 0.5)

"Minimum and maximum ignoring missing values, `nothing` when there are none."
function extrema_skip(xs::AbstractVector{T}) where {T}
    lo = hi = nothing
    for x in xs
        ismissing(x) && continue
        if lo === nothing
            lo = hi = x
        else
            x < lo && (lo = x)
            x > hi && (hi = x)
        end
    end
    return lo === nothing ? nothing : (lo, hi)
end

"Count of each distinct non-missing value."
function frequencies(xs::AbstractVector{T}) where {T}
    counts = Dict{nonmissingtype(T),Int}()
    for x in xs
        ismissing(x) && continue
        counts[x] = get(counts, x, 0) + 1
    end
    return counts
end

"The `n` most frequent values with their counts, most frequent first (ties by value)."
function top_values(xs::AbstractVector, n::Integer = 3)
    pairs = collect(frequencies(xs))
    sort!(pairs; lt = (a, b) -> last(a) > last(b) || (last(a) == last(b) && isless(first(a), first(b))))
    return pairs[1:min(n, length(pairs))]
end

struct Histogram
    edges::Vector{Float64}
    counts::Vector{Int}
end

"Histogram of the non-missing values in `nbins` equal-width bins."
function histogram(xs::AbstractVector, nbins::Integer = 10)
    nbins > 0 || throw(ArgumentError("nbins must be positive"))
    r = extrema_skip(xs)
    r === nothing && return Histogram(Float64[], Int[])
    lo, hi = Float64(r[1]), Float64(r[2])
    hi == lo && (hi = lo + 1)
    width = (hi - lo) / nbins
    edges = [lo + k * width for k in 0:nbins]
    counts = zeros(Int, nbins)
    for x in xs
        ismissing(x) && continue
        k = min(nbins, 1 + floor(Int, (Float64(x) - lo) / width))
        counts[k] += 1
    end
    return Histogram(edges, counts)
end

Base.length(h::Histogram) = length(h.counts)

function _pairs(xs::AbstractVector, ys::AbstractVector)
    length(xs) == length(ys) || throw(DimensionMismatch("vectors differ in length"))
    px = Float64[]
    py = Float64[]
    for (x, y) in zip(xs, ys)
        (ismissing(x) || ismissing(y)) && continue
        push!(px, Float64(x))
        push!(py, Float64(y))
    end
    return px, py
end

"Sample covariance over the pairs where neither value is missing."
function covariance(xs::AbstractVector, ys::AbstractVector)
    px, py = _pairs(xs, ys)
    n = length(px)
    n < 2 && return NaN
    mx, my = sum(px) / n, sum(py) / n
    return sum((px[i] - mx) * (py[i] - my) for i in 1:n) / (n - 1)
end

"Pearson correlation over the pairs where neither value is missing."
function correlation(xs::AbstractVector, ys::AbstractVector)
    px, py = _pairs(xs, ys)
    length(px) < 2 && return NaN
    return covariance(px, py) / (stddev(px) * stddev(py))
end

"Trailing moving average over `window` values; missing values leave a gap in the window."
function moving_average(xs::AbstractVector{T}, window::Integer) where {T}
    window > 0 || throw(ArgumentError("window must be positive"))
    out = Vector{Union{Missing,Float64}}(missing, length(xs))
    for i in window:length(xs)
        total = 0.0
        n = 0
        for j in (i - window + 1):i
            x = xs[j]
            ismissing(x) && continue
            total += x
            n += 1
        end
        n > 0 && (out[i] = total / n)
    end
    return out
end

"Standard scores; missing stays missing."
function zscores(xs::AbstractVector{T}) where {T}
    m = _moments(xs)
    mu, sigma = mean(m), stddev(m)
    return [ismissing(x) ? missing : (x - mu) / sigma for x in xs]
end

"Values more than `k` standard deviations from the mean, with their positions."
function outliers(xs::AbstractVector, k::Real = 2.0)
    z = zscores(xs)
    return [(i, xs[i]) for i in eachindex(xs) if !ismissing(z[i]) && abs(z[i]) > k]
end

"Ranks (1 = smallest), ties get the average of their positions; missing stays missing."
function ranks(xs::AbstractVector{T}) where {T}
    idx = [i for i in eachindex(xs) if !ismissing(xs[i])]
    sort!(idx; by = i -> xs[i])
    out = Vector{Union{Missing,Float64}}(missing, length(xs))
    k = 1
    while k <= length(idx)
        j = k
        while j < length(idx) && xs[idx[j + 1]] == xs[idx[k]]
            j += 1
        end
        for m in k:j
            out[idx[m]] = (k + j) / 2
        end
        k = j + 1
    end
    return out
end

"Running totals; a missing value carries the previous total forward."
function cumulative(xs::AbstractVector{T}) where {T}
    S = nonmissingtype(T)
    out = Vector{S}(undef, length(xs))
    total = zero(S)
    for (i, x) in enumerate(xs)
        ismissing(x) || (total += x)
        out[i] = total
    end
    return out
end

"Change from each value to the next, in percent."
function percent_change(xs::AbstractVector)
    out = Vector{Union{Missing,Float64}}(missing, length(xs))
    for i in 2:length(xs)
        a, b = xs[i - 1], xs[i]
        (ismissing(a) || ismissing(b) || a == 0) && continue
        out[i] = 100 * (b - a) / a
    end
    return out
end

# ---------------------------------------------------------------------------------------------
# column summaries

struct NumericSummary
    n::Int
    missing::Int
    mean::Float64
    std::Float64
    min::Float64
    q25::Float64
    median::Float64
    q75::Float64
    max::Float64
end

struct CategorySummary{T}
    n::Int
    missing::Int
    distinct::Int
    top::Union{Nothing,T}
    topcount::Int
end

"A summary chosen by element type: numbers get moments and quantiles, others get frequencies."
function summarize(xs::AbstractVector{T}) where {T}
    S = nonmissingtype(T)
    return S <: Real && !(S <: Bool) ? _numeric_summary(xs) : _category_summary(xs, S)
end

function _numeric_summary(xs::AbstractVector)
    m = _moments(xs)
    q = quantile(xs, [0.25, 0.5, 0.75])
    lo = m.n == 0 ? NaN : m.min
    hi = m.n == 0 ? NaN : m.max
    return NumericSummary(m.n, nmissing(xs), mean(m), stddev(m), lo, q[1], q[2], q[3], hi)
end

function _category_summary(xs::AbstractVector, ::Type{S}) where {S}
    freq = frequencies(xs)
    top = top_values(xs, 1)
    n = length(xs) - nmissing(xs)
    return isempty(top) ? CategorySummary{S}(n, nmissing(xs), 0, nothing, 0) :
           CategorySummary{S}(n, nmissing(xs), length(freq), first(top[1]), last(top[1]))
end

"""
One row per column of `t`: its name, type, count, missing, and either mean/std/min/median/max
(numeric columns) or distinct/top value (other columns).
"""
function describe(t::Table)
    names = Symbol[]
    types = String[]
    counts = Int[]
    missings = Int[]
    means = Union{Missing,Float64}[]
    stds = Union{Missing,Float64}[]
    mins = Union{Missing,Float64}[]
    medians = Union{Missing,Float64}[]
    maxs = Union{Missing,Float64}[]
    distincts = Union{Missing,Int}[]
    tops = Union{Missing,String}[]
    for (name, col) in eachcolumn(t)
        s = summarize(col)
        push!(names, name)
        push!(types, string(nonmissingtype(eltype(col))))
        push!(counts, s.n)
        push!(missings, s.missing)
        if s isa NumericSummary
            append!(means, [s.mean]); append!(stds, [s.std]); append!(mins, [s.min])
            append!(medians, [s.median]); append!(maxs, [s.max])
            push!(distincts, missing); push!(tops, missing)
        else
            for v in (means, stds, mins, medians, maxs)
                push!(v, missing)
            end
            push!(distincts, s.distinct)
            push!(tops, s.top === nothing ? missing : string(s.top))
        end
    end
    return Table(:column => names, :type => types, :n => counts, :missing => missings,
        :mean => means, :std => stds, :min => mins, :median => medians, :max => maxs,
        :distinct => distincts, :top => tops)
end

"""
    group_summary(t, :region, :revenue)

Per value of `by`: count, total, mean, std, min and max of `value` (missing values skipped).
"""
function group_summary(t::Table, by::Symbol, value::Symbol)
    g = groupby(t, by)
    return combine(g,
        value => (v -> length(v) - nmissing(v)) => :count,
        value => (v -> sum(skipmissing(v))) => :total,
        value => mean => :mean,
        value => stddev => :std,
        value => (v -> something(extrema_skip(v), (missing, missing))[1]) => :min,
        value => (v -> something(extrema_skip(v), (missing, missing))[2]) => :max)
end

"Counts of each (row value, column value) pair of two columns, as a Dict and the sorted levels."
function crosstab(t::Table, rowkey::Symbol, colkey::Symbol)
    return _crosstab(column(t, rowkey), column(t, colkey))
end

function _crosstab(a::AbstractVector{A}, b::AbstractVector{B}) where {A,B}
    counts = Dict{Tuple{A,B},Int}()
    for (x, y) in zip(a, b)
        counts[(x, y)] = get(counts, (x, y), 0) + 1
    end
    rows = sort!(unique(a); lt = isless)
    cols = sort!(unique(b); lt = isless)
    return counts, rows, cols
end

end # module
