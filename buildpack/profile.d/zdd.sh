#!/usr/bin/env bash
# zdd at dyno boot (copied to .profile.d/zdd.sh by the zdd buildpack). Sourced by the dyno's boot
# shell in every dyno type, after config vars are set: so no `exit`, no `set -e`, and nothing
# happens (or is printed) except on web dynos. Never delays boot: the warm-up runs in the background.

zdd::profile_web() {
	local zdd_home="${HOME}/.zdd"
	[[ -d "${zdd_home}" ]] || return 0

	if [[ -r "${zdd_home}/lib/jvm.sh" ]]; then
		# shellcheck source=buildpack/lib/jvm.sh
		source "${zdd_home}/lib/jvm.sh"
		ZDD_JVM_ADDED=""
		ZDD_JVM_NOTE=""
		jvm::apply "${zdd_home}"
		if [[ -n "${ZDD_JVM_ADDED}" ]]; then
			echo "zdd: added to JAVA_TOOL_OPTIONS: ${ZDD_JVM_ADDED}" >&2
		fi
		[[ -n "${ZDD_JVM_NOTE}" ]] && echo "${ZDD_JVM_NOTE}" >&2
		if [[ "${ZDD_JVM_ADDED}" == *-XX:AOTCache=* ]]; then
			# One line, once the app accepts connections: did the JVM map the cache?
			(bash "${zdd_home}/lib/aot.sh" watch "$$" "${zdd_home}/aot/app.aot" </dev/null >&2 &)
		fi
		unset ZDD_JVM_ADDED ZDD_JVM_NOTE
		unset -f jvm::major_version jvm::preset_flags jvm::option_name jvm::user_sets jvm::apply \
			jvm::spring_env_sets jvm::user_sets_property jvm::server_flags
		unset -f aot::java_version aot::jdk_id aot::int aot::skip aot::free_port aot::now_ms \
			aot::seconds aot::compile aot::train aot::runtime_flag aot::tree aot::watch 2>/dev/null
		unset AOT_CACHE_REL
	fi

	if [[ "${ZDD_WARMUP:-on}" != "off" && -n "${PORT:-}" && -r "${zdd_home}/lib/warmup.sh" ]]; then
		# $$ is this boot shell, which becomes the web process (same pid). The outer ( ... & )
		# exits at once, so the warm-up is not our child and leaves no zombie behind.
		(bash "${zdd_home}/lib/warmup.sh" "$$" </dev/null &)
	fi
}

case "${DYNO:-}" in
web.*) zdd::profile_web ;;
*) ;;
esac
unset -f zdd::profile_web
