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

# Read features and formation (concurrently), then evaluate lib/findings.jq.
# Returns 0 with CHECKS_FINDINGS set, or 1 with CHECKS_ERROR and CHECKS_FIX set.
# Usage: checks::run APP TOKEN TOKEN_VAR_NAME TIMEOUT_SECONDS
checks::run() {
	local app="${1}" token="${2}" token_var="${3}" timeout_ms base tmp deadline
	local status_f rc_f status_r rc_r status rc worst=""
	CHECKS_FINDINGS=""
	CHECKS_ERROR=""
	CHECKS_FIX=""
	timeout_ms="$(checks::to_ms "${4:-}" 3000)"

	if ! checks::valid_app "${app}"; then
		CHECKS_ERROR="the app name is not a Heroku app name"
		CHECKS_FIX="$(checks::credentials_fix)"
		return 1
	fi
	if ! base="$(api::base_url)"; then
		CHECKS_ERROR="HEROKU_HOST is neither an http:// or https:// URL with a valid host nor a host name"
		CHECKS_FIX="unset HEROKU_HOST, or set it as the Heroku CLI reads it (e.g. https://api.heroku.com, or a host name like heroku.com)"
		return 1
	fi
	if ! api::token_allowed "${base}"; then
		CHECKS_ERROR="HEROKU_HOST points at plain http on a remote host; the token is sent only over https or to loopback"
		CHECKS_FIX="unset HEROKU_HOST, or use an https URL"
		return 1
	fi

	tmp="$(mktemp -d)"
	deadline=$(($(api::now_ms) + 2 * timeout_ms))
	api::get "${base}/apps/${app}/features" "${token}" "${tmp}/features.json" "${timeout_ms}" "${deadline}" >"${tmp}/features.status" &
	api::get "${base}/apps/${app}/formation" "${token}" "${tmp}/formation.json" "${timeout_ms}" "${deadline}" >"${tmp}/formation.status" &
	wait
	read -r status_f rc_f <"${tmp}/features.status" || true
	read -r status_r rc_r <"${tmp}/formation.status" || true

	# The most telling failure of the two reads wins.
	for status in 401 403 404 429 5xx 000 other; do
		for rc in "${status_f:-000}" "${status_r:-000}"; do
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
		CHECKS_ERROR="the Heroku API rejected the token in ${token_var} (401 unauthorized)"
		CHECKS_FIX="$(checks::credentials_fix "${app}")"
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
		rc="${rc_f}"
		[[ "${rc}" == 0 ]] && rc="${rc_r}"
		if [[ "${rc_f}" == 28 || "${rc_r}" == 28 ]]; then
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
		if ! CHECKS_FINDINGS="$(jq -n -r --arg app "${app}" \
			--slurpfile features "${tmp}/features.json" --slurpfile formation "${tmp}/formation.json" \
			-f "${CHECKS_LIB_DIR}/findings.jq" 2>/dev/null)" || [[ -z "${CHECKS_FINDINGS}" ]]; then
			CHECKS_FINDINGS=""
			CHECKS_ERROR="the Heroku API sent a malformed answer (not the JSON expected)"
			CHECKS_FIX="nothing: the next release checks again"
		fi
	fi
	rm -rf "${tmp}"
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
