package dev.lanyard.authority;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;
import static org.assertj.core.api.Assertions.assertThatNullPointerException;

import dev.lanyard.internal.Certificates;
import dev.lanyard.jose.JwtAlgorithm;
import dev.lanyard.spiffe.SpiffeId;
import dev.lanyard.spiffe.TrustDomain;
import dev.lanyard.x509.X509Svid;
import java.security.KeyPair;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class X509SvidIssuanceTest {
  private static final TrustDomain TD = TrustDomain.of("example.org");
  private static final SpiffeId WORKLOAD = SpiffeId.parse("spiffe://example.org/orders");
  private static final Instant NOW = Instant.parse("2030-01-01T00:00:00Z");

  private static SigningKey newCa(Instant createdAt) {
    AuthoritySettings settings = new AuthoritySettings(JwtAlgorithm.ES256, Duration.ofHours(24),
        Duration.ofMinutes(5), Duration.ofHours(1), Duration.ofMinutes(5), null, Certificates.KeyType.EC_P256,
        Duration.ofDays(7), Duration.ofHours(1), Duration.ofHours(24));
    return new SigningKeyFactory(TD, settings, null).newCa(createdAt);
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "web..example.org", "web.example.org.", "10.0.0.1", "*.org", "w*.example.org",
      "web example.org"})
  void checkDnsNamesWhenInvalidThenIllegalArgumentExceptionNamingIt(String name) {
    assertThatIllegalArgumentException()
        .isThrownBy(() -> X509SvidIssuance.checkDnsNames(List.of("ok.example.org", name)))
        .withMessageStartingWith("'" + name + "' is not a DNS name");
  }

  @Test
  void checkDnsNamesWhenNullNameThenIllegalArgumentExceptionAndWhenNullListThenNullPointerException() {
    assertThatIllegalArgumentException().isThrownBy(() -> X509SvidIssuance.checkDnsNames(Arrays.asList("a.b", null)))
        .withMessageStartingWith("'null'");
    assertThatNullPointerException().isThrownBy(() -> X509SvidIssuance.checkDnsNames(null));
  }

  @Test
  void checkDnsNamesWhenValidThenAccepted() {
    X509SvidIssuance.checkDnsNames(List.of("web.example.org", "*.svc.example.org", "WEB-1.Example.org"));
    X509SvidIssuance.checkDnsNames(List.of());
  }

  @Test
  void csrPublicKeyWhenNotACsrThenIllegalArgumentException() {
    assertThatIllegalArgumentException().isThrownBy(() -> X509SvidIssuance.csrPublicKey(new byte[] {0x30, 0x03}))
        .withMessageStartingWith("invalid certificate signing request");
    assertThatNullPointerException().isThrownBy(() -> X509SvidIssuance.csrPublicKey(null));
  }

  @Test
  void issueThenLeafBackdatedTenSecondsValidToTheGivenExpiryAndChainWithoutTheRoot() {
    SigningKey ca = newCa(NOW.minus(Duration.ofHours(1)));
    KeyPair pair = Certificates.generateKeyPair(Certificates.KeyType.EC_P256);

    X509Svid svid = X509SvidIssuance.issue(ca, WORKLOAD, pair.getPublic(), pair.getPrivate(),
        List.of("web.example.org"), NOW, NOW.plus(Duration.ofMinutes(30)));

    assertThat(svid.leaf().getNotBefore().toInstant()).isEqualTo(NOW.minusSeconds(10));
    assertThat(svid.leaf().getNotAfter().toInstant()).isEqualTo(NOW.plus(Duration.ofMinutes(30)));
    assertThat(svid.chain()).containsExactly(svid.leaf());
    assertThat(svid.spiffeId()).isEqualTo(WORKLOAD);
    assertThat(svid.privateKey()).isEqualTo(pair.getPrivate());
  }

  @Test
  void issueWhenClockBehindTheCasCreationThenNotBeforeIsTheCasNotBefore() {
    SigningKey ca = newCa(NOW.plusSeconds(5));
    KeyPair pair = Certificates.generateKeyPair(Certificates.KeyType.EC_P256);

    X509Svid svid = X509SvidIssuance.issue(ca, WORKLOAD, pair.getPublic(), null, List.of(), NOW,
        NOW.plusSeconds(60));

    assertThat(svid.leaf().getNotBefore().toInstant()).isEqualTo(ca.certificate().getNotBefore().toInstant())
        .isEqualTo(NOW.minusSeconds(5));
    assertThat(svid.hasPrivateKey()).isFalse();
  }

  @Test
  void issueWhenExpiryNotAfterNowThenIllegalStateException() {
    SigningKey ca = newCa(NOW.minus(Duration.ofHours(1)));
    KeyPair pair = Certificates.generateKeyPair(Certificates.KeyType.EC_P256);

    assertThatIllegalStateException().isThrownBy(() -> X509SvidIssuance.issue(ca, WORKLOAD, pair.getPublic(),
        pair.getPrivate(), List.of(), NOW, NOW)).withMessageContaining("has expired");
  }
}
