package dev.lanyard.trust;

/**
 * Whether a fetched bundle may replace the one held, by their {@code spiffe_sequence} (SPIFFE Trust Domain and
 * Bundle §4.1.1): a lower sequence than the one held is a rollback and refused; a changed bundle with the same
 * sequence, or one that lost its sequence, is accepted with a warning. A pure function of the two bundles.
 *
 * <p>Thread-safe: stateless.
 */
enum SequenceCheck {
  /** Nothing held yet, the same bundle again, or a higher (or first) sequence. */
  ACCEPTED,
  /** A lower sequence than the one held: refused. */
  ROLLBACK,
  /** Changed content under the same sequence: accepted, warned about. */
  CHANGED_WITHOUT_NEW_SEQUENCE,
  /** The held bundle had a sequence and the fetched one has none: accepted, warned about. */
  SEQUENCE_DROPPED;

  /** The verdict on {@code fresh} replacing {@code held} (null when none is held). */
  static SequenceCheck of(@org.jspecify.annotations.Nullable TrustBundle held, TrustBundle fresh) {
    if (held == null || held.equals(fresh)) {
      return ACCEPTED;
    }
    long had = held.sequence().orElse(-1);
    long got = fresh.sequence().orElse(-1);
    if (got >= 0 && got < had) {
      return ROLLBACK;
    }
    if (got >= 0 && got == had) {
      return CHANGED_WITHOUT_NEW_SEQUENCE;
    }
    if (got < 0 && had >= 0) {
      return SEQUENCE_DROPPED;
    }
    return ACCEPTED;
  }
}
