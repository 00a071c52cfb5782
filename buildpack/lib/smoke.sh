#!/usr/bin/env bash
# Usage: bash lib/smoke.sh BOOT_SECONDS   (run by bin/release-check in the release dyno, after
# the check; BOOT_SECONDS is ZDD_SMOKE_TIMEOUT as bin/release-check read it)
# The smoke boot (opt-in: ZDD_SMOKE_PATH=/health): start the slug's own `web` command from the
# Procfile on a private port, wait until it accepts connections (ZDD_SMOKE_TIMEOUT, 60 s), GET
# the path (2xx or 3xx, and the body holding ZDD_SMOKE_EXPECT when set), then stop its whole
# process group (TERM, then KILL). Release phase: https://devcenter.heroku.com/articles/release-phase
#
# Output lines (one per outcome, docs/design.md):
#   zdd: smoke.boot passed: GET /health answered 200 in 2.1s (the web command took 1.8s to bind)
#   zdd: smoke.boot failed: <why>            then `zdd: smoke log: ...` (the app's last lines)
#   zdd: smoke.boot skipped: <why>           (the smoke itself could not run: never fails)
# Exit: 0, or 3 when the smoke failed and ZDD_SMOKE=strict or ZDD_STRICT=1.
# Never traced (the app's environment holds the token); never prints a config var's value: the
# log tail is scrubbed of ZDD_API_TOKEN, HEROKU_API_KEY, every secret-named variable's value and
# anything shaped like a token or URL credentials.
set +o xtrace
set -euo pipefail

SMOKE_LIB_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=buildpack/lib/procfile.sh
source "${SMOKE_LIB_DIR}/procfile.sh"

SMOKE_LOG_LINES=20
# The smoke's grace, in seconds: the request gets at least this long (even when the boot used
# up ZDD_SMOKE_TIMEOUT), the web command this long between TERM and KILL, and its own
# `timeout -s KILL` allows ZDD_SMOKE_TIMEOUT + 3 x this. ZDD_SMOKE_GRACE_SECONDS (1-5) shortens
# it, for tests of those mechanisms; releases keep 5.
SMOKE_GRACE_SECONDS=5
SMOKE_MAX_BODY_KB=1024
SMOKE_PGID=""
SMOKE_TMP=""
SMOKE_SECRETS=()

smoke::line() {
	echo "zdd: smoke.boot ${1}: ${2}"
}

smoke::now_ms() {
	local us="${EPOCHREALTIME//[!0-9]/}"
	echo "$((10#${us} / 1000))"
}

smoke::seconds() {
	printf '%d.%d' "$((${1} / 1000))" "$((${1} % 1000 / 100))"
}

# True while any process of the smoke's process group is alive.
smoke::group_alive() {
	[[ -n "${SMOKE_PGID}" ]] && kill -0 -- "-${SMOKE_PGID}" 2>/dev/null
}

# Stop the whole process group: TERM, up to SMOKE_GRACE_SECONDS for it to go, then KILL.
smoke::stop() {
	local waited=0
	[[ -n "${SMOKE_PGID}" ]] || return 0
	kill -TERM -- "-${SMOKE_PGID}" 2>/dev/null || true
	while smoke::group_alive && ((waited < SMOKE_GRACE_SECONDS * 10)); do
		sleep 0.1
		waited=$((waited + 1))
	done
	if smoke::group_alive; then
		kill -KILL -- "-${SMOKE_PGID}" 2>/dev/null || true
	fi
	wait 2>/dev/null || true
	SMOKE_PGID=""
}

smoke::cleanup() {
	smoke::stop
	[[ -n "${SMOKE_TMP}" ]] && rm -rf "${SMOKE_TMP}"
	SMOKE_TMP=""
}

# A free loopback port below the kernel's ephemeral range (so no outgoing connection holds it):
# nothing answers a connection to it. Random in 10000 up to that range (32768 by default), 20 tries.
smoke::free_port() {
	local port try low=32768 high
	read -r low high </proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || true
	[[ "${low}" =~ ^[0-9]+$ ]] && ((low > 11000)) || low=32768
	for try in {1..20}; do
		port=$((10000 + (RANDOM * 32768 + RANDOM) % (low - 10000)))
		if ! { : <"/dev/tcp/127.0.0.1/${port}"; } 2>/dev/null; then
			echo "${port}"
			return 0
		fi
		: "${try}" "${high:-}"
	done
	return 1
}

# True when WORD looks like a token: 32+ characters of letters, digits and _ + = - with at least
# one letter and one digit (so long class or file names stay readable).
smoke::tokenish() {
	[[ "${1}" == *[0-9]* && "${1}" == *[A-Za-z]* ]]
}

