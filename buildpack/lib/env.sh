#!/usr/bin/env bash
# Config vars at build time are files in ENV_DIR (one per var). We read the few we need into
# shell variables and export none of them, so nothing the app holds leaks into other processes.

# This file is sourced; the caller sets the shell options.

# The value of config var NAME, or "" when it is not set. Usage: value="$(env::get ENV_DIR NAME)"
env::get() {
	local env_dir="${1}" name="${2}"
	if [[ -n "${env_dir}" && -f "${env_dir}/${name}" ]]; then
		cat "${env_dir}/${name}"
	fi
}
