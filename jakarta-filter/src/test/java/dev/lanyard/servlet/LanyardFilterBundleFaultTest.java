package dev.lanyard.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import dev.lanyard.audit.AuditEvent;
import dev.lanyard.authority.EmbeddedAuthority;
import dev.lanyard.credentials.RotatingX509SvidSource;
import dev.lanyard.policy.Policy;
import dev.lanyard.spiffe.SpiffeId;
import dev.lanyard.spiffe.TrustDomain;
import dev.lanyard.testing.Await;
import dev.lanyard.testing.MutableClock;
import dev.lanyard.tls.SpiffeTls;
import dev.lanyard.trust.HttpBundleSource;
import dev.lanyard.trust.TrustBundle;
import dev.lanyard.x509.PeerAuthorizer;
import dev.lanyard.x509.X509SvidVerifier;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A {@link LanyardFilter} in a real embedded Tomcat 11 whose trust bundle comes from an {@link HttpBundleSource} on a
 * loopback HTTPS bundle endpoint this test controls, while client threads keep sending valid tokens (cached and
 * freshly minted): the endpoint goes down (connection refused), turns slow (within the timeout), serves garbage
 * (not JSON, HTTP 500, a body over the size limit, deeply nested JSON, JSON that is no JWK Set). Within the staleness
 * bound every request still succeeds from the last good bundle; beyond it every request gets 503 (never 401 or 500);
 * when the endpoint serves a good bundle again the filter recovers by itself. The source runs on a clock the test
 * moves forward, so minutes of staleness take milliseconds. A second test configures the filter only by init-params
 * (as {@code web.xml} does), with {@code bundle-max-staleness} and a bundle whose refresh hint is 1 s, in real time.
 */
class LanyardFilterBundleFaultTest {
  static final TrustDomain TD = TrustDomain.of("example.org");
  static final String AUDIENCE = "spiffe://example.org/payments";
  static final SpiffeId ORDERS = SpiffeId.parse("spiffe://example.org/orders");
  static final SpiffeId ENDPOINT = SpiffeId.parse("spiffe://bundles.test/endpoint");
  static final Duration REFRESH = Duration.ofSeconds(30);
  static final Duration MAX_STALENESS = Duration.ofMinutes(5);
  static final Duration TIMEOUT = Duration.ofSeconds(2);
  static final Duration SLOW = Duration.ofMillis(400);
  static final int THREADS = 8;
  static final Duration WAIT = Duration.ofSeconds(30);
  static final String UNAVAILABLE_BODY =
      "{\"error\":\"temporarily_unavailable\",\"error_description\":\"Trust cannot be established right now\"}";

  /** What the bundle endpoint does. */
  enum Mode {
    GOOD, SLOW, NOT_JSON, HTTP_500, TOO_LARGE, NESTED_JSON, NOT_A_JWK_SET
  }

  /** The endpoint: HTTPS on a fixed loopback port, stopped and started again to refuse connections. */
  static final class BundleEndpoint implements AutoCloseable {
    final AtomicReference<Mode> mode = new AtomicReference<>(Mode.GOOD);
    final Map<Mode, AtomicInteger> hits = new ConcurrentHashMap<>();
    final SSLContext tls;
    final String bundleJson;
    final ExecutorService executor = Executors.newFixedThreadPool(4);
    int port;
    HttpsServer server;

    BundleEndpoint(SSLContext tls, String bundleJson) throws Exception {
      this.tls = tls;
      this.bundleJson = bundleJson;
      start();
    }

    void start() throws Exception {
      server = HttpsServer.create(new InetSocketAddress("127.0.0.1", port), 0);
      server.setHttpsConfigurator(new HttpsConfigurator(tls));
      server.setExecutor(executor);
      server.createContext("/bundle", exchange -> {
        Mode m = mode.get();
        hits.computeIfAbsent(m, k -> new AtomicInteger()).incrementAndGet();
        byte[] body;
        int status = 200;
        switch (m) {
          case SLOW:
            try {
              Thread.sleep(SLOW.toMillis()); // the endpoint's own slowness, not the test's timing
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
            body = bundleJson.getBytes(StandardCharsets.UTF_8);
            break;
          case NOT_JSON:
            body = "<html>502 Bad Gateway</html>".getBytes(StandardCharsets.UTF_8);
            break;
          case HTTP_500:
            status = 500;
            body = "{\"error\":\"internal\"}".getBytes(StandardCharsets.UTF_8);
            break;
          case TOO_LARGE:
            body = new byte[5 * 1024 * 1024];
            Arrays.fill(body, (byte) ' ');
            body[0] = '{';
            body[body.length - 1] = '}';
            break;
          case NESTED_JSON:
            body = ("{\"keys\":" + "[".repeat(200_000) + "]".repeat(200_000) + "}").getBytes(StandardCharsets.UTF_8);
            break;
          case NOT_A_JWK_SET:
            body = "{\"keys\":\"none\",\"spiffe_sequence\":-1}".getBytes(StandardCharsets.UTF_8);
            break;
          default:
            body = bundleJson.getBytes(StandardCharsets.UTF_8);
        }
        try {
          exchange.sendResponseHeaders(status, body.length);
          try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
          }
        } catch (java.io.IOException e) {
          // the client gave up reading (a body over the limit): fine
        } finally {
          exchange.close();
        }
      });
      server.start();
      port = server.getAddress().getPort();
    }

