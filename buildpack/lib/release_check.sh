#!/usr/bin/env bash
# Usage: bash lib/release_check.sh   (run by bin/release-check in the release dyno)
# Reads ZDD_API_TOKEN (else HEROKU_API_KEY), ZDD_APP (else HEROKU_APP_NAME), HEROKU_HOST,
# ZDD_STRICT, ZDD_RELEASE_CHECK, ZDD_CHECK_TIMEOUT, ZDD_OPT_OUT and ZDD_JVM_PRESET from the dyno's
# environment.
# Output lines: `zdd: <id> <status>: <message> (fix: <command>)` (docs/design.md).
# Exit: 0, or 3 when ZDD_STRICT=1 and a check failed.
# Never traced: a traced line would show the token (SHELLOPTS=xtrace in the environment, or a
# `set -x` that came in some other way). Tracing goes off before anything reads it.
set +o xtrace
set -euo pipefail

LIB_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=buildpack/lib/api.sh
source "${LIB_DIR}/api.sh"
# shellcheck source=buildpack/lib/checks.sh
source "${LIB_DIR}/checks.sh"

# The User-Agent's version: bin/compile exports it at build time; in the release dyno it is the
# .zdd/VERSION file that bin/compile put in the slug.
if [[ -z "${ZDD_BUILDPACK_VERSION:-}" && -r "${LIB_DIR}/../VERSION" ]]; then
	read -r ZDD_BUILDPACK_VERSION <"${LIB_DIR}/../VERSION" || true
	[[ "${ZDD_BUILDPACK_VERSION}" =~ ^[0-9A-Za-z.+-]{1,32}$ ]] || ZDD_BUILDPACK_VERSION=""
fi

# Findings only the build could know (lib/server.sh writes jvm.server_defaults into the slug's
# .zdd/build-findings.tsv), one line each; informational: they never stop a release.
release_check::build_findings() {
	local file="${LIB_DIR}/../build-findings.tsv" id status message fix opt_out
	[[ -r "${file}" ]] || return 0
	opt_out="${ZDD_OPT_OUT:-}"
	opt_out=",${opt_out//[[:space:]]/},"
	while IFS=$'\t' read -r id status message fix; do
		[[ -n "${id}" ]] || continue
		if [[ "${opt_out,,}" == *",${id},"* ]]; then
			echo "zdd: ${id} skipped: opted out (ZDD_OPT_OUT)"
		else
			echo "zdd: ${id} ${status}: ${message}${fix:+ (fix: ${fix})}"
		fi
	done <"${file}"
}

release_check::main() {
	local token="" token_var="" app="" app_var="ZDD_APP" id status message fix
	if [[ "${ZDD_RELEASE_CHECK:-on}" == "off" ]]; then
		echo "zdd: check skipped: ZDD_RELEASE_CHECK=off"
		return 0
	fi
	release_check::build_findings
	if [[ -n "${ZDD_API_TOKEN:-}" ]]; then
		token="${ZDD_API_TOKEN}"
		token_var="ZDD_API_TOKEN"
	elif [[ -n "${HEROKU_API_KEY:-}" ]]; then
		token="${HEROKU_API_KEY}"
		token_var="HEROKU_API_KEY"
	fi
	app="${ZDD_APP:-}"
	if [[ -z "${app}" ]]; then
		app="${HEROKU_APP_NAME:-}"
		app_var="HEROKU_APP_NAME"
	fi
	if [[ -n "${app}" ]] && ! checks::valid_app "${app}"; then
		echo "zdd: check skipped: $(checks::invalid_app "${app_var}")"
		return 0
	fi
	if [[ -z "${token}" || -z "${app}" ]]; then
		echo "zdd: check skipped: no ZDD_API_TOKEN and ZDD_APP config vars, so preboot and the web formation go unchecked (fix: $(checks::credentials_fix "${app:-<app>}"))"
		return 0
	fi
	if ! checks::run "${app}" "${token}" "${token_var}" "${ZDD_CHECK_TIMEOUT:-}" "${ZDD_OPT_OUT:-}" \
		"${ZDD_JVM_PRESET:-}"; then
		echo "zdd: check skipped: ${CHECKS_ERROR} (fix: ${CHECKS_FIX})"
		return 0
	fi
	while IFS=$'\t' read -r id status message fix; do
		if [[ -n "${fix}" ]]; then
			echo "zdd: ${id} ${status}: ${message} (fix: ${fix})"
		else
			echo "zdd: ${id} ${status}: ${message}"
		fi
	done <<<"${CHECKS_FINDINGS}"
	if checks::any_failed; then
		if [[ "${ZDD_STRICT:-}" == "1" ]]; then
			echo "zdd: ZDD_STRICT=1 and a check failed: stopping this release"
			return 3
		fi
		echo "zdd: the release goes ahead (set ZDD_STRICT=1 to stop releases that fail a check)"
	fi
	return 0
}

# With errexit on, a return of 3 ends the script with 3; anything unexpected ends it non-zero too,
# and bin/release-check turns that into exit 0.
release_check::main
