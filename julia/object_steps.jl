# The steps of julia/object.jl: load the packages, replay the statements, report, forget the
# build machine. Included by object.jl into a module bound to no name, so that nothing
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
# changed LOAD_PATH) is reported and left out; it never stops the build.
#
# Package extensions (Julia ≥ 1.9) are left to Julia. `Base.require(extension id)` would load
# one (`locate_package` finds it through its parent's `[extensions]`, base/loading.jl ~l. 975 in
# 1.10), but before its triggers, as a package of its own. Julia loads an extension by itself
# once its parent and every trigger are loaded (`insert_extension_triggers` ~l. 1256,
# `run_extension_callbacks` ~l. 1360). So every listed module that is not an extension is
# `require`d, in the order listed, even one already in the image: on 1.9/1.10 a trigger counts
# only once it has been `require`d in this session (`explicit_loaded_modules`, ~l. 1347 and
# ~l. 1896; 1.11 counts every loaded module). Then the listed extensions are reported, loaded by
# Julia or not (a trigger that could not be loaded here, a failing extension).
added = String[]
not_loadable = Pair{Base.PkgId,String}[]
extensions = Pair{String,Bool}[]  # name => loaded
# An extension's id is `PkgId(uuid5(parent's uuid, name), name)` (`_insert_extension_triggers`,
# loading.jl ~l. 1335 in 1.10, the same in 1.11/1.12), and its parent was loaded before it: so a
# listed id is an extension when a listed or loaded module is its parent, or when Julia has
# primed it (`EXT_PRIMED`, keyed by extension, filled as parents load). Julia 1.5 has neither.
const has_extensions = isdefined(Base, :EXT_PRIMED) && isdefined(Base, :uuid5)
function is_extension(id::Base.PkgId, parents)
    has_extensions || return false
    id.uuid === nothing && return false
    haskey(Base.EXT_PRIMED, id) && return true
    return any(p -> p.uuid !== nothing && Base.uuid5(p.uuid, id.name) == id.uuid, parents)
end
if haskey(files, "loaded")
    listed = Base.PkgId[]
    for line in eachline(files["loaded"])
        fields = split(strip(line))
        length(fields) == 2 || continue
        push!(listed, Base.PkgId(Base.UUID(String(fields[1])), String(fields[2])))
    end
    parents = vcat(listed, collect(keys(Base.loaded_modules)))
    listed_extensions = Base.PkgId[]
    for id in listed
        # asked again for each: loading one module can prime the extensions of another
        if is_extension(id, parents)
            push!(listed_extensions, id)
            continue
        end
        was_loaded = haskey(Base.loaded_modules, id)
        try
            Base.require(id)
            was_loaded || push!(added, id.name)
        catch err
            push!(not_loadable, id => first(split(sprint(showerror, err), '\n')))
        end
    end
    for id in listed_extensions
        push!(extensions, id.name => haskey(Base.loaded_modules, id))
    end
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

# The "does not resolve" answer of the functions below. Not `nothing`: that is a value a binding
# has (`Base.nothing`) and a type parameter can be (`Val{nothing}`).
struct Unresolved end
const unresolved = Unresolved()

# Resolve `A.B.C` without evaluating anything: every step must be a defined global.
function resolve_dotted(ex)
    if ex isa Symbol
        bind_root!(ex) || return unresolved
        return global_latest(Staging, ex)
    elseif ex isa Expr && ex.head === :. && length(ex.args) == 2 && ex.args[2] isa QuoteNode
        parent = resolve_dotted(ex.args[1])
        parent isa Module || return unresolved
        field = ex.args[2].value
        field isa Symbol && defined_latest(parent, field) || return unresolved
        return global_latest(parent, field)
    end
    return unresolved
end

# Only the forms Julia's type printer produces are accepted: anything else (assignments, macro
# calls, arbitrary function calls) is refused rather than evaluated.
const allowed_calls = (:typeof, :Symbol)

