#!/usr/bin/env bash
# Server defaults for zero-downtime deploys, decided at build time (sourced by bin/compile).
#
# Heroku's router keeps idle keep-alive connections to a dyno for 90 s, so a server that closes
# idle connections sooner races the router's next request on them (H13/H18):
# https://devcenter.heroku.com/articles/http-routing. And a dyno gets SIGKILL 30 s after SIGTERM:
# https://devcenter.heroku.com/articles/dyno-shutdown-behavior. So for the servers we can recognise
# and configure with a system property (Spring Boot with Tomcat, Jetty, Undertow or Reactor Netty),
# we set an idle timeout of 95 s (as Heroku's PHP and Ruby buildpacks do) and a graceful shutdown
# bounded at 25 s, each only where the app has not set it. The flags go into .zdd/server-defaults;
# .profile.d/zdd.sh adds them to JAVA_TOOL_OPTIONS on web dynos (lib/jvm.sh), again only where
# the dyno's own settings do not set them. Servers no system property reaches get a finding with
# the code to add.

# This file is sourced; the caller sets the shell options.

SERVER_IDLE_TIMEOUT="95s"
SERVER_SHUTDOWN_PHASE="25s"
SERVER_CHECK_ID="jvm.server_defaults"

# A Spring property name as relaxed binding compares them: lower case, no '-' or '_'.
# Usage: server::norm server.tomcat.keep-alive-timeout -> server.tomcat.keepalivetimeout
server::norm() {
	local key="${1,,}"
	echo "${key//[-_]/}"
}

# The build's dependency descriptions and jars, one path per line (tests and node_modules left out).
server::sources() {
	local build_dir="${1}"
	find "${build_dir}" -maxdepth 4 \( -name node_modules -o -name .git -o -name src -o -name .zdd \) -prune -o \
		-type f \( -name pom.xml -o -name build.gradle -o -name build.gradle.kts \) -print 2>/dev/null
	find "${build_dir}" -maxdepth 3 \( -path '*/target/*.jar' -o -path '*/build/libs/*.jar' \) \
		-type f -print 2>/dev/null
}

# True when one of the build's sources mentions one of the extended regular expression PATTERN.
# Jars are searched as bytes: a zip's central directory holds the entry names uncompressed.
server::mentions() {
	local pattern="${1}" file
	while IFS= read -r file; do
		[[ -n "${file}" ]] || continue
		grep -a -q -E "${pattern}" "${file}" 2>/dev/null && return 0
	done <<<"${SERVER_SOURCES}"
	return 1
}

# Sets SERVER_FRAMEWORK (spring-boot | plain | "") and SERVER_KIND (tomcat | jetty | undertow |
# netty | ""), and SERVER_BOOT_VERSION when a Maven parent or the Gradle plugin names it.
# Usage: server::detect BUILD_DIR
server::detect() {
	local build_dir="${1}" file
	SERVER_FRAMEWORK=""
	SERVER_KIND=""
	SERVER_BOOT_VERSION=""
	SERVER_SOURCES="$(server::sources "${build_dir}")"
	[[ -n "${SERVER_SOURCES}" ]] || return 0
	if server::mentions 'spring-boot-starter|org\.springframework\.boot|BOOT-INF/lib/spring-boot-'; then
		SERVER_FRAMEWORK="spring-boot"
		if server::mentions 'spring-boot-starter-jetty|BOOT-INF/lib/jetty-server-'; then
			SERVER_KIND="jetty"
		elif server::mentions 'spring-boot-starter-undertow|BOOT-INF/lib/undertow-core-'; then
			SERVER_KIND="undertow"
		elif server::mentions 'spring-boot-starter-web([^a-z-]|$)|spring-boot-starter-tomcat|tomcat-embed-core'; then
			SERVER_KIND="tomcat"
		elif server::mentions 'spring-boot-starter-webflux|reactor-netty'; then
			SERVER_KIND="netty"
		fi
		local -a files=()
		mapfile -t files <<<"${SERVER_SOURCES}"
		file="$(grep -l -m1 'spring-boot-starter-parent' "${files[@]}" 2>/dev/null | head -n1 || true)"
		if [[ -n "${file}" ]]; then
			SERVER_BOOT_VERSION="$(sed -n '/spring-boot-starter-parent/,/<\/parent>/{s/.*<version>\([^<]*\)<\/version>.*/\1/p}' "${file}" | head -n1)"
		else
			SERVER_BOOT_VERSION="$(grep -h -o -E "org\.springframework\.boot['\"]?\)? +version +['\"][0-9][^'\"]*" "${files[@]}" 2>/dev/null |
				grep -o -E "[0-9][^'\"]*$" | head -n1 || true)"
		fi
	elif server::mentions 'artifactId>jetty-server<|jetty-server:|org/eclipse/jetty/server/Server\.class'; then
		SERVER_FRAMEWORK="plain"
		SERVER_KIND="jetty"
	elif server::mentions 'tomcat-embed-core|org/apache/catalina/startup/Tomcat\.class'; then
		SERVER_FRAMEWORK="plain"
		SERVER_KIND="tomcat"
	fi
	return 0
}

