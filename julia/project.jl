# Sets up the active project (`--project=...`); ARGS name the steps, both when none is given:
#   instantiate  download the packages and artifacts the manifest names (resolving one first when
#                the project has none)
#   precompile   precompile every package: the image build process cannot precompile, so every
#                package must have a usable cache before it starts
#   stdlibs      give each `--stdlib=UUID:NAME` (repeatable) a cache: the image holds it for
#                later steps though the project's manifest may not list it
# A cache hit needs only the first: the image already holds the packages' code, but their
# artifacts and files must be on this machine.
const step_args = filter(a -> !startswith(a, "--"), ARGS)
const steps = isempty(step_args) ? ["instantiate", "precompile"] : step_args
const stdlibs = map(filter(a -> startswith(a, "--stdlib="), ARGS)) do arg
    uuid, name = split(arg[ncodeunits("--stdlib=")+1:end], ':'; limit=2)
    Base.PkgId(Base.UUID(String(uuid)), String(name))
end

# A temporary folder whose path holds no space, for a process that compiles. Downloads (under
# Pkg, outside Julia's own image from 1.11) downloads `"file://" * mktemp()` while it is
# precompiled (the `let` block at the end of Downloads.jl, 1.10 to 1.13), and curl refuses that
# URL when the path holds a space ("URL using bad/illegal format"). Set before anything here
# compiles (loading Pkg under `--pkgimages=no` compiles it too); precompile children inherit
# ENV. Windows keeps its own (TMP/TEMP are read there, not TMPDIR).
if ("precompile" in steps || "stdlibs" in steps) && !Sys.iswindows() && occursin(' ', tempdir()) && isdir("/tmp")
    ENV["TMPDIR"] = mktempdir("/tmp")
end

# The precompile step runs with the image build's flags (`--pkgimages=no`). From Julia 1.11 Pkg is
# not in the default image but a package image of its own, which those flags reject: loading it
# there compiles Pkg and its dependencies into the depot (measured 20 s on 1.12 here). Julia 1.12
# has the parallel precompilation in Base (`Base.Precompilation.precompilepkgs`,
# base/precompilation.jl), so Pkg is loaded only to instantiate, or on a Julia without it; a build
# whose image holds Pkg compiles that cache in the `stdlibs` step, on purpose.
const base_precompiles = isdefined(Base, :Precompilation)
const Pkg = if "instantiate" in steps || !base_precompiles
    Base.require(Base.PkgId(Base.UUID("44cfe95a-1eb2-52ea-b672-e2afdf69b78f"), "Pkg"))
else
    nothing
end

"instantiate" in steps && Pkg.instantiate()
if "precompile" in steps
    if base_precompiles
        Base.Precompilation.precompilepkgs()
    else
        Pkg.precompile()
    end
end
# `require` compiles a missing or stale cache (for this process's flags) and loads it; the
# stdlibs are not in the manifest, so the precompile step does not see them
"stdlibs" in steps && foreach(Base.require, stdlibs)
