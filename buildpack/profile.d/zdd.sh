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
		jvm::apply "${zdd_home}"
		if [[ -n "${ZDD_JVM_ADDED}" ]]; then
			echo "zdd: added to JAVA_TOOL_OPTIONS: ${ZDD_JVM_ADDED}" >&2
		fi
		unset ZDD_JVM_ADDED
		unset -f jvm::major_version jvm::preset_flags jvm::option_name jvm::user_sets jvm::apply
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
