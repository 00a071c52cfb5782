#!/usr/bin/env bash
# JVM options zdd adds on web dynos (sourced by .profile.d/zdd.sh: no exit, no set -e).
# By default only the server defaults the build chose (.zdd/server-defaults, lib/server.sh: idle
# timeout and graceful shutdown for Spring Boot); no JVM flag (see bench/results/jvm_warmup.md and
# bench/results/jvm_startup.md). ZDD_JVM_PRESET opts in to a preset and ZDD_JVM_OPTS adds your own.
# Our flags go at the end of JAVA_TOOL_OPTIONS, after the JVM buildpack's defaults (which it
# prepends), and a flag is left out when you already set that option.

# The major Java version of the slug's JDK: $JAVA_HOME/release (or $HOME/.jdk/release), else
# `java -version`. Prints nothing when unknown. "1.8.0_412" -> 8, "17.0.15" -> 17, "25" -> 25.
# Usage: major="$(jvm::major_version)"
jvm::major_version() {
	local file version="" line
	for file in "${JAVA_HOME:-}/release" "${HOME}/.jdk/release"; do
		if [[ -r "${file}" ]]; then
			while IFS= read -r line; do
				if [[ "${line}" =~ ^JAVA_VERSION=\"?([0-9._]+) ]]; then
					version="${BASH_REMATCH[1]}"
					break 2
				fi
			done <"${file}"
		fi
	done
	if [[ -z "${version}" ]] && command -v java >/dev/null 2>&1; then
		# -version writes to stderr; JAVA_TOOL_OPTIONS would add a "Picked up" line, so drop it here.
		line="$(JAVA_TOOL_OPTIONS="" java -version 2>&1 | grep -m1 ' version ')"
		[[ "${line}" =~ \"([0-9._]+) ]] && version="${BASH_REMATCH[1]}"
	fi
	[[ -n "${version}" ]] || return 0
	if [[ "${version}" == 1.* ]]; then
		version="${version#1.}"
	fi
	echo "${version%%[._]*}"
}

# The flags of a preset for a JDK major version, one per line (nothing when it does not apply).
# Usage: jvm::preset_flags PRESET MAJOR CDS_ARCHIVE
jvm::preset_flags() {
	local preset="${1}" major="${2:-0}" archive="${3}"
	case "${preset}" in
	fast-start)
		# C1 only: faster boot and first requests, lower peak throughput.
		echo "-XX:TieredStopAtLevel=1"
		;;
	cds)
		if ((major >= 19)); then
			mkdir -p "${archive%/*}" 2>/dev/null || true
			echo "-XX:+AutoCreateSharedArchive"
			echo "-XX:SharedArchiveFile=${archive}"
		elif ((major >= 13)) && [[ -f "${archive}" ]]; then
			# JDK 13-18 write a dynamic archive (-XX:ArchiveClassesAtExit) only on a normal exit,
			# never on SIGTERM (measured on 17), so a web dyno never writes one: use an archive that
			# you trained and put in the slug, if there is one.
			echo "-XX:SharedArchiveFile=${archive}"
		fi
		;;
	*) ;;
	esac
}

# The option a flag sets, to compare with what the user already set:
# -XX:+Foo / -XX:-Foo / -XX:Foo=1 -> XX:Foo; -Dkey=v -> Dkey; -Xss512k -> Xss; -Xshare:off -> Xshare.
jvm::option_name() {
	local flag="${1#-}"
	case "${flag}" in
	XX:*)
		flag="${flag#XX:}"
		flag="${flag#[+-]}"
		echo "XX:${flag%%=*}"
		;;
	D*) echo "${flag%%=*}" ;;
	Xss* | Xmx* | Xms* | Xmn*) echo "${flag:0:3}" ;;
	*) echo "${flag%%[:=]*}" ;;
	esac
}

# True when the user's own JVM options set the option of this flag.
jvm::user_sets() {
	local want word
	want="$(jvm::option_name "${1}")"
	for word in ${ZDD_USER_JVM_OPTIONS:-}; do
		[[ "${word}" == -* ]] || continue
		[[ "$(jvm::option_name "${word}")" == "${want}" ]] && return 0
		# Any CDS or AOT setting of the user's disables our CDS and AOT flags.
		if [[ "${want}" == XX:*Archive* || "${want}" == XX:AOT* ]]; then
			[[ "${word}" == -Xshare:* || "${word}" == -XX:*Archive* || "${word}" == -XX:AOT* ]] && return 0
		fi
	done
	return 1
}

# True when the dyno's environment sets Spring property NAME: SERVER_TOMCAT_KEEPALIVETIMEOUT (Spring
# Boot's relaxed form: dots to _, no dashes; also with dashes as _) or SPRING_APPLICATION_JSON.
jvm::spring_env_sets() {
	local name="${1^^}" leaf json
	local plain="${name//./_}"
	local joined="${plain//-/}" underscored="${plain//-/_}"
	[[ -n "${!joined:-}" || -n "${!underscored:-}" ]] && return 0
	if [[ -n "${SPRING_APPLICATION_JSON:-}" ]]; then
		leaf="${1##*.}"
		leaf="${leaf,,}"
		json="${SPRING_APPLICATION_JSON,,}"
		[[ "${json//[-_]/}" == *"${leaf//-/}\""* ]] && return 0
	fi
	return 1
}

