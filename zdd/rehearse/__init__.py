"""`zdd rehearse`: a deploy of the user's own app on the local runtime, probed and judged."""
