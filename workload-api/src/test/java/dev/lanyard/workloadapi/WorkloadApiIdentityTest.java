package dev.lanyard.workloadapi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lanyard.authority.EmbeddedAuthority;
import dev.lanyard.credentials.RotatingX509SvidSource;
import dev.lanyard.jwt.JwtSvid;
import dev.lanyard.jwt.JwtSvidVerifier;
import dev.lanyard.jwt.VerifiedJwtSvid;
import dev.lanyard.spiffe.SpiffeId;
import dev.lanyard.spiffe.TrustDomain;
import dev.lanyard.testing.Await;
import dev.lanyard.testing.SecretFragments;
import dev.lanyard.testing.Stderr;
import dev.lanyard.tls.SpiffeTls;
import dev.lanyard.trust.TrustBundle;
import dev.lanyard.workloadapi.testing.FakeAgent;
import dev.lanyard.x509.PeerAuthorizer;
import dev.lanyard.x509.VerifiedX509Svid;
import dev.lanyard.x509.X509Svid;
import dev.lanyard.x509.X509SvidVerifier;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link WorkloadApiIdentity} against {@link FakeAgent}: a real gRPC Workload API server on a Unix domain socket,
 * serving credentials of a real {@link EmbeddedAuthority}.
 */
class WorkloadApiIdentityTest {
  private static final TrustDomain DOMAIN = TrustDomain.of("example.org");
  private static final TrustDomain PARTNER = TrustDomain.of("partner.test");
  private static final SpiffeId WORKLOAD = SpiffeId.parse("spiffe://example.org/payments");
  private static final SpiffeId CLIENT = SpiffeId.parse("spiffe://example.org/orders");
  private static final String AUDIENCE = "spiffe://example.org/ledger";

  @TempDir
  Path dir;

  private final EmbeddedAuthority authority = EmbeddedAuthority.newBuilder(DOMAIN).build();
  private final EmbeddedAuthority partner = EmbeddedAuthority.newBuilder(PARTNER).build();
  private final List<AutoCloseable> closing = new ArrayList<>();
  private FakeAgent agent;

  @BeforeEach
  void startAgent() throws IOException {
    agent = FakeAgent.start(dir.resolve("agent.sock"), authority, WORKLOAD, partner);
  }

  @AfterEach
  void stop() throws Exception {
    for (AutoCloseable c : closing) {
      c.close();
    }
    if (agent != null) {
      agent.close();
    }
  }

  private WorkloadApiIdentity connect() {
    WorkloadApiIdentity identity = WorkloadApiIdentity.newBuilder().socket(agent.address())
        .timeout(Duration.ofSeconds(5)).reconnectBackoff(Duration.ofMillis(50), Duration.ofMillis(400)).build();
    closing.add(0, identity);
    return identity;
  }

  @Test
  void buildWhenAgentServesThenSvidAndBundlesOfOwnAndFederatedDomain() throws Exception {
    WorkloadApiIdentity identity = connect();

    assertThat(identity.spiffeId()).isEqualTo(WORKLOAD);
    X509Svid svid = identity.x509Svids().current();
    assertThat(svid.leaf()).isEqualTo(agent.svid().leaf());
    assertThat(svid.privateKey()).isEqualTo(agent.svid().privateKey());
    TrustBundle own = identity.bundles().bundleFor(DOMAIN).orElseThrow();
    assertThat(own.x509Authorities()).isEqualTo(authority.bundle().x509Authorities());
    assertThat(own.jwtKeys()).isEqualTo(authority.bundle().jwtKeys());
    assertThat(own.skippedKeys()).isEmpty();
    TrustBundle federated = identity.bundles().bundleFor(PARTNER).orElseThrow();
    assertThat(federated.x509Authorities()).isEqualTo(partner.bundle().x509Authorities());
    assertThat(federated.jwtKeys()).isEqualTo(partner.bundle().jwtKeys());
    assertThat(identity.bundles().bundleFor(TrustDomain.of("other.test"))).isEmpty();

    VerifiedX509Svid verified = X509SvidVerifier.newBuilder().bundleSource(identity.bundles()).build()
        .verify(svid.chain());
    assertThat(verified.spiffeId()).isEqualTo(WORKLOAD);
    VerifiedX509Svid partnerSvid = X509SvidVerifier.newBuilder().bundleSource(identity.bundles()).build()
        .verify(partner.issueX509Svid(SpiffeId.parse("spiffe://partner.test/billing")).chain());
    assertThat(partnerSvid.spiffeId().trustDomain()).isEqualTo(PARTNER);
  }

