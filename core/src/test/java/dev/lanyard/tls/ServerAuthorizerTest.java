package dev.lanyard.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lanyard.spiffe.SpiffeId;
import dev.lanyard.spiffe.TrustDomain;
import dev.lanyard.x509.PeerAuthorizer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ServerAuthorizerTest {
  private static final TrustDomain EXAMPLE = TrustDomain.of("example.org");
  private static final SpiffeId PAYMENTS = SpiffeId.parse("spiffe://example.org/payments");
  private static final SpiffeId LEDGER = SpiffeId.parse("spiffe://example.org/ledger");
  private static final SpiffeId IMPOSTOR = SpiffeId.parse("spiffe://example.org/impostor");

  private static ServerAuthorizer paymentsAndLedger() {
    return ServerAuthorizer.newBuilder(PeerAuthorizer.memberOf(EXAMPLE))
        .server("payments.internal", 8443, PeerAuthorizer.exactly(PAYMENTS))
        .server("[::1]", 9443, PeerAuthorizer.exactly(LEDGER))
        .build();
  }

  @Test
  void forServerWhenNamedThenOnlyItsIdAccepted() {
    PeerAuthorizer payments = paymentsAndLedger().forServer("payments.internal", 8443);

    assertThat(payments.isAuthorized(PAYMENTS)).isTrue();
    assertThat(payments.isAuthorized(IMPOSTOR)).isFalse();
    assertThat(payments.isAuthorized(LEDGER)).isFalse();
  }

  @Test
  void forServerWhenHostDiffersInCaseOrBracketsThenSameServer() {
    assertThat(paymentsAndLedger().forServer("Payments.INTERNAL", 8443).isAuthorized(IMPOSTOR)).isFalse();
    assertThat(paymentsAndLedger().forServer("::1", 9443).isAuthorized(LEDGER)).isTrue();
    assertThat(paymentsAndLedger().forServer("::1", 9443).isAuthorized(PAYMENTS)).isFalse();
  }

  @Test
  void forServerWhenOtherPortOrHostThenOtherwiseApplies() {
    assertThat(paymentsAndLedger().forServer("payments.internal", 443).isAuthorized(IMPOSTOR)).isTrue();
    assertThat(paymentsAndLedger().forServer("elsewhere", 8443).isAuthorized(IMPOSTOR)).isTrue();
    assertThat(paymentsAndLedger().forServer("elsewhere", 8443)
        .isAuthorized(SpiffeId.parse("spiffe://other.org/payments"))).isFalse();
  }

  @Test
  void forServerWhenHostOrPortUnknownThenEveryAuthorizerMustAccept() {
    ServerAuthorizer one = ServerAuthorizer.newBuilder(PeerAuthorizer.memberOf(EXAMPLE))
        .server("payments.internal", 8443, PeerAuthorizer.exactly(PAYMENTS)).build();

    assertThat(one.forServer(null, -1).isAuthorized(PAYMENTS)).isTrue();
    assertThat(one.forServer(null, -1).isAuthorized(IMPOSTOR)).isFalse();
    assertThat(one.forServer("payments.internal", -1).isAuthorized(IMPOSTOR)).isFalse();
    assertThat(paymentsAndLedger().forServer(null, -1).isAuthorized(PAYMENTS)).isFalse();
    assertThat(paymentsAndLedger().forServer(null, -1).isAuthorized(LEDGER)).isFalse();
  }

  @Test
  void alwaysThenSameAuthorizerEverywhere() {
    ServerAuthorizer always = ServerAuthorizer.always(PeerAuthorizer.memberOf(EXAMPLE));

    assertThat(always.forServer("payments.internal", 8443).isAuthorized(IMPOSTOR)).isTrue();
    assertThat(always.forServer(null, -1).isAuthorized(IMPOSTOR)).isTrue();
  }

  @Test
  void serverWhenNamedTwiceThenIllegalState() {
    ServerAuthorizer.Builder builder = ServerAuthorizer.newBuilder(PeerAuthorizer.memberOf(EXAMPLE))
        .server("payments.internal", 8443, PeerAuthorizer.exactly(PAYMENTS));

    assertThatThrownBy(() -> builder.server("PAYMENTS.internal", 8443, PeerAuthorizer.exactly(IMPOSTOR)))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("payments.internal:8443");
  }

  @ParameterizedTest
  @ValueSource(ints = {0, -1, 65536})
  void serverWhenPortOutOfRangeThenIllegalArgument(int port) {
    assertThatThrownBy(() -> ServerAuthorizer.newBuilder(PeerAuthorizer.any())
        .server("payments.internal", port, PeerAuthorizer.exactly(PAYMENTS)))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void serverWhenHostBlankThenIllegalArgument() {
    assertThatThrownBy(() -> ServerAuthorizer.newBuilder(PeerAuthorizer.any())
        .server(" ", 443, PeerAuthorizer.exactly(PAYMENTS)))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void buildWhenCalledTwiceThenBuilderStaysUsable() {
    ServerAuthorizer.Builder builder = ServerAuthorizer.newBuilder(PeerAuthorizer.memberOf(EXAMPLE))
        .server("payments.internal", 8443, PeerAuthorizer.exactly(PAYMENTS));
    ServerAuthorizer first = builder.build();
    builder.server("ledger.internal", 8443, PeerAuthorizer.exactly(LEDGER));

    assertThat(first.forServer("ledger.internal", 8443).isAuthorized(IMPOSTOR)).isTrue();
    assertThat(builder.build().forServer("ledger.internal", 8443).isAuthorized(IMPOSTOR)).isFalse();
  }
}
