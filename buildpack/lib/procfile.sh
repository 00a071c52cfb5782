#!/usr/bin/env bash
# Wiring the release-phase check into the slug's Procfile.

# This file is sourced; the caller sets the shell options.

PROCFILE_CHECK_COMMAND=".zdd/bin/release-check"

# The release command with our check run first:
#   .zdd/bin/release-check || exit $?; <original>
# The check gates the whole original command, whatever it holds (`;`, `&&`, `||`, a trailing `&`,
# a `# comment`): when the check fails (only with ZDD_STRICT=1) the shell exits with its status
# before any of it runs; otherwise the original runs as written and its exit status is the
# command's.
# Usage: procfile::wrap "bundle exec rake db:migrate"
procfile::wrap() {
	local original="${1}"
	if [[ -z "${original}" ]]; then
		echo "${PROCFILE_CHECK_COMMAND}"
	else
		echo "${PROCFILE_CHECK_COMMAND} || exit \$?; ${original}"
	fi
}

# The user's own release command inside a command we wired (this form or an older one), and
# true; false when COMMAND is not one of our wirings.
#   .zdd/bin/release-check                      -> ""
#   .zdd/bin/release-check || exit $?; X        -> X   (current)
#   .zdd/bin/release-check && { X; }            -> X   (0.1.0, commands with ; & |)
#   .zdd/bin/release-check && X                 -> X   (0.1.0)
# Usage: original="$(procfile::unwrap COMMAND)" && ...
procfile::unwrap() {
	local command="${1}" check="${PROCFILE_CHECK_COMMAND}"
	local current="${check} || exit \$?; " grouped="${check} && { " chained="${check} && "
	if [[ "${command}" == "${check}" ]]; then
		echo ""
	elif [[ "${command}" == "${current}"* ]]; then
		echo "${command#"${current}"}"
	elif [[ "${command}" == "${grouped}"*"; }" ]]; then
		command="${command#"${grouped}"}"
		echo "${command%"; }"}"
	elif [[ "${command}" == "${chained}"* ]]; then
		echo "${command#"${chained}"}"
	else
		return 1
	fi
}

# The command of process type NAME in PROCFILE (`name: command`, CRLF or LF), and true; false
# when the file or the type is missing or the command is empty.
# Usage: command="$(procfile::command /app/Procfile web)" || ...
procfile::command() {
	local procfile="${1}" name="${2}" line
	[[ -f "${procfile}" ]] || return 1
	while IFS= read -r line || [[ -n "${line}" ]]; do
		line="${line%$'\r'}"
		if [[ "${line}" =~ ^[[:space:]]*([A-Za-z0-9_-]+)[[:space:]]*:[[:space:]]*(.*[^[:space:]])[[:space:]]*$ ]] &&
			[[ "${BASH_REMATCH[1]}" == "${name}" ]]; then
			printf '%s\n' "${BASH_REMATCH[2]}"
			return 0
		fi
	done <"${procfile}"
	return 1
}

# Wire the check into BUILD_DIR/Procfile, keeping the file's line endings. Sets PROCFILE_RESULT to
# one of:
#   absent     no Procfile (left alone: creating one would drop the JVM buildpack's default web)
#   wired      already wired (an earlier compile), or the command runs the check itself somewhere:
#              nothing changed
#   rewired    wired by an older zdd in a form that did not gate every command: now in the
#              current form
#   prepended  an existing `release:` command now runs the check first
#   added      a `release:` line was added
# Usage: procfile::wire_release_check BUILD_DIR
procfile::wire_release_check() {
	local procfile="${1}/Procfile" tmp line cr eol=$'\n' name command original wrapped
	local found=0 changed=0 rewired=0
	PROCFILE_RESULT="absent"
	[[ -f "${procfile}" ]] || return 0
	tmp="$(mktemp)"
	while IFS= read -r line || [[ -n "${line}" ]]; do
		cr=""
		if [[ "${line}" == *$'\r' ]]; then
			cr=$'\r'
			eol=$'\r\n'
			line="${line%$'\r'}"
		fi
		if [[ "${line}" =~ ^([[:space:]]*release[[:space:]]*:)[[:space:]]*(.*)$ ]]; then
			found=1
			name="${BASH_REMATCH[1]}"
			command="${BASH_REMATCH[2]}"
			if original="$(procfile::unwrap "${command}")"; then
				wrapped="$(procfile::wrap "${original}")"
				if [[ "${wrapped}" != "${command}" ]]; then
					line="${name} ${wrapped}"
					rewired=1
				fi
			elif [[ "${command}" != *"${PROCFILE_CHECK_COMMAND}"* ]]; then
				line="${name} $(procfile::wrap "${command}")"
				changed=1
			fi
		fi
		printf '%s%s\n' "${line}" "${cr}" >>"${tmp}"
	done <"${procfile}"
	if ((found == 0)); then
		printf 'release: %s%s' "${PROCFILE_CHECK_COMMAND}" "${eol}" >>"${tmp}"
		PROCFILE_RESULT="added"
	elif ((changed == 1)); then
		PROCFILE_RESULT="prepended"
	elif ((rewired == 1)); then
		PROCFILE_RESULT="rewired"
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
