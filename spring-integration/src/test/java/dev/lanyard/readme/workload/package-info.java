/** The Workload API example of README.md and workload-api/README.md, run against a fake SPIRE agent. */
@NullMarked
package dev.lanyard.readme.workload;

import org.jspecify.annotations.NullMarked;
