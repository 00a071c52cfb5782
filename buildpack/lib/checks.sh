#!/usr/bin/env bash
# The zdd readiness check against the Platform API, shared by the build-time check (bin/compile)
# and the release-phase check (bin/release-check, installed in the slug). Needs bash, curl, jq.
#
# After checks::run:
#   CHECKS_FINDINGS  tab-separated lines: id, status (passed|failed|skipped), message, fix command
#   CHECKS_ERROR     when the check could not run: one line saying why (never the token)
#   CHECKS_FIX       what to do about CHECKS_ERROR

# This file is sourced; the caller sets the shell options and sources lib/api.sh.

# shellcheck disable=SC2034 # CHECKS_* are read by the scripts that source this file
CHECKS_LIB_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
CHECKS_FINDINGS=""
CHECKS_ERROR=""
CHECKS_FIX=""

# A Heroku app name, as the Platform API's schema has it (3-30 characters). Checked before an app
# name is printed anywhere: a config var holding anything else (several lines, say) is not shown.
CHECKS_APP_RE='^[a-z][a-z0-9-]{1,28}[a-z0-9]$'

# Usage: if checks::valid_app "${app}"; then ...
checks::valid_app() {
	[[ "${1}" =~ ${CHECKS_APP_RE} ]]
}

# Why the check is skipped when the app name config var VAR is not an app name (never its value).
# Usage: checks::invalid_app VAR
checks::invalid_app() {
	printf '%s is not a Heroku app name (3-30 lower-case letters, digits and dashes, starting with a letter) (fix: %s)' \
		"${1}" "$(checks::credentials_fix "<app>")"
}

# The command that gives the app the two config vars the checks need (prints no token).
# Usage: checks::credentials_fix APP
checks::credentials_fix() {
	local app="${1:-<app>}"
	# shellcheck disable=SC2016 # the $(...) is for the user's shell, not ours
	printf 'heroku config:set ZDD_APP=%s ZDD_API_TOKEN="$(heroku authorizations:create --scope read --short --description zdd-release-check)" --app %s' "${app}" "${app}"
}

# Seconds (integer or decimal, e.g. "2" or "1.5") as milliseconds; the default when not a number.
# Usage: checks::to_ms VALUE DEFAULT_MS
checks::to_ms() {
	local value="${1}" default="${2}" whole frac
	if [[ "${value}" =~ ^([0-9]{1,3})(\.([0-9]{1,3}))?$ ]]; then
		whole="${BASH_REMATCH[1]}"
		frac="${BASH_REMATCH[3]}000"
		echo "$((10#${whole} * 1000 + 10#${frac:0:3}))"
	else
		echo "${default}"
	fi
}

# The longest a single API read may take, whatever ZDD_CHECK_TIMEOUT says: two rounds of reads
# then stay well inside the release check's own 12 s bound (opt/release-check).
CHECKS_MAX_TIMEOUT_MS=5000

# The URL `zdd setup` installs for this version (zdd.state.COMPANION_BUILDPACK_URL): the fix for
# a JVM app whose buildpacks do not list the companion.
checks::companion_url() {
	local version="${ZDD_BUILDPACK_VERSION:-}"
	if [[ "${version}" =~ ^[0-9A-Za-z.+-]{1,32}$ ]]; then
		printf 'https://github.com/zdd-dev/zdd/releases/download/v%s/zdd-buildpack.tgz' "${version}"
	else
		printf 'https://github.com/zdd-dev/zdd/releases/latest/download/zdd-buildpack.tgz'
	fi
}

# The temp dir of a running checks::run, removed on exit too (a check cut short by `timeout`).
CHECKS_TMP=""

checks::_cleanup() {
	[[ -n "${CHECKS_TMP}" ]] && rm -rf "${CHECKS_TMP}"
	CHECKS_TMP=""
}

# Sets CHECKS_ERROR and CHECKS_FIX and returns 1. Usage: checks::_skip WHY FIX || return 1
checks::_skip() {
	CHECKS_ERROR="${1}"
	CHECKS_FIX="${2}"
	return 1
}

