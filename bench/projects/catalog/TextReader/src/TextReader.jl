"""
Readers for delimited text (CSV with quoting), fixed-width text, `key = value` configuration
files with sections, and `key=value` log lines. Column types are inferred from the text: Int,
Float64, Bool, Date or String, with `Union{Missing,T}` when some cells are empty.
"""
module TextReader

using Columns
using Dates

export read_csv, write_csv, split_fields, infer_type, parse_cells, read_fixed, read_config,
    LogEntry, parse_log, read_log, CsvOptions, ParseError

struct ParseError <: Exception
    line::Int
    message::String
end

Base.showerror(io::IO, e::ParseError) = print(io, "line ", e.line, ": ", e.message)

struct CsvOptions
    delim::Char
    quote_char::Char
    header::Bool
    missingstrings::Vector{String}
    dateformat::DateFormat
    trim::Bool
end

function CsvOptions(; delim::Char = ',', quote_char::Char = '"', header::Bool = true,
        missingstrings = ["", "NA", "null"], dateformat = dateformat"yyyy-mm-dd", trim::Bool = true)
    return CsvOptions(delim, quote_char, header, collect(String, missingstrings),
        dateformat isa DateFormat ? dateformat : DateFormat(dateformat), trim)
end

# ---------------------------------------------------------------------------------------------
# tokenizing

"""
Splits one line into fields at `delim`, honouring quoted fields in which the delimiter is
literal and a doubled quote stands for one quote.
"""
function split_fields(line::AbstractString, opts::CsvOptions = CsvOptions(); lineno::Int = 0)
    fields = String[]
    buf = IOBuffer()
    inquotes = false
    wasquoted = false
    chars = collect(line)
    i = 1
    while i <= length(chars)
        c = chars[i]
        if inquotes
            if c == opts.quote_char
                if i < length(chars) && chars[i + 1] == opts.quote_char
                    write(buf, c)
                    i += 1
                else
                    inquotes = false
                end
            else
                write(buf, c)
            end
        elseif c == opts.quote_char
            inquotes = true
            wasquoted = true
        elseif c == opts.delim
            push!(fields, _finish(buf, wasquoted, opts))
            wasquoted = false
        else
            write(buf, c)
        end
        i += 1
    end
    inquotes && throw(ParseError(lineno, "unterminated quoted field"))
    push!(fields, _finish(buf, wasquoted, opts))
    return fields
end

function _finish(buf::IOBuffer, wasquoted::Bool, opts::CsvOptions)
    s = String(take!(buf))
    return wasquoted || !opts.trim ? s : String(strip(s))
end

# ---------------------------------------------------------------------------------------------
# type inference

const CANDIDATES = (Int, Float64, Bool, Date)

_parses(::Type{Int}, s::String, opts) = tryparse(Int, s) !== nothing
_parses(::Type{Float64}, s::String, opts) = tryparse(Float64, s) !== nothing
_parses(::Type{Bool}, s::String, opts) = lowercase(s) in ("true", "false", "yes", "no")
_parses(::Type{Date}, s::String, opts) = tryparse(Date, s, opts.dateformat) !== nothing

_parse(::Type{Int}, s::String, opts) = parse(Int, s)
_parse(::Type{Float64}, s::String, opts) = parse(Float64, s)
_parse(::Type{Bool}, s::String, opts) = lowercase(s) in ("true", "yes")
_parse(::Type{Date}, s::String, opts) = Date(s, opts.dateformat)
_parse(::Type{String}, s::String, opts) = s

"""
The narrowest type every non-missing cell parses as (`Int` before `Float64` before `Bool` before
`Date`, else `String`), and whether some cells are missing.
"""
function infer_type(cells::AbstractVector{String}, opts::CsvOptions = CsvOptions())
    hasmissing = false
    present = String[]
    for s in cells
        if s in opts.missingstrings
            hasmissing = true
        else
            push!(present, s)
        end
    end
    isempty(present) && return Missing, true
    for T in CANDIDATES
        all(s -> _parses(T, s, opts), present) && return T, hasmissing
    end
    return String, hasmissing
end

