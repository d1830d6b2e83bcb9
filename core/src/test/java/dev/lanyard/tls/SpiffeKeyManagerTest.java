package dev.lanyard.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatNullPointerException;

import dev.lanyard.authority.EmbeddedAuthority;
import dev.lanyard.credentials.RotatingX509SvidSource;
import dev.lanyard.spiffe.SpiffeId;
import dev.lanyard.spiffe.TrustDomain;
import dev.lanyard.x509.X509Svid;
import java.security.cert.X509Certificate;
import javax.net.ssl.X509ExtendedKeyManager;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The key manager behind {@link SpiffeTls#keyManager}, driven the way JSSE drives it: a handshake first chooses an
 * alias, then asks separately for the chain and the key of that alias. Interleavings that concurrent handshakes
 * produce are written out step by step here, so that they are deterministic; {@link MutualTlsTest} runs real
 * handshakes.
 */
class SpiffeKeyManagerTest {
  private static final SpiffeId PAYMENTS = SpiffeId.parse("spiffe://example.org/payments");

  private RotatingX509SvidSource source;
  private X509ExtendedKeyManager keyManager;

  @BeforeEach
  void setUp() {
    EmbeddedAuthority authority = EmbeddedAuthority.newBuilder(TrustDomain.of("example.org")).build();
    source = RotatingX509SvidSource.newBuilder(authority, PAYMENTS).build();
    keyManager = SpiffeTls.keyManager(source);
  }

  @AfterEach
  void tearDown() {
    source.close();
  }

  private void assertAliasServes(String alias, X509Svid svid) {
    assertThat(keyManager.getCertificateChain(alias)).containsExactlyElementsOf(svid.chain());
    assertThat(keyManager.getPrivateKey(alias)).isEqualTo(svid.privateKey());
  }

  @Test
  void chooseAliasThenChainAndKeyOfCurrentSvid() {
    X509Svid current = source.current();

    String server = keyManager.chooseServerAlias("EC", null, null);
    String engineServer = keyManager.chooseEngineServerAlias("EC", null, null);
    String client = keyManager.chooseClientAlias(new String[] {"RSA", "EC"}, null, null);
    String engineClient = keyManager.chooseEngineClientAlias(new String[] {"EC"}, null, null);

    assertThat(server).isEqualTo("lanyard-svid-" + current.serial());
    assertThat(engineServer).isEqualTo(server);
    assertThat(client).isEqualTo(server);
    assertThat(engineClient).isEqualTo(server);
    assertAliasServes(server, current);
    assertThat(keyManager.getServerAliases("EC", null)).containsExactly(server);
    assertThat(keyManager.getClientAliases("EC", null)).containsExactly(server);
  }

  @Test
  void chooseAliasWhenKeyTypeDoesNotMatchThenNone() {
    // The embedded authority issues EC P-256 SVIDs.
    assertThat(keyManager.chooseServerAlias("RSA", null, null)).isNull();
    assertThat(keyManager.chooseClientAlias(new String[] {"RSA", "RSASSA-PSS"}, null, null)).isNull();
    assertThat(keyManager.getServerAliases("RSA", null)).isNull();
    assertThat(keyManager.getClientAliases("RSA", null)).isNull();
    // TLS 1.2's EC key exchange names (e.g. EC_EC) match an EC key.
    assertThat(keyManager.chooseServerAlias("EC_EC", null, null)).isNotNull();
  }

  @Test
  void unknownOrNullAliasThenNothing() {
    assertThat(keyManager.getCertificateChain(null)).isNull();
    assertThat(keyManager.getPrivateKey(null)).isNull();
    assertThat(keyManager.getCertificateChain("lanyard-svid-00")).isNull();
    assertThat(keyManager.getPrivateKey("someone-else")).isNull();
  }

  @Test
  void rotationBetweenAliasAndKeyThenChainAndKeyStillBelongTogether() {
    X509Svid first = source.current();
    String alias = keyManager.chooseServerAlias("EC", null, null);

    source.renewNow(); // rotation mid-handshake

    assertAliasServes(alias, first);
    String next = keyManager.chooseServerAlias("EC", null, null);
    assertThat(next).isNotEqualTo(alias);
    assertAliasServes(next, source.current());
    // The handshake that began before the rotation still gets its own pair.
    assertAliasServes(alias, first);
  }

  @Test
  void chainReturnedIsACopy() {
    String alias = keyManager.chooseServerAlias("EC", null, null);
    X509Certificate[] chain = keyManager.getCertificateChain(alias);
    chain[0] = null;

    assertThat(keyManager.getCertificateChain(alias)[0]).isNotNull();
  }

  @Test
  void toStringPrintsMetadataOnly() {
    keyManager.chooseServerAlias("EC", null, null);

    assertThat(keyManager.toString()).contains(source.current().serial()).doesNotContain("PRIVATE");
  }

  @Test
  void keyManagerRequiresSource() {
    assertThatNullPointerException().isThrownBy(() -> SpiffeTls.keyManager(null));
  }

  /**
   * Three handshakes in flight on one key manager (a server under load), with two rotations while the first is
   * between choosing its alias and fetching its key: exactly what a CA taint produces, since every concurrent
   * handshake's {@code current()} renews (see RotatingX509SvidSourceTest). The key manager remembers only the last
   * two SVIDs it served, so the first handshake's alias resolves to nothing and JSSE fails that handshake (a client
   * sends an empty certificate chain: "Empty client certificate chain" on the server). MutualTlsTest's
   * caTaintedDuringConcurrentHandshakes test shows it with real handshakes.
   */
  @Test
  void concurrentHandshakesWithTwoRotationsThenEachAliasStillResolves() {
    X509Svid first = source.current();
    String handshakeA = keyManager.chooseServerAlias("EC", null, null);

    source.renewNow();
    X509Svid second = source.current();
    String handshakeB = keyManager.chooseServerAlias("EC", null, null);
    source.renewNow();
    X509Svid third = source.current();
    String handshakeC = keyManager.chooseServerAlias("EC", null, null);

    assertAliasServes(handshakeC, third);
    assertAliasServes(handshakeB, second);
    assertAliasServes(handshakeA, first);
  }
}
