#!/usr/bin/env bash
# Heroku Platform API reads with curl: base URL, token rule, bounded time, one retry on 429/5xx.
# Used at build time (bin/compile) and at run time in the release dyno (bash, curl, jq only).

# This file is sourced; the caller sets the shell options.

# The base URL, as the Heroku CLI and zdd's Python client pick it (docs/design.md):
# HEROKU_HOST unset -> https://api.heroku.com; a value starting with http is the whole base URL;
# any other value H means https://api.H.
# Usage: base_url="$(api::base_url)"
api::base_url() {
	local host="${HEROKU_HOST:-}"
	if [[ -z "${host}" ]]; then
		echo "https://api.heroku.com"
	elif [[ "${host}" == http* ]]; then
		echo "${host%/}"
	else
		echo "https://api.${host%/}"
	fi
}

# True when a bearer token may be sent to this URL: https, or plain http to a loopback address.
# Usage: if api::token_allowed "${url}"; then ...
api::token_allowed() {
	local url="${1}" rest host
	[[ "${url}" == https://* ]] && return 0
	[[ "${url}" == http://* ]] || return 1
	rest="${url#http://}"
	rest="${rest%%/*}"
	rest="${rest##*@}"
	if [[ "${rest}" == \[* ]]; then
		host="${rest%%]*}"
		host="${host#[}"
	else
		host="${rest%%:*}"
	fi
	host="${host,,}"
	[[ "${host}" == "localhost" || "${host}" == "::1" || "${host}" =~ ^127\.[0-9]+\.[0-9]+\.[0-9]+$ ]]
}

# Milliseconds since the epoch, from bash itself (no `date` fork).
api::now_ms() {
	local us="${EPOCHREALTIME//[!0-9]/}"
	echo "$((10#${us} / 1000))"
}

# Milliseconds as curl's decimal seconds: 2500 -> 2.500
api::_seconds() {
	printf '%d.%03d' "$((${1} / 1000))" "$((${1} % 1000))"
}

# One GET with a JSON body written to a file. The token goes to curl through a file descriptor,
# never on the command line (so it is not visible in `ps`) and never on stdout/stderr.
# Prints "<http status> <curl exit code>"; status 000 when there was no HTTP answer.
# Usage: api::_get_once URL TOKEN BODY_FILE TIMEOUT_MS
api::_get_once() {
	local url="${1}" token="${2}" body_file="${3}" timeout_ms="${4}" code rc=0
	local max_time
	max_time="$(api::_seconds "${timeout_ms}")"
	code="$(
		curl --silent --globoff --max-time "${max_time}" --connect-timeout "${max_time}" \
			--output "${body_file}" --write-out '%{http_code}' \
			--header 'Accept: application/vnd.heroku+json; version=3' \
			--header "User-Agent: zdd-buildpack/${ZDD_BUILDPACK_VERSION:-dev}" \
			--header @<(printf 'Authorization: Bearer %s\n' "${token}") \
			"${url}"
	)" || rc=$?
	# A transfer cut short (timeout, dropped connection) is no answer, whatever the status line said.
	((rc == 0)) || code="000"
	echo "${code:-000} ${rc}"
}

# GET with a deadline: the first attempt gets at most TIMEOUT_MS, and one retry after 429 or 5xx
# runs only in the time left before DEADLINE_MS (absolute, from api::now_ms).
# Prints "<http status> <curl exit code>".
# Usage: read -r status rc < <(api::get URL TOKEN BODY_FILE TIMEOUT_MS DEADLINE_MS)
api::get() {
	local url="${1}" token="${2}" body_file="${3}" timeout_ms="${4}" deadline_ms="${5}"
	local result status left attempt
	for attempt in 1 2; do
		left=$((deadline_ms - $(api::now_ms)))
		((left < timeout_ms)) && timeout_ms="${left}"
		if ((timeout_ms < 100)); then
			[[ -n "${result:-}" ]] && break
			result="000 28"
			break
		fi
		result="$(api::_get_once "${url}" "${token}" "${body_file}" "${timeout_ms}")"
		status="${result%% *}"
		if [[ "${attempt}" == 1 && ("${status}" == 429 || "${status}" == 5??) ]]; then
			sleep 0.5
			continue
		fi
		break
	done
	echo "${result}"
}
