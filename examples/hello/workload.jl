# The workload whose compiled methods go into the image: run it as users would.
using Hello

inventory = Inventory()
add!(inventory, "widget", :tools, 2.50, 40)
add!(inventory, "gizmo", :tools, 12.00, 3)
add!(inventory, "apple", :food, 0.40, 120)
add!(inventory, "coffee", :food, 7.25, 6)
add!(inventory, "lamp", :home, 19.99, 2)

report(inventory)
println(sort(collect(by_category(inventory)); by = last, rev = true))
