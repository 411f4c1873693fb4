# The steps of julia/build_image.jl: load the packages, replay the statements, report, forget the
# build machine. Included by build_image.jl into a module bound to no name, so that nothing
# defined here appears in the image's Main.

# This module stays reachable after the build (the method caches of Base functions it called
# refer to its closures and functions), so it is serialized with the image: nothing in it may
# hold a path of this build. The files are kept here and forgotten at the end. No docstrings
# either: they would list this module in `Base.Docs.modules`, with this file's path.
const files = Dict{String,String}(
    "packages" => ARGS[1], "statements" => ARGS[2], "report" => ARGS[3])
const chained = length(ARGS) >= 4 && ARGS[4] == "chained"
# The file given as `--name=FILE` after the three positional arguments, or nothing.
function tagged_file(name)
    tagged = filter(a -> startswith(a, "--$name="), ARGS[4:end])
    isempty(tagged) ? nothing : String(tagged[1][ncodeunits("--$name=")+1:end])
end
for name in ("variants", "loaded")
    file = tagged_file(name)
    file === nothing || (files[name] = file)
end

# ---------------------------------------------------------------------------------------------
# 1. Load the packages so that their modules (and everything they load) become part of the image.
loaded = String[]
for line in eachline(files["packages"])
    fields = split(strip(line))
    length(fields) == 2 || continue
    uuid, name = fields
    Base.require(Base.PkgId(Base.UUID(String(uuid)), String(name)))
    push!(loaded, String(name))
end

# The modules the traced workload had loaded besides the project's packages: stdlibs that Julia
# ≥ 1.11 no longer keeps in its default image (`using Test`, `Printf`, `Logging`...) and packages
# of the manifest that are not direct dependencies. Without them their statements would not
# resolve and would be compiled at run time. One that cannot be loaded from here (the workload
# changed LOAD_PATH, an extension module) is reported and left out; it never stops the build.
added = String[]
not_loadable = Pair{Base.PkgId,String}[]
if haskey(files, "loaded")
    for line in eachline(files["loaded"])
        fields = split(strip(line))
        length(fields) == 2 || continue
        id = Base.PkgId(Base.UUID(String(fields[1])), String(fields[2]))
        haskey(Base.loaded_modules, id) && continue  # in the base image, or loaded above
        try
            Base.require(id)
            push!(added, id.name)
        catch err
            push!(not_loadable, id => first(split(sprint(showerror, err), '\n')))
        end
    end
    # a package extension (Julia ≥ 1.9) cannot be loaded by its id, but loads by itself once its
    # package and trigger are loaded: only what is still missing now is reported
    filter!(p -> !haskey(Base.loaded_modules, p.first), not_loadable)
end

# A function, so that Julia without the entry point never compiles this call.
# From here on, what is precompiled is tagged for the chained image's new code (PR #46045).
start_chained_precompiles() = ccall(:jl_precompiles_for_sysimage, Cvoid, (Cuchar,), 1)
chained && start_chained_precompiles()

# ---------------------------------------------------------------------------------------------
# 2. Replay the statements in a staging module that can see every loaded module by name.
const Staging = Module(:JuliaSysimageStaging)

# Loaded modules by name; names that are ambiguous (two packages with one name) map to nothing.
function modules_by_name()
    found = Dict{Symbol,Union{Module,Nothing}}()
    for (_, mod) in Base.loaded_modules
        name = nameof(mod)
        found[name] = haskey(found, name) && found[name] !== mod ? nothing : mod
    end
    return found
end
const by_name = modules_by_name()

# Bindings are looked up in the latest world (`Base.invokelatest`): a root bound below by
# `Core.eval` exists only in worlds after its definition, and the replay loop runs in the world
# it was called in. Julia 1.12 warns about reading a binding in a world before its definition
# ("binding world ages") and later versions refuse; on older Julia this changes nothing.
defined_latest(mod::Module, name::Symbol) = Base.invokelatest(isdefined, mod, name)
global_latest(mod::Module, name::Symbol) = Base.invokelatest(getfield, mod, name)

# Make a top-level module name visible in the staging module, if it can be found unambiguously.
function bind_root!(name::Symbol)
    defined_latest(Staging, name) && return true
    mod = get(by_name, name, nothing)
    mod === nothing && return false
    Core.eval(Staging, Expr(:const, Expr(:(=), name, mod)))
    return true
end

# Resolve `A.B.C` without evaluating anything: every step must be a defined global.
function resolve_dotted(ex)
    if ex isa Symbol
        bind_root!(ex) || return nothing
        return global_latest(Staging, ex)
    elseif ex isa Expr && ex.head === :. && length(ex.args) == 2 && ex.args[2] isa QuoteNode
        parent = resolve_dotted(ex.args[1])
        parent isa Module || return nothing
        field = ex.args[2].value
        field isa Symbol && defined_latest(parent, field) || return nothing
        return global_latest(parent, field)
    end
    return nothing
