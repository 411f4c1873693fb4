# Sets up the active project (`--project=...`); ARGS name the steps, both when none is given:
#   instantiate  download the packages and artifacts the manifest names (resolving one first when
#                the project has none)
#   precompile   precompile every package: the image build process cannot precompile, so every
#                package must have a usable cache before it starts
# A cache hit needs only the first: the image already holds the packages' code, but their
# artifacts and files must be on this machine.
using Pkg
steps = isempty(ARGS) ? ["instantiate", "precompile"] : ARGS
"instantiate" in steps && Pkg.instantiate()
"precompile" in steps && Pkg.precompile()
