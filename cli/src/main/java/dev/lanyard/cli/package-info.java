/**
 * The {@code lanyard} command line: picocli commands for the embedded authority, JWT-SVIDs and X.509-SVIDs, built on
 * the core library. Only {@link dev.lanyard.cli.Lanyard#main(String[])} is meant to be called from outside.
 */
@NullMarked
package dev.lanyard.cli;

import org.jspecify.annotations.NullMarked;
