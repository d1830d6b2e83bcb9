package dev.lanyard.trust;

import static dev.lanyard.testing.Stderr.captureStderr;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.lanyard.authority.EmbeddedAuthority;
import dev.lanyard.jwt.JwtSvidRejectedException;
import dev.lanyard.jwt.JwtSvidVerifier;
import dev.lanyard.spiffe.SpiffeId;
import dev.lanyard.spiffe.TrustDomain;
import dev.lanyard.testing.Await;
import dev.lanyard.testing.MutableClock;
import dev.lanyard.x509.X509Svid;
import java.net.URI;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Behaviour of {@link HttpBundleSource} against a loopback endpoint it does not control: HTTPS by default, every fetch
 * bounded as a whole (a stalled body fails {@code build()} in time and never stops later refreshes), no rollback
 * to a bundle with a lower {@code spiffe_sequence}, faults (refused connection, slow and stalled bodies, 500, garbage,
 * too large) served stale within the bound and failed closed beyond it, refresh-ahead by the refresh hint or
 * {@code max-age} (clamped to 1 s), recovery by itself, and unknown-key refreshes rate-limited.
 */
class HttpBundleSourceTest {
  static final TrustDomain TD = TrustDomain.of("example.org");
  static final String AUDIENCE = "spiffe://example.org/payments";
  static final SpiffeId ORDERS = SpiffeId.parse("spiffe://example.org/orders");

  /** The authority behind the endpoint's TLS certificate (a DNS SAN of localhost). */
  static final EmbeddedAuthority TLS_AUTHORITY = EmbeddedAuthority.newBuilder(TrustDomain.of("tls.test")).build();
  static final X509Svid SERVER = TLS_AUTHORITY.issueX509Svid(SpiffeId.parse("spiffe://tls.test/bundle-endpoint"),
      Duration.ofHours(1), List.of("localhost"));

  final MutableClock clock = new MutableClock(Instant.parse("2030-01-01T00:00:00Z"));
  final EmbeddedAuthority oldKeys = EmbeddedAuthority.newBuilder(TD).build();
  final EmbeddedAuthority newKeys = EmbeddedAuthority.newBuilder(TD).build();
  BundleEndpoint endpoint;
  HttpBundleSource source;

  @AfterEach
  void stop() throws Exception {
    if (source != null) {
      source.close();
    }
    if (endpoint != null) {
      endpoint.close();
    }
  }

  static SSLContext serverContext() throws GeneralSecurityException, java.io.IOException {
    KeyStore keys = KeyStore.getInstance("PKCS12");
    keys.load(null, null);
    keys.setKeyEntry("server", SERVER.privateKey(), new char[0], SERVER.chain().toArray(new Certificate[0]));
    KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    kmf.init(keys, new char[0]);
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(kmf.getKeyManagers(), null, null);
    return context;
  }

  static SSLContext clientContext() throws GeneralSecurityException, java.io.IOException {
    KeyStore roots = KeyStore.getInstance("PKCS12");
    roots.load(null, null);
    roots.setCertificateEntry("root", TLS_AUTHORITY.bundle().x509Authorities().get(0));
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(roots);
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(null, tmf.getTrustManagers(), null);
    return context;
  }

  BundleEndpoint httpsEndpoint() throws Exception {
    endpoint = BundleEndpoint.https(serverContext());
    return endpoint;
  }

  HttpBundleSource.Builder builder(URI uri, Duration timeout) throws Exception {
    return HttpBundleSource.newBuilder(TD, uri).sslContext(clientContext()).clock(clock).timeout(timeout)
        .refreshInterval(Duration.ofSeconds(30)).maxStaleness(Duration.ofMinutes(10));
  }

  /** The JWT keys of {@code authority} as a bundle with {@code sequence}. */
  static String bundle(EmbeddedAuthority authority, long sequence) {
    return TrustBundle.newBuilder(TD).addJwtKeys(authority.bundle().jwtKeys()).sequence(sequence).build().toJson();
  }

  /** The JWT keys of {@code authority} as a bundle with {@code sequence} and a refresh hint of {@code hintSeconds}. */
  static String bundle(EmbeddedAuthority authority, long sequence, long hintSeconds) {
    return TrustBundle.newBuilder(TD).addJwtKeys(authority.bundle().jwtKeys()).sequence(sequence)
        .refreshHint(Duration.ofSeconds(hintSeconds)).build().toJson();
  }

