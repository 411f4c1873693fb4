"""
A small inventory package: enough real code (structs, generic functions, dictionaries,
sorting, formatted printing) that a fresh Julia has to compile it before first use.
"""
module Hello

using Printf

export Item, Inventory, add!, total_value, by_category, report

struct Item
    name::String
    category::Symbol
    price::Float64
    quantity::Int
end

value(item::Item) = item.price * item.quantity

struct Inventory
    items::Vector{Item}
end

Inventory() = Inventory(Item[])

function add!(inv::Inventory, name::AbstractString, category::Symbol, price::Real, quantity::Integer)
    push!(inv.items, Item(String(name), category, Float64(price), Int(quantity)))
    return inv
end

total_value(inv::Inventory) = mapreduce(value, +, inv.items; init = 0.0)

"Group item values by category."
function by_category(inv::Inventory)
    totals = Dict{Symbol,Float64}()
    for item in inv.items
        totals[item.category] = get(totals, item.category, 0.0) + value(item)
    end
    return totals
end

"The `n` most valuable items, most valuable first."
top(inv::Inventory, n::Integer) = sort(inv.items; by = value, rev = true)[1:min(n, length(inv.items))]

function report(io::IO, inv::Inventory; top_n::Integer = 3)
    @printf(io, "%-12s %10s\n", "category", "value")
    totals = by_category(inv)
    for category in sort(collect(keys(totals)))
        @printf(io, "%-12s %10.2f\n", string(category), totals[category])
    end
    @printf(io, "%-12s %10.2f\n", "total", total_value(inv))
    for (rank, item) in enumerate(top(inv, top_n))
        @printf(io, "#%d %-10s %8.2f (%d × %.2f)\n", rank, item.name, value(item), item.quantity, item.price)
    end
    return nothing
end

report(inv::Inventory; kwargs...) = report(stdout, inv; kwargs...)

end # module