# One log line with secrets replaced by [redacted]: the values in SMOKE_SECRETS, URL user info,
# the value after Bearer/Basic/Token or a password=/secret:/token=/api_key= style label, Heroku
# tokens (HRKU-...) and anything else shaped like a token.
smoke::scrub() {
	local line="${1}" value rest match
	for value in "${SMOKE_SECRETS[@]}"; do
		line="${line//"${value}"/[redacted]}"
	done
	line="$(sed -E \
		-e 's#(://)[^/@[:space:]]+@#\1[redacted]@#g' \
		-e 's#((Bearer|Basic|Token|token)[[:space:]=:]+)[^[:space:]"'"'"',;]+#\1[redacted]#g' \
		-e 's#HRKU-[A-Za-z0-9_-]+#[redacted]#g' \
		-e 's#(([Pp]ass(word)?|[Ss]ecret|[Tt]oken|[Aa]pi[_-]?[Kk]ey)["'"'"']?[[:space:]]*[=:][[:space:]]*["'"'"']?)[^[:space:]"'"'"',;&]+#\1[redacted]#g' \
		<<<"${line}")"
	rest="${line}"
	while [[ "${rest}" =~ [A-Za-z0-9_+=-]{32,} ]]; do
		match="${BASH_REMATCH[0]}"
		smoke::tokenish "${match}" && line="${line//"${match}"/[redacted]}"
		rest="${rest#*"${match}"}"
	done
	printf '%s\n' "${line}"
}

