package dev.lanyard.authority;

import java.lang.ref.WeakReference;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps authorities opened from a directory current with changes other processes make there: every
 * {@link #INTERVAL} it asks each of them to re-read its directory if {@code authority.json} changed (a stat when
 * nothing did), and sooner when a verifier met an unknown key. A periodic check rather than a file-system watch:
 * it sees atomic moves on every file system, costs no inotify instance, and bounds the delay at {@link #BOUND}.
 *
 * <p>Thread-safe. One daemon thread for the whole process; it holds the authorities weakly, so an authority that is no
 * longer used is dropped from the schedule (no close needed).
 */
final class DirectoryWatcher {
  /** How often each directory is checked. */
  static final Duration INTERVAL = Duration.ofSeconds(1);
  /** The documented bound for a change by another process to be seen: the interval plus time to read. */
  static final Duration BOUND = Duration.ofSeconds(2);

  private static final Logger LOG = LoggerFactory.getLogger(DirectoryWatcher.class);

  private DirectoryWatcher() {}

  /** The one scheduler thread, started on first use. */
  private static final class Scheduler {
    static final ScheduledExecutorService EXECUTOR = Executors.newSingleThreadScheduledExecutor(task -> {
      Thread thread = new Thread(task, "lanyard-authority-watcher");
      thread.setDaemon(true);
      return thread;
    });
  }

  /** Checks {@code authority}'s directory every {@link #INTERVAL} for as long as the authority is in use. */
  static void watch(EmbeddedAuthority authority) {
    WeakReference<EmbeddedAuthority> ref = new WeakReference<>(authority);
    AtomicReference<ScheduledFuture<?>> future = new AtomicReference<>();
    future.set(Scheduler.EXECUTOR.scheduleWithFixedDelay(() -> {
      EmbeddedAuthority watched = ref.get();
      if (watched == null) {
        ScheduledFuture<?> self = future.get();
        if (self != null) {
          self.cancel(false);
        }
        return;
      }
      check(watched);
    }, INTERVAL.toMillis(), INTERVAL.toMillis(), TimeUnit.MILLISECONDS));
  }

  private static final AtomicBoolean SOON_PENDING = new AtomicBoolean();

  /** Checks {@code authority}'s directory soon, on the watcher thread (never blocks the caller). */
  static void checkSoon(EmbeddedAuthority authority) {
    if (SOON_PENDING.compareAndSet(false, true)) {
      WeakReference<EmbeddedAuthority> ref = new WeakReference<>(authority);
      Scheduler.EXECUTOR.execute(() -> {
        SOON_PENDING.set(false);
        EmbeddedAuthority watched = ref.get();
        if (watched != null) {
          check(watched);
        }
      });
    }
  }

  private static void check(EmbeddedAuthority authority) {
    try {
      authority.reloadIfChanged();
    } catch (RuntimeException e) {
      // A half-broken directory keeps the keys read before; say why, once per check.
      LOG.error("embedded authority in {}: cannot re-read the directory, keeping the keys read before: {}",
          authority.directory().map(Object::toString).orElse("?"), e.getMessage());
    }
  }
}
