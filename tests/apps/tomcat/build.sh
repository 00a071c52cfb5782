#!/usr/bin/env bash
# Compile the app into ./classes against Debian's embedded Tomcat 10 (libtomcat10-embed-java).
set -euo pipefail
cd "$(dirname "$0")"
mkdir -p classes
javac -nowarn -d classes -cp /usr/share/java/tomcat10-embed-core.jar TomcatApp.java