  @Test
  void jwtSvidsWhenFetchedPerAudienceThenVerifierAcceptsAndCacheServesRepeats() throws Exception {
    WorkloadApiIdentity identity = connect();

    JwtSvid ledger = identity.jwtSvids().fetch(AUDIENCE);
    JwtSvid again = identity.jwtSvids().fetch(AUDIENCE);
    JwtSvid other = identity.jwtSvids().fetch("spiffe://example.org/audit");

    assertThat(again.token()).isEqualTo(ledger.token());
    assertThat(other.token()).isNotEqualTo(ledger.token());
    assertThat(agent.jwtSvidCalls()).isEqualTo(2);
    JwtSvidVerifier verifier = JwtSvidVerifier.newBuilder().bundleSource(identity.bundles()).audience(AUDIENCE)
        .build();
    VerifiedJwtSvid verified = verifier.verify(ledger.token());
    assertThat(verified.subject()).isEqualTo(WORKLOAD);
    assertThat(verified.audience()).containsExactly(AUDIENCE);
    assertThat(ledger.keyId()).isEqualTo(verified.keyId());
    assertThat(ledger.expiresAt()).isEqualTo(verified.expiresAt());
  }

  @Test
  void jwtSvidsWhenScopesAskedThenRefusedSinceTheWorkloadApiGrantsNone() {
    WorkloadApiIdentity identity = connect();

    assertThatThrownBy(() -> identity.jwtSvids().fetch(AUDIENCE, "payments:charge"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("without scopes");
    assertThat(agent.jwtSvidCalls()).isZero();
  }

  @Test
  void rotationWhenPushedOnStreamThenNextTlsHandshakePresentsNewSvid() throws Exception {
    WorkloadApiIdentity identity = connect();
    X509SvidVerifier verifier = X509SvidVerifier.newBuilder().bundleSource(identity.bundles()).build();
    SSLContext server = SpiffeTls.context(identity.x509Svids(), verifier, PeerAuthorizer.memberOf(DOMAIN));
    RotatingX509SvidSource clientSvids = RotatingX509SvidSource.newBuilder(authority, CLIENT).build();
    closing.add(clientSvids);
    SSLContext client = SpiffeTls.context(clientSvids, verifier, PeerAuthorizer.exactly(WORKLOAD));
    List<X509Svid> heard = new ArrayList<>();
    identity.x509Svids().addListener(heard::add);
    X509Certificate first = agent.svid().leaf();

    assertThat(serverLeafSeenByClient(server, client)).isEqualTo(first);
    X509Svid rotated = agent.rotateX509Svid();
    Await.until("the rotated SVID is current", () -> identity.x509Svids().current().leaf().equals(rotated.leaf()),
        Duration.ofSeconds(5));

    assertThat(serverLeafSeenByClient(server, client)).isEqualTo(rotated.leaf()).isNotEqualTo(first);
    assertThat(heard).extracting(X509Svid::leaf).containsExactly(rotated.leaf());
  }

  @Test
  void updateWhenKeyIsNotTheCertificatesOrChainIsForeignThenRefusedAndCurrentSvidKept() throws Exception {
    WorkloadApiIdentity identity = connect();
    X509Svid first = identity.x509Svids().current();
    List<X509Svid> heard = new ArrayList<>();
    identity.x509Svids().addListener(heard::add);
    X509Svid other = authority.issueX509Svid(WORKLOAD);
    X509Svid foreign = EmbeddedAuthority.newBuilder(DOMAIN).build().issueX509Svid(WORKLOAD);

    String log = Stderr.captureStderr(() -> {
      agent.pushX509Svid(other, first.privateKey());
      agent.pushX509Svid(foreign, foreign.privateKey());
      agent.pushJwtBundle("{\"keys\":\"garbage\"}");
      X509Svid rotated = agent.rotateX509Svid();
      String prepared = authority.prepareJwtKey().keyId();
      agent.publishBundles();
      Await.until("the good rotation after the bad ones is taken",
          () -> identity.x509Svids().current().leaf().equals(rotated.leaf()), Duration.ofSeconds(5));
      Await.until("the good JWT bundle after the bad one is taken",
          () -> identity.bundles().bundleFor(DOMAIN).orElseThrow().jwtKey(prepared).isPresent(),
          Duration.ofSeconds(5));
    });

    assertThat(heard).hasSize(1).noneMatch(s -> s.leaf().equals(other.leaf()) || s.leaf().equals(foreign.leaf()));
    assertThat(log).contains("is not the key of its certificate")
        .contains("does not verify against its trust domain's bundle (UNTRUSTED_CHAIN)")
        .contains("JWT bundle of example.org that is refused");
    assertThat(identity.bundles().bundleFor(DOMAIN).orElseThrow().jwtKeys())
        .isEqualTo(authority.bundle().jwtKeys());
  }

  @Test
  void jwtKeyWhenWithdrawnFromPushedBundleThenNextFetchGetsNewTokenSignedByNewKey() throws Exception {
    WorkloadApiIdentity identity = connect();
    JwtSvid before = identity.jwtSvids().fetch(AUDIENCE);
    String oldKey = before.keyId();

    authority.prepareJwtKey();
    authority.activateJwtKey();
    authority.revokeJwtKey(oldKey);
    agent.publishBundles();
    Await.until("the withdrawn key leaves the bundle", () -> identity.bundles().bundleFor(DOMAIN).orElseThrow()
        .jwtKey(oldKey).isEmpty(), Duration.ofSeconds(5));
    JwtSvid after = identity.jwtSvids().fetch(AUDIENCE);

    assertThat(after.keyId()).isNotEqualTo(oldKey);
    assertThat(agent.jwtSvidCalls()).isEqualTo(2);
    JwtSvidVerifier verifier = JwtSvidVerifier.newBuilder().bundleSource(identity.bundles()).audience(AUDIENCE)
        .build();
    assertThat(verifier.verify(after.token()).keyId()).isEqualTo(after.keyId());
  }

  @Test
  void agentWhenGoneThenCurrentSvidKeepsServingAndWhenBackThenReconnectsWithNewSvid() throws Exception {
    WorkloadApiIdentity identity = connect();
    X509Svid first = identity.x509Svids().current();
    JwtSvid token = identity.jwtSvids().fetch(AUDIENCE);
    Path socket = dir.resolve("agent.sock");
    List<X509Svid> fresh = new ArrayList<>();

    String log = Stderr.captureStderr(() -> {
      agent.close();
      agent = null;
      assertThat(Await.holdsWithin(() -> !identity.x509Svids().current().leaf().equals(first.leaf()),
          Duration.ofMillis(600))).isFalse();
      assertThat(identity.jwtSvids().fetch(AUDIENCE).token()).isEqualTo(token.token());
      assertThat(identity.bundles().bundleFor(DOMAIN)).isPresent();

      String preparedMeanwhile = authority.prepareJwtKey().keyId();
      agent = FakeAgent.start(socket, authority, WORKLOAD, partner);
      fresh.add(agent.svid());
      awaitBoth(identity, fresh.get(0), preparedMeanwhile);
      // One more message on each stream: handled only after the first ones (and the recovery log line) are done.
      authority.activateJwtKey();
      awaitBoth(identity, agent.rotateX509Svid(), publishNewJwtKey());
    });

    assertThat(fresh.get(0).leaf()).isNotEqualTo(first.leaf());
    assertThat(log.lines().filter(line -> line.contains("WARN") && line.contains("failed (")))
        .as("one WARN per outage").hasSize(1);
    assertThat(log.lines().filter(line -> line.contains("INFO") && line.contains("answers again")))
        .as("one INFO when it is over").hasSize(1);
    assertThat(log).contains("keeping the current credentials and bundles");
  }

  /** Prepares a new JWT key and publishes the bundles; returns its key id. */
  private String publishNewJwtKey() {
    String keyId = authority.prepareJwtKey().keyId();
    agent.publishBundles();
    return keyId;
  }

  /** Waits until the identity holds {@code svid} and its own bundle holds JWT key {@code keyId}. */
  private static void awaitBoth(WorkloadApiIdentity identity, X509Svid svid, String keyId) {
    Await.until("the X.509 stream delivered " + svid.serial(),
        () -> identity.x509Svids().current().leaf().equals(svid.leaf()), Duration.ofSeconds(10));
    Await.until("the JWT bundle stream delivered " + keyId,
        () -> identity.bundles().bundleFor(DOMAIN).orElseThrow().jwtKey(keyId).isPresent(), Duration.ofSeconds(10));
  }

  @Test
  void buildWhenNoAgentThenFailsWithinTimeoutNamingSocketAndTimeout() {
    String socket = "unix:" + dir.resolve("nobody.sock");
    long start = System.nanoTime();

    assertThatThrownBy(() -> WorkloadApiIdentity.newBuilder().socket(socket).timeout(Duration.ofMillis(800))
        .reconnectBackoff(Duration.ofMillis(50), Duration.ofMillis(200)).build())
        .isInstanceOf(WorkloadApiException.class)
        .hasMessageContaining(socket).hasMessageContaining("PT0.8S").hasMessageContaining("UNAVAILABLE");
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(3));
  }

  @Test
  void connectWhenNoSocketGivenAndEnvironmentUnsetThenFailsNamingTheVariable() {
    org.junit.jupiter.api.Assumptions.assumeTrue(System.getenv(WorkloadApiIdentity.SOCKET_ENV) == null,
        "SPIFFE_ENDPOINT_SOCKET is not set here");

    assertThatThrownBy(() -> WorkloadApiIdentity.connect(Duration.ofSeconds(1)))
        .isInstanceOf(WorkloadApiException.class).hasMessageContaining("SPIFFE_ENDPOINT_SOCKET is not set");
  }

  @Test
  void buildWhenAgentHasNoSvidForTheRequestedIdThenFailsNamingIt() {
    SpiffeId stranger = SpiffeId.parse("spiffe://example.org/stranger");

    // The agent's first update must arrive within the timeout for the refusal to name the ID; a loaded CI machine
    // needs more than a second for the first gRPC stream, so the wait is generous (start-up waits it out in full).
    assertThatThrownBy(() -> WorkloadApiIdentity.newBuilder().socket(agent.address()).spiffeId(stranger)
        .timeout(Duration.ofSeconds(4)).build())
        .isInstanceOf(WorkloadApiException.class)
        .hasMessageContaining("no X.509-SVID for " + stranger).hasMessageContaining(WORKLOAD.toString());
  }

  @Test
  void socketWhenNotAUnixSocketAddressThenRefusedAtOnce() {
    WorkloadApiIdentity.Builder builder = WorkloadApiIdentity.newBuilder();

    for (String bad : List.of("tcp://127.0.0.1:8081", "/run/agent.sock", "unix:relative.sock", "unix://host/x.sock",
        "unix:/x.sock?q=1", "unix:")) {
      assertThatThrownBy(() -> builder.socket(bad)).as(bad).isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining(bad);
    }
    assertThatThrownBy(() -> builder.timeout(Duration.ZERO)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> builder.timeout(Duration.ofMinutes(6))).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void logsAndToStringWhenConnectingAndRotatingThenNameIdentityAndSocketButNoSecret() throws Exception {
    List<String> texts = new ArrayList<>();
    SecretFragments secrets = new SecretFragments();
    String log = Stderr.captureStderr(() -> {
      WorkloadApiIdentity identity = connect();
      JwtSvid token = identity.jwtSvids().fetch(AUDIENCE);
      secrets.token(token.token());
      secrets.privateKey(identity.x509Svids().current().privateKey());
      X509Svid rotated = agent.rotateX509Svid();
      secrets.privateKey(rotated.privateKey());
      Await.until("rotated", () -> identity.x509Svids().current().leaf().equals(rotated.leaf()),
          Duration.ofSeconds(5));
      texts.add(identity + " " + identity.x509Svids() + " " + identity.jwtSvids() + " " + identity.bundles() + " "
          + token);
    });

    assertThat(log).contains("from the SPIFFE Workload API at " + agent.address())
        .contains("rotated the X.509-SVID of " + WORKLOAD);
    assertThat(texts.get(0)).contains(WORKLOAD.toString()).contains(dir.resolve("agent.sock").toString());
    secrets.assertAbsentFrom("the log", log);
    secrets.assertAbsentFrom("toString()", texts.get(0));
  }

  /** A fresh loopback TLS connection: the leaf certificate the server presented to the client. */
  private static X509Certificate serverLeafSeenByClient(SSLContext server, SSLContext client) throws Exception {
    try (SSLServerSocket listener = (SSLServerSocket) server.getServerSocketFactory()
        .createServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      listener.setSSLParameters(SpiffeTls.serverParameters(server));
      Thread accept = new Thread(() -> {
        try (SSLSocket accepted = (SSLSocket) listener.accept()) {
          accepted.startHandshake();
          accepted.getInputStream().read();
        } catch (IOException e) {
          // the client closed
        }
      });
      accept.start();
      try (SSLSocket socket = (SSLSocket) client.getSocketFactory()
          .createSocket(InetAddress.getLoopbackAddress(), listener.getLocalPort())) {
        socket.setSSLParameters(SpiffeTls.clientParameters(client));
        socket.startHandshake();
        return (X509Certificate) socket.getSession().getPeerCertificates()[0];
      } finally {
        accept.join(5_000);
      }
    }
  }
}