    /** Closes the port: connections are refused until {@link #start()}. */
    void stop() {
      server.stop(0);
    }

    URI uri() {
      return URI.create("https://127.0.0.1:" + port + "/bundle");
    }

    int hits(Mode m) {
      AtomicInteger n = hits.get(m);
      return n == null ? 0 : n.get();
    }

    @Override
    public void close() {
      server.stop(0);
      executor.shutdownNow();
    }
  }

  /** One response as a worker saw it, with ticks taken when it was sent and when its answer came. */
  static final class Outcome {
    final String phase;
    final long sent;
    final long answered;
    final int status;
    final String challenge;
    final String body;

    Outcome(String phase, long sent, HttpResponse<String> response, long answered) {
      this.phase = phase;
      this.sent = sent;
      this.answered = answered;
      this.status = response.statusCode();
      this.challenge = response.headers().firstValue("WWW-Authenticate").orElse("-");
      this.body = response.body();
    }

    boolean accepted() {
      return status == 200 && body.contains("principal=" + ORDERS + "\n");
    }

    boolean unavailable() {
      return status == 503 && "-".equals(challenge) && UNAVAILABLE_BODY.equals(body);
    }

    @Override
    public String toString() {
      return phase + " #" + sent + "-" + answered + ": " + status + " " + challenge + " " + body.replace('\n', ' ');
    }
  }

  @Test
  @Timeout(120)
  void bundleEndpointFailsUnderLoadThenServedStaleWithinBound503BeyondAndRecoversByItself(@TempDir Path dir)
      throws Exception {
    EmbeddedAuthority authority = EmbeddedAuthority.newBuilder(TD).build();
    // The endpoint's own TLS identity, from another authority; the source authenticates it by SPIFFE ID.
    EmbeddedAuthority web = EmbeddedAuthority.newBuilder(TrustDomain.of("bundles.test")).build();
    RotatingX509SvidSource endpointSvid = RotatingX509SvidSource.newBuilder(web, ENDPOINT).build();
    X509SvidVerifier webVerifier = X509SvidVerifier.newBuilder().bundleSource(web.bundleSource()).build();
    SSLContext serverTls = SpiffeTls.context(endpointSvid, webVerifier, PeerAuthorizer.any());
    SSLContext clientTls = SSLContext.getInstance("TLS");
    clientTls.init(null, new TrustManager[] {SpiffeTls.trustManager(webVerifier, PeerAuthorizer.exactly(ENDPOINT))},
        null);

    MutableClock sourceClock = MutableClock.systemUtc();
    Map<AuditEvent.Decision, AtomicInteger> audited = new ConcurrentHashMap<>();
    List<String> cached = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      cached.add(authority.mintJwtSvid(ORDERS, AUDIENCE).token());
    }
    ConcurrentLinkedQueue<Outcome> outcomes = new ConcurrentLinkedQueue<>();
    AtomicReference<String> phase = new AtomicReference<>("GOOD");
    // Ticks order requests against the moves of the clock: a request sent after a move's tick saw the move; one
    // answered before it did not.
    AtomicLong ticks = new AtomicLong();
    HttpClient http = LanyardFilterFaultTest.plainClient();

