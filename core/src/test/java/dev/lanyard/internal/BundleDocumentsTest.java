package dev.lanyard.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The fetch machinery shared by {@code HttpBundleSource} and the OIDC key sets, against a real loopback HTTP server:
 * the shared client never follows a redirect, a document over the size limit is refused, and cleartext endpoints are
 * refused unless insecure http was allowed.
 */
class BundleDocumentsTest {
  static final Duration TIMEOUT = Duration.ofSeconds(5);
  final AtomicInteger targetHits = new AtomicInteger();
  HttpServer server;
  URI base;

  @BeforeEach
  void start() throws Exception {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/moved", exchange -> {
      exchange.getResponseHeaders().add("Location", base.resolve("/bundle").toString());
      exchange.sendResponseHeaders(302, -1);
      exchange.close();
    });
    server.createContext("/bundle", exchange -> {
      targetHits.incrementAndGet();
      byte[] body = "{\"keys\":[]}".getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().add("Cache-Control", "max-age=60");
      exchange.sendResponseHeaders(200, body.length);
      exchange.getResponseBody().write(body);
      exchange.close();
    });
    server.start();
    base = URI.create("http://127.0.0.1:" + server.getAddress().getPort());
  }

  @AfterEach
  void stop() {
    server.stop(0);
  }

  @Test
  void fetchWhenEndpointAnswers200ThenBodyAndFreshness() {
    BundleDocuments.Document document =
        BundleDocuments.fetchDocument(BundleDocuments.newClient(TIMEOUT, null), base.resolve("/bundle"), TIMEOUT, 1024);

    assertThat(document.body()).isEqualTo("{\"keys\":[]}");
    assertThat(document.freshness()).contains(Duration.ofSeconds(60));
  }

  @Test
  void fetchWhenEndpointRedirectsThenRefusedAndTargetNeverAsked() {
    HttpClient client = BundleDocuments.newClient(TIMEOUT, null);

    assertThatThrownBy(() -> BundleDocuments.fetch(client, base.resolve("/moved"), TIMEOUT, 1024))
        .isInstanceOf(BundleDocuments.FetchException.class)
        .hasMessageContaining("answered HTTP 302")
        .satisfies(e -> assertThat(((BundleDocuments.FetchException) e).timedOut()).isFalse());
    assertThat(targetHits).hasValue(0);
    assertThat(client.followRedirects()).isEqualTo(HttpClient.Redirect.NEVER);
    assertThat(client.connectTimeout()).contains(TIMEOUT);
  }

  @Test
  void fetchWhenBodyLargerThanLimitThenRefusedNamingTheLimit() {
    assertThatThrownBy(() -> BundleDocuments.fetch(BundleDocuments.newClient(TIMEOUT, null), base.resolve("/bundle"),
        TIMEOUT, 4))
        .isInstanceOf(BundleDocuments.FetchException.class)
        .hasMessageContaining("sent more than 4 bytes");
  }

  @Test
  void requireHttpsWhenCleartextAndNotAllowedThenRefusedNamingWhatAndTheWayOut() {
    assertThatThrownBy(() -> BundleDocuments.requireHttps("issuer", URI.create("HTTP://issuer.example"), false))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("issuer HTTP://issuer.example is cleartext http: use https (or, for tests only, "
            + "allowInsecureHttp())");
  }

  @Test
  void requireHttpsWhenHttpsOrInsecureAllowedThenAccepted() {
    assertThatCode(() -> {
      BundleDocuments.requireHttps("bundle endpoint", URI.create("https://bundle.example/"), false);
      BundleDocuments.requireHttps("bundle endpoint", URI.create("http://127.0.0.1:8080/"), true);
    }).doesNotThrowAnyException();
  }
}
