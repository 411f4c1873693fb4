# Runs inside `julia --output-o <object> --sysimage <base> build_image.jl PACKAGES STATEMENTS REPORT [chained] [--variants=VARIANTS]`.
#
# In output mode the base image's `__init__` functions have not run, so stdio, paths and the load
# path must be re-initialised before anything else. Inputs arrive only as files named in ARGS:
#   PACKAGES   one package per line: "<uuid> <name>", loaded into the image in that order
#   STATEMENTS one `precompile(...)` statement per line, already filtered by julia-sysimage
#   REPORT     written here: "key<TAB>value" lines with the replay counts
#   chained    (with `--sysimage-native-code=chained`, Julia carrying PR #46045) emit only the code
#              precompiled after the packages are loaded; the base's code is linked in afterwards
#   VARIANTS   statements added by julia-sysimage for other kinds of stdout (a traced statement
#              with `Base.PipeEndpoint` also as `Base.IOStream`, `Base.TTY`, ...): replayed after
#              STATEMENTS, counted apart (`variants_*`), not listed one by one in the report
# Works on Julia 1.5 through 1.13. It avoids throwing exceptions in the normal path: names are
# checked with `isdefined` before a statement is evaluated (Debian's 1.5.3 dies on
# any exception when run against a newer libunwind).

Base.reinit_stdio()   # must come first: printing before it crashes the output process
Sys.__init__()        # Sys.BINDIR, Sys.STDLIB, CPU info
Base.init_depot_path()
Base.init_load_path()
isdefined(Base, :init_active_project) && Base.init_active_project()

const packages_file, statements_file, report_file = ARGS[1], ARGS[2], ARGS[3]
const chained = length(ARGS) >= 4 && ARGS[4] == "chained"
const variants_file = let tagged = filter(a -> startswith(a, "--variants="), ARGS[4:end])
    isempty(tagged) ? nothing : String(tagged[1][ncodeunits("--variants=")+1:end])
end

# ---------------------------------------------------------------------------------------------
# 1. Load the packages so that their modules (and everything they load) become part of the image.
loaded = String[]
for line in eachline(packages_file)
    fields = split(strip(line))
    length(fields) == 2 || continue
    uuid, name = fields
    Base.require(Base.PkgId(Base.UUID(String(uuid)), String(name)))
    push!(loaded, String(name))
end

# A function, so that Julia without the entry point never compiles this call.
"From here on, what is precompiled is tagged for the chained image's new code (PR #46045)."
start_chained_precompiles() = ccall(:jl_precompiles_for_sysimage, Cvoid, (Cuchar,), 1)
chained && start_chained_precompiles()

# ---------------------------------------------------------------------------------------------
# 2. Replay the statements in a staging module that can see every loaded module by name.
const Staging = Module(:JuliaSysimageStaging)

"Loaded modules by name; names that are ambiguous (two packages with one name) map to nothing."
function modules_by_name()
    found = Dict{Symbol,Union{Module,Nothing}}()
    for (_, mod) in Base.loaded_modules
        name = nameof(mod)
        found[name] = haskey(found, name) && found[name] !== mod ? nothing : mod
    end
    return found
end
const by_name = modules_by_name()

"Make a top-level module name visible in the staging module, if it can be found unambiguously."
function bind_root!(name::Symbol)
    isdefined(Staging, name) && return true
    mod = get(by_name, name, nothing)
    mod === nothing && return false
    Core.eval(Staging, Expr(:const, Expr(:(=), name, mod)))
    return true
end

"Resolve `A.B.C` without evaluating anything: every step must be a defined global."
function resolve_dotted(ex)
    if ex isa Symbol
        bind_root!(ex) || return nothing
        return getfield(Staging, ex)
    elseif ex isa Expr && ex.head === :. && length(ex.args) == 2 && ex.args[2] isa QuoteNode
        parent = resolve_dotted(ex.args[1])
        parent isa Module || return nothing
        field = ex.args[2].value
        field isa Symbol && isdefined(parent, field) || return nothing
        return getfield(parent, field)
    end
    return nothing
end

# Only the forms Julia's type printer produces are accepted: anything else (assignments, macro
# calls, arbitrary function calls) is refused rather than evaluated.
const allowed_calls = (:typeof, :Symbol)

"""
A Char type parameter (`Dates.DatePart{'y'}` in every DateFormat type) is traced as
`Char(0x79000000)`: its bits, which `Char(::UInt32)` reads as a code point and rejects. Put the
Char itself in its place.
"""
function char_literals(ex)
    ex isa Expr || return ex
    if ex.head === :call && length(ex.args) == 2 && ex.args[1] === :Char && ex.args[2] isa UInt32
        return reinterpret(Char, ex.args[2])
    end
    return Expr(ex.head, map(char_literals, ex.args)...)
end

