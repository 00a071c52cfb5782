#!/usr/bin/env bash
# Wiring the release-phase check into the slug's Procfile.

# This file is sourced; the caller sets the shell options.

PROCFILE_CHECK_COMMAND=".zdd/bin/release-check"

# The release command with our check run first. The original still runs when the check passes
# (it always does, except with ZDD_STRICT=1), and its exit status is the command's.
# Usage: procfile::wrap "bundle exec rake db:migrate"
procfile::wrap() {
	local original="${1}"
	if [[ -z "${original}" ]]; then
		echo "${PROCFILE_CHECK_COMMAND}"
	elif [[ "${original}" == *[\;\&\|]* && "${original}" != *"#"* ]]; then
		# Keep `a || b`, `a; b` together: the check must gate the whole command, not its first part.
		echo "${PROCFILE_CHECK_COMMAND} && { ${original}; }"
	else
		echo "${PROCFILE_CHECK_COMMAND} && ${original}"
	fi
}

# Wire the check into BUILD_DIR/Procfile. Sets PROCFILE_RESULT to one of:
#   absent     no Procfile (left alone: creating one would drop the JVM buildpack's default web)
#   wired      already wired (an earlier compile): nothing changed
#   prepended  an existing `release:` command now runs the check first
#   added      a `release:` line was added
# Usage: procfile::wire_release_check BUILD_DIR
procfile::wire_release_check() {
	local procfile="${1}/Procfile" tmp line cr name command found=0 changed=0
	PROCFILE_RESULT="absent"
	[[ -f "${procfile}" ]] || return 0
	tmp="$(mktemp)"
	while IFS= read -r line || [[ -n "${line}" ]]; do
		cr=""
		if [[ "${line}" == *$'\r' ]]; then
			cr=$'\r'
			line="${line%$'\r'}"
		fi
		if [[ "${line}" =~ ^([[:space:]]*release[[:space:]]*:)[[:space:]]*(.*)$ ]]; then
			found=1
			name="${BASH_REMATCH[1]}"
			command="${BASH_REMATCH[2]}"
			if [[ "${command}" != *"${PROCFILE_CHECK_COMMAND}"* ]]; then
				line="${name} $(procfile::wrap "${command}")"
				changed=1
			fi
		fi
		printf '%s%s\n' "${line}" "${cr}" >>"${tmp}"
	done <"${procfile}"
	if ((found == 0)); then
		printf 'release: %s\n' "${PROCFILE_CHECK_COMMAND}" >>"${tmp}"
		PROCFILE_RESULT="added"
	elif ((changed == 1)); then
		PROCFILE_RESULT="prepended"
	else
		PROCFILE_RESULT="wired"
	fi
	if [[ "${PROCFILE_RESULT}" == "wired" ]]; then
		rm -f "${tmp}"
	else
		cat "${tmp}" >"${procfile}"
		rm -f "${tmp}"
	fi
}