    try (BundleEndpoint endpoint = new BundleEndpoint(serverTls, authority.bundle().toJson());
        HttpBundleSource source = HttpBundleSource.newBuilder(TD, endpoint.uri()).sslContext(clientTls)
            .refreshInterval(REFRESH).maxStaleness(MAX_STALENESS).timeout(TIMEOUT).clock(sourceClock).build()) {
      assertThat(source.lastFetched()).isPresent();
      LanyardFilter filter = LanyardFilter.newBuilder().trustDomain(TD).audience(AUDIENCE).bundleSource(source)
          .policy(Policy.parse("GET /whoami any\n", "policy.txt"))
          .auditSink(e -> audited.computeIfAbsent(e.decision(), d -> new AtomicInteger()).incrementAndGet())
          .build();
      try (TomcatServer server = TomcatServer.newBuilder(dir.resolve("tomcat")).filter(filter).start();
          Load load = Load.start(THREADS, (worker, sequence) -> {
            // Half cached tokens, half minted now (verified in full against the bundle of the moment).
            String token = sequence % 2 == 0 ? cached.get(ThreadLocalRandom.current().nextInt(cached.size()))
                : authority.mintJwtSvid(ORDERS, AUDIENCE).token();
            String p = phase.get();
            long sent = ticks.incrementAndGet();
            HttpResponse<String> response = LanyardFilterFaultTest.get(http, server, token);
            outcomes.add(new Outcome(p, sent, response, ticks.incrementAndGet()));
          })) {
        load.awaitCompleted(100, WAIT);

        // Down: connection refused; the last good bundle keeps serving.
        phase.set("DOWN");
        endpoint.stop();
        sourceClock.setOffset(sourceClock.offset().plus(REFRESH).plusSeconds(1));
        assertThat(source.refresh()).as("refresh while the endpoint is down").isFalse();
        load.awaitCompleted(100, WAIT);

        // Slow but within the timeout: the refresh succeeds in the background, requests do not wait for it.
        Instant lastGood = source.lastFetched().orElseThrow();
        endpoint.mode.set(Mode.SLOW);
        endpoint.start();
        phase.set("SLOW");
        sourceClock.setOffset(sourceClock.offset().plus(REFRESH).plusSeconds(1));
        load.await(() -> source.lastFetched().orElseThrow().isAfter(lastGood), WAIT, "a slow refresh");
        assertThat(endpoint.hits(Mode.SLOW)).isPositive();
        load.awaitCompleted(100, WAIT);

        // Garbage of every kind: each refresh fails, the last good bundle keeps serving within the bound.
        for (Mode garbage : List.of(Mode.NOT_JSON, Mode.HTTP_500, Mode.TOO_LARGE, Mode.NESTED_JSON,
            Mode.NOT_A_JWK_SET)) {
          endpoint.mode.set(garbage);
          phase.set(garbage.name());
          sourceClock.setOffset(sourceClock.offset().plus(REFRESH).plusSeconds(1));
          assertThat(source.refresh()).as("refresh from an endpoint answering %s", garbage).isFalse();
          load.awaitCompleted(60, WAIT);
          assertThat(endpoint.hits(garbage)).as("%s refreshes", garbage).isGreaterThanOrEqualTo(1);
        }

        // Beyond the bound: 503, for cached and fresh tokens alike.
        Instant fetched = source.lastFetched().orElseThrow();
        Duration sinceFetch = Duration.between(fetched, sourceClock.instant());
        phase.set("BEYOND");
        long beyondStarts = ticks.incrementAndGet();
        sourceClock.setOffset(sourceClock.offset().plus(MAX_STALENESS.minus(sinceFetch)).plusSeconds(1));
        long beyond = ticks.incrementAndGet();
        load.awaitCompleted(100, WAIT);

        // Good again: recovers by itself (the retry backoff is at most an hour).
        phase.set("RECOVERING");
        long recovering = ticks.incrementAndGet();
        endpoint.mode.set(Mode.GOOD);
        sourceClock.setOffset(sourceClock.offset().plus(Duration.ofHours(1)).plusSeconds(1));
        load.await(() -> source.lastFetched().orElseThrow().isAfter(fetched), WAIT, "recovery");
        phase.set("RECOVERED");
        long recovered = ticks.incrementAndGet();
        load.awaitCompleted(100, WAIT);
        load.stop();

        List<String> wrong = new ArrayList<>();
        Map<String, AtomicInteger> counts = new ConcurrentHashMap<>();
        for (Outcome o : outcomes) {
          counts.computeIfAbsent(o.phase, k -> new AtomicInteger()).incrementAndGet();
          if (o.sent > recovered) {
            counts.computeIfAbsent("after recovery", k -> new AtomicInteger()).incrementAndGet();
            if (!o.accepted()) {
              wrong.add("refused after recovery: " + o);
            }
          } else if (o.sent > beyond && o.answered < recovering) {
            counts.computeIfAbsent("beyond the bound", k -> new AtomicInteger()).incrementAndGet();
            if (!o.unavailable()) {
              wrong.add("beyond the staleness bound but not 503: " + o);
            }
          } else if (o.answered < beyondStarts) {
            if (!o.accepted()) {
              wrong.add("refused within the staleness bound: " + o);
            }
          } else if (!o.accepted() && !o.unavailable()) {
            // In flight while the clock moved past the bound or the endpoint recovered: either, but nothing else.
            wrong.add("neither accepted nor 503: " + o);
          }
        }
        assertThat(wrong).isEmpty();
        assertThat(counts.keySet()).containsExactlyInAnyOrder("GOOD", "DOWN", "SLOW", "NOT_JSON", "HTTP_500",
            "TOO_LARGE", "NESTED_JSON", "NOT_A_JWK_SET", "BEYOND", "RECOVERING", "RECOVERED", "beyond the bound",
            "after recovery");
        assertThat(counts.get("beyond the bound")).hasValueGreaterThan(50);
        assertThat(counts.get("after recovery")).hasValueGreaterThan(50);
        assertThat(audited.get(AuditEvent.Decision.UNAVAILABLE)).isNotNull().hasValueGreaterThanOrEqualTo(90);
        assertThat(audited.get(AuditEvent.Decision.REJECTED)).as("no request was refused as unauthenticated")
            .isNull();
      }
    } finally {
      endpointSvid.close();
    }
  }

  /** A cleartext bundle endpoint on {@code port} (0: any) serving {@code bundleJson}, counting fetches. */
  static HttpServer plainEndpoint(int port, String bundleJson, AtomicInteger fetches, ExecutorService executor)
      throws java.io.IOException {
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 0);
    server.setExecutor(executor);
    server.createContext("/bundle", exchange -> {
      fetches.incrementAndGet();
      byte[] body = bundleJson.getBytes(StandardCharsets.UTF_8);
      exchange.sendResponseHeaders(200, body.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      } finally {
        exchange.close();
      }
    });
    server.start();
    return server;
  }

  @Test
  @Timeout(90)
  void initParamBundleMaxStalenessWhenEndpointGoesDownThenServedWithinTheBound503BeyondAndRecoversByItself(
      @TempDir Path dir) throws Exception {
    EmbeddedAuthority authority = EmbeddedAuthority.newBuilder(TD).build();
    String bundleJson = TrustBundle.newBuilder(TD).addJwtKeys(authority.bundle().jwtKeys()).sequence(1)
        .refreshHint(Duration.ofSeconds(1)).build().toJson();
    Path policy = Files.writeString(dir.resolve("policy.txt"), "GET /whoami any\n");
    AtomicInteger fetches = new AtomicInteger();
    ExecutorService executor = Executors.newFixedThreadPool(2);
    HttpServer endpoint = plainEndpoint(0, bundleJson, fetches, executor);
    int port = endpoint.getAddress().getPort();
    HttpClient http = LanyardFilterFaultTest.plainClient();
    String token = authority.mintJwtSvid(ORDERS, AUDIENCE).token();
    List<Integer> statuses = new ArrayList<>();
    try (TomcatServer server = TomcatServer.newBuilder(dir.resolve("tomcat"))
        .initParam(LanyardFilter.TRUST_DOMAIN, TD.name())
        .initParam(LanyardFilter.AUDIENCE, AUDIENCE)
        .initParam(LanyardFilter.BUNDLE, "http://127.0.0.1:" + port + "/bundle")
        .initParam(LanyardFilter.ALLOW_INSECURE_HTTP_BUNDLE, "true")
        .initParam(LanyardFilter.BUNDLE_MAX_STALENESS, "4s")
        .initParam(LanyardFilter.POLICY, policy.toString())
        .start()) {
      assertThat(server.contextAvailable()).as(server.startupErrors()).isTrue();
      assertThat(LanyardFilterFaultTest.get(http, server, token).statusCode()).isEqualTo(200);
      Await.until("refresh-ahead at the 1s hint", () -> fetches.get() >= 2, WAIT);

      // Down: the last good bundle serves for at most 4 s after its fetch (at most ~1 s before the stop), then 503.
      endpoint.stop(0);
      long down = System.nanoTime();
      String[] unavailable = new String[1];
      Await.until("503 once the bundle is beyond its bound", () -> {
        try {
          HttpResponse<String> response = LanyardFilterFaultTest.get(http, server, token);
          statuses.add(response.statusCode());
          if (response.statusCode() == 503) {
            unavailable[0] = response.body();
            return true;
          }
          return false;
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      }, WAIT);
      Duration untilUnavailable = Duration.ofNanos(System.nanoTime() - down);
      assertThat(untilUnavailable).as("the bound is honoured").isGreaterThanOrEqualTo(Duration.ofMillis(1500))
          .isLessThan(Duration.ofSeconds(10));
      assertThat(statuses.subList(0, statuses.size() - 1)).as("within the bound").containsOnly(200);
      assertThat(unavailable[0]).isEqualTo(UNAVAILABLE_BODY);

      // Back: the source's own retries (backing off to at most the 1 s interval) recover the filter.
      endpoint = plainEndpoint(port, bundleJson, fetches, executor);
      long back = System.nanoTime();
      Await.until("200 again", () -> {
        try {
          int status = LanyardFilterFaultTest.get(http, server, token).statusCode();
          statuses.add(status);
          return status == 200;
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      }, WAIT);
      assertThat(Duration.ofNanos(System.nanoTime() - back)).isLessThan(Duration.ofSeconds(5));
      assertThat(statuses).as("never a 401 or a 500: an outage is not the caller's fault").containsOnly(200, 503);
    } finally {
      endpoint.stop(0);
      executor.shutdownNow();
    }
  }
}