# The Spring properties (name=value) the app sets in its application*.properties|yml|yaml files,
# one per line with the name in relaxed form (server::norm). YAML keys are joined by indentation;
# a value is what follows `key:` on the same line.
# Usage: server::user_properties BUILD_DIR
server::user_properties() {
	local build_dir="${1}" file line key value indent depth
	local -a stack=() indents=()
	while IFS= read -r file; do
		case "${file}" in
		*.properties)
			while IFS= read -r line || [[ -n "${line}" ]]; do
				line="${line%$'\r'}"
				line="${line#"${line%%[![:space:]]*}"}"
				[[ -z "${line}" || "${line}" == [#!]* ]] && continue
				key="${line%%[=:[:space:]]*}"
				value="${line#"${key}"}"
				value="${value#"${value%%[!=:[:space:]]*}"}"
				value="${value%"${value##*[![:space:]]}"}"
				echo "$(server::norm "${key}")=${value}"
			done <"${file}"
			;;
		*)
			stack=()
			indents=()
			while IFS= read -r line || [[ -n "${line}" ]]; do
				line="${line%$'\r'}"
				if [[ "${line}" == "---"* ]]; then
					stack=()
					indents=()
					continue
				fi
				[[ "${line}" =~ ^([[:space:]]*)([A-Za-z0-9_.\"\'-]+)[[:space:]]*:([[:space:]]+(.*))?$ ]] || continue
				indent="${#BASH_REMATCH[1]}"
				key="${BASH_REMATCH[2]//[\"\']/}"
				value="${BASH_REMATCH[4]%%[[:space:]]#*}"
				value="${value%"${value##*[![:space:]]}"}"
				value="${value//[\"\']/}"
				depth="${#indents[@]}"
				while ((depth > 0)) && ((indents[depth - 1] >= indent)); do
					depth=$((depth - 1))
				done
				stack=("${stack[@]:0:depth}" "${key}")
				indents=("${indents[@]:0:depth}" "${indent}")
				local IFS="."
				echo "$(server::norm "${stack[*]}")=${value}"
				unset IFS
			done <"${file}"
			;;
		esac
	done < <(find "${build_dir}" -maxdepth 6 \( -name node_modules -o -name .git -o -name test -o -name .zdd \) -prune -o \
		-type f \( -name 'application*.properties' -o -name 'application*.yml' -o -name 'application*.yaml' \) -print 2>/dev/null | sort)
}

# The value the app set for a property (relaxed name), from its config files or the Procfile's web
# command (-Dname=value or --name=value); nothing when unset.
# Usage: server::user_value NAME
server::user_value() {
	local want line key
	want="$(server::norm "${1}")"
	while IFS= read -r line; do
		[[ "${line%%=*}" == "${want}" ]] && {
			echo "${line#*=}"
			return 0
		}
	done <<<"${SERVER_USER_PROPERTIES}"
	for key in ${SERVER_WEB_COMMAND}; do
		[[ "${key}" == -D* || "${key}" == --* ]] || continue
		key="${key#-D}"
		key="${key#--}"
		if [[ "$(server::norm "${key%%=*}")" == "${want}" ]]; then
			echo "${key#*=}"
			return 0
		fi
	done
	return 0
}

# Spring Boot's Duration format in whole milliseconds: 95s, 950ms, 2m, 1h, 20000 (DEFAULT_UNIT
# ms); nothing when it is not one of those (e.g. a ${placeholder}).
server::duration_ms() {
	local value="${1,,}"
	value="${value// /}"
	if [[ "${value}" =~ ^([0-9]{1,9})(ms|s|m|h)?$ ]]; then
		case "${BASH_REMATCH[2]}" in
		s) echo "$((BASH_REMATCH[1] * 1000))" ;;
		m) echo "$((BASH_REMATCH[1] * 60000))" ;;
		h) echo "$((BASH_REMATCH[1] * 3600000))" ;;
		*) echo "${BASH_REMATCH[1]}" ;;
		esac
	fi
}

# Usage: server::join SEPARATOR WORD...
server::join() {
	local separator="${1}" out="${2}" word
	shift 2
	for word in "$@"; do
		out+="${separator}${word}"
	done
	echo "${out}"
}

# The idle-timeout property of a Spring Boot server.
server::idle_property() {
	case "${1}" in
	tomcat) echo "server.tomcat.keep-alive-timeout" ;;
	jetty) echo "server.jetty.connection-idle-timeout" ;;
	undertow) echo "server.undertow.no-request-timeout" ;;
	netty) echo "server.netty.idle-timeout" ;;
	*) ;;
	esac
}