"Parses the cells of one column as `T` (`Union{Missing,T}` when `hasmissing`)."
function parse_cells(::Type{T}, cells::AbstractVector{String}, hasmissing::Bool, opts::CsvOptions) where {T}
    if hasmissing
        out = Vector{Union{Missing,T}}(undef, length(cells))
        for (i, s) in enumerate(cells)
            out[i] = s in opts.missingstrings ? missing : _parse(T, s, opts)
        end
        return out
    end
    out = Vector{T}(undef, length(cells))
    for (i, s) in enumerate(cells)
        out[i] = _parse(T, s, opts)
    end
    return out
end

function parse_column(cells::Vector{String}, opts::CsvOptions)
    T, hasmissing = infer_type(cells, opts)
    T === Missing && return fill(missing, length(cells))
    return parse_cells(T, cells, hasmissing, opts)
end

# ---------------------------------------------------------------------------------------------
# CSV

"""
    read_csv(io_or_text; delim = ',', header = true, types = Dict{Symbol,Type}(), ...)

A `Columns.Table` from delimited text. `types` forces a column's type instead of inferring it.
Blank lines and lines starting with `#` are skipped.
"""
function read_csv(io::IO; types = Dict{Symbol,Type}(), kwargs...)
    opts = CsvOptions(; kwargs...)
    names = Symbol[]
    cells = Vector{String}[]
    lineno = 0
    for line in eachline(io)
        lineno += 1
        (isempty(strip(line)) || startswith(line, "#")) && continue
        fields = split_fields(line, opts; lineno = lineno)
        if isempty(names) && isempty(cells)
            if opts.header
                names = Symbol[Symbol(f) for f in fields]
                cells = [String[] for _ in fields]
                continue
            end
            names = Symbol[Symbol("col", k) for k in 1:length(fields)]
            cells = [String[] for _ in fields]
        end
        length(fields) == length(names) || throw(ParseError(lineno,
            "$(length(fields)) fields, the header has $(length(names))"))
        for (k, f) in enumerate(fields)
            push!(cells[k], f)
        end
    end
    columns = AbstractVector[]
    for (name, col) in zip(names, cells)
        forced = get(types, name, nothing)
        if forced === nothing
            push!(columns, parse_column(col, opts))
        else
            hasmissing = any(s -> s in opts.missingstrings, col)
            push!(columns, parse_cells(forced, col, hasmissing, opts))
        end
    end
    return Table(names, columns)
end

read_csv(text::AbstractString; kwargs...) = read_csv(IOBuffer(text); kwargs...)

_cell(x::Missing, opts) = ""
_cell(x::AbstractString, opts) = _quoted(String(x), opts)
_cell(x::Symbol, opts) = _quoted(string(x), opts)
_cell(x::Date, opts) = Dates.format(x, opts.dateformat)
_cell(x::Bool, opts) = x ? "true" : "false"
_cell(x::Integer, opts) = string(x)
_cell(x::AbstractFloat, opts) = isinteger(x) && abs(x) < 1e15 ? string(x) : repr(x)
_cell(x, opts) = _quoted(string(x), opts)

function _quoted(s::String, opts::CsvOptions)
    needs = occursin(opts.delim, s) || occursin(opts.quote_char, s) || occursin('\n', s) ||
            s != strip(s)
    needs || return s
    q = string(opts.quote_char)
    return q * replace(s, q => q * q) * q
end

"Writes a table as delimited text with a header line; fields are quoted only when needed."
function write_csv(io::IO, t::Table; kwargs...)
    opts = CsvOptions(; kwargs...)
    join(io, (_quoted(string(n), opts) for n in columnnames(t)), opts.delim)
    println(io)
    cols = [column(t, n) for n in columnnames(t)]
    for i in 1:nrow(t)
        for (k, col) in enumerate(cols)
            k > 1 && print(io, opts.delim)
            print(io, _cell(col[i], opts))
        end
        println(io)
    end
    return io
end

# ---------------------------------------------------------------------------------------------
# fixed width

