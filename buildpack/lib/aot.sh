#!/usr/bin/env bash
# ZDD_JVM_PRESET=aot: an AOT cache (JEP 483/514/515, JDK 25+) trained at build time.
#
# A dyno's filesystem is discarded on every restart, so a cache made at run time never survives;
# one made during the build goes into the slug. bin/compile (aot::compile) boots the Procfile's web
# command with -XX:AOTCacheOutput, sends warm-up requests (lib/warmup.sh), stops it with SIGTERM
# (the JVM writes the cache as it exits) and records which JDK made it. On web dynos
# .profile.d/zdd.sh adds -XX:AOTCache (aot::runtime_flag, via lib/jvm.sh) when the slug's JDK is
# still that one, and a background watcher (`bash aot.sh watch PID`) says in one line whether the
# JVM mapped the cache. The cache holds relative and /app paths alike: the JVM matches the class
# path by its common prefix and the JDK by its modules file, so a slug built in /tmp/build_* runs
# from /app (tests/buildpack/test_bp_jvm_aot.py checks exactly that).
# https://openjdk.org/jeps/514 https://openjdk.org/jeps/515

# When sourced: no shell options of its own (bin/compile and .profile.d set theirs).

AOT_CACHE_REL=".zdd/aot/app.aot"

# The JDK's version string (JAVA_VERSION in its release file); nothing when there is none.
# Usage: aot::java_version JAVA_HOME
aot::java_version() {
	local line
	[[ -r "${1}/release" ]] || return 0
	while IFS= read -r line; do
		if [[ "${line}" =~ ^JAVA_VERSION=\"?([^\"]+) ]]; then
			echo "${BASH_REMATCH[1]}"
			return 0
		fi
	done <"${1}/release"
}

# What identifies a JDK for the cache: its version and the size of its modules image (the JVM
# refuses a cache whose modules file changed size). Usage: aot::jdk_id JAVA_HOME
aot::jdk_id() {
	local size=""
	[[ -f "${1}/lib/modules" ]] && size="$(stat -c %s "${1}/lib/modules" 2>/dev/null)"
	echo "$(aot::java_version "${1}") ${size}"
}

# A whole number of at least 1 from a config var, or the default.
aot::int() {
	if [[ "${1}" =~ ^[0-9]{1,6}$ ]] && ((10#${1} >= 1)); then
		echo "$((10#${1}))"
	else
		echo "${2}"
	fi
}

# Build-time fallbacks: one line, and the slug carries no cache.
aot::skip() {
	rm -rf "${AOT_BUILD_DIR}/.zdd/aot"
	output::detail "AOT cache skipped: ${1}; web dynos start without one"
}

# A loopback port nothing listens on (bash only: the build image need not have ss or python).
aot::free_port() {
	local port tries
	for ((tries = 0; tries < 50; tries++)); do
		port=$((20000 + RANDOM % 40000))
		(: <>"/dev/tcp/127.0.0.1/${port}") 2>/dev/null || {
			echo "${port}"
			return 0
		}
	done
	echo 0
}

aot::now_ms() {
	local us="${EPOCHREALTIME//[!0-9]/}"
	echo "$((10#${us} / 1000))"
}

# Seconds with one decimal from milliseconds: 14230 -> 14.2
aot::seconds() {
	echo "$((${1} / 1000)).$(((${1} % 1000) / 100))"
}

# The training run. Usage: aot::compile BUILD_DIR ENV_DIR BUILDPACK_DIR
aot::compile() {
	local build_dir="${1}" env_dir="${2}" buildpack_dir="${3}"
	local java_home="${1}/.jdk" cache="${1}/${AOT_CACHE_REL}" web="" line major version
	AOT_BUILD_DIR="${build_dir}"
	if [[ "$(env::get "${env_dir}" ZDD_JVM_PRESET)" != "aot" ]]; then
		rm -rf "${build_dir}/.zdd/aot"
		return 0
	fi
	output::step "zdd: AOT cache (ZDD_JVM_PRESET=aot)"
	if [[ ! -x "${java_home}/bin/java" ]]; then
		aot::skip "no JDK in the build yet (.jdk/bin/java): list the zdd buildpack after heroku/java (your Procfile's web line then stays the web command)"
		return 0
	fi
	version="$(aot::java_version "${java_home}")"
	major="${version%%[._+-]*}"
	if [[ ! "${major}" =~ ^[0-9]+$ ]] || ((major < 25)); then
		aot::skip "the app's JDK is ${version:-of unknown version} and AOT caches need JDK 25 or later (java.runtime.version=25 in system.properties)"
		return 0
	fi
	if [[ -f "${build_dir}/Procfile" ]]; then
		while IFS= read -r line || [[ -n "${line}" ]]; do
			[[ "${line}" =~ ^web[[:space:]]*:[[:space:]]*(.*)$ ]] && web="${BASH_REMATCH[1]%$'\r'}"
		done <"${build_dir}/Procfile"
	fi
	if [[ -z "${web}" ]]; then
		aot::skip "no web: line in the Procfile to train with"
		return 0
	fi
	aot::train "${build_dir}" "${env_dir}" "${buildpack_dir}" "${web}" "${cache}" "${java_home}"
}

# Boot WEB with -XX:AOTCacheOutput, warm it up, SIGTERM it, wait (bounded) for the cache.
aot::train() {
	local build_dir="${1}" env_dir="${2}" buildpack_dir="${3}" web="${4}" cache="${5}" java_home="${6}"
	local port boot_s train_s stop_s max_mb opts name pid start bound_ms="" deadline status=0
	local summary="" size_mb took exited=""
	local -a env_args=()
	port="$(aot::free_port)"
	boot_s="$(aot::int "$(env::get "${env_dir}" ZDD_AOT_BOOT_SECONDS)" 90)"
	train_s="$(aot::int "$(env::get "${env_dir}" ZDD_AOT_TRAINING_SECONDS)" 20)"
	stop_s="$(aot::int "$(env::get "${env_dir}" ZDD_AOT_STOP_SECONDS)" 120)"
	max_mb="$(aot::int "$(env::get "${env_dir}" ZDD_AOT_MAX_MB)" 300)"
	opts="$(env::get "${env_dir}" ZDD_AOT_TRAINING_OPTS)"
	# The training run gets no config var unless ZDD_AOT_ENV names it: it must not reach your
	# production database (or anything else) from the build by accident.
	for name in $(env::get "${env_dir}" ZDD_AOT_ENV | tr ',' ' '); do
		[[ "${name}" =~ ^[A-Za-z_][A-Za-z0-9_]*$ && -f "${env_dir}/${name}" ]] || continue
		env_args+=("${name}=$(<"${env_dir}/${name}")")
	done
	rm -rf "${cache%/*}"
	mkdir -p "${cache%/*}"
	start="$(aot::now_ms)"
	(
		cd "${build_dir}" || exit 1
		exec env -i HOME="${build_dir}" PATH="${java_home}/bin:${PATH}" JAVA_HOME="${java_home}" \
			LANG="${LANG:-C.UTF-8}" STACK="${STACK:-}" PORT="${port}" ZDD_AOT_TRAINING=1 \
			JAVA_TOOL_OPTIONS="-XX:AOTCacheOutput=${cache}${opts:+ ${opts}}" "${env_args[@]}" \
			setsid bash -c "${web}"
	) </dev/null >/dev/null 2>&1 &
	pid="$!"
	deadline=$((start + boot_s * 1000))
	while kill -0 "${pid}" 2>/dev/null; do
		if (: <>"/dev/tcp/127.0.0.1/${port}") 2>/dev/null; then
			bound_ms=$(($(aot::now_ms) - start))
			break
		fi
		(($(aot::now_ms) >= deadline)) && break
		sleep 0.1
	done
	if [[ -z "${bound_ms}" ]] && ! kill -0 "${pid}" 2>/dev/null; then
		# It exited by itself: a failure, or a start-up-only training (spring.context.exit).
		exited=0
		wait "${pid}" 2>/dev/null || exited="$?"
	fi
	if [[ -n "${bound_ms}" ]]; then
		# Warm-up requests, as a web dyno gets them (ZDD_WARMUP_PATHS, ZDD_WARMUP_HEADERS).
		summary="$(PORT="${port}" ZDD_WARMUP_WAIT=0 ZDD_WARMUP_SECONDS="${train_s}" \
			ZDD_WARMUP_REQUESTS="$(aot::int "$(env::get "${env_dir}" ZDD_AOT_TRAINING_REQUESTS)" 500)" \
			ZDD_WARMUP_PATHS="$(env::get "${env_dir}" ZDD_WARMUP_PATHS)" \
			ZDD_WARMUP_HEADERS="$(env::get "${env_dir}" ZDD_WARMUP_HEADERS)" \
			DYNO=training bash "${buildpack_dir}/lib/warmup.sh" "${pid}" 2>/dev/null)"
	fi
	# A clean stop: SIGTERM to the whole group (bash -c may have forked); the JVM writes the cache
	# on the way out (a child JVM assembles it), so wait for the group, bounded.
	if kill -0 "${pid}" 2>/dev/null; then
		kill -TERM -- "-${pid}" 2>/dev/null || kill -TERM "${pid}" 2>/dev/null || true
	fi
	deadline=$(($(aot::now_ms) + stop_s * 1000))
	while kill -0 -- "-${pid}" 2>/dev/null || kill -0 "${pid}" 2>/dev/null; do
		if (($(aot::now_ms) >= deadline)); then
			# Either may find nothing left to kill; that is fine (and must not end us: set -e).
			kill -KILL -- "-${pid}" 2>/dev/null || true
			kill -KILL "${pid}" 2>/dev/null || true
			status=124
			break
		fi
		sleep 0.1
	done
	wait "${pid}" 2>/dev/null || true
	took=$(($(aot::now_ms) - start))
	rm -f "${cache}.config"
	if ((status == 124)); then
		aot::skip "the training run did not stop within ${stop_s}s of SIGTERM (ZDD_AOT_STOP_SECONDS)"
		return 0
	fi
	# Whatever the JVM wrote on its way out, a start that failed or never finished is no training.
	if [[ -n "${exited}" && "${exited}" != "0" ]]; then
		aot::skip "the training run exited (status ${exited}) before it accepted connections on \$PORT"
		return 0
	fi
	if [[ -z "${bound_ms}" && -z "${exited}" ]]; then
		aot::skip "the training run did not accept connections on \$PORT within ${boot_s}s (ZDD_AOT_BOOT_SECONDS; ZDD_AOT_TRAINING_OPTS=-Dspring.context.exit=onRefresh trains on start-up only)"
		return 0
	fi
	if [[ ! -s "${cache}" ]]; then
		aot::skip "the JVM wrote no cache (its class path must hold jars only, no class directories)"
		return 0
	fi
	size_mb=$((($(stat -c %s "${cache}") + 524288) / 1048576))
	if ((size_mb > max_mb)); then
		aot::skip "the cache is ${size_mb} MB, over ZDD_AOT_MAX_MB=${max_mb} (the slug limit is 500 MB)"
		return 0
	fi
	{
		echo "jdk=$(aot::jdk_id "${java_home}")"
		echo "size=$(stat -c %s "${cache}")"
	} >"${cache%/*}/manifest"
	summary="${summary#zdd warm-up: }"
	summary="${summary% (training)}"
	summary="${summary% (port bound after *}"
	output::detail "AOT cache: ${size_mb} MB (${AOT_CACHE_REL}, in the slug), trained in $(aot::seconds "${took}") s on JDK $(aot::java_version "${java_home}")"
	if [[ -n "${bound_ms}" ]]; then
		output::detail "  boot to \$PORT $(aot::seconds "${bound_ms}") s; ${summary:-no warm-up requests}"
	else
		output::detail "  the app exited by itself before binding \$PORT (start-up only training)"
	fi
	output::detail "  web dynos start with -XX:AOTCache; ZDD_JVM_PRESET unset turns it off"
}

# Sets AOT_FLAG to the run-time flag when the slug's cache fits this dyno's JDK; else AOT_NOTE
# says why not (one line for the log). Usage: aot::runtime_flag ZDD_HOME
# shellcheck disable=SC2034 # AOT_FLAG and AOT_NOTE are read by lib/jvm.sh
aot::runtime_flag() {
	local zdd_home="${1}" cache="${1}/aot/app.aot" java_home want="" size="" line
	AOT_FLAG=""
	AOT_NOTE=""
	java_home="${JAVA_HOME:-${HOME}/.jdk}"
	if [[ ! -s "${cache}" ]]; then
		AOT_NOTE="zdd: ZDD_JVM_PRESET=aot, but the slug has no AOT cache (the build log says why); starting without one"
		return 0
	fi
	if [[ -r "${zdd_home}/aot/manifest" ]]; then
		while IFS= read -r line; do
			case "${line}" in
			jdk=*) want="${line#jdk=}" ;;
			size=*) size="${line#size=}" ;;
			*) ;;
			esac
		done <"${zdd_home}/aot/manifest"
	fi
	if [[ "$(aot::jdk_id "${java_home}")" != "${want}" ]]; then
		AOT_NOTE="zdd: AOT cache not used: it was trained on JDK ${want%% *}, this dyno runs $(aot::java_version "${java_home}" || true) from ${java_home} (a new build trains a new one)"
		return 0
	fi
	if [[ "$(stat -c %s "${cache}" 2>/dev/null)" != "${size}" ]]; then
		AOT_NOTE="zdd: AOT cache not used: ${cache} is not the file the build wrote"
		return 0
	fi
	AOT_FLAG="-XX:AOTCache=${cache}"
}

# The processes of the tree rooted at PID (the web command may fork its JVM).
aot::tree() {
	local pid="${1}" file child
	local -a children=()
	echo "${pid}"
	for file in "/proc/${pid}"/task/*/children; do
		[[ -r "${file}" ]] || continue
		read -r -a children <"${file}" || true
		for child in "${children[@]}"; do
			aot::tree "${child}"
		done
	done
}

# Background, on web dynos: once the app accepts connections on $PORT, one line saying whether a
# JVM of the web process mapped the cache. Bounded by ZDD_WARMUP_WAIT (90 s) and the web process.
# Usage: bash aot.sh watch WEB_PID CACHE
aot::watch() {
	local web_pid="${1}" cache="${2}" deadline pid wait_s
	wait_s="$(aot::int "${ZDD_WARMUP_WAIT:-}" 90)"
	deadline=$(($(aot::now_ms) + wait_s * 1000))
	until (: <>"/dev/tcp/127.0.0.1/${PORT:-0}") 2>/dev/null; do
		kill -0 "${web_pid}" 2>/dev/null || return 0
		(($(aot::now_ms) >= deadline)) && return 0
		sleep 0.2
	done
	for pid in $(aot::tree "${web_pid}"); do
		if grep -q -F "${cache}" "/proc/${pid}/maps" 2>/dev/null; then
			echo "zdd: AOT cache in use (${cache}) (${DYNO:-web})"
			return 0
		fi
	done
	kill -0 "${web_pid}" 2>/dev/null || return 0
	echo "zdd: AOT cache rejected by the JVM (its [aot] lines above say why); this dyno runs without it (${DYNO:-web})"
}

if [[ "${BASH_SOURCE[0]}" == "${0}" && "${1:-}" == "watch" ]]; then
	aot::watch "${2:?}" "${3:?}"
	exit 0
fi