# Read features, formation and buildpack installations (concurrently), then evaluate
# lib/findings.jq. Returns 0 with CHECKS_FINDINGS set, or 1 with CHECKS_ERROR and CHECKS_FIX set.
# Everything it writes (the Authorization header file, the bodies) is in one mktemp -d dir that
# it removes. The caller turns shell tracing off first: the token is an argument here.
# Usage: checks::run APP TOKEN TOKEN_VAR_NAME TIMEOUT_SECONDS [OPT_OUT] [JVM_PRESET]
checks::run() {
	local app="${1}" token="${2}" token_var="${3}" opt_out="${5:-}" jvm_preset="${6:-}"
	local timeout_ms base tmp deadline
	local program status_f rc_f status_r rc_r status_b rc_b status rc worst="" jq_rc=0 name
	CHECKS_FINDINGS=""
	CHECKS_ERROR=""
	CHECKS_FIX=""
	timeout_ms="$(checks::to_ms "${4:-}" 3000)"
	((timeout_ms <= CHECKS_MAX_TIMEOUT_MS)) || timeout_ms="${CHECKS_MAX_TIMEOUT_MS}"
	((timeout_ms >= 100)) || timeout_ms=100

	checks::valid_app "${app}" ||
		checks::_skip "the app name is not a Heroku app name" "$(checks::credentials_fix)" || return 1
	base="$(api::base_url)" ||
		checks::_skip "HEROKU_HOST is neither an http:// or https:// URL with a valid host nor a host name" \
			"unset HEROKU_HOST, or set it as the Heroku CLI reads it (e.g. https://api.heroku.com, or a host name like heroku.com)" ||
		return 1
	api::plain_authority "${base}" ||
		checks::_skip "HEROKU_HOST has user info (an @) or a backslash in its host part" \
			"set HEROKU_HOST to a plain URL (e.g. https://api.heroku.com); the token travels in a header, never in the URL" ||
		return 1
	api::token_allowed "${base}" ||
		checks::_skip "HEROKU_HOST points at plain http on a remote host; the token is sent only over https or to loopback" \
			"unset HEROKU_HOST, or use an https URL" || return 1
	api::valid_token "${token}" ||
		checks::_skip "${token_var} is not an API token (it holds spaces, line breaks or other characters a token never has)" \
			"$(checks::credentials_fix "${app}")" || return 1
	for program in curl jq mktemp; do
		command -v "${program}" >/dev/null 2>&1 ||
			checks::_skip "${program} is not installed (not on PATH)" \
				"use a stack whose image has ${program} (heroku-24 has curl, jq and mktemp)" || return 1
	done
	tmp="$(mktemp -d 2>/dev/null)" && [[ -d "${tmp}" && -w "${tmp}" ]] ||
		checks::_skip "could not make a temp directory (TMPDIR or /tmp is not writable)" \
			"unset TMPDIR, or point it at a writable directory" || return 1
	CHECKS_TMP="${tmp}"
	trap checks::_cleanup EXIT
	trap 'checks::_cleanup; exit 143' TERM
	# The header file is the only copy of the token on disk: 0600, in our own temp dir.
	(umask 077 && printf 'Authorization: Bearer %s\n' "${token}" >"${tmp}/auth")

	deadline=$(($(api::now_ms) + 2 * timeout_ms))
	for name in features formation buildpack-installations; do
		api::get "${base}/apps/${app}/${name}" "${tmp}/auth" "${tmp}/${name}.json" "${timeout_ms}" "${deadline}" >"${tmp}/${name}.status" &
	done
	wait
	read -r status_f rc_f <"${tmp}/features.status" || true
	read -r status_r rc_r <"${tmp}/formation.status" || true
	read -r status_b rc_b <"${tmp}/buildpack-installations.status" || true
	rm -f "${tmp}/auth"

	# The most telling failure of the reads wins.
	for status in 401 403 404 429 5xx 000 other; do
		for rc in "${status_f:-000}" "${status_r:-000}" "${status_b:-000}"; do
			case "${status}" in
			5xx) [[ "${rc}" == 5?? ]] && worst="${rc}" ;;
			other) [[ "${rc}" != 2?? ]] && worst="${rc}" ;;
			*) [[ "${rc}" == "${status}" ]] && worst="${rc}" ;;
			esac
			[[ -n "${worst}" ]] && break 2
		done
	done

	case "${worst}" in
	"") ;;
	401)
		CHECKS_ERROR="the Heroku API rejected the token in ${token_var} (401 unauthorized: expired or revoked)"
		# zdd setup's tokens expire after a year; --rotate-token makes a fresh one
		if [[ "${token_var}" == ZDD_API_TOKEN ]]; then
			CHECKS_FIX="zdd setup --rotate-token --app ${app}"
		else
			CHECKS_FIX="$(checks::credentials_fix "${app}")"
		fi
		;;
	403)
		CHECKS_ERROR="the token in ${token_var} may not read app ${app} (403 forbidden)"
		CHECKS_FIX="use a token of an account with access: $(checks::credentials_fix "${app}")"
		;;
	404)
		CHECKS_ERROR="the Heroku API knows no app ${app} for this token (404 not found)"
		CHECKS_FIX="set ZDD_APP to the app's name: $(checks::credentials_fix "<app>")"
		;;
	429)
		CHECKS_ERROR="the Heroku API rate limit was hit (429, retried once)"
		CHECKS_FIX="nothing: the next release checks again"
		;;
	5??)
		CHECKS_ERROR="the Heroku API failed (${worst}, retried once)"
		CHECKS_FIX="nothing: the next release checks again"
		;;
	000)
		rc=0
		for rc in "${rc_f:-0}" "${rc_r:-0}" "${rc_b:-0}"; do
			[[ "${rc}" == 0 ]] || break
		done
		if [[ "${rc_f}" == 63 || "${rc_r}" == 63 || "${rc_b}" == 63 ]]; then
			# shellcheck disable=SC2154 # API_MAX_BODY_KB is lib/api.sh's
			CHECKS_ERROR="the Heroku API sent an answer over ${API_MAX_BODY_KB} kB (refused unread)"
		elif [[ "${rc_f}" == 28 || "${rc_r}" == 28 || "${rc_b}" == 28 ]]; then
			CHECKS_ERROR="no answer from the Heroku API within $(api::_seconds "${timeout_ms}")s (timeout)"
		else
			CHECKS_ERROR="could not reach the Heroku API (curl error ${rc})"
		fi
		CHECKS_FIX="nothing: the next release checks again"
		;;
	*)
		CHECKS_ERROR="the Heroku API answered ${worst}"
		CHECKS_FIX="nothing: the next release checks again"
		;;
	esac
	if [[ -z "${CHECKS_ERROR}" ]]; then
		CHECKS_FINDINGS="$(jq -n -r --arg app "${app}" --arg opt_out "${opt_out}" \
			--arg jvm_preset "${jvm_preset}" \
			--arg companion_url "$(checks::companion_url)" \
			--slurpfile features "${tmp}/features.json" --slurpfile formation "${tmp}/formation.json" \
			--slurpfile buildpacks "${tmp}/buildpack-installations.json" \
			--slurpfile sizes "${CHECKS_LIB_DIR}/dyno_sizes.json" \
			-f "${CHECKS_LIB_DIR}/findings.jq" 2>/dev/null)" || jq_rc=$?
		if ((jq_rc != 0)) || [[ -z "${CHECKS_FINDINGS}" ]]; then
			CHECKS_FINDINGS=""
			CHECKS_FIX="nothing: the next release checks again"
			if ((jq_rc == 2)); then
				CHECKS_ERROR="the Heroku API sent a malformed answer (not JSON)"
			else
				CHECKS_ERROR="the Heroku API sent an answer of an unexpected shape (not judged)"
			fi
		fi
	fi
	checks::_cleanup
	trap - EXIT TERM
	[[ -z "${CHECKS_ERROR}" ]]
}

# True when any finding failed.
# Usage: if checks::any_failed; then ...
checks::any_failed() {
	local id status rest
	while IFS=$'\t' read -r id status rest; do
		[[ "${status}" == failed ]] && return 0
		: "${id}" "${rest}"
	done <<<"${CHECKS_FINDINGS}"
	return 1
}
