#!/usr/bin/env bash
# Usage: bash .zdd/lib/warmup.sh WEB_PID   (started in the background by .profile.d/zdd.sh)
# Waits until the app accepts connections on $PORT, then sends GET requests to ZDD_WARMUP_PATHS
# on 127.0.0.1:$PORT with bounded concurrency, and prints one summary line. Stops (and stops its
# curl) within about half a second of WEB_PID (the dyno's boot shell, which becomes the web
# process) going away, and in any case ends within ZDD_WARMUP_WAIT + ZDD_WARMUP_SECONDS + 2
# seconds: each batch of requests runs under `timeout` with the time left. Best effort: never
# fails anything.
set -uo pipefail

WEB_PID="${1:?}"
PORT="${PORT:?}"
WARMUP_CURL_PID=""
WARMUP_WATCHER_PID=""
WARMUP_OUT=""

warmup::now_ms() {
	local us="${EPOCHREALTIME//[!0-9]/}"
	echo "$((10#${us} / 1000))"
}

# A whole-number config var of at least MIN, or the default (unset, not a number, or too small).
# Usage: warmup::int VALUE DEFAULT MIN
warmup::int() {
	if [[ "${1}" =~ ^[0-9]{1,6}$ ]] && ((10#${1} >= ${3})); then
		echo "$((10#${1}))"
	else
		echo "${2}"
	fi
}

warmup::alive() {
	kill -0 "${WEB_PID}" 2>/dev/null
}

warmup::say() {
	echo "zdd warm-up: ${1} (${DYNO:-web})"
}

# curl's "0.012345" (seconds) as whole milliseconds.
warmup::ms() {
	local whole="${1%%.*}" frac="${1#*.}000000"
	echo "$((10#${whole} * 1000 + 10#${frac:0:3}))"
}

# Milliseconds as decimal seconds for curl and timeout: 2500 -> 2.500
warmup::seconds() {
	printf '%d.%03d' "$((${1} / 1000))" "$((${1} % 1000))"
}

# The web process is gone (the dyno is stopping): stop the batch in flight, print nothing.
# shellcheck disable=SC2317,SC2329 # run by the TERM trap
warmup::stop() {
	[[ -n "${WARMUP_CURL_PID}" ]] && kill "${WARMUP_CURL_PID}" 2>/dev/null
	[[ -n "${WARMUP_OUT}" ]] && rm -f "${WARMUP_OUT}"
	exit 0
}

# A background loop that signals us when the web process is gone, so that a batch in flight (up to
# the time bound) does not outlive it; it ends when we do. It pauses with `read -t` on a pipe no
# one writes to, not `sleep`: killing it then leaves no sleep process behind.
warmup::watch() {
	local self="${BASHPID}"
	(
		exec 9<> <(:)
		while kill -0 "${WEB_PID}" 2>/dev/null && kill -0 "${self}" 2>/dev/null; do
			read -r -t 0.5 -u 9 _ || :
		done
		kill -TERM "${self}" 2>/dev/null
	) </dev/null &
	WARMUP_WATCHER_PID="$!"
}

warmup::main() {
	local wait_s seconds max_requests concurrency start deadline now
	wait_s="$(warmup::int "${ZDD_WARMUP_WAIT:-}" 90 0)"
	seconds="$(warmup::int "${ZDD_WARMUP_SECONDS:-}" 60 0)"
	max_requests="$(warmup::int "${ZDD_WARMUP_REQUESTS:-}" 500 0)"
	concurrency="$(warmup::int "${ZDD_WARMUP_CONCURRENCY:-}" 2 1)"
	((concurrency > 16)) && concurrency=16
	# ZDD_WARMUP_SECONDS=0 or ZDD_WARMUP_REQUESTS=0: no warm-up (as ZDD_WARMUP=off).
	((seconds == 0 || max_requests == 0)) && return 0

	# 1. Wait (bounded) for the app to accept connections. bash's /dev/tcp: no extra program.
	start="$(warmup::now_ms)"
	deadline=$((start + wait_s * 1000))
	until (: <>"/dev/tcp/127.0.0.1/${PORT}") 2>/dev/null; do
		if ! warmup::alive; then
			warmup::say "stopped: the web process exited before anything accepted connections on \$PORT"
			return 0
		fi
		if (($(warmup::now_ms) >= deadline)); then
			warmup::say "gave up: nothing accepted connections on \$PORT within ${wait_s}s"
			return 0
		fi
		sleep 0.1
	done
	local bound_after_ms=$(($(warmup::now_ms) - start))
	warmup::watch

	# 2. Requests, round-robin over the paths, in batches of parallel transfers.
	local -a paths=() header_args=()
	local path
	local list="${ZDD_WARMUP_PATHS:-/}"
	read -r -a paths <<<"${list//,/ }"
	((${#paths[@]} == 0)) && paths=("/")
	for path in "${!paths[@]}"; do
		[[ "${paths[path]}" == /* ]] || paths[path]="/${paths[path]}"
	done
	if [[ -n "${ZDD_WARMUP_HEADERS:-}" ]]; then
		# One header per line; read from a file descriptor so values never show in `ps`.
		header_args=(--header "@/dev/fd/3")
	fi

	local sent=0 errors=0 first_ms="" last_ms="" batch i n done_n code t left_ms each_ms
	WARMUP_OUT="$(mktemp)"
	start="$(warmup::now_ms)"
	deadline=$((start + seconds * 1000))
	local -a urls
	while ((sent < max_requests)) && warmup::alive; do
		now="$(warmup::now_ms)"
		left_ms=$((deadline - now))
		((left_ms < 50)) && break
		each_ms="${left_ms}"
		((each_ms > 10000)) && each_ms=10000
		# The first request goes alone: it is the cold one.
		if ((sent == 0)); then n=1; else n=$((concurrency * 4)); fi
		((n > max_requests - sent)) && n=$((max_requests - sent))
		urls=()
		for ((i = 0; i < n; i++)); do
			urls+=(--output /dev/null "http://127.0.0.1:${PORT}${paths[(sent + i) % ${#paths[@]}]}")
		done
		# The whole batch ends by the deadline, however many transfers wait on a silent app.
		timeout --kill-after=1 "$(warmup::seconds "${left_ms}")" \
			curl --silent --globoff --parallel --parallel-immediate --parallel-max "${concurrency}" \
			--max-time "$(warmup::seconds "${each_ms}")" --write-out '%{http_code} %{time_total}\n' \
			"${header_args[@]}" "${urls[@]}" 3<<<"${ZDD_WARMUP_HEADERS:-}" >"${WARMUP_OUT}" 2>/dev/null &
		WARMUP_CURL_PID="$!"
		wait "${WARMUP_CURL_PID}"
		WARMUP_CURL_PID=""
		batch="$(<"${WARMUP_OUT}")"
		done_n=0
		while read -r code t; do
			[[ -n "${code}" ]] || continue
			done_n=$((done_n + 1))
			[[ "${code}" == [23]?? ]] || errors=$((errors + 1))
			last_ms="$(warmup::ms "${t}")"
			[[ -n "${first_ms}" ]] || first_ms="${last_ms}"
		done <<<"${batch}"
		# Transfers curl never finished (the batch hit the deadline, or curl was killed) count as
		# sent and failed.
		sent=$((sent + n))
		errors=$((errors + n - done_n))
		((done_n == 0)) && break
	done
	rm -f "${WARMUP_OUT}"
	WARMUP_OUT=""
	warmup::alive || return 0
	local took=$(($(warmup::now_ms) - start))
	warmup::say "${sent} requests to ${#paths[@]} path(s) in $((took / 1000)).$(((took % 1000) / 100))s, ${errors} errors, latency first ${first_ms:-?} ms, last ${last_ms:-?} ms (port bound after $((bound_after_ms / 1000)).$(((bound_after_ms % 1000) / 100))s)"
}

trap warmup::stop TERM
warmup::main
[[ -n "${WARMUP_WATCHER_PID}" ]] && kill "${WARMUP_WATCHER_PID}" 2>/dev/null
exit 0
