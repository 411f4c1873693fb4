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
for name in ("variants", "loaded", "stdlibs", "hook", "held")
    file = tagged_file(name)
    file === nothing || (files[name] = file)
end

# ---------------------------------------------------------------------------------------------
# 1. Load the packages so that their modules (and everything they load) become part of the image.
# "<uuid> <name>" per line (the packages files the tool writes), as package ids
function package_ids(file)
    ids = Base.PkgId[]
    for line in eachline(file)
        fields = split(strip(line))
        length(fields) == 2 || continue
        push!(ids, Base.PkgId(Base.UUID(String(fields[1])), String(fields[2])))
    end
    return ids
end

loaded = String[]
for id in package_ids(files["packages"])
    Base.require(id)
    push!(loaded, id.name)
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
# Loads `id` if it can; its name goes to `newly` when it was not loaded before, the first line of
# the error to `not_loadable` when it cannot be loaded.
function require_reporting!(newly, id)
    was_loaded = haskey(Base.loaded_modules, id)
    try
        Base.require(id)
        was_loaded || push!(newly, id.name)
    catch err
        push!(not_loadable, id => first(split(sprint(showerror, err), '\n')))
    end
end
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
    listed = package_ids(files["loaded"])
    parents = vcat(listed, collect(keys(Base.loaded_modules)))
    listed_extensions = Base.PkgId[]
    for id in listed
        # asked again for each: loading one module can prime the extensions of another
        if is_extension(id, parents)
            push!(listed_extensions, id)
            continue
        end
        require_reporting!(added, id)
    end
    for id in listed_extensions
        push!(extensions, id.name => haskey(Base.loaded_modules, id))
    end
end

# The stdlibs the image holds for the steps after the build (`--stdlibs=FILE`: Pkg and Test;
# src/stages/project/later-step-stdlibs.ts says why). Their `--pkgimages=no` caches were compiled
# by the project step. Reported are those that were not in the image yet (Julia 1.10's own image
# holds Pkg, 1.11's neither).
stdlibs = String[]
haskey(files, "stdlibs") && foreach(id -> require_reporting!(stdlibs, id), package_ids(files["stdlibs"]))

# The image's start-up hook (julia/layer_hook.jl, `--hook=FILE`): a module defined after
# the packages, so its `__init__` runs at the image's start after theirs (Julia defers the
# `__init__` of a module defined while it generates an image to the image's start). It is
# `Base.JuliaSysimageLayers`, not a module of this build's: Julia 1.10 emits native code only
# for methods whose function is reachable from a loaded module (src/precompile_utils.c
# `jl_foreach_reachable_mtable`), and the hook's code must be in the image, or every start would
# compile it; Main stays as empty as plain Julia's.
haskey(files, "hook") && Base.include(Base, files["hook"])
# the packages it holds, for its warning of a version mix (`--held=FILE`)
haskey(files, "held") && Base.invokelatest(getfield(Base, :JuliaSysimageLayers).hold!, files["held"])

# A function, so that Julia without the entry point never compiles this call.
# From here on, what is precompiled is tagged for the chained image's new code (PR #46045).
start_chained_precompiles() = ccall(:jl_precompiles_for_sysimage, Cvoid, (Cuchar,), 1)
chained && start_chained_precompiles()

# ---------------------------------------------------------------------------------------------
# 2. Replay the statements in a staging module that can see every loaded module by name.
const Staging = Module(:JuliaSysimageStaging)
Base.include(@__MODULE__, joinpath(@__DIR__, "replay.jl"))

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
    println(io, "stdlibs\t", join(stdlibs, ','))
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
