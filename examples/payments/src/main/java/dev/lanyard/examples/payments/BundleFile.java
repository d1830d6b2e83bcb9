package dev.lanyard.examples.payments;

import dev.lanyard.authority.EmbeddedAuthority;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Keeps a SPIFFE bundle file current from the shared authority (checked every half second, written atomically when it
 * changed), for the filter's {@code bundle} init-param, which re-reads the file when it changes. In production a
 * sidecar or an https bundle endpoint does this job.
 *
 * <p>Thread-safe: one scheduler thread writes; {@link #close()} stops it.
 */
final class BundleFile implements AutoCloseable {
  private final Path file;
  private final ScheduledExecutorService scheduler;

  private BundleFile(Path file, ScheduledExecutorService scheduler) {
    this.file = file;
    this.scheduler = scheduler;
  }

  /** Writes the authority's bundle to {@code file} now, and again whenever it changes. */
  static BundleFile publish(EmbeddedAuthority authority, Path file) throws IOException {
    write(file, authority.bundle().toJson());
    ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "payments-bundle-file");
      t.setDaemon(true);
      return t;
    });
    scheduler.scheduleWithFixedDelay(() -> {
      try {
        String json = authority.bundle().toJson();
        if (!json.equals(Files.readString(file, StandardCharsets.UTF_8))) {
          write(file, json);
        }
      } catch (IOException | RuntimeException e) {
        System.err.println("payments: cannot refresh the bundle file " + file + ": " + e);
      }
    }, 500, 500, TimeUnit.MILLISECONDS);
    return new BundleFile(file, scheduler);
  }

  private static void write(Path file, String json) throws IOException {
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    Files.writeString(tmp, json, StandardCharsets.UTF_8);
    try {
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  Path file() {
    return file;
  }

  @Override
  public void close() {
    scheduler.shutdownNow();
  }
}
