# The start-up hook of an image: a module built into every image julia-sysimage builds on Julia
# ≥ 1.9 (chained ones apart), whose `__init__` Julia runs each time the image starts, after Base's own (`Base.__init__` has set
# DEPOT_PATH, LOAD_PATH and the active project by then) and before the command line's code.
# In an image build Julia defers the `__init__` of the modules it serializes to the image's start
# (src/toplevel.c `jl_eval_module_expr`, src/staticdata.c init order; Julia 1.9 to 1.13).
#
# A layered image is three layers: the system image (Base, stdlibs, registry dependencies), the
# package images of the project's own packages, and the generated workload package, whose image
# holds the code the workload compiles on top of them. The last two live in the layer folder
# beside the image (`sysimage.so` → `sysimage.layers/`), so every process that starts with the
# image gets them: `julia -J sysimage.so` alone, a `Pkg.test()` or `Pkg.build()` child, a
# `Distributed` worker, `run(Base.julia_cmd())`, all of which inherit `--sysimage`. It:
#   - appends the layer depot to DEPOT_PATH (after the user's: new caches still go to the user's
#     own first depot) and the layer environment to LOAD_PATH (after the user's, so it never
#     hides one of the user's packages);
#   - loads the workload package as soon as one of its trigger packages (the project's own
#     packages, or its dependencies when it has none) is loaded, through `Base.package_callbacks`.
#     Julia runs those callbacks after a package is loaded, with the loading lock released
#     (base/loading.jl `run_package_callbacks`, Julia 1.9 to 1.13); the API is documented as
#     experimental, hence the `try`.
# It does nothing while Julia generates output (an image or a package image: a precompile child
# gets the layer depot from its parent's JULIA_DEPOT_PATH), nothing when the folder is absent,
# and it never stops the user's Julia: every step is guarded, and what goes wrong is one line on
# stderr that says how to get the layers back.
#
# The folder: `layers.txt` at its top holds "generation<TAB>build-N", the subfolder holding the
# layers in use (a build writes the other one, then switches this line), and "image<TAB>NAME",
# the image they belong to, relative to the folder's parent: with any other image (a copy
# renamed, a command line that names its own sysimage) Julia runs alone. The generation's own
# `layers.txt` holds "key<TAB>uuid<TAB>name" lines, keys `trigger` and `workload`.
#
# It also warns, in one line on stderr, when the active environment's manifest resolves a package
# the image holds to another version or tree (or develops it at a path): Julia uses the module in
# the image whatever the manifest says, and the image must never hide that. The packages come
# from `hold!` at the image's build ("uuid<TAB>name<TAB>version<TAB>git-tree-sha1" lines); the
# manifest is read with `Base.parsed_toml`, whose cache Julia's own loading then reuses.
#
# JULIA_SYSIMAGE_LAYERS, when set, names the folder instead (a layer folder with its pointer, or
# one generation): julia-sysimage's own runs of an image that is not in its place yet use it.
# Loaded with `-L` into a Julia whose image lacks the module, this file does the same.
module JuliaSysimageLayers

# (uuid, name, version, git-tree-sha1) of each package the image holds, filled at its build
const held = NTuple{4,String}[]
const triggers = Set{Base.PkgId}()
const workload = Base.PkgId[]
# Atomic{Int}, not {Bool}: Base's image has its constructor compiled (measured on 1.10 and 1.12)
const triggered = Threads.Atomic{Int}(0)
const claimed = Threads.Atomic{Int}(0)

# One line on stderr, never an error: the hook runs before the user's code.
function note(what::String, @nospecialize(err))
    try
        msg = first(split(sprint(showerror, err), '\n'))
        println(stderr, "julia-sysimage: ", what, " (", msg, "); rebuild the image with julia-sysimage to get it back")
    catch
    end
    return nothing
end

# "key<TAB>value" lines of a file: the fields of each line that splits into `n`.
function rows(file::String, n::Int)
    found = Vector{SubString{String}}[]
    for line in readlines(file)
        fields = split(line, '\t')
        length(fields) == n && push!(found, fields)
    end
    return found
end

# At the image's build: the packages it holds, from the file julia-sysimage wrote.
function hold!(file::String)
    for fields in rows(file, 4)
        push!(held, (String(fields[1]), String(fields[2]), String(fields[3]), String(fields[4])))
    end
    return nothing
end

# The entry of package `uuid` named `name` in a parsed manifest, or nothing. Manifest format 2
# (Julia ≥ 1.7) keeps the entries under "deps", format 1 at the top.
function manifest_entry(manifest::Dict{String,Any}, name::String, uuid::String)
    deps = haskey(manifest, "manifest_format") ? get(manifest, "deps", nothing) : manifest
    deps isa Dict{String,Any} || return nothing
    entries = get(deps, name, nothing)
    entries isa Vector || return nothing
    for entry in entries
        entry isa Dict{String,Any} && get(entry, "uuid", nothing) == uuid && return entry
    end
    return nothing