# The printer is `jl_static_show` (`jl_static_show_x_` in src/rtutils.c), which `--trace-compile`
# writes statements with (observed on 1.5.3 and 1.10.8; the same code on 1.11/1.12). A value
# inside a type that is neither a type nor a built-in number, Bool, Symbol or nothing it prints
# as a call of its type, in its "instance of a struct" branch:
#   - a value of a primitive type, as its bits: `T(0x<hex>)`, most significant byte first, as many
#     digits as the type has bytes. `Char(0x79000000)` (every `Dates.DatePart{'y'}`),
#     `Float16(0x3e00)`, `Int128(0xff…ff)`, an enum value `Base.Val{M.Fruit(0x00000001)}`, and on
#     Julia ≥ 1.11 `Core.AddrSpace{Core}(0x00)` in every `GenericMemory` type: 1.11 prints
#     `Memory{T}` as `GenericMemory{:not_atomic, T, Core.AddrSpace{Core}(0x00)}`; 1.12 shortens
#     `Memory{T}` but still prints `GenericMemoryRef` and `AtomicMemory` in full. Evaluating the
#     call would not give the value back (`Char(::UInt32)` reads a code point, an enum's
#     constructor checks the number; 1.11's `(AS::Type{AddrSpace{Backend}} where Backend)(x::UInt8)`
#     near the end of base/boot.jl does bitcast) and would run a method: the value is rebuilt
#     here with the intrinsic `bitcast`, only when `T` is a primitive type and the literal has
#     its size;
#   - a singleton (no fields, size 0) as `T()`: rebuilt as `T.instance`, no constructor called.
# Signed integers print in decimal (`Int32(5)` as `5`, which reads back as an Int64) and floats
# with C's `%g` (`-inf`, `1.5f`, `1` for 1.0): those cannot be rebuilt and are left as they are.
# `-Inf`, as Julia's `show` writes it (a statements file), is `-` of a name: `-` is accepted on a
# number or a name bound to a signed or floating-point number, negated with an intrinsic.
# A rebuilt value replaces the call in the expression as a `QuoteNode`, which evaluates to it.

# `T` of `T(lit)` or `T()`, evaluated: it must resolve on its own (no `where` variable in it)
function call_type(ex, bound::Vector{Symbol})
    mentions(ex, bound) && return unresolved
    resolved = resolve(ex, Symbol[])
    resolved === unresolved && return unresolved
    return Core.eval(Staging, resolved)
end
mentions(ex, names::Vector{Symbol}) =
    ex isa Symbol ? ex in names : ex isa Expr && any(a -> mentions(a, names), ex.args)

# The bits of `T(0x…)`: an unsigned literal, its type given by its number of hex digits. One of
# 17 to 32 digits both parsers (1.5's julia-parser.scm, JuliaSyntax from 1.10 on) leave as a call
# of the macro `Core.@uint128_str`: read here without running the macro.
function bits_literal(x)
    x isa Union{UInt8,UInt16,UInt32,UInt64,UInt128} && return x
    if x isa Expr && x.head === :macrocall && length(x.args) == 3 &&
       x.args[1] == GlobalRef(Core, Symbol("@uint128_str")) && x.args[3] isa String
        digits = x.args[3]
        if startswith(digits, "0x") && 17 <= length(digits) - 2 <= 32 &&
           all(c -> isxdigit(c), digits[3:end])
            return parse(UInt128, digits[3:end]; base = 16)
        end
    end
    return nothing
end

# The value of a primitive type's bits printed as `T(0x…)`, or of a singleton printed as `T()`.
function printed_value(ex::Expr, bound::Vector{Symbol})
    if length(ex.args) == 2 && bits_literal(ex.args[2]) !== nothing
        T = call_type(ex.args[1], bound)
        lit = bits_literal(ex.args[2])
        T isa DataType && isprimitivetype(T) && sizeof(T) == sizeof(lit) || return unresolved
        return QuoteNode(Core.Intrinsics.bitcast(T, lit))
    elseif length(ex.args) == 1
        T = call_type(ex.args[1], bound)
        T isa DataType && isdefined(T, :instance) || return unresolved
        return QuoteNode(T.instance)
    end
    return unresolved
