#!/usr/bin/env bash
# Heroku Platform API reads with curl: base URL, token rule, bounded time, one retry on 429/5xx.
# Used at build time (bin/compile) and at run time in the release dyno (bash, curl, jq only).

# This file is sourced; the caller sets the shell options.

# The base URL, as the Heroku CLI and zdd's Python client pick it (docs/design.md,
# zdd/heroku/transport.py api_base_url): HEROKU_HOST (surrounding whitespace stripped) unset or
# empty -> https://api.heroku.com; a value starting with `http` (lower case, as the Python client
# tests it) is the whole base URL and must be an http(s) URL with a clean host; any other value H
# must be a host name and means https://api.H. Anything else (`HTTP://...`, `heroku.com/`,
# `httpx://h`) is an error: prints nothing and returns 1, like the Python client's ConfigError.
# Usage: base_url="$(api::base_url)" || ...
api::base_url() {
	local host="${HEROKU_HOST:-}"
	host="${host#"${host%%[![:space:]]*}"}"
	host="${host%"${host##*[![:space:]]}"}"
	if [[ -z "${host}" ]]; then
		echo "https://api.heroku.com"
	elif [[ "${host}" == http* ]]; then
		api::url_host "${host}" >/dev/null || return 1
		while [[ "${host}" == */ ]]; do
			host="${host%/}"
		done
		echo "${host}"
	elif [[ "${host}" =~ ${API_HOSTNAME_RE} ]]; then
		echo "https://api.${host}"
	else
		return 1
	fi
}

# A DNS name, as the Python client's _HOSTNAME (labels of letters, digits and inner dashes).
API_HOSTNAME_RE='^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*$'

# The host of an http(s) URL, lower case (an IPv6 address without its brackets); returns 1 when the
# URL is not http:// or https:// with a host we can trust curl to connect to. The authority ends at
# the first of / ? # or \ (and one with a \ before its path is refused: curl and browsers
# differ on it), user info
# (up to the @) is dropped and may not hold another @, and the host must be a DNS name, an IPv4
# address or a bracketed IPv6 address, with an optional numeric port (1-65535).
# Usage: host="$(api::url_host URL)" || ...
api::url_host() {
	local url="${1}" rest authority userinfo="" hostport host port=""
	case "${url}" in
	http://*) rest="${url#http://}" ;;
	https://*) rest="${url#https://}" ;;
	*) return 1 ;;
	esac
	authority="${rest%%[/?#\\]*}"
	# A \ before the path: curl reads it as part of the user info, others as a path separator.
	[[ "${rest%%[/?#]*}" != *\\* ]] || return 1
	if [[ "${authority}" == *@* ]]; then
		userinfo="${authority%@*}"
		hostport="${authority##*@}"
		[[ "${userinfo}" =~ ^[A-Za-z0-9._~%!\$\&\'()*+,\;=:-]*$ ]] || return 1
	else
		hostport="${authority}"
	fi
	if [[ "${hostport}" =~ ^\[([0-9A-Fa-f:.]+)\](:([0-9]*))?$ ]]; then
		host="${BASH_REMATCH[1]}"
		port="${BASH_REMATCH[3]}"
	elif [[ "${hostport}" =~ ^([^:]+)(:([0-9]*))?$ ]]; then
		host="${BASH_REMATCH[1]}"
		port="${BASH_REMATCH[3]}"
		[[ "${host}" =~ ${API_HOSTNAME_RE} ]] || return 1
	else
		return 1
	fi
	if [[ -n "${port}" ]]; then
		[[ "${port}" =~ ^[0-9]{1,5}$ ]] && ((10#${port} >= 1 && 10#${port} <= 65535)) || return 1
	fi
	echo "${host,,}"
}

# True when the URL's authority (up to the first / ? or #) holds neither user info (an @) nor a
# backslash: parsers disagree on such authorities (curl, browsers and Python's urlsplit may pick
# different hosts), so this check and zdd's Python client (zdd/heroku/transport.py
# check_token_transport) refuse them alike, whatever the scheme.
# Usage: if api::plain_authority "${url}"; then ...
api::plain_authority() {
	local rest="${1#*://}"
	rest="${rest%%[/?#]*}"
	[[ "${rest}" != *[@\\]* ]]
}

# True when TOKEN can travel in an Authorization header as it is: RFC 6750's b64token (letters,
# digits, - . _ ~ + /, then = padding). A line break would add headers of its own (header
# injection); spaces or non-ASCII (a token pasted with smart quotes) are no token either.
# Usage: if api::valid_token "${token}"; then ...
api::valid_token() {
	local LC_ALL=C
	[[ "${1}" =~ ^[A-Za-z0-9._~+/-]+=*$ ]]
}

# True when a bearer token may be sent to this URL: https, or plain http to a loopback address
# (localhost, 127.0.0.0/8 in dotted-quad form, ::1), as the Python client's check_token_transport.
# Usage: if api::token_allowed "${url}"; then ...
api::token_allowed() {
	local url="${1}" host octet
	host="$(api::url_host "${url}")" || return 1
	[[ "${url}" == https://* ]] && return 0
	[[ "${host}" == "localhost" || "${host}" == "::1" ]] && return 0
	# 127.a.b.c, each part 0-255 without leading zeros (Python's ipaddress rejects those too).
	[[ "${host}" =~ ^127\.([0-9]{1,3})\.([0-9]{1,3})\.([0-9]{1,3})$ ]] || return 1
	for octet in "${BASH_REMATCH[@]:1}"; do
		[[ "${octet}" == 0 || "${octet}" != 0* ]] || return 1
		((10#${octet} <= 255)) || return 1
	done
	return 0
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

# Bodies larger than this are refused (a formation or feature list is a few kB): curl stops at
# the announced Content-Length, and a kernel file-size limit (ulimit -f) cuts a body that did not
# announce one, so neither time nor disk depends on what the server sends.
API_MAX_BODY_KB=1024

# One GET with a JSON body written to a file. The Authorization header comes from HEADER_FILE
# (`--header @file`, written by the caller with the printf builtin): the token is never on a
# command line (`ps`, /proc/*/cmdline) and never on stdout/stderr.
# Prints "<http status> <curl exit code>"; status 000 when there was no full HTTP answer (curl
# exit 63 or 153: the body was over API_MAX_BODY_KB).
# Usage: api::_get_once URL HEADER_FILE BODY_FILE TIMEOUT_MS
api::_get_once() {
	local url="${1}" header_file="${2}" body_file="${3}" timeout_ms="${4}" code rc=0
	local max_time
	max_time="$(api::_seconds "${timeout_ms}")"
	code="$(
		ulimit -c 0 2>/dev/null || true
		ulimit -f "${API_MAX_BODY_KB}" 2>/dev/null || true
		curl --silent --globoff --max-time "${max_time}" --connect-timeout "${max_time}" \
			--max-filesize "$((API_MAX_BODY_KB * 1024))" \
			--output "${body_file}" --write-out '%{http_code}' \
			--header 'Accept: application/vnd.heroku+json; version=3' \
			--header "User-Agent: zdd-buildpack/${ZDD_BUILDPACK_VERSION:-dev}" \
			--header "@${header_file}" \
			"${url}" 2>/dev/null
	)" || rc=$?
	# A transfer cut short (timeout, dropped connection, too big) is no answer, whatever the
	# status line said. SIGXFSZ (128+25): the file-size limit was hit, as curl's own 63.
	((rc == 153)) && rc=63
	((rc == 0)) || code="000"
	echo "${code:-000} ${rc}"
}

# GET with a deadline: the first attempt gets at most TIMEOUT_MS, and one retry after 429 or 5xx
# runs only in the time left before DEADLINE_MS (absolute, from api::now_ms).
# Prints "<http status> <curl exit code>".
# Usage: read -r status rc < <(api::get URL HEADER_FILE BODY_FILE TIMEOUT_MS DEADLINE_MS)
api::get() {
	local url="${1}" header_file="${2}" body_file="${3}" timeout_ms="${4}" deadline_ms="${5}"
	local result status left attempt
	for attempt in 1 2; do
		left=$((deadline_ms - $(api::now_ms)))
		((left < timeout_ms)) && timeout_ms="${left}"
		if ((timeout_ms < 100)); then
			[[ -n "${result:-}" ]] && break
			result="000 28"
			break
		fi
		result="$(api::_get_once "${url}" "${header_file}" "${body_file}" "${timeout_ms}")"
		status="${result%% *}"
		if [[ "${attempt}" == 1 && ("${status}" == 429 || "${status}" == 5??) ]]; then
			sleep 0.5
			continue
		fi
		break
	done
	echo "${result}"
}