"""
A table from fixed-width text: `widths` gives each column's width in characters, `names` its
name; the first line is data (fixed-width files rarely have a usable header).
"""
function read_fixed(io::IO, names::Vector{Symbol}, widths::Vector{Int}; kwargs...)
    length(names) == length(widths) || throw(ArgumentError("one width per name"))
    opts = CsvOptions(; kwargs...)
    cells = [String[] for _ in names]
    for line in eachline(io)
        isempty(strip(line)) && continue
        chars = collect(line)
        start = 1
        for (k, w) in enumerate(widths)
            stop = min(start + w - 1, length(chars))
            push!(cells[k], start > length(chars) ? "" : String(strip(String(chars[start:stop]))))
            start += w
        end
    end
    return Table(names, AbstractVector[parse_column(c, opts) for c in cells])
end

read_fixed(text::AbstractString, names, widths; kwargs...) =
    read_fixed(IOBuffer(text), names, widths; kwargs...)

# ---------------------------------------------------------------------------------------------
# configuration

_value(s::AbstractString) = _value(String(s))
function _value(s::String)
    startswith(s, '"') && endswith(s, '"') && length(s) >= 2 && return s[2:end-1]
    v = tryparse(Int, s)
    v === nothing || return v
    f = tryparse(Float64, s)
    f === nothing || return f
    s in ("true", "false") && return s == "true"
    if startswith(s, '[') && endswith(s, ']')
        inner = strip(s[2:end-1])
        return isempty(inner) ? Any[] : Any[_value(strip(x)) for x in split(inner, ',')]
    end
    return s
end

"""
`[section]` headers and `key = value` lines into nested Dicts; values become Int, Float64,
Bool, String or vectors (`[1, 2, 3]`). Keys before any section go under `""`.
"""
function read_config(io::IO)
    config = Dict{String,Dict{String,Any}}()
    section = ""
    lineno = 0
    for raw in eachline(io)
        lineno += 1
        line = strip(first(split(raw, '#'; limit = 2)))
        isempty(line) && continue
        if startswith(line, '[') && endswith(line, ']')
            section = String(strip(line[2:end-1]))
            get!(config, section, Dict{String,Any}())
            continue
        end
        parts = split(line, '='; limit = 2)
        length(parts) == 2 || throw(ParseError(lineno, "expected key = value"))
        get!(config, section, Dict{String,Any}())[String(strip(parts[1]))] = _value(strip(parts[2]))
    end
    return config
end

read_config(text::AbstractString) = read_config(IOBuffer(text))

# ---------------------------------------------------------------------------------------------
# logs

struct LogEntry
    time::DateTime
    level::Symbol
    message::String
    fields::Dict{String,String}
end

"""
Parses `2021-03-04T12:00:01 INFO message text key=value key2="quoted value"`; `nothing` for a
line that does not start with a timestamp and a level.
"""
function parse_log(line::AbstractString)
    parts = split(line, ' '; limit = 3)
    length(parts) < 2 && return nothing
    time = tryparse(DateTime, parts[1], dateformat"yyyy-mm-ddTHH:MM:SS")
    time === nothing && return nothing
    level = Symbol(lowercase(parts[2]))
    rest = length(parts) == 3 ? parts[3] : ""
    fields = Dict{String,String}()
    words = String[]
    for m in eachmatch(r"(\w+)=(\"[^\"]*\"|\S+)|(\S+)", rest)
        if m.captures[1] === nothing
            push!(words, m.captures[3])
        else
            v = m.captures[2]
            fields[m.captures[1]] = startswith(v, '"') ? v[2:end-1] : v
        end
    end
    return LogEntry(time, level, join(words, ' '), fields)
end

"Log entries as a table: time, level, message, and one column per field name (missing where absent)."
function read_log(io::IO)
    entries = LogEntry[]
    for line in eachline(io)
        e = parse_log(line)
        e === nothing || push!(entries, e)
    end
    keys_seen = String[]
    for e in entries, k in keys(e.fields)
        k in keys_seen || push!(keys_seen, k)
    end
    sort!(keys_seen)
    t = Table(:time => [e.time for e in entries], :level => [e.level for e in entries],
        :message => [e.message for e in entries])
    opts = CsvOptions()
    for k in keys_seen
        cells = [get(e.fields, k, "") for e in entries]
        addcolumn!(t, Symbol(k), parse_column(cells, opts))
    end
    return t
end

read_log(text::AbstractString) = read_log(IOBuffer(text))

end # module
