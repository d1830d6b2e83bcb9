package dev.lanyard.workloadapi;

import dev.lanyard.credentials.X509SvidSource;
import dev.lanyard.x509.X509Svid;
import java.time.Clock;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The workload's X.509-SVID as the agent's X.509 stream last sent it. While the agent is away the last one keeps
 * serving (it is logged at WARN once it has expired: peers will refuse it until the agent is back).
 *
 * <p>Thread-safe: the SVID is a volatile field; listeners are kept in a copy-on-write list and called on the stream's
 * thread.
 */
final class WorkloadApiX509Source implements X509SvidSource {
  private static final Logger LOG = LoggerFactory.getLogger(WorkloadApiX509Source.class);

  private final Clock clock;
  private final CopyOnWriteArrayList<Consumer<X509Svid>> listeners = new CopyOnWriteArrayList<>();
  private final AtomicBoolean expiryLogged = new AtomicBoolean();
  private volatile @Nullable X509Svid current;

  WorkloadApiX509Source(Clock clock) {
    this.clock = clock;
  }

  @Override
  public X509Svid current() {
    X509Svid svid = current;
    if (svid == null) {
      throw new IllegalStateException("no X.509-SVID has come from the Workload API yet");
    }
    if (!clock.instant().isBefore(svid.expiresAt()) && expiryLogged.compareAndSet(false, true)) {
      LOG.warn("the X.509-SVID of {} (serial {}) expired at {} and the Workload API has sent no new one: peers will "
          + "refuse it until the agent is back", svid.spiffeId(), svid.serial(), svid.expiresAt());
    }
    return svid;
  }

  @Override
  public AutoCloseable addListener(Consumer<X509Svid> listener) {
    Objects.requireNonNull(listener, "listener");
    listeners.add(listener);
    return () -> listeners.remove(listener);
  }

  /** Takes {@code svid} when it is another certificate than the current one, and tells the listeners. */
  void update(X509Svid svid) {
    X509Svid old = current;
    if (old != null && old.leaf().equals(svid.leaf())) {
      return;
    }
    current = svid;
    expiryLogged.set(false);
    if (old == null) {
      return;
    }
    LOG.info("the Workload API rotated the X.509-SVID of {}: serial {} (expires {}) replaces {}", svid.spiffeId(),
        svid.serial(), svid.expiresAt(), old.serial());
    for (Consumer<X509Svid> listener : listeners) {
      try {
        listener.accept(svid);
      } catch (RuntimeException e) {
        LOG.warn("an X.509-SVID rotation listener failed: {}", e.toString());
      }
    }
  }

  @Override
  public String toString() {
    return "WorkloadApiX509Source[" + current + "]";
  }
}