  /** A builder on the system clock with the default refresh interval (hint or max-age) and staleness bound. */
  HttpBundleSource.Builder realTimeBuilder(URI uri) throws Exception {
    return HttpBundleSource.newBuilder(TD, uri).sslContext(clientContext()).timeout(Duration.ofSeconds(5));
  }

  static String token(EmbeddedAuthority authority) {
    return authority.mintJwtSvid(ORDERS, AUDIENCE).token();
  }

  JwtSvidVerifier verifier(BundleSource bundles) {
    return JwtSvidVerifier.newBuilder().bundleSource(bundles).audience(AUDIENCE).disableCache().build();
  }

  static long sequenceHeld(HttpBundleSource source) {
    return source.bundleFor(TD).orElseThrow().sequence().orElseThrow();
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Cleartext http needs an explicit, loud opt-in
  // ---------------------------------------------------------------------------------------------------------------

  @Test
  void buildWhenHttpWithoutOptInThenRefusedNamingTheOptIn() {
    HttpBundleSource.Builder builder = HttpBundleSource.newBuilder(TD, URI.create("http://127.0.0.1:9/bundle"));

    assertThatThrownBy(builder::build).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("cleartext http").hasMessageContaining("allowInsecureHttp()");
  }

  @Test
  void buildWhenHttpWithOptInThenFetchedAndWarned() throws Exception {
    endpoint = BundleEndpoint.http().serve(bundle(newKeys, 1));
    URI uri = URI.create(endpoint.uri().toString().replace("localhost", "127.0.0.1"));

    String log = captureStderr(() -> source = HttpBundleSource.newBuilder(TD, uri).allowInsecureHttp().build());

    assertThat(verifier(source).verify(token(newKeys)).subject()).isEqualTo(ORDERS);
    assertThat(log).contains("WARN").contains("INSECURE").contains(uri.toString()).contains("cleartext http");
  }

  @Test
  void newBuilderWhenUrlCarriesUserInfoThenRefusedWithoutEchoingIt() {
    URI uri = URI.create("https://reader:s3cr3t-pass@127.0.0.1:9/bundle");

    assertThatThrownBy(() -> HttpBundleSource.newBuilder(TD, uri)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("user info").hasMessageNotContaining("s3cr3t-pass");
  }

  @Test
  void allowInsecureHttpWhenCalledTwiceThenIllegalState() {
    HttpBundleSource.Builder builder = HttpBundleSource.newBuilder(TD, URI.create("http://127.0.0.1:9/bundle"))
        .allowInsecureHttp();

    assertThatThrownBy(builder::allowInsecureHttp).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void buildWhenHttpsThenFetchedWithoutWarning() throws Exception {
    httpsEndpoint().serve(bundle(newKeys, 1));

    String log = captureStderr(() -> source = builder(endpoint.uri(), Duration.ofSeconds(5)).build());

    assertThat(verifier(source).verify(token(newKeys)).subject()).isEqualTo(ORDERS);
    assertThat(log).doesNotContain("INSECURE");
  }

  // ---------------------------------------------------------------------------------------------------------------
  // A stalled body is bounded by the timeout
  // ---------------------------------------------------------------------------------------------------------------

  @Test
  void buildWhenEndpointStallsTheBodyThenFailsWithinTheTimeoutAndDropsTheConnection() throws Exception {
    httpsEndpoint().stall();
    Duration timeout = Duration.ofSeconds(1);
    HttpBundleSource.Builder builder = builder(endpoint.uri(), timeout);

    long start = System.nanoTime();
    assertTimeoutPreemptively(Duration.ofSeconds(15), () -> assertThatThrownBy(builder::build)
        .isInstanceOf(BundleUnavailableException.class)
        .hasMessageContaining("first fetch").hasMessageContaining(endpoint.uri().toString())
        .hasMessageContaining("within PT1S"));
    Duration took = Duration.ofNanos(System.nanoTime() - start);

    assertThat(took).isGreaterThanOrEqualTo(timeout).isLessThan(timeout.plusSeconds(3));
    assertThat(endpoint.awaitAbandoned(5)).as("the stalled connection is closed by the client").isTrue();
  }

  @Test
  void refreshWhenEndpointStallsInTheBackgroundThenLaterRefreshesStillHappenAndTheSourceRecovers() throws Exception {
    httpsEndpoint().serve(bundle(oldKeys, 1));
    source = builder(endpoint.uri(), Duration.ofSeconds(2)).build();
    assertThat(sequenceHeld(source)).isEqualTo(1);

    endpoint.stall();
    clock.advance(Duration.ofSeconds(31));
    assertThat(sequenceHeld(source)).as("served while the refresh runs").isEqualTo(1);
    assertThat(endpoint.awaitAbandoned(10)).as("the stalled background refresh gave up").isTrue();

    endpoint.serve(bundle(newKeys, 2));
    clock.advance(Duration.ofSeconds(2));
    boolean recovered = Await.holdsWithin(() -> sequenceHeld(source) == 2, Duration.ofSeconds(10));

    assertThat(recovered).as("a refresh after the stalled one fetched the new bundle").isTrue();
    assertThat(verifier(source).verify(token(newKeys)).subject()).isEqualTo(ORDERS);
  }

  @Test
  void refreshWhenEndpointStallsThenCountsAsFailedAndStaleBoundApplies() throws Exception {
    httpsEndpoint().serve(bundle(oldKeys, 1));
    source = builder(endpoint.uri(), Duration.ofSeconds(2)).build();
    endpoint.stall();

    boolean refreshed = assertTimeoutPreemptively(Duration.ofSeconds(15), () -> source.refresh());

    assertThat(refreshed).isFalse();
    clock.advance(Duration.ofMinutes(11));
    assertThatThrownBy(() -> source.bundleFor(TD)).isInstanceOf(BundleUnavailableException.class)
        .hasMessageContaining("stale").hasMessageContaining("did not send a complete response");
  }

  // ---------------------------------------------------------------------------------------------------------------
  // spiffe_sequence never goes back
  // ---------------------------------------------------------------------------------------------------------------

  @Test
  void refreshWhenSequenceGoesBackThenRefusedAndOldKeysStayInvalid() throws Exception {
    httpsEndpoint().serve(bundle(newKeys, 7));
    source = builder(endpoint.uri(), Duration.ofSeconds(5)).build();
    JwtSvidVerifier verifier = verifier(source);
    String oldToken = token(oldKeys);
    String newToken = token(newKeys);

    endpoint.serve(bundle(oldKeys, 6));
    clock.advance(Duration.ofSeconds(31));
    boolean[] refreshed = new boolean[1];
    String log = captureStderr(() -> refreshed[0] = source.refresh());

    assertThat(refreshed[0]).isFalse();
    assertThat(source.refusedRollbacks()).isEqualTo(1);
    assertThat(sequenceHeld(source)).isEqualTo(7);
    assertThat(verifier.verify(newToken).subject()).isEqualTo(ORDERS);
    assertThatThrownBy(() -> verifier.verify(oldToken)).isInstanceOfSatisfying(JwtSvidRejectedException.class,
        e -> assertThat(e.reason()).isEqualTo(JwtSvidRejectedException.Reason.UNKNOWN_KEY));
    assertThat(log).contains("WARN").contains("spiffe_sequence 6").contains("lower than 7");
  }

  @Test
  void refreshWhenSequenceKeepsGoingBackThenStaleBoundApplies() throws Exception {
    httpsEndpoint().serve(bundle(newKeys, 7));
    source = builder(endpoint.uri(), Duration.ofSeconds(5)).build();
    endpoint.serve(bundle(oldKeys, 6));

    clock.advance(Duration.ofMinutes(5));
    assertThat(source.refresh()).isFalse();
    assertThat(sequenceHeld(source)).isEqualTo(7);
    clock.advance(Duration.ofMinutes(6));

    assertThatThrownBy(() -> source.bundleFor(TD)).isInstanceOf(BundleUnavailableException.class)
        .hasMessageContaining("stale").hasMessageContaining("spiffe_sequence 6");
  }

  @Test
  void refreshWhenSequenceGoesForwardThenReplaced() throws Exception {
    httpsEndpoint().serve(bundle(oldKeys, 6));
    source = builder(endpoint.uri(), Duration.ofSeconds(5)).build();
    endpoint.serve(bundle(newKeys, 7));

    assertThat(source.refresh()).isTrue();

    assertThat(sequenceHeld(source)).isEqualTo(7);
    assertThatThrownBy(() -> verifier(source).verify(token(oldKeys)))
        .isInstanceOfSatisfying(JwtSvidRejectedException.class,
            e -> assertThat(e.reason()).isEqualTo(JwtSvidRejectedException.Reason.UNKNOWN_KEY));
  }

  @Test
  void refreshWhenSameSequenceWithOtherKeysThenAcceptedAndLogged() throws Exception {
    httpsEndpoint().serve(bundle(oldKeys, 7));
    source = builder(endpoint.uri(), Duration.ofSeconds(5)).build();
    endpoint.serve(bundle(newKeys, 7));
    boolean[] refreshed = new boolean[1];

    String log = captureStderr(() -> refreshed[0] = source.refresh());

    assertThat(refreshed[0]).isTrue();
    assertThat(verifier(source).verify(token(newKeys)).subject()).isEqualTo(ORDERS);
    assertThat(log).contains("WARN").contains("without a new spiffe_sequence (7)");
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Kept from before: errors, size limit
  // ---------------------------------------------------------------------------------------------------------------

  @Test
  void buildWhenEndpointAnswersAnErrorThenBuiltUnavailableAndRecoversLater() throws Exception {
    httpsEndpoint().fail(500);
    source = builder(endpoint.uri(), Duration.ofSeconds(5)).build();

    assertThatThrownBy(() -> source.bundleFor(TD)).isInstanceOf(BundleUnavailableException.class)
        .hasMessageContaining("HTTP 500");
    endpoint.serve(bundle(newKeys, 1));
    clock.advance(Duration.ofSeconds(1));

    assertThat(source.refresh()).isTrue();
    assertThat(source.bundleFor(TD)).map(b -> b.sequence().orElseThrow()).isEqualTo(Optional.of(1L));
  }

  @Test
  void refreshWhenDocumentLargerThanTheLimitThenFailed() throws Exception {
    httpsEndpoint().serve(bundle(newKeys, 1));
    source = builder(endpoint.uri(), Duration.ofSeconds(5)).build();
    endpoint.serve(" ".repeat(TrustBundle.MAX_DOCUMENT_LENGTH) + bundle(newKeys, 2));

    assertThat(source.refresh()).isFalse();
    clock.advance(Duration.ofMinutes(11));

    assertThatThrownBy(() -> source.bundleFor(TD)).isInstanceOf(BundleUnavailableException.class)
        .hasMessageContaining("more than " + TrustBundle.MAX_DOCUMENT_LENGTH + " bytes");
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Faults: served stale within the bound, failed closed beyond it, recovered by itself
  // ---------------------------------------------------------------------------------------------------------------

  static URI refusingUri() throws Exception {
    try (java.net.ServerSocket probe = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return URI.create("https://localhost:" + probe.getLocalPort() + "/bundle");
    }
  }

  @Test
  void buildWhenConnectionRefusedThenBuiltUnavailableAndSaysSo() throws Exception {
    URI uri = refusingUri();

    String log = captureStderr(() -> source = builder(uri, Duration.ofSeconds(5)).build());

    assertThatThrownBy(() -> source.bundleFor(TD)).isInstanceOf(BundleUnavailableException.class)
        .hasMessageContaining("has not been fetched yet").hasMessageContaining("cannot fetch bundle " + uri);
    assertThat(log).contains("WARN").contains("no bundle held yet").contains("INFO")
        .contains("first fetch failed, retrying");
  }

  @Test
  void refreshWhenConnectionRefusedThenServedWithinBoundThenVerifierFailsClosed() throws Exception {
    httpsEndpoint().serve(bundle(newKeys, 1));
    source = builder(endpoint.uri(), Duration.ofSeconds(5)).build();
    JwtSvidVerifier verifier = verifier(source);
    String token = token(newKeys);
    endpoint.close();
    clock.advance(Duration.ofMinutes(9));
    boolean[] refreshed = new boolean[1];

    String log = captureStderr(() -> refreshed[0] = source.refresh());

    assertThat(refreshed[0]).isFalse();
    assertThat(verifier.verify(token).subject()).as("within the 10m bound").isEqualTo(ORDERS);
    // (Refused, or reset when the closing endpoint had just accepted the connection.)
    assertThat(log).contains("WARN").contains("failed: ").contains("fetched 9m ago")
        .contains("for at most 1m more");
    clock.advance(Duration.ofMinutes(1).plusSeconds(1));
    assertThatThrownBy(() -> verifier.verify(token)).as("beyond the bound: an outage, not the caller's fault")
        .isInstanceOf(BundleUnavailableException.class).hasMessageContaining("stale");
  }

  @Test
  void refreshWhenBodyIsSlowButWithinTheTimeoutThenAccepted() throws Exception {
    httpsEndpoint().serve(bundle(oldKeys, 1));
    source = builder(endpoint.uri(), Duration.ofSeconds(5)).build();
    endpoint.serve(bundle(newKeys, 2)).bodyTakes(Duration.ofMillis(500));

    assertThat(assertTimeoutPreemptively(Duration.ofSeconds(15), () -> source.refresh())).isTrue();

    assertThat(sequenceHeld(source)).isEqualTo(2);
  }

  @Test
  void refreshWhenBodyIsSlowerThanTheTimeoutThenFailedWithinTheTimeout() throws Exception {
    httpsEndpoint().serve(bundle(oldKeys, 1));
    Duration timeout = Duration.ofSeconds(1);
    source = builder(endpoint.uri(), timeout).build();
    endpoint.serve(bundle(newKeys, 2)).bodyTakes(Duration.ofSeconds(20));

    long start = System.nanoTime();
    boolean refreshed = assertTimeoutPreemptively(Duration.ofSeconds(15), () -> source.refresh());
    Duration took = Duration.ofNanos(System.nanoTime() - start);

    assertThat(refreshed).isFalse();
    assertThat(took).isGreaterThanOrEqualTo(timeout).isLessThan(timeout.plusSeconds(3));
    assertThat(sequenceHeld(source)).as("the held bundle is kept").isEqualTo(1);
  }

  @Test
  void refreshWhenEndpointAnswers500ThenFailedLoggedWithStalenessAndHeldBundleKept() throws Exception {
    httpsEndpoint().serve(bundle(oldKeys, 1));
    source = builder(endpoint.uri(), Duration.ofSeconds(5)).build();
    endpoint.fail(500);
    clock.advance(Duration.ofSeconds(90));
    boolean[] refreshed = new boolean[1];

    String log = captureStderr(() -> refreshed[0] = source.refresh());

    assertThat(refreshed[0]).isFalse();
    assertThat(sequenceHeld(source)).isEqualTo(1);
    assertThat(log).contains("WARN").contains("HTTP 500").contains("fetched 1m30s ago").contains("8m30s more")
        .contains("next attempt in 1s");
  }

  @Test
  void refreshWhenGarbageThenFailedWithoutLoggingTheBody() throws Exception {
    httpsEndpoint().serve(bundle(oldKeys, 1));
    source = builder(endpoint.uri(), Duration.ofSeconds(5)).build();
    endpoint.serve("<html>sensitive-body-marker-7f3a</html>");
    boolean[] refreshed = new boolean[1];

    String log = captureStderr(() -> refreshed[0] = source.refresh());

    assertThat(refreshed[0]).isFalse();
    assertThat(sequenceHeld(source)).isEqualTo(1);
    assertThat(log).contains("WARN").contains("refreshing the trust bundle of example.org")
        .doesNotContain("sensitive-body-marker");
  }

  @Test
  void refreshAheadWhenOutageBeyondBoundThenFailsClosedAndRecoversByItselfWhenTheEndpointReturns() throws Exception {
    httpsEndpoint().serve(bundle(oldKeys, 1, 1));
    MutableClock shifted = MutableClock.systemUtc();
    source = realTimeBuilder(endpoint.uri()).clock(shifted).maxStaleness(Duration.ofMinutes(10)).build();
    JwtSvidVerifier verifier = verifier(source);
    endpoint.fail(500);
    shifted.setOffset(Duration.ofMinutes(11));

    assertThatThrownBy(() -> verifier.verify(token(oldKeys))).isInstanceOf(BundleUnavailableException.class);
    endpoint.serve(bundle(newKeys, 2, 1));
    long start = System.nanoTime();
    Await.until("the source recovers by itself", () -> {
      try {
        return verifier.verify(token(newKeys)) != null;
      } catch (BundleUnavailableException | JwtSvidRejectedException e) {
        return false;
      }
    }, Duration.ofSeconds(10));

    assertThat(Duration.ofNanos(System.nanoTime() - start)).as("retries back off to at most the 1s interval")
        .isLessThan(Duration.ofSeconds(4));
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Refresh-ahead by the refresh hint or Cache-Control max-age, clamped
  // ---------------------------------------------------------------------------------------------------------------

  @Test
  void refreshAheadWhenHintIsTwoSecondsThenRotationSeenWithinThreeWithoutAnyVerification() throws Exception {
    httpsEndpoint().serve(bundle(oldKeys, 1, 2));
    String log = captureStderr(() -> source = realTimeBuilder(endpoint.uri()).build());
    Instant first = source.lastFetched().orElseThrow();
    assertThat(source.refreshInterval()).isEqualTo(Duration.ofSeconds(2));

    endpoint.serve(bundle(newKeys, 2, 2));
    long rotated = System.nanoTime();
    // Only lastFetched() is read while waiting: it starts no refresh, so the fetch is the refresh-ahead's.
    Await.until("a background refresh", () -> source.lastFetched().orElseThrow().isAfter(first),
        Duration.ofSeconds(10));
    Duration seen = Duration.ofNanos(System.nanoTime() - rotated);

    assertThat(seen).isLessThan(Duration.ofSeconds(3));
    assertThat(verifier(source).verify(token(newKeys)).subject()).isEqualTo(ORDERS);
    assertThat(log).contains("INFO").contains(endpoint.uri().toString()).contains("every 2s")
        .contains("spiffe_refresh_hint 2s").contains("at most 1h while refreshes fail");
  }

  @Test
  void refreshAheadWhenMaxAgeSoonerThanHintThenMaxAgeWins() throws Exception {
    httpsEndpoint().serve(bundle(oldKeys, 1, 3600)).headers("Cache-Control: public, max-age=2");
    source = realTimeBuilder(endpoint.uri()).build();
    Instant first = source.lastFetched().orElseThrow();
    assertThat(source.refreshInterval()).isEqualTo(Duration.ofSeconds(2));

    endpoint.serve(bundle(newKeys, 2, 3600));
    long rotated = System.nanoTime();
    Await.until("a background refresh", () -> source.lastFetched().orElseThrow().isAfter(first),
        Duration.ofSeconds(10));

    assertThat(Duration.ofNanos(System.nanoTime() - rotated)).isLessThan(Duration.ofSeconds(3));
    assertThat(sequenceHeld(source)).isEqualTo(2);
  }

  @Test
  void refreshIntervalWhenHintSoonerThanMaxAgeThenHintWins() throws Exception {
    httpsEndpoint().serve(bundle(oldKeys, 1, 60)).headers("Cache-Control: max-age=600");

    source = realTimeBuilder(endpoint.uri()).build();

    assertThat(source.refreshInterval()).isEqualTo(Duration.ofSeconds(60));
  }

  @Test
  void refreshIntervalWhenNoCacheOrNoStoreThenCacheControlIgnoredAndHintDecides() throws Exception {
    httpsEndpoint().serve(bundle(oldKeys, 1, 60))
        .headers("Cache-Control: no-cache, no-store, max-age=0, must-revalidate");

    source = realTimeBuilder(endpoint.uri()).build();

    assertThat(source.refreshInterval()).isEqualTo(Duration.ofSeconds(60));
  }

  @Test
  void refreshIntervalWhenMaxAgeLessAgeThenTheRemainingFreshnessCounts() throws Exception {
    httpsEndpoint().serve(bundle(oldKeys, 1, 600)).headers("Cache-Control: max-age=100", "Age: 40");

    source = realTimeBuilder(endpoint.uri()).build();

    assertThat(source.refreshInterval()).isEqualTo(Duration.ofSeconds(60));
  }

  @Test
  void refreshIntervalWhenNeitherHintNorMaxAgeThenFiveMinutes() throws Exception {
    httpsEndpoint().serve(bundle(oldKeys, 1));

    source = realTimeBuilder(endpoint.uri()).build();

    assertThat(source.refreshInterval()).isEqualTo(HttpBundleSource.DEFAULT_REFRESH_INTERVAL);
  }

  @Test
  void refreshIntervalWhenLongerThanHalfTheStalenessBoundThenLowered() throws Exception {
    httpsEndpoint().serve(bundle(oldKeys, 1, 600));

    source = realTimeBuilder(endpoint.uri()).maxStaleness(Duration.ofSeconds(20)).build();

    assertThat(source.refreshInterval()).isEqualTo(Duration.ofSeconds(10));
  }

  @Test
  void refreshAheadWhenHintIsZeroThenClampedToOneSecondBetweenFetches() throws Exception {
    httpsEndpoint().serve(bundle(oldKeys, 1, 0));
    long start = System.nanoTime();

    source = realTimeBuilder(endpoint.uri()).build();
    Await.until("two fetches after the first", () -> endpoint.requests() >= 3, Duration.ofSeconds(10));
    Duration took = Duration.ofNanos(System.nanoTime() - start);

    assertThat(source.refreshInterval()).isEqualTo(HttpBundleSource.MIN_REFRESH_INTERVAL);
    // Not a fetch loop: the third fetch starts at least 1 s after the second ends, which is 1 s after the first.
    assertThat(took).isGreaterThanOrEqualTo(Duration.ofMillis(1950));
    assertThat(endpoint.requests()).isLessThanOrEqualTo(Math.max(3, (int) took.toSeconds() + 2));
  }

  @Test
  void refreshIntervalWhenConfiguredOneMillisecondThenClampedToOneSecond() throws Exception {
    httpsEndpoint().serve(bundle(oldKeys, 1, 60));

    source = realTimeBuilder(endpoint.uri()).refreshInterval(Duration.ofMillis(1)).build();

    assertThat(source.refreshInterval()).isEqualTo(Duration.ofSeconds(1));
  }

  @Test
  void closeWhenRefreshAheadScheduledThenNoMoreFetches() throws Exception {
    httpsEndpoint().serve(bundle(oldKeys, 1, 1));
    source = realTimeBuilder(endpoint.uri()).build();
    Await.until("a background refresh", () -> endpoint.requests() >= 2, Duration.ofSeconds(10));

    source.close();
    int atClose = endpoint.requests();

    assertThat(Await.holdsWithin(() -> endpoint.requests() > atClose + 1, Duration.ofMillis(2500)))
        .as("at most a fetch already in flight ends after close()").isFalse();
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Unknown key ids: at most one fetch per window, however many
  // ---------------------------------------------------------------------------------------------------------------

  @Test
  void requestRefreshWhenFloodOfUnknownKidsThenNoMoreFetchesThanTheRateLimit() throws Exception {
    httpsEndpoint().serve(bundle(oldKeys, 1));
    source = builder(endpoint.uri(), Duration.ofSeconds(5)).refreshInterval(Duration.ofMinutes(5)).build();
    JwtSvidVerifier verifier = verifier(source);
    List<String> unknown = new java.util.ArrayList<>();
    for (int i = 0; i < 4; i++) {
      EmbeddedAuthority stranger = EmbeddedAuthority.newBuilder(TD).build();
      unknown.add(token(stranger));
      unknown.add(token(stranger));
    }
    assertThat(endpoint.requests()).isEqualTo(1);

    Runnable flood = () -> {
      for (int i = 0; i < 500; i++) {
        String t = unknown.get(i % unknown.size());
        assertThatThrownBy(() -> verifier.verify(t)).isInstanceOfSatisfying(JwtSvidRejectedException.class,
            e -> assertThat(e.reason()).isEqualTo(JwtSvidRejectedException.Reason.UNKNOWN_KEY));
      }
    };
    flood(flood, 8);
    Await.until("the one refresh the flood may cause", () -> endpoint.requests() == 2, Duration.ofSeconds(10));
    flood(flood, 8);
    assertThat(Await.holdsWithin(() -> endpoint.requests() > 2, Duration.ofMillis(500))).isFalse();

    clock.advance(HttpBundleSource.UNKNOWN_KEY_REFRESH_SPACING);
    flood(flood, 8);
    Await.until("one more refresh in the next window", () -> endpoint.requests() == 3, Duration.ofSeconds(10));
    assertThat(Await.holdsWithin(() -> endpoint.requests() > 3, Duration.ofMillis(500))).isFalse();
  }

  static void flood(Runnable work, int threads) throws InterruptedException {
    List<Thread> workers = new java.util.ArrayList<>();
    java.util.concurrent.ConcurrentLinkedQueue<Throwable> failures = new java.util.concurrent.ConcurrentLinkedQueue<>();
    for (int i = 0; i < threads; i++) {
      Thread t = new Thread(work);
      t.setUncaughtExceptionHandler((th, e) -> failures.add(e));
      workers.add(t);
      t.start();
    }
    for (Thread t : workers) {
      t.join();
    }
    assertThat(failures).isEmpty();
  }
}
