#!/usr/bin/env bash
# Build output in Heroku's style: `-----> ` steps, 7-space details, ` !     ` warnings on stderr.
# Same helpers (and names) as heroku-buildpack-python's lib/output.sh.

# This file is sourced; the caller sets the shell options.

ANSI_YELLOW='\033[1;33m'
ANSI_RED='\033[1;31m'
ANSI_RESET='\033[0m'

# Usage: output::step "Installing the warm-up"
output::step() {
	echo "-----> ${1}"
}

# Usage: output::detail "one line of detail"
output::detail() {
	echo "       ${1}"
}

# Usage: some_command |& output::indent
output::indent() {
	sed -u 's/^/       /'
}

# Usage:
# output::warning <<-EOF
#	Warning: something you should know.
# EOF
output::warning() {
	output::_bang "${ANSI_YELLOW}"
}

# Usage: as output::warning, in red.
output::error() {
	output::_bang "${ANSI_RED}"
}

# Prints stdin to stderr with each line prefixed by ` !     `, with a blank line before and after.
output::_bang() {
	local colour="${1}" line
	echo >&2
	while IFS= read -r line; do
		printf '%b !     %s%b\n' "${colour}" "${line}" "${ANSI_RESET}" >&2
	done
	echo >&2
}
