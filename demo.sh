#!/usr/bin/env bash
# Lanyard with real services. Builds the examples, then the driver (examples/demo, DemoStory) creates one shared
# embedded authority in a temporary directory and starts three services as separate JVMs on free loopback ports:
# orders (Spring Boot + starter), payments (embedded Tomcat 11 + LanyardFilter) and ledger (Spring Boot + Spring
# Security, mutual TLS). It then shows identities and mTLS, an allowed call and denied ones, JWT key rotation and X.509
# renewal under load, the revocation of one identity, the audit trail (decisions and authority events), and each
# service's trust graph merged into the estate map and reviewed for least privilege with the lanyard CLI
# (cli/target/lanyard.jar, run as a separate process). Exit 0 when every step behaved as
# expected, 1 naming the step that did not. Every process it started is stopped on exit, Ctrl-C included.
# The command-line walkthrough that used to live here: examples/cli-demo.sh.
set -euo pipefail
cd "$(dirname "$0")"

stamp=examples/demo/target/demo-built.stamp
if [[ ! -f "$stamp" || ! -f cli/target/lanyard.jar || -n "$(find pom.xml core/src jakarta-filter/src workload-api/src \
    spring-integration/src cli/src examples -newer "$stamp" -type f -not -path '*/target/*' -print -quit 2>/dev/null)" ]]; then
  echo "== building the examples and the lanyard CLI (mvn -q -B -DskipTests package)"
  mvn -q -B -DskipTests -pl examples/orders,examples/payments,examples/ledger,examples/demo,cli -am package
  touch "$stamp"
fi
exec java -Dorg.slf4j.simpleLogger.defaultLogLevel=warn \
  -cp "examples/demo/target/classes:$(cat examples/demo/target/classpath.txt)" \
  dev.lanyard.examples.demo.DemoStory examples