# Decides the defaults and the finding. Sets SERVER_FLAGS (array of -Dname=value), SERVER_KEPT
# (array of "name=value" the app set, kept), SERVER_LABEL, and SERVER_STATUS / SERVER_MESSAGE /
# SERVER_FIX (SERVER_STATUS empty: not a JVM web app we can tell anything about).
# Usage: server::plan BUILD_DIR WEB_COMMAND
server::plan() {
	local build_dir="${1}" name value ms idle major minor
	local -a problems=() fixes=()
	SERVER_WEB_COMMAND="${2:-}"
	SERVER_FLAGS=()
	SERVER_KEPT=()
	SERVER_STATUS=""
	SERVER_MESSAGE=""
	SERVER_FIX=""
	server::detect "${build_dir}"
	case "${SERVER_KIND}" in
	tomcat) SERVER_LABEL="Tomcat" ;;
	jetty) SERVER_LABEL="Jetty" ;;
	undertow) SERVER_LABEL="Undertow" ;;
	netty) SERVER_LABEL="Reactor Netty" ;;
	*) SERVER_LABEL="" ;;
	esac
	if [[ "${SERVER_FRAMEWORK}" == "plain" ]]; then
		SERVER_STATUS="failed"
		SERVER_MESSAGE="embedded ${SERVER_LABEL} without Spring Boot: no system property sets its idle keep-alive timeout or a graceful shutdown, so idle connections may close before the router's 90 s and SIGTERM drops requests in flight"
		if [[ "${SERVER_KIND}" == "tomcat" ]]; then
			SERVER_FIX='connector.setProperty("keepAliveTimeout", "95000"); and on shutdown connector.getProtocolHandler().closeServerSocketGraceful(), wait (at most 25 s) for requests in flight, then tomcat.stop()'
		else
			SERVER_FIX='connector.setIdleTimeout(95_000); and server.setStopTimeout(25_000) with a StatisticsHandler (Jetty 12: GracefulHandler) around your handlers'
		fi
		return 0
	fi
	if [[ "${SERVER_FRAMEWORK}" != "spring-boot" ]]; then
		if [[ -n "${SERVER_SOURCES}" ]]; then
			SERVER_STATUS="skipped"
			SERVER_MESSAGE="no Spring Boot, embedded Tomcat or Jetty found in the build, so zdd set no server defaults"
			SERVER_FIX="make your server's idle keep-alive timeout longer than 90 s (95 s) and drain requests in flight within 25 s of SIGTERM"
		fi
		return 0
	fi
	if [[ -z "${SERVER_KIND}" ]]; then
		SERVER_STATUS="skipped"
		SERVER_MESSAGE="Spring Boot without a web server zdd knows (Tomcat, Jetty, Undertow, Reactor Netty): no server defaults set"
		return 0
	fi
	SERVER_USER_PROPERTIES="$(server::user_properties "${build_dir}")"

	idle="$(server::idle_property "${SERVER_KIND}")"
	value="$(server::user_value "${idle}")"
	if [[ -z "${value}" ]]; then
		SERVER_FLAGS+=("-D${idle}=${SERVER_IDLE_TIMEOUT}")
	else
		SERVER_KEPT+=("${idle}=${value}")
		ms="$(server::duration_ms "${value}")"
		if [[ -n "${ms}" ]] && ((ms <= 90000)); then
			problems+=("${idle}=${value} closes idle connections before the router's 90 s")
			fixes+=("${idle}=${SERVER_IDLE_TIMEOUT}")
		fi
	fi

	# Graceful shutdown: Spring Boot 2.3+ (the default from 3.4).
	if [[ "${SERVER_BOOT_VERSION}" =~ ^([0-9]+)\.([0-9]+) ]]; then
		major="${BASH_REMATCH[1]}"
		minor="${BASH_REMATCH[2]}"
		if ((major < 2 || (major == 2 && minor < 3))); then
			problems+=("Spring Boot ${SERVER_BOOT_VERSION} has no graceful shutdown (2.3+), so SIGTERM drops requests in flight")
			fixes+=("upgrade to Spring Boot 2.3 or later")
		fi
	fi
	value="$(server::user_value server.shutdown)"
	if [[ -z "${value}" ]]; then
		SERVER_FLAGS+=("-Dserver.shutdown=graceful")
	else
		SERVER_KEPT+=("server.shutdown=${value}")
		if [[ "${value,,}" == "immediate" ]]; then
			problems+=("server.shutdown=immediate drops requests in flight at SIGTERM")
			fixes+=("server.shutdown=graceful")
		fi
	fi
	name="spring.lifecycle.timeout-per-shutdown-phase"
	value="$(server::user_value "${name}")"
	if [[ -z "${value}" ]]; then
		SERVER_FLAGS+=("-D${name}=${SERVER_SHUTDOWN_PHASE}")
	else
		SERVER_KEPT+=("${name}=${value}")
		ms="$(server::duration_ms "${value}")"
		if [[ -n "${ms}" ]] && ((ms >= 30000)); then
			problems+=("${name}=${value} is not below the 30 s from SIGTERM to SIGKILL, so a slow drain is cut off")
			fixes+=("${name}=${SERVER_SHUTDOWN_PHASE}")
		fi
	fi

	if ((${#problems[@]} > 0)); then
		SERVER_STATUS="failed"
		SERVER_MESSAGE="Spring Boot (${SERVER_LABEL}): $(server::join "; " "${problems[@]}")"
		SERVER_FIX="$(server::join " and " "${fixes[@]}")"
		[[ "${SERVER_FIX}" == *=* ]] && SERVER_FIX="set ${SERVER_FIX} in application.properties or .yml"
	else
		SERVER_STATUS="passed"
		if ((${#SERVER_FLAGS[@]} > 0)); then
			SERVER_MESSAGE="Spring Boot (${SERVER_LABEL}): idle timeout above the router's 90 s and graceful shutdown within 25 s, set on web dynos where you have not"
		else
			SERVER_MESSAGE="Spring Boot (${SERVER_LABEL}): your settings keep idle connections past the router's 90 s and drain within 25 s"
		fi
	fi
	return 0
}

# bin/compile's part: decide, say what was set and how to opt out, write the flags and the finding
# into the slug (.zdd/server-defaults, .zdd/build-findings.tsv).
# Usage: server::compile BUILD_DIR ENV_DIR
server::compile() {
	local build_dir="${1}" env_dir="${2}" zdd="${1}/.zdd" web="" line flag
	rm -f "${zdd}/server-defaults" "${zdd}/build-findings.tsv"
	if [[ -f "${build_dir}/Procfile" ]]; then
		while IFS= read -r line || [[ -n "${line}" ]]; do
			[[ "${line}" =~ ^web[[:space:]]*:(.*)$ ]] && web="${BASH_REMATCH[1]%$'\r'}"
		done <"${build_dir}/Procfile"
	fi
	server::plan "${build_dir}" "${web}"
	[[ -n "${SERVER_STATUS}" ]] || return 0
	if [[ "$(env::get "${env_dir}" ZDD_SERVER_DEFAULTS)" == "off" ]]; then
		SERVER_FLAGS=()
		output::detail "Server defaults: off (ZDD_SERVER_DEFAULTS=off)"
		return 0
	fi
	if ((${#SERVER_FLAGS[@]} > 0)); then
		printf '%s\n' "${SERVER_FLAGS[@]}" >"${zdd}/server-defaults"
		output::detail "Server defaults for Spring Boot (${SERVER_LABEL}), added to JAVA_TOOL_OPTIONS on web dynos unless the dyno sets them:"
		for flag in "${SERVER_FLAGS[@]}"; do
			output::detail "  ${flag}"
		done
		output::detail "  (the router keeps idle connections 90 s; SIGKILL comes 30 s after SIGTERM)"
		output::detail "  Opt out: heroku config:set ZDD_SERVER_DEFAULTS=off, or set the property yourself"
	fi
	for line in "${SERVER_KEPT[@]}"; do
		output::detail "Server defaults: kept your ${line}"
	done
	printf '%s\t%s\t%s\t%s\n' "${SERVER_CHECK_ID}" "${SERVER_STATUS}" "${SERVER_MESSAGE}" "${SERVER_FIX}" \
		>"${zdd}/build-findings.tsv"
	if [[ ",$(env::get "${env_dir}" ZDD_OPT_OUT | tr -d ' ')," == *",${SERVER_CHECK_ID},"* ]]; then
		output::detail "${SERVER_CHECK_ID} skipped: opted out (ZDD_OPT_OUT)"
	elif [[ "${SERVER_STATUS}" == "failed" ]]; then
		output::warning <<-EOF
			zdd: ${SERVER_CHECK_ID} failed: ${SERVER_MESSAGE}
			Fix: ${SERVER_FIX}
		EOF
	else
		output::detail "${SERVER_CHECK_ID} ${SERVER_STATUS}: ${SERVER_MESSAGE}${SERVER_FIX:+ (fix: ${SERVER_FIX})}"
	fi
}
