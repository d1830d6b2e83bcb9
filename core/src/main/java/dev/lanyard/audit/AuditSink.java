package dev.lanyard.audit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Receives audit events. Called on the request thread: keep it quick, and never throw (adapters log and ignore what
 * a sink throws).
 *
 * <p>Thread-safe: implementations must be, since every request thread records through the same sink. {@link #slf4j()}
 * (an SLF4J logger), {@link #none()} and {@link #andThen(AuditSink)} of thread-safe sinks are.
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

  /**
   * The default sink: logger {@code lanyard.audit}, each event as one line of JSON ({@link AuditEvent#toJson()}) and
   * nothing else in the message; allowed and public decisions at DEBUG, refusals at INFO, unavailability at WARN;
   * authority events ({@link AuthorityEvent#toJson()}) at INFO.
   */
  static AuditSink slf4j() {
    Logger log = LoggerFactory.getLogger("lanyard.audit");
    return new AuditSink() {
      @Override
      public void record(AuditEvent event) {
        switch (event.decision()) {
          case ALLOWED:
          case PUBLIC:
            log.debug("{}", event);
            break;
          case UNAVAILABLE:
            log.warn("{}", event);
            break;
          default:
            log.info("{}", event);
        }
      }

      @Override
      public void recordAuthority(AuthorityEvent event) {
        log.info("{}", event);
      }
    };
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
