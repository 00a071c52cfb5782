#!/usr/bin/env bash
# Compile the app into ./classes (JDK only).
set -euo pipefail
cd "$(dirname "$0")"
mkdir -p classes
javac -nowarn -d classes JdkApp.java
