package dev.lanyard.trust;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;
import static org.assertj.core.api.Assertions.assertThatNullPointerException;

import dev.lanyard.spiffe.SpiffeId;
import dev.lanyard.testing.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** The revocation list's listener: told once per revocation, after it took effect. */
class RevocationListTest {
  private static final Instant T0 = Instant.parse("2030-01-01T00:00:00Z");
  private static final SpiffeId ORDERS = SpiffeId.parse("spiffe://example.org/orders");

  /** Records each call, and whether the list already showed the revocation then. */
  static final class Recording implements RevocationList.Listener {
    final AtomicReference<RevocationList> list = new AtomicReference<>();
    final List<String> calls = new CopyOnWriteArrayList<>();

    @Override
    public void tokenRevoked(String tokenId, Instant expiresAt) {
      calls.add("token " + tokenId + " " + expiresAt + " " + list.get().isTokenRevoked(tokenId));
    }

    @Override
    public void subjectRevoked(SpiffeId subject, Instant issuedBefore) {
      calls.add("subject " + subject + " " + issuedBefore + " " + list.get().isSubjectRevoked(subject, null));
    }

    @Override
    public void keyRevoked(String keyId) {
      calls.add("key " + keyId + " " + list.get().isKeyRevoked(keyId));
    }
  }

  @Test
  void revokeWhenListenerGivenThenToldOncePerCallAfterTheRevocationTookEffect() {
    Recording listener = new Recording();
    RevocationList list = new RevocationList(new MutableClock(T0), Duration.ofHours(1), listener);
    listener.list.set(list);

    list.revokeToken("t1", T0.plusSeconds(60));
    list.revokeToken("t2");
    list.revokeSubject(ORDERS, T0);
    list.revokeSubject(ORDERS, T0.minusSeconds(1));
    list.revokeKey("k1");

    assertThat(listener.calls).containsExactly(
        "token t1 " + T0.plusSeconds(60) + " true",
        "token t2 " + T0.plus(Duration.ofHours(1)) + " true",
        "subject " + ORDERS + " " + T0 + " true",
        "subject " + ORDERS + " " + T0.minusSeconds(1) + " true",
        "key k1 true");
    assertThat(list.revokedSubjects()).containsEntry(ORDERS, T0);
  }

  @Test
  void revokeWhenListenerThrowsThenCallerSeesItAndTheRevocationStands() {
    RevocationList list = new RevocationList(new MutableClock(T0), Duration.ofHours(1),
        new RevocationList.Listener() {
          @Override
          public void keyRevoked(String keyId) {
            throw new IllegalStateException("listener down");
          }
        });

    assertThatIllegalStateException().isThrownBy(() -> list.revokeKey("k1")).withMessage("listener down");
    list.revokeToken("t1");

    assertThat(list.isKeyRevoked("k1")).isTrue();
    assertThat(list.isTokenRevoked("t1")).isTrue();
  }

  @Test
  void constructWhenListenerNullThenNullPointerException() {
    assertThatNullPointerException()
        .isThrownBy(() -> new RevocationList(new MutableClock(T0), Duration.ofHours(1), null));
  }
}
