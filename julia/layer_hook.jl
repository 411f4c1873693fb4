# The start-up hook of a layered image, loaded with `-L` by the launcher beside the image:
#
#     julia --sysimage=<image> -L <image>.layers/hook.jl [the user's arguments]
#
# A layered image is three layers: the system image (Base, stdlibs, registry dependencies), the
# package images of the project's own packages, and the generated workload package, whose image
# holds the code the workload compiles on top of them. The last two live in the `depot/` folder
# beside this file, and the workload package is found through the environment in `env/`.
# This hook:
#   - appends that depot to DEPOT_PATH (after the user's: new caches still go to the user's own
#     first depot) and that environment to LOAD_PATH (after the user's, so it never hides one of
#     the user's packages);
#   - loads the workload package as soon as one of its trigger packages (the project's own
#     packages, or its dependencies when it has none) is loaded, through `Base.package_callbacks`.
#     Julia runs those callbacks after a package is loaded, with the loading lock released
#     (base/loading.jl `run_package_callbacks`, Julia 1.9 to 1.13); the API is documented as
#     experimental, hence the `try`.
# It binds no name in `Main`, and it never stops the user's Julia: every step is guarded, and
# what goes wrong is one line on stderr that says how to get the layer back. Its configuration is
# `layers.txt` beside it: "key<TAB>uuid<TAB>name" lines, keys `trigger` and `workload`; or, at the
# top of the layer folder, a line "generation<TAB>build-N" that names the subfolder holding the
# layers in use (a build writes the other one, then switches this line) and a line
# "image<TAB>sysimage.so" that names the image they belong to. Paths are found from
# this file's own folder, so the image, this folder and the launcher can move together.
#
# With `julia -p N`, Julia loads a `-L` file on every worker too (base/client.jl
# `exec_options`, 1.10 to 1.13); workers added later with `addprocs` start without it.
let layers = @__DIR__
    # One line on stderr, never an error: the hook runs before the user's code.
    note(what, err) =
        try
            msg = first(split(sprint(showerror, err), '\n'))
            println(stderr, "julia-sysimage: ", what, " (", msg, "); rebuild the image with julia-sysimage to get it back")
        catch
        end
    try
        config = readlines(joinpath(layers, "layers.txt"))
        generation = nothing
        image = nothing
        for line in config
            fields = split(line, '\t')
            length(fields) == 2 || continue
            fields[1] == "generation" && occursin(r"^build-[0-9]+$", fields[2]) && (generation = fields[2])
            fields[1] == "image" && (image = joinpath(dirname(layers), fields[2]))
        end
        if generation !== nothing
            layers = joinpath(layers, generation)
            config = readlines(joinpath(layers, "layers.txt"))
            # The layers belong to one image (the pointer names it, relative to this folder's
            # parent): with any other, such as a command line that names its own sysimage through
            # the `julia` julia-sysimage puts on PATH, Julia runs alone.
            if image !== nothing && !samefile(image, unsafe_string(Base.JLOptions().image_file))
                config = String[]
                layers = nothing
            end
        end
        layers === nothing || push!(DEPOT_PATH, joinpath(layers, "depot"))
        layers === nothing || push!(LOAD_PATH, joinpath(layers, "env"))
        triggers = Set{Base.PkgId}()
        workload = nothing
        for line in config
            fields = split(line, '\t')
            length(fields) == 3 || continue
            uuid = tryparse(Base.UUID, fields[2])
            uuid === nothing && continue
            id = Base.PkgId(uuid, String(fields[3]))
            fields[1] == "trigger" && push!(triggers, id)
            fields[1] == "workload" && (workload = id)
        end
        if workload !== nothing && isdefined(Base, :package_callbacks) &&
           ccall(:jl_generating_output, Cint, ()) == 0
            wanted = workload
            # Atomic{Int}, not {Bool}: Base's own image has its constructor compiled, so the
            # hook compiles nothing at start-up (measured on 1.10 and 1.12: Atomic{Bool}(false)
            # was the one statement a layered image left to compile at run time)
            triggered = Threads.Atomic{Int}(0)
            claimed = Threads.Atomic{Int}(0)
            push!(Base.package_callbacks, function (id)
                try
                    claimed[] == 1 && return
                    id in triggers && (triggered[] = 1)
                    triggered[] == 1 || return
                    # The workload package depends on the triggers: it may load only once no
                    # package is being loaded, or Julia reports a cycle ("deadlock detected in
                    # loading"). A trigger loaded as a dependency of another package gets here
                    # while that one is still loading; the callback of the outermost package,
                    # which Julia runs after its load has ended, finds none in progress
                    # (base/loading.jl `package_locks`, Julia 1.9 to 1.13; Julia defers package
                    # extensions by the same test).
                    isdefined(Base, :package_locks) && !isempty(Base.package_locks) && return
                    # exactly once, also when two tasks load packages at the same time
                    Threads.atomic_cas!(claimed, 0, 1) == 1 && return
                    Base.require(wanted)
                catch err
                    note("the workload layer of this image was not loaded", err)
                end
            end)
        end
    catch err
        note("the package layers of this image are not in use", err)
    end
end