# The values of the config vars that must never be printed: the API token and every variable
# whose name says it holds a secret or a connection string (ZDD_API_TOKEN, HEROKU_API_KEY,
# DATABASE_URL, ...; 6+ characters, so `on` stays).
smoke::collect_secrets() {
	local name value
	SMOKE_SECRETS=()
	for name in $(compgen -e); do
		value="${!name}"
		((${#value} >= 6)) || continue
		case "${name}" in
		*TOKEN* | *KEY* | *SECRET* | *PASSWORD* | *PASS | \
			*CREDENTIAL* | *AUTH* | *_URL | *_URI | *_DSN | DATABASE* | REDIS*)
			SMOKE_SECRETS+=("${value}")
			;;
		*) ;;
		esac
	done
}

# The log's last SMOKE_LOG_LINES lines (of its last 64 kB), scrubbed, as `zdd: smoke log: ` lines
# of at most 300 characters (control characters dropped).
smoke::log_tail() {
	local log="${1}" line
	if [[ ! -s "${log}" ]]; then
		echo "zdd: smoke log: (the web command printed nothing)"
		return 0
	fi
	smoke::collect_secrets
	while IFS= read -r line || [[ -n "${line}" ]]; do
		line="${line//[[:cntrl:]]/}"
		line="$(smoke::scrub "${line}")"
		echo "zdd: smoke log: ${line:0:300}"
	done < <(tail -c 65536 "${log}" | tail -n "${SMOKE_LOG_LINES}")
}

smoke::main() {
	local path="${ZDD_SMOKE_PATH:-}" expect="${ZDD_SMOKE_EXPECT:-}" strict=0 command budget port
	local program started deadline pid status code rc bound_ms answered_ms reason="" left opt_out
	[[ -n "${path}" ]] || return 0
	[[ "${ZDD_SMOKE_GRACE_SECONDS:-}" =~ ^[1-5]$ ]] && SMOKE_GRACE_SECONDS="${ZDD_SMOKE_GRACE_SECONDS}"
	[[ "${ZDD_SMOKE:-}" == "strict" || "${ZDD_STRICT:-}" == "1" ]] && strict=1
	if [[ "${ZDD_SMOKE:-}" == "off" ]]; then
		smoke::line skipped "ZDD_SMOKE=off"
		return 0
	fi
	opt_out="${ZDD_OPT_OUT:-}"
	opt_out=",${opt_out//[[:space:]]/},"
	if [[ "${opt_out,,}" == *",smoke.boot,"* ]]; then
		smoke::line skipped "opted out (ZDD_OPT_OUT)"
		return 0
	fi
	if ! [[ "${path}" =~ ^/[A-Za-z0-9._~!\$\&\'()*+,\;=:@%/?-]*$ ]]; then
		smoke::line skipped "ZDD_SMOKE_PATH is not a URL path (it must start with / and hold no spaces) (fix: heroku config:set ZDD_SMOKE_PATH=/health)"
		return 0
	fi
	for program in curl setsid timeout mktemp tail sed; do
		if ! command -v "${program}" >/dev/null 2>&1; then
			smoke::line skipped "${program} is not installed (not on PATH)"
			return 0
		fi
	done
	if ! command="$(procfile::command "${HOME}/Procfile" web)"; then
		smoke::line skipped "no web process in the Procfile, so there is no command to boot"
		return 0
	fi
	if ! SMOKE_TMP="$(mktemp -d 2>/dev/null)" || [[ ! -d "${SMOKE_TMP}" ]]; then
		SMOKE_TMP=""
		smoke::line skipped "could not make a temp directory (TMPDIR or /tmp is not writable)"
		return 0
	fi
	trap smoke::cleanup EXIT
	trap 'smoke::cleanup; exit 143' TERM INT
	if ! port="$(smoke::free_port)"; then
		smoke::line skipped "no free loopback port found"
		return 0
	fi
	budget="${1:-60}"

	# Its own session and process group (setsid), so that one kill reaches everything it starts;
	# `timeout -s KILL` bounds it even if this script is killed first.
	started="$(smoke::now_ms)"
	deadline=$((started + budget * 1000))
	PORT="${port}" setsid timeout -s KILL "$((budget + 3 * SMOKE_GRACE_SECONDS))" \
		bash -c "${command}" </dev/null >"${SMOKE_TMP}/web.log" 2>&1 &
	pid=$!
	SMOKE_PGID="${pid}"

	# Wait until it accepts connections on the port, exits, or the boot time is up.
	bound_ms=""
	while :; do
		if { : <"/dev/tcp/127.0.0.1/${port}"; } 2>/dev/null; then
			bound_ms=$(($(smoke::now_ms) - started))
			break
		fi
		if ! kill -0 "${pid}" 2>/dev/null; then
			status=0
			wait "${pid}" 2>/dev/null || status=$?
			if ((status == 125)); then # timeout(1) itself failed: we could not start it
				smoke::line skipped "could not start the web command (timeout exit 125)"
				return 0
			fi
			# 126/127 (the command not executable / not found) is the release's fault: it fails
			reason="the web command exited (status ${status}) before it accepted connections on \$PORT"
			break
		fi
		if (($(smoke::now_ms) >= deadline)); then
			reason="the web command did not accept connections on \$PORT within ${budget}s (ZDD_SMOKE_TIMEOUT)"
			break
		fi
		sleep 0.2
	done

	if [[ -z "${reason}" ]]; then
		left=$((deadline - $(smoke::now_ms)))
		((left >= SMOKE_GRACE_SECONDS * 1000)) || left=$((SMOKE_GRACE_SECONDS * 1000))
		rc=0
		code="$(
			ulimit -f "${SMOKE_MAX_BODY_KB}" 2>/dev/null || true
			curl --silent --globoff --max-time "$(smoke::seconds "${left}")" \
				--max-filesize "$((SMOKE_MAX_BODY_KB * 1024))" \
				--output "${SMOKE_TMP}/body" --write-out '%{http_code}' \
				--header "User-Agent: zdd-smoke/${ZDD_BUILDPACK_VERSION:-dev}" \
				"http://127.0.0.1:${port}${path}" 2>/dev/null
		)" || rc=$?
		answered_ms=$(($(smoke::now_ms) - started))
		if ((rc == 28)); then
			reason="GET ${path} got no answer within $(smoke::seconds "${left}")s"
		elif ((rc == 63 || rc == 153)); then
			reason="GET ${path} answered more than ${SMOKE_MAX_BODY_KB} kB"
		elif ((rc != 0)) || [[ ! "${code}" =~ ^[0-9]{3}$ ]] || [[ "${code}" == 000 ]]; then
			reason="GET ${path} failed (curl error ${rc}: the connection was refused, reset or closed)"
		elif [[ "${code}" != [23]?? ]]; then
			reason="GET ${path} answered ${code} (expected 2xx or 3xx)"
		elif [[ -n "${expect}" ]] && ! grep -qF -- "${expect}" "${SMOKE_TMP}/body" 2>/dev/null; then
			reason="GET ${path} answered ${code}, but the body does not hold ZDD_SMOKE_EXPECT"
		fi
	fi

	smoke::stop
	if [[ -z "${reason}" ]]; then
		smoke::line passed "GET ${path} answered ${code} in $(smoke::seconds "${answered_ms}")s (the web command took $(smoke::seconds "${bound_ms}")s to accept connections)"
		return 0
	fi
	smoke::line failed "${reason}"
	smoke::log_tail "${SMOKE_TMP}/web.log"
	if ((strict == 1)); then
		echo "zdd: the smoke boot failed and strict mode is on (ZDD_SMOKE=strict or ZDD_STRICT=1): stopping this release"
		return 3
	fi
	echo "zdd: the release goes ahead (set ZDD_SMOKE=strict to stop releases whose smoke boot fails)"
	return 0
}

smoke::main "$@"