# True when the user's JVM options set Spring property NAME with -D in any relaxed spelling
# (-Dserver.tomcat.keepAliveTimeout=... sets server.tomcat.keep-alive-timeout).
jvm::user_sets_property() {
	local want="${1,,}" word key
	want="${want//[-_]/}"
	for word in ${ZDD_USER_JVM_OPTIONS:-}; do
		[[ "${word}" == -D* ]] || continue
		key="${word#-D}"
		key="${key%%=*}"
		key="${key,,}"
		[[ "${key//[-_]/}" == "${want}" ]] && return 0
	done
	return 1
}

# The server defaults the build chose (.zdd/server-defaults, one -Dname=value per line), each left
# out when the dyno already sets it (JVM options, Spring's environment variables) or
# ZDD_SERVER_DEFAULTS=off. Usage: jvm::server_flags ZDD_HOME
jvm::server_flags() {
	local file="${1}/server-defaults" flag name
	[[ "${ZDD_SERVER_DEFAULTS:-on}" != "off" && -r "${file}" ]] || return 0
	while IFS= read -r flag; do
		[[ "${flag}" == -D?*=* ]] || continue
		name="${flag#-D}"
		name="${name%%=*}"
		jvm::user_sets "${flag}" && continue
		jvm::user_sets_property "${name}" && continue
		jvm::spring_env_sets "${name}" && continue
		echo "${flag}"
	done <"${file}"
}

# Append zdd's flags to JAVA_TOOL_OPTIONS (web dynos only; the caller checks DYNO). Sets
# ZDD_JVM_ADDED (what to print) and ZDD_JVM_NOTE (a one-line fallback message, or "").
# Usage: jvm::apply ZDD_HOME
jvm::apply() {
	local zdd_home="${1}" preset="${ZDD_JVM_PRESET:-}" major="" flag
	local -a flags=()
	ZDD_JVM_NOTE=""
	[[ "${ZDD_JVM_OPTS:-}" == "off" ]] && return 0
	# What the user set: their config vars (JAVA_OPTS is on the Procfile command line, which wins
	# anyway). JAVA_TOOL_OPTIONS may already hold the JVM buildpack's defaults; none of them is a
	# flag a preset sets, so they never hide one.
	ZDD_USER_JVM_OPTIONS="${JAVA_TOOL_OPTIONS:-} ${JDK_JAVA_OPTIONS:-} ${JAVA_OPTS:-}"
	while IFS= read -r flag; do
		[[ -n "${flag}" ]] && flags+=("${flag}")
	done < <(jvm::server_flags "${zdd_home}")
	if [[ "${preset}" == "aot" ]]; then
		if jvm::user_sets "-XX:AOTCache=x"; then
			: # the user's own cache (or -Xshare:off) wins
		elif [[ -r "${zdd_home}/lib/aot.sh" ]]; then
			# shellcheck source=buildpack/lib/aot.sh
			source "${zdd_home}/lib/aot.sh"
			aot::runtime_flag "${zdd_home}"
			[[ -n "${AOT_FLAG}" ]] && flags+=("${AOT_FLAG}")
			# shellcheck disable=SC2034 # printed by .profile.d/zdd.sh
			ZDD_JVM_NOTE="${AOT_NOTE}"
			unset AOT_FLAG AOT_NOTE
		fi
	elif [[ -n "${preset}" && "${preset}" != "none" ]]; then
		# Only cds depends on the JDK version; don't pay for `java -version` otherwise.
		[[ "${preset}" == "cds" ]] && major="$(jvm::major_version)"
		while IFS= read -r flag; do
			[[ -n "${flag}" ]] || continue
			jvm::user_sets "${flag}" || flags+=("${flag}")
		done < <(jvm::preset_flags "${preset}" "${major:-0}" "${zdd_home}/cds/app.jsa")
	fi
	unset ZDD_USER_JVM_OPTIONS
	local IFS=" "
	# What we print: our own flags only (never a config var's value).
	ZDD_JVM_ADDED="${flags[*]}"
	# ZDD_JVM_OPTS: the user's own additions, as given.
	if [[ -n "${ZDD_JVM_OPTS:-}" ]]; then
		flags+=("${ZDD_JVM_OPTS}")
		ZDD_JVM_ADDED="${ZDD_JVM_ADDED:+${ZDD_JVM_ADDED} and }the flags in ZDD_JVM_OPTS"
	fi
	((${#flags[@]} > 0)) || return 0
	export JAVA_TOOL_OPTIONS="${JAVA_TOOL_OPTIONS:+${JAVA_TOOL_OPTIONS} }${flags[*]}"
}
