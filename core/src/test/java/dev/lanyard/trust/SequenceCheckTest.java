package dev.lanyard.trust;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lanyard.spiffe.TrustDomain;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The rollback rule as a pure function of the bundle held and the one fetched. */
class SequenceCheckTest {
  private static final TrustDomain TD = TrustDomain.of("example.org");

  private static TrustBundle bundle(long sequence, int hintSeconds) {
    TrustBundle.Builder b = TrustBundle.newBuilder(TD).refreshHint(Duration.ofSeconds(hintSeconds));
    if (sequence >= 0) {
      b.sequence(sequence);
    }
    return b.build();
  }

  @Test
  void ofWhenNothingHeldOrSameBundleThenAccepted() {
    assertThat(SequenceCheck.of(null, bundle(3, 60))).isEqualTo(SequenceCheck.ACCEPTED);
    assertThat(SequenceCheck.of(bundle(3, 60), bundle(3, 60))).isEqualTo(SequenceCheck.ACCEPTED);
  }

  @Test
  void ofWhenLowerSequenceThenRollbackAndHigherThenAccepted() {
    assertThat(SequenceCheck.of(bundle(5, 60), bundle(4, 61))).isEqualTo(SequenceCheck.ROLLBACK);
    assertThat(SequenceCheck.of(bundle(5, 60), bundle(6, 61))).isEqualTo(SequenceCheck.ACCEPTED);
  }

  @Test
  void ofWhenChangedUnderTheSameSequenceOrSequenceDroppedThenAcceptedWithItsWarning() {
    assertThat(SequenceCheck.of(bundle(5, 60), bundle(5, 61))).isEqualTo(SequenceCheck.CHANGED_WITHOUT_NEW_SEQUENCE);
    assertThat(SequenceCheck.of(bundle(5, 60), bundle(-1, 61))).isEqualTo(SequenceCheck.SEQUENCE_DROPPED);
    assertThat(SequenceCheck.of(bundle(-1, 60), bundle(2, 61))).isEqualTo(SequenceCheck.ACCEPTED);
  }
}
