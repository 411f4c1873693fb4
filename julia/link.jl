# Run as `julia --startup-file=no link.jl OUTPUT OBJECT...` on Julia ≥ 1.9: prints the
# command this Julia itself would link an image with (`Base.Linking.link_image_cmd`, added in
# Julia 1.9 for package images), so that julia-sysimage links with the target Julia's own recipe:
# its bundled lld (or `lld` on PATH), its platform flags and its library folders.
#
# Output on stdout, every field followed by a NUL byte (paths may hold any other character):
#   arg  <value>            the program, then each argument, in order
#   env  <name>  <value>    a variable the command sets differently from this process's ENV
# Nothing from ARGS is evaluated: they are paths, interpolated into a Cmd as separate words.
const output = ARGS[1]
const objects = ARGS[2:end]

# `$path` in link_image_cmd splices a vector as separate words, so several objects work too
cmd = Base.Linking.link_image_cmd(objects, output)

io = IOBuffer()
field(s) = (write(io, s); write(io, '\0'))
for word in cmd.exec
    field("arg"); field(word)
end
if cmd.env !== nothing
    for entry in cmd.env
        isempty(entry) && continue
        # search from the second character: Windows keeps per-drive names like "=C:=C:\\"
        i = findnext(==('='), entry, nextind(entry, firstindex(entry)))
        i === nothing && continue
        name, value = entry[1:prevind(entry, i)], entry[nextind(entry, i):end]
        if get(ENV, name, nothing) != value
            field("env"); field(name); field(value)
        end
    end
end
write(stdout, take!(io))