end

# `-x`, where x is a number or a name bound to a (signed or floating-point) number.
function negative_value(ex::Expr)
    length(ex.args) == 2 || return unresolved
    x = ex.args[2]
    value = x isa Number ? x : resolve_dotted(x)
    value isa Base.IEEEFloat && return QuoteNode(Core.Intrinsics.neg_float(value))
    value isa Base.BitSigned && return QuoteNode(Core.Intrinsics.neg_int(value))
    return unresolved
end

# A `where` variable and the positions of its bounds in `var.args`, or nothing: the forms Julia's
# lowering reads on every version (`analyze-typevar` in src/julia-syntax.scm): `T`, `T<:ub`,
# `T>:lb` and `lb<:T<:ub`, jl_static_show's form for any variable with a lower bound
# (`Int64<:T<:Any` when there is no upper one). Lowering takes `a` as the variable of `a<:b`
# whatever `b` is (`where Int64<:T` declares a variable named Int64 bounded by T), and so does
# this. `ub>:T>:lb` is left out: 1.10 refuses it ("invalid bounds"), later versions accept it.
function typevar_parts(var)
    var isa Symbol && return var, Int[]
    var isa Expr || return nothing
    if (var.head === :<: || var.head === :>:) && length(var.args) == 2 && var.args[1] isa Symbol
        return var.args[1], [2]
    elseif var.head === :comparison && length(var.args) == 5 && var.args[3] isa Symbol &&
           var.args[2] === :<: && var.args[4] === :<:
        return var.args[3], [1, 5]
    end
    return nothing
end

# The type expression `ex` with the values above rebuilt, when every name in it resolves
# (`where`-bound names in `bound`); `unresolved` otherwise. Nothing in `ex` is evaluated but the
# types of the printed values, which pass this same check first.
function resolve(ex, bound::Vector{Symbol} = Symbol[])
    if ex isa Symbol
        return ex in bound || resolve_dotted(ex) !== unresolved ? ex : unresolved
    elseif ex isa QuoteNode || ex isa Number || ex isa String || ex isa Char || ex === nothing
        return ex
    elseif !(ex isa Expr)
        return unresolved
    elseif ex.head === :.
        return resolve_dotted(ex) !== unresolved ? ex : unresolved
    elseif ex.head === :curly || ex.head === :tuple || ex.head === :<: || ex.head === :>:
        args = resolve_all(ex.args, bound)
        return args === unresolved ? unresolved : Expr(ex.head, args...)
    elseif ex.head === :where
        inner = copy(bound)
        vars = Any[]
        for var in ex.args[2:end]
            parts = typevar_parts(var)
            parts === nothing && return unresolved
            name, positions = parts
            # the bounds may name the variables declared before this one, not this one
            if !isempty(positions)
                var = copy(var)
                for i in positions
                    var.args[i] = resolve(var.args[i], inner)
                    var.args[i] === unresolved && return unresolved
                end
            end
            push!(inner, name)
            push!(vars, var)
        end
        body = resolve(ex.args[1], inner)
        body === unresolved && return unresolved
        return Expr(:where, body, vars...)
    elseif ex.head === :call && !isempty(ex.args)
        if ex.args[1] in allowed_calls
            args = resolve_all(ex.args[2:end], bound)
            return args === unresolved ? unresolved : Expr(:call, ex.args[1], args...)
        elseif ex.args[1] === :-
            return negative_value(ex)
        end
        return printed_value(ex, bound)
    end
    return unresolved
end

function resolve_all(args, bound::Vector{Symbol})
    resolved = Any[resolve(a, bound) for a in args]
    return any(a -> a === unresolved, resolved) ? unresolved : resolved
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
    signature = resolve(ex.args[2])
    signature === unresolved && return "unresolvable", nothing
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
    for (name, loaded) in extensions
        println(io, "extension\t", name, '\t', loaded ? "loaded" : "not_loaded")
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
