#!/usr/bin/env bash
# Usage: bash .zdd/lib/warmup.sh WEB_PID   (started in the background by .profile.d/zdd.sh)
# Waits until the app accepts connections on $PORT, then sends GET requests to ZDD_WARMUP_PATHS
# on 127.0.0.1:$PORT with bounded concurrency, and prints one summary line. Exits as soon as
# WEB_PID (the dyno's boot shell, which becomes the web process) is gone, and in any case within
# ZDD_WARMUP_WAIT + ZDD_WARMUP_SECONDS + 10 seconds. Best effort: never fails anything.
set -uo pipefail

WEB_PID="${1:?}"
PORT="${PORT:?}"

warmup::now_ms() {
	local us="${EPOCHREALTIME//[!0-9]/}"
	echo "$((10#${us} / 1000))"
}

# A positive integer config var, or the default.
warmup::int() {
	if [[ "${1}" =~ ^[0-9]{1,6}$ ]] && ((10#${1} > 0)); then
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

warmup::main() {
	local wait_s seconds max_requests concurrency start deadline now
	wait_s="$(warmup::int "${ZDD_WARMUP_WAIT:-}" 90)"
	seconds="$(warmup::int "${ZDD_WARMUP_SECONDS:-}" 60)"
	max_requests="$(warmup::int "${ZDD_WARMUP_REQUESTS:-}" 500)"
	concurrency="$(warmup::int "${ZDD_WARMUP_CONCURRENCY:-}" 2)"
	((concurrency > 16)) && concurrency=16

	# 1. Wait (bounded) for the app to accept connections. bash's /dev/tcp: no extra program.
	start="$(warmup::now_ms)"
	deadline=$((start + wait_s * 1000))
	until (: <>"/dev/tcp/127.0.0.1/${PORT}") 2>/dev/null; do
		warmup::alive || return 0
		if (($(warmup::now_ms) > deadline)); then
			warmup::say "gave up: nothing accepted connections on \$PORT within ${wait_s}s"
			return 0
		fi
		sleep 0.1
	done
	local bound_after_ms=$(($(warmup::now_ms) - start))

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

	local sent=0 errors=0 first_ms="" last_ms="" batch i n code t left_s
	start="$(warmup::now_ms)"
	deadline=$((start + seconds * 1000))
	local -a urls
	while ((sent < max_requests)) && warmup::alive; do
		now="$(warmup::now_ms)"
		((now >= deadline)) && break
		left_s=$(((deadline - now + 999) / 1000))
		((left_s > 10)) && left_s=10
		# The first request goes alone: it is the cold one.
		if ((sent == 0)); then n=1; else n=$((concurrency * 4)); fi
		((n > max_requests - sent)) && n=$((max_requests - sent))
		urls=()
		for ((i = 0; i < n; i++)); do
			urls+=(--output /dev/null "http://127.0.0.1:${PORT}${paths[(sent + i) % ${#paths[@]}]}")
		done
		batch="$(
			curl --silent --globoff --parallel --parallel-immediate --parallel-max "${concurrency}" \
				--max-time "${left_s}" --write-out '%{http_code} %{time_total}\n' \
				"${header_args[@]}" "${urls[@]}" 3<<<"${ZDD_WARMUP_HEADERS:-}" 2>/dev/null
		)"
		while read -r code t; do
			[[ -n "${code}" ]] || continue
			sent=$((sent + 1))
			[[ "${code}" == [23]?? ]] || errors=$((errors + 1))
			last_ms="$(warmup::ms "${t}")"
			[[ -n "${first_ms}" ]] || first_ms="${last_ms}"
		done <<<"${batch}"
		# curl printed nothing (e.g. killed): count the batch as errors and stop.
		if [[ -z "${batch}" ]]; then
			sent=$((sent + n))
			errors=$((errors + n))
			break
		fi
	done
	warmup::alive || return 0
	local took=$(($(warmup::now_ms) - start))
	warmup::say "${sent} requests to ${#paths[@]} path(s) in $((took / 1000)).$(((took % 1000) / 100))s, ${errors} errors, latency first ${first_ms:-?} ms, last ${last_ms:-?} ms (port bound after $((bound_after_ms / 1000)).$(((bound_after_ms % 1000) / 100))s)"
}

warmup::main
exit 0
