package dev.lanyard.audit;

import java.util.List;
import java.util.Locale;
import java.util.Objects;
import org.slf4j.LoggerFactory;

/**
 * Receives audit events: the listener API. Implement it (a lambda will do for decisions; override
 * {@link #recordAuthority} for issuance and trust-chain changes) and hand it to an adapter, combined with others by
 * {@link #andThen(AuditSink)}. Called on the thread that decided: keep it quick and never throw (adapters log and
 * ignore what a sink throws), or wrap a slow sink in {@link #async(AuditSink, int)} so the request never waits for it.
 * Sinks provided: {@link #slf4j()} (logger {@code lanyard.audit}, one JSON object per line), {@link AuditRing} (the
 * last events in memory), {@link #async(AuditSink, int)} and {@link #none()}.
 *
 * <p>Thread-safe: implementations must be, since every request thread records through the same sink. {@link #slf4j()}
 * (an SLF4J logger), {@link #none()}, {@link AuditRing}, {@link AsyncAuditSink} and {@link #andThen(AuditSink)} of
 * thread-safe sinks are.
 */
@FunctionalInterface
public interface AuditSink {
  /** Records one decision. */
  void record(AuditEvent event);

  /**
   * Records one issuance or trust-chain change of an authority. Called on the thread that minted, issued or changed
   * keys: the same rules as {@link #record(AuditEvent)} apply. The default drops it, so a sink written for request
   * decisions only keeps working.
   */
  default void recordAuthority(AuthorityEvent event) {
  }

  /** The levels {@link #slf4j(String)} accepts for allowed and public decisions. */
  List<String> ALLOWED_LEVELS = List.of("TRACE", "DEBUG", "INFO", "OFF");

  /**
   * The default sink: logger {@code lanyard.audit}, each event as one line of JSON ({@link AuditEvent#toJson()}) and
   * nothing else in the message; allowed and public decisions at DEBUG, refusals (401, 403, 400) at INFO,
   * unavailability (503) at WARN; authority events ({@link AuthorityEvent#toJson()}) at INFO. The same as
   * {@code slf4j("DEBUG")}.
   */
  static AuditSink slf4j() {
    return slf4j("DEBUG");
  }

  /**
   * The SLF4J sink of {@link #slf4j()} with allowed and public decisions logged at {@code allowedLevel}: {@code TRACE},
   * {@code DEBUG} (the default), {@code INFO}, or {@code OFF} (not logged); case does not matter. Refusals stay at
   * INFO, unavailability at WARN, authority events at INFO.
   *
   * @throws IllegalArgumentException when {@code allowedLevel} is none of {@link #ALLOWED_LEVELS}
   */
  static AuditSink slf4j(String allowedLevel) {
    String level = Objects.requireNonNull(allowedLevel, "allowedLevel").trim().toUpperCase(Locale.ROOT);
    if (!ALLOWED_LEVELS.contains(level)) {
      throw new IllegalArgumentException("the audit level of allowed decisions must be one of " + ALLOWED_LEVELS
          + ", not '" + Slf4jAudit.printable(allowedLevel) + "'");
    }
    return new Slf4jAudit(LoggerFactory.getLogger("lanyard.audit"), level);
  }

  /**
   * A sink that hands events to {@code delegate} on one daemon thread through a queue of {@code capacity} events, so
   * that recording never blocks: when the queue is full the event is dropped, counted and warned about at most once
   * a minute; what the delegate throws, or how long it takes, never reaches the recording thread. Close it to stop
   * the thread.
   *
   * @throws IllegalArgumentException when {@code capacity} is not between 1 and {@value AsyncAuditSink#MAX_CAPACITY}
   */
  static AsyncAuditSink async(AuditSink delegate, int capacity) {
    return new AsyncAuditSink(delegate, capacity);
  }

  /** A sink that drops every event. */
  static AuditSink none() {
    return event -> { };
  }

  /** A sink that hands every event to this one and then to {@code next}. */
  default AuditSink andThen(AuditSink next) {
    AuditSink first = this;
    return new AuditSink() {
      @Override
      public void record(AuditEvent event) {
        first.record(event);
        next.record(event);
      }

      @Override
      public void recordAuthority(AuthorityEvent event) {
        first.recordAuthority(event);
        next.recordAuthority(event);
      }
    };
  }
}
