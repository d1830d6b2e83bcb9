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

  @Option(names = "--bundle-max-staleness", paramLabel = "DURATION", converter = DurationConverter.class,
      defaultValue = "1h",
      description = "How long the last good bundle from a --bundle URL may serve while refreshes fail, more than 0 "
          + "and at most 7d (default 1h). A command fetches the bundle once and uses it at once, so it is never "
          + "stale; the bound is checked here so that one setting reads the same in the CLI, the filter and the "
          + "starter.")
  Duration bundleMaxStaleness = Duration.ofHours(1);

  /**
   * How to fetch the bundle, warning on {@code err}; a timeout or staleness bound out of range is a usage error
   * naming the flag.
   */
  Bundles.Remote remote(PrintWriter err) {
    return new Bundles.Remote(allowInsecureHttpBundle, bundleTimeout, bundleMaxStaleness, err);
  }
}