end

# Only the forms Julia's type printer produces are accepted: anything else (assignments, macro
# calls, arbitrary function calls) is refused rather than evaluated.
const allowed_calls = (:typeof, :Symbol)

# A Char type parameter (`Dates.DatePart{'y'}` in every DateFormat type) is traced as
# `Char(0x79000000)`: its bits, which `Char(::UInt32)` reads as a code point and rejects. Put the
# Char itself in its place.
function char_literals(ex)
    ex isa Expr || return ex
    if ex.head === :call && length(ex.args) == 2 && ex.args[1] === :Char && ex.args[2] isa UInt32
        return reinterpret(Char, ex.args[2])
    end
    return Expr(ex.head, map(char_literals, ex.args)...)
end

# True when every name in the type expression `ex` resolves, with `where`-bound names in `bound`.
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

# Replays each statement of `file`, adding to `counts` under `prefix` ("" or "variants_"); the
# skipped ones are listed in the report only when `list_skipped`.
function replay_file!(file, prefix, list_skipped)
    for line in eachline(file)
        isempty(strip(line)) && continue
        counts[prefix * "statements"] += 1
        # every step of a statement is inside the `try`: whatever one statement does (a name
        # lookup Julia refuses, a type that cannot be built), only that statement is lost
        outcome, tt = try
            replay_statement(line)
        catch
            "failed", nothing
        end
        counts[prefix * outcome] += 1
        if outcome == "used"
            push!(replayed, tt)
        elseif list_skipped
            push!(skipped, outcome => line)
        end
    end
end

# Replays one statement: ("used", type) or (why it was skipped, nothing).
function replay_statement(line)
    ex = Meta.parse(line; raise = false)
    if !(ex isa Expr && ex.head === :call && ex.args[1] === :precompile && length(ex.args) == 2)
        return "unparsable", nothing
    end
    signature = char_literals(ex.args[2])
    resolvable(signature) || return "unresolvable", nothing
    tt = Core.eval(Staging, signature)
    return tt isa Type && precompile(tt) ? ("used", tt) : ("failed", nothing)
end
replay_file!(files["statements"], "", true)
if haskey(files, "variants")
    for key in ("statements", "used", "unparsable", "unresolvable", "failed")
        counts["variants_" * key] = 0
    end
    replay_file!(files["variants"], "variants_", false)
end

# ---------------------------------------------------------------------------------------------
# 3. Julia 1.5 (where this was written and measured): in output mode `precompile` only infers,
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
#    Only for Julia 1.5: from 1.9 on the replayed code instances carry a `precompile` flag that
#    makes the writer emit them, and 1.6–1.8 are neither used nor tested with this tool.
if VERSION < v"1.6"
    counts["forced"] = count(emit_even_if_inlineable!, replayed)
end

open(files["report"], "w") do io
    for (key, value) in sort(collect(counts))
        println(io, key, '\t', value)
    end
    println(io, "packages\t", join(loaded, ','))
    println(io, "added\t", join(added, ','))
    for (id, why) in not_loadable
        println(io, "not_loadable\t", id.name, '\t', why)
    end
    for (kind, line) in skipped
        println(io, "skipped\t", kind, '\t', line)
    end
end


# ---------------------------------------------------------------------------------------------
# 4. Forget build-machine state so that none of it is serialized into the image: this module's own
#    (file paths, the statements' texts), then Base's.
#    Base's and Sys's `__init__` fill those again when the image starts; PackageCompiler resets
#    the same.
empty!(files)
empty!(skipped)
empty!(not_loadable)
empty!(Base.ARGS)
empty!(Core.ARGS)
empty!(LOAD_PATH)
empty!(DEPOT_PATH)
isdefined(Base, :ACTIVE_PROJECT) && (Base.ACTIVE_PROJECT[] = nothing)
# Julia ≥ 1.6 caches every Project.toml/Manifest.toml it parsed, by path (`Base.TOML_CACHE` in
# base/loading.jl: a parser `p` and a dictionary `d`)
if isdefined(Base, :TOML_CACHE)
    toml_cache = Base.TOML_CACHE
    hasfield(typeof(toml_cache), :d) && empty!(toml_cache.d)
    if hasfield(typeof(toml_cache), :p) && isdefined(Base, :TOML) && isdefined(Base.TOML, :reinit!)
        Base.TOML.reinit!(toml_cache.p, "")
    end
end
# paths of this machine's Julia and of this script; set again at start-up
for (mod, name) in ((Sys, :BINDIR), (Sys, :STDLIB), (Base, :PROGRAM_FILE))
    isdefined(mod, name) && !isconst(mod, name) && Core.eval(mod, :($name = ""))
end
