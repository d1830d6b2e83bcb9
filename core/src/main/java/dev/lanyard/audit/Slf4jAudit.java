package dev.lanyard.audit;

import org.slf4j.Logger;

/** The SLF4J sink of {@link AuditSink#slf4j(String)}. Thread-safe: immutable over a thread-safe logger. */
final class Slf4jAudit implements AuditSink {
  private final Logger log;
  private final String allowedLevel;

  Slf4jAudit(Logger log, String allowedLevel) {
    this.log = log;
    this.allowedLevel = allowedLevel;
  }

  @Override
  public void record(AuditEvent event) {
    switch (event.decision()) {
      case ALLOWED:
      case PUBLIC:
        allowed(event);
        break;
      case UNAVAILABLE:
        log.warn("{}", event);
        break;
      default:
        log.info("{}", event);
    }
  }

  private void allowed(AuditEvent event) {
    switch (allowedLevel) {
      case "TRACE":
        log.trace("{}", event);
        break;
      case "DEBUG":
        log.debug("{}", event);
        break;
      case "INFO":
        log.info("{}", event);
        break;
      default:
        // OFF
    }
  }

  @Override
  public void recordAuthority(AuthorityEvent event) {
    log.info("{}", event);
  }

  @Override
  public String toString() {
    return "AuditSink.slf4j(" + allowedLevel + ")";
  }

  /** A setting's value for an error message: printable ASCII only, cut at 32 characters. */
  static String printable(String value) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < value.length() && i < 32; i++) {
      char c = value.charAt(i);
      sb.append(c >= 0x20 && c < 0x7f ? c : '?');
    }
    return sb.toString();
  }
}
