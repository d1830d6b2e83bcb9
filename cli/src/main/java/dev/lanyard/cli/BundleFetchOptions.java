package dev.lanyard.cli;

import java.io.PrintWriter;
import java.time.Duration;
import picocli.CommandLine.Option;

/**
 * The options of fetching a {@code --bundle} URL, shared as a picocli mixin by the commands that load a bundle
 * ({@code jwt verify}, {@code x509 verify}). Each command keeps its own {@code --bundle} option: what the bundle must
 * hold, and so its help text, differs.
 *
 * <p>Not thread-safe: picocli fills one instance per command line.
 */
final class BundleFetchOptions {
  @Option(names = "--allow-insecure-http-bundle",
      description = "INSECURE: accept a cleartext http:// --bundle URL, whose bundle anyone on the network path "
          + "could replace (tests only).")
  boolean allowInsecureHttpBundle;

  @Option(names = "--bundle-timeout", paramLabel = "DURATION", converter = DurationConverter.class,
      defaultValue = "10s",
      description = "Deadline of a --bundle URL fetch as a whole: connect, TLS, headers and body (default 10s).")
  Duration bundleTimeout = Duration.ofSeconds(10);

  /** How to fetch the bundle, warning on {@code err}; a timeout that is not positive is a usage error. */
  Bundles.Remote remote(PrintWriter err) {
    return new Bundles.Remote(allowInsecureHttpBundle, bundleTimeout, err);
  }
}
