package dev.lanyard.spring;

import dev.lanyard.audit.AsyncAuditSink;
import dev.lanyard.audit.AuditEvent;
import dev.lanyard.audit.AuditRing;
import dev.lanyard.audit.AuditSink;
import dev.lanyard.audit.AuthorityEvent;
import dev.lanyard.internal.WarningGate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;

/**
 * The starter's audit trail, as {@code lanyard.audit.*} configures it: the one {@link AuditSink} that the inbound
 * filter, the Spring Security bridge (and the embedded authority) record to. It hands each event to
 * <ul>
 *   <li>the counters of the actuator endpoint and the ring of the last events ({@code lanyard.audit.ring-size}),
 *       on the recording thread: both are lock-free and never block;</li>
 *   <li>the SLF4J sink (logger {@code lanyard.audit}, allowed decisions at {@code lanyard.audit.allowed-level}) and
 *       every {@code AuditSink} bean of the application, each on its own so that one throwing never keeps an event
 *       from the others, behind {@link AuditSink#async(AuditSink, int)} (a queue of {@code lanyard.audit.queue-size}
 *       events) unless {@code lanyard.audit.async=false}: a slow or failing sink never delays or fails a request.</li>
 * </ul>
 * Closing it delivers what is queued (within 5 s) and stops the delivery thread.
 *
 * <p>Thread-safe: immutable after construction over thread-safe sinks.
 */
final class LanyardAudit implements AutoCloseable {
  static final String ALLOWED_LEVEL = "lanyard.audit.allowed-level";
  static final String RING_SIZE = "lanyard.audit.ring-size";
  static final String ASYNC = "lanyard.audit.async";
  static final String QUEUE_SIZE = "lanyard.audit.queue-size";
  /** The default queue of the asynchronous sink: events beyond it are dropped and counted. */
  static final int DEFAULT_QUEUE_SIZE = 8192;
  private static final Logger LOG = LoggerFactory.getLogger(LanyardAudit.class);

  private final AuditSink sink;
  private final @Nullable AuditRing ring;
  private final @Nullable AsyncAuditSink async;

  private LanyardAudit(AuditSink sink, @Nullable AuditRing ring, @Nullable AsyncAuditSink async) {
    this.sink = sink;
    this.ring = ring;
    this.async = async;
  }

  /**
   * The audit trail of {@code properties}, recording to {@code counters}, the ring, the SLF4J sink and
   * {@code listeners} (the application's {@code AuditSink} beans, in order).
   *
   * @throws InvalidConfigurationPropertyValueException naming the first bad {@code lanyard.audit.*} property and why
   */
  static LanyardAudit create(LanyardProperties.Audit properties, AuditCounters counters, List<AuditSink> listeners) {
    AuditSink slf4j;
    try {
      slf4j = AuditSink.slf4j(properties.getAllowedLevel());
    } catch (IllegalArgumentException e) {
      throw LanyardSettings.invalid(ALLOWED_LEVEL, properties.getAllowedLevel(), "must be one of "
          + String.join(", ", AuditSink.ALLOWED_LEVELS));
    }
    int ringSize = properties.getRingSize();
    if (ringSize < 0 || ringSize > AuditRing.MAX_CAPACITY) {
      throw LanyardSettings.invalid(RING_SIZE, ringSize, "must be between 0 (no ring) and " + AuditRing.MAX_CAPACITY);
    }
    int queueSize = properties.getQueueSize();
    if (queueSize < 1 || queueSize > AsyncAuditSink.MAX_CAPACITY) {
      // Checked with async=false too: a setting that would fail once async is turned on fails now.
      throw LanyardSettings.invalid(QUEUE_SIZE, queueSize, "must be between 1 and " + AsyncAuditSink.MAX_CAPACITY);
    }
    List<AuditSink> delivered = new ArrayList<>(listeners.size() + 1);
    delivered.add(slf4j);
    delivered.addAll(listeners);
    AuditSink fanOut = new FanOut(List.copyOf(delivered));
    AsyncAuditSink async = properties.isAsync() ? AuditSink.async(fanOut, queueSize) : null;
    AuditRing ring = ringSize == 0 ? null : AuditRing.withCapacity(ringSize);
    AuditSink sink = counters.sink();
    if (ring != null) {
      sink = sink.andThen(ring);
    }
    sink = sink.andThen(async != null ? async : fanOut);
    return new LanyardAudit(sink, ring, async);
  }

  /** The sink to record to. */
  AuditSink sink() {
    return sink;
  }

  /** The ring of the last events, unless {@code lanyard.audit.ring-size=0}. */
  Optional<AuditRing> ring() {
    return Optional.ofNullable(ring);
  }

  /**
   * Waits until every event recorded so far reached the SLF4J sink and the {@code AuditSink} beans, at most
   * {@code timeout}; true at once when delivery is synchronous.
   */
  boolean flush(Duration timeout) {
    return async == null || async.flush(timeout);
  }

  /** Events the asynchronous delivery dropped because its queue was full. */
  long dropped() {
    return async == null ? 0 : async.dropped();
  }

  @Override
  public void close() {
    if (async != null) {
      async.close();
    }
  }

  @Override
  public String toString() {
    return "LanyardAudit[ring=" + ring + ", async=" + async + "]";
  }

  /**
   * Hands each event to every sink, each on its own: what one throws is logged (its type, at most once a minute) and
   * the others still run.
   */
  private static final class FanOut implements AuditSink {
    private final List<AuditSink> sinks;
    private final WarningGate warning = WarningGate.every(Duration.ofMinutes(1));
    private final AtomicLong failures = new AtomicLong();

    FanOut(List<AuditSink> sinks) {
      this.sinks = sinks;
    }

    @Override
    public void record(AuditEvent event) {
      for (AuditSink s : sinks) {
        try {
          s.record(event);
        } catch (RuntimeException e) {
          failed(s, e);
        }
      }
    }

    @Override
    public void recordAuthority(AuthorityEvent event) {
      for (AuditSink s : sinks) {
        try {
          s.recordAuthority(event);
        } catch (RuntimeException e) {
          failed(s, e);
        }
      }
    }

    private void failed(AuditSink s, RuntimeException e) {
      long count = failures.incrementAndGet();
      if (warning.open()) {
        LOG.warn("the audit sink {} failed with {} ({} failures of audit sinks so far)", s.getClass().getName(),
            e.getClass().getName(), count);
      }
    }
  }
}
