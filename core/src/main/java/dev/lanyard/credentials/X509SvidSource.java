package dev.lanyard.credentials;

import dev.lanyard.x509.X509Svid;
import java.util.function.Consumer;

/** Hands out this workload's current X.509-SVID, and tells listeners when it rotates. Thread-safe. */
public interface X509SvidSource {
  /** The current SVID (never null once the source is built). */
  X509Svid current();

  /**
   * Calls {@code listener} with every new SVID after a rotation (on the rotating thread; keep it quick). Exceptions
   * it throws are logged and do not stop rotation.
   *
   * @return a handle that removes the listener when closed
   */
  AutoCloseable addListener(Consumer<X509Svid> listener);
}
