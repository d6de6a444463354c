"""The side-by-side benchmark of scripts/bench: ours against the reference plugins, one run, interleaved.

procs      one timed exec of a plugin (posix_spawn + wait4), the two implementations
netns      named network namespaces the driver setns()es into (outside the timed window)
load       how busy the rest of the machine was while a row ran
rows       statistics, row definitions with their targets, the report
output     table, plot, machine description, README section
scenarios  one module per group of rows; each row is defined (id, title, unit, target) in its module only
"""
