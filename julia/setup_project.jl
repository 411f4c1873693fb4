# Instantiates and precompiles the active project (`--project=...`): the image build process
# cannot precompile, so every package must have a usable cache before it starts.
using Pkg
Pkg.instantiate()
Pkg.precompile()