"True when every name in the type expression `ex` resolves, with `where`-bound names in `bound`."
function resolvable(ex, bound::Vector{Symbol} = Symbol[])
    if ex isa Symbol
        return ex in bound || resolve_dotted(ex) !== nothing
    elseif ex isa QuoteNode || ex isa Number || ex isa String || ex isa Char || ex === nothing
        return true
    elseif !(ex isa Expr)
        return false
    elseif ex.head === :.
        return resolve_dotted(ex) !== nothing
    elseif ex.head === :curly || ex.head === :tuple
        return all(a -> resolvable(a, bound), ex.args)
    elseif ex.head === :where
        inner = copy(bound)
        for var in ex.args[2:end]
            if var isa Symbol
                push!(inner, var)
            elseif var isa Expr && var.head in (:<:, :>:, :comparison) && var.args[1] isa Symbol
                push!(inner, var.args[1])
                all(a -> resolvable(a, inner), var.args[2:end]) || return false
            else
                return false
            end
        end
        return resolvable(ex.args[1], inner)
    elseif ex.head === :call
        ex.args[1] in allowed_calls || return false
        return all(a -> resolvable(a, bound), ex.args[2:end])
    elseif ex.head === :<: || ex.head === :>:
        return all(a -> resolvable(a, bound), ex.args)
    end
    return false
end

counts = Dict("statements" => 0, "used" => 0, "unparsable" => 0, "unresolvable" => 0, "failed" => 0)
skipped = Pair{String,String}[]  # kind => statement, for the report
replayed = Any[]                  # the signatures precompiled

"""
Replays each statement of `file`, adding to `counts` under `prefix` ("" or "variants_"); the
skipped ones are listed in the report only when `list_skipped`.
"""
function replay_file!(file, prefix, list_skipped)
    for line in eachline(file)
        isempty(strip(line)) && continue
        counts[prefix * "statements"] += 1
        ex = Meta.parse(line; raise = false)
        if !(ex isa Expr && ex.head === :call && ex.args[1] === :precompile && length(ex.args) == 2)
            counts[prefix * "unparsable"] += 1
            list_skipped && push!(skipped, "unparsable" => line)
            continue
        end
        signature = char_literals(ex.args[2])
        if !resolvable(signature)
            counts[prefix * "unresolvable"] += 1
            list_skipped && push!(skipped, "unresolvable" => line)
            continue
        end
        tt = nothing
        ok = try
            tt = Core.eval(Staging, signature)
            tt isa Type && precompile(tt)
        catch
            false
        end
        counts[prefix * (ok ? "used" : "failed")] += 1
        ok ? push!(replayed, tt) : (list_skipped && push!(skipped, "failed" => line))
    end
end
replay_file!(statements_file, "", true)
if variants_file !== nothing
    for key in ("statements", "used", "unparsable", "unresolvable", "failed")
        counts["variants_" * key] = 0
    end
    replay_file!(variants_file, "variants_", false)
end

# ---------------------------------------------------------------------------------------------
# 3. Julia < 1.9 (no `precompile` flag on CodeInstance): in output mode `precompile` only infers,
#    and the object writer skips inferred code that is inlineable unless it was JIT-compiled. Such
#    small methods (`println(io, xs...)`, keyword wrappers) are still called by dynamic dispatch at
#    run time and would be compiled there. Mark the replayed ones as not inlineable, after all
#    replay, so callers inferred above have already inlined them, and the writer emits them.
function emit_even_if_inlineable!(@nospecialize(tt))
    matches = Base._methods_by_ftype(tt, -1, typemax(UInt))
    (matches isa AbstractVector && length(matches) == 1) || return false
    match = matches[1]
    method, sig, sparams = match isa Core.SimpleVector ? (match[3], match[1], match[2]) :
                                                          (match.method, match.spec_types, match.sparams)
    mi = Core.Compiler.specialize_method(method, sig, sparams)
    ci = isdefined(mi, :cache) ? mi.cache : nothing
    while ci !== nothing
        inferred = isdefined(ci, :inferred) ? ci.inferred : nothing
        if ci.max_world == typemax(UInt) && inferred isa Vector{UInt8} &&
           ccall(:jl_ir_flag_inlineable, Bool, (Any,), inferred)
            src = Base._uncompressed_ir(ci, inferred)
            src.inlineable = false
            ci.inferred = src
            return true
        end
        ci = isdefined(ci, :next) ? ci.next : nothing
    end
    return false
end
if !hasfield(Core.CodeInstance, :precompile)
    counts["forced"] = count(emit_even_if_inlineable!, replayed)
end

open(report_file, "w") do io
    for (key, value) in sort(collect(counts))
        println(io, key, '\t', value)
    end
    println(io, "packages\t", join(loaded, ','))
    for (kind, line) in skipped
        println(io, "skipped\t", kind, '\t', line)
    end
end

# ---------------------------------------------------------------------------------------------
# 4. Forget build-machine state so that it is not serialized into the image; `__init__` of Base
#    fills these again when the image starts.
empty!(Base.ARGS)
empty!(Core.ARGS)
empty!(LOAD_PATH)
empty!(DEPOT_PATH)
isdefined(Base, :ACTIVE_PROJECT) && (Base.ACTIVE_PROJECT[] = nothing)
