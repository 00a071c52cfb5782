"""`zdd deploy`: a watched, reversible deploy (options, the flow, its report)."""
