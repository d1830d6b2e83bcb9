package dev.lanyard.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatNullPointerException;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.lanyard.authority.AuthorityCa;
import dev.lanyard.authority.EmbeddedAuthority;
import dev.lanyard.authority.KeyState;
import dev.lanyard.spiffe.SpiffeId;
import dev.lanyard.spiffe.TrustDomain;
import dev.lanyard.x509.VerifiedX509Svid;
import dev.lanyard.x509.X509Svid;
import dev.lanyard.x509.X509SvidRejectedException;
import dev.lanyard.x509.X509SvidRejectedException.Reason;
import dev.lanyard.x509.X509SvidVerifier;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link PeerIdentity#of(X509Certificate[], X509SvidVerifier)}, for the client chain a servlet container hands over
 * ({@code jakarta.servlet.request.X509Certificate}): the chain is verified here, whoever accepted the handshake.
 * (The {@code SSLSession} variant runs in real handshakes in {@link MutualTlsTest}.)
 */
class PeerIdentityTest {
  private static final TrustDomain EXAMPLE = TrustDomain.of("example.org");
  private static final SpiffeId ORDERS = SpiffeId.parse("spiffe://example.org/orders");
  private static final Instant NOW = Instant.parse("2030-01-01T00:00:00Z");

  private EmbeddedAuthority authority;
  private X509SvidVerifier verifier;

  @BeforeEach
  void setUp() {
    Clock clock = Clock.fixed(NOW, ZoneOffset.UTC);
    authority = EmbeddedAuthority.newBuilder(EXAMPLE).clock(clock).build();
    verifier = X509SvidVerifier.newBuilder().bundleSource(authority.bundleSource()).clock(clock).build();
  }

  private static X509Certificate[] array(X509Svid svid) {
    return svid.chain().toArray(new X509Certificate[0]);
  }

  private Reason rejection(X509Certificate[] chain) {
    X509SvidRejectedException e = catchThrowableOfType(X509SvidRejectedException.class,
        () -> PeerIdentity.of(chain, verifier));
    assertThat(e).as("rejected").isNotNull();
    return e.reason();
  }

  @Test
  void ofWhenChainNullThenMalformed() {
    assertThat(rejection(null)).isEqualTo(Reason.MALFORMED);
  }

  @Test
  void ofWhenChainEmptyThenMalformed() {
    assertThat(rejection(new X509Certificate[0])).isEqualTo(Reason.MALFORMED);
  }

  @Test
  void ofWhenChainHasNullCertificateThenMalformed() {
    assertThat(rejection(new X509Certificate[] {null})).isEqualTo(Reason.MALFORMED);
  }

  @Test
  void ofWhenChainOfUntrustedTrustDomainThenUntrustedTrustDomain() {
    EmbeddedAuthority foreign = EmbeddedAuthority.newBuilder(TrustDomain.of("other.org"))
        .clock(Clock.fixed(NOW, ZoneOffset.UTC)).build();
    X509Svid svid = foreign.issueX509Svid(SpiffeId.parse("spiffe://other.org/orders"));

    assertThat(rejection(array(svid))).isEqualTo(Reason.UNTRUSTED_TRUST_DOMAIN);
  }

  @Test
  void ofWhenSameTrustDomainNameButForeignCaThenUntrustedChain() {
    // A second authority claiming example.org: right name, but its CA is not in our bundle.
    EmbeddedAuthority impostor = EmbeddedAuthority.newBuilder(EXAMPLE).clock(Clock.fixed(NOW, ZoneOffset.UTC))
        .build();
    X509Svid svid = impostor.issueX509Svid(ORDERS);

    assertThat(rejection(array(svid))).isEqualTo(Reason.UNTRUSTED_CHAIN);
  }

  @Test
  void ofWhenChainIsTheCaCertificateThenNotALeaf() {
    AuthorityCa ca = authority.x509Cas().stream().filter(c -> c.state() == KeyState.ACTIVE).findFirst()
        .orElseThrow();

    assertThat(rejection(new X509Certificate[] {ca.certificate()})).isEqualTo(Reason.NOT_A_LEAF);
  }

  @Test
  void ofWhenLeafExpiredThenExpired() {
    X509Svid svid = authority.issue(ORDERS, Duration.ofMinutes(5));
    X509SvidVerifier later = X509SvidVerifier.newBuilder().bundleSource(authority.bundleSource())
        .clock(Clock.fixed(NOW.plus(Duration.ofMinutes(6)), ZoneOffset.UTC)).build();

    X509SvidRejectedException e = catchThrowableOfType(X509SvidRejectedException.class,
        () -> PeerIdentity.of(array(svid), later));

    assertThat(e.reason()).isEqualTo(Reason.EXPIRED);
  }

  @Test
  void ofWhenValidChainThenSpiffeId() throws Exception {
    X509Svid svid = authority.issueX509Svid(ORDERS);

    VerifiedX509Svid peer = PeerIdentity.of(array(svid), verifier);

    assertThat(peer.spiffeId()).isEqualTo(ORDERS);
    assertThat(peer.serial()).isEqualTo(svid.serial());
    assertThat(peer.leaf()).isEqualTo(svid.leaf());
  }

  @Test
  void ofAcceptsAnyVerifiedPeerAuthorizationIsTheCallersJob() throws Exception {
    // The servlet variant does no authorization: any valid SVID of a trusted domain comes back.
    X509Svid ledger = authority.issueX509Svid(SpiffeId.parse("spiffe://example.org/ledger"));

    assertThat(PeerIdentity.of(array(ledger), verifier).spiffeId().path()).isEqualTo("/ledger");
  }

  @Test
  void ofWhenChainIsACopyThenCallerMutationDoesNotMatter() throws Exception {
    X509Certificate[] chain = array(authority.issueX509Svid(ORDERS));

    VerifiedX509Svid peer = PeerIdentity.of(chain, verifier);
    chain[0] = null;

    assertThat(peer.leaf()).isNotNull();
    assertThat(peer.path()).hasSize(1);
  }

  @Test
  void ofWhenVerifierNullThenNullPointer() {
    X509Certificate[] chain = array(authority.issueX509Svid(ORDERS));

    assertThatNullPointerException().isThrownBy(() -> PeerIdentity.of(chain, null));
    assertThatNullPointerException().isThrownBy(() -> PeerIdentity.of((javax.net.ssl.SSLSession) null, verifier));
  }
}