end

# One line when the active manifest wants other content than the image holds.
function warn_version_mix()
    isempty(held) && return nothing
    project = Base.active_project()
    project isa String || return nothing
    manifest_file = Base.project_file_manifest_path(project)
    manifest_file isa String || return nothing
    manifest = Base.parsed_toml(manifest_file)
    mixed = String[]
    for (uuid, name, version, tree) in held
        entry = manifest_entry(manifest, name, uuid)
        entry === nothing && continue
        path = get(entry, "path", nothing)
        wanted_tree = get(entry, "git-tree-sha1", nothing)
        wanted = get(entry, "version", nothing)
        if path isa String
            push!(mixed, string(name, " ", version, " (the environment develops it at ", path, ")"))
        elseif wanted_tree isa String && wanted_tree != tree
            push!(mixed, string(name, " ", version, " (the environment wants ",
                                wanted isa String ? wanted : string("tree ", wanted_tree), ")"))
        end
    end
    isempty(mixed) && return nothing
    println(stderr, "julia-sysimage: the image holds ", join(mixed, ", "), " and Julia uses the ",
            "image's; rebuild the image with julia-sysimage for ", manifest_file, ", or start Julia ",
            "without it (`julia-with-image: false` in the workflow, or `-J` with Julia's own image)")
    return nothing
end

# Runs after every package load (Base.package_callbacks).
function on_package_loaded(id::Base.PkgId)
    try
        claimed[] == 1 && return
        id in triggers && (triggered[] = 1)
        triggered[] == 1 || return
        # The workload package depends on the triggers: it may load only once no package is
        # being loaded, or Julia reports a cycle ("deadlock detected in loading"). A trigger
        # loaded as a dependency of another package gets here while that one is still loading;
        # the callback of the outermost package, which Julia runs after its load has ended, finds
        # none in progress (base/loading.jl `package_locks`, Julia 1.9 to 1.13; Julia defers
        # package extensions by the same test).
        isdefined(Base, :package_locks) && !isempty(Base.package_locks) && return
        # exactly once, also when two tasks load packages at the same time
        Threads.atomic_cas!(claimed, 0, 1) == 1 && return
        Base.require(workload[1])
    catch err
        note("the workload layer of this image was not loaded", err)
    end
    return nothing
end

# Puts the layers of the folder `root` in use for a process started with `image`.
function use_layers(root::String, image::String)
    try
        layers = root
        pointer = rows(joinpath(root, "layers.txt"), 2)
        generation = ""
        named = ""
        for fields in pointer
            fields[1] == "generation" && occursin(r"^build-[0-9]+$", fields[2]) && (generation = String(fields[2]))
            fields[1] == "image" && (named = joinpath(dirname(root), fields[2]))
        end
        if !isempty(generation)
            isempty(named) || samefile(named, image) || return
            layers = joinpath(root, generation)
        end
        depot = joinpath(layers, "depot")
        depot in DEPOT_PATH && return  # already in use (the module and a `-L` of this file)
        config = rows(joinpath(layers, "layers.txt"), 3)
        push!(DEPOT_PATH, depot)
        push!(LOAD_PATH, joinpath(layers, "env"))
        for fields in config
            uuid = tryparse(Base.UUID, fields[2])
            uuid === nothing && continue
            id = Base.PkgId(uuid, String(fields[3]))
            fields[1] == "trigger" && push!(triggers, id)
            fields[1] == "workload" && isempty(workload) && push!(workload, id)
        end
        if !isempty(workload) && isdefined(Base, :package_callbacks)
            push!(Base.package_callbacks, on_package_loaded)
        end
    catch err
        note("the package layers of this image are not in use", err)
    end
    return nothing
end

function __init__()
    ccall(:jl_generating_output, Cint, ()) == 0 || return
    try
        image = unsafe_string(Base.JLOptions().image_file)
        root = get(ENV, "JULIA_SYSIMAGE_LAYERS", "")
        isempty(root) && (root = splitext(image)[1] * ".layers")
        # no folder beside the image: a full image, or layers left behind (Julia runs alone)
        isdir(root) && use_layers(root, image)
    catch err
        note("the package layers of this image are not in use", err)
    end
    try
        warn_version_mix()
    catch
    end
    return nothing
end

# Compiled into the image, so that a start compiles nothing of the hook's.
precompile(__init__, ())
precompile(use_layers, (String, String))
precompile(on_package_loaded, (Base.PkgId,))
precompile(note, (String, Any))
precompile(warn_version_mix, ())

end
