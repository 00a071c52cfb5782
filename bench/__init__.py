"""zdd benchmarks: `python -m bench [filter]` (or `invoke bench`); see bench/__main__.py."""
