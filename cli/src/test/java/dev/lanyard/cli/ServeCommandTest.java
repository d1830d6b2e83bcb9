package dev.lanyard.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.util.JSONObjectUtils;
import dev.lanyard.authority.EmbeddedAuthority;
import dev.lanyard.internal.Certificates;
import dev.lanyard.jwt.JwtSvidVerifier;
import dev.lanyard.spiffe.SpiffeId;
import dev.lanyard.spiffe.TrustDomain;
import dev.lanyard.testing.Await;
import dev.lanyard.trust.HttpBundleSource;
import dev.lanyard.trust.JwtKey;
import dev.lanyard.trust.TrustBundle;
import dev.lanyard.x509.X509Svid;
import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code lanyard authority serve} run in-process on port 0 with a test certificate for {@code localhost}: fetched over
 * real HTTPS by Lanyard's {@link HttpBundleSource} and nimbus, following a rotation done in the directory by another
 * command, then stopped (its thread interrupted, as SIGINT/SIGTERM would) with exit 0. Bad flags exit 2 naming the
 * flag.
 */
class ServeCommandTest {
  static final TrustDomain TD = TrustDomain.of("example.org");
  static final String AUDIENCE = "spiffe://example.org/payments";
  static final EmbeddedAuthority TLS_AUTHORITY = EmbeddedAuthority.newBuilder(TrustDomain.of("tls.test")).build();

  @TempDir
  Path tmp;

  Path authorityDir() {
    Path dir = tmp.resolve("auth");
    assertThat(TestPki.run("authority", "init", "--trust-domain", TD.name(), "--dir", dir.toString()).code())
        .isZero();
    return dir;
  }

  /** Writes the test server certificate (for localhost) and key; returns {cert, key}. */
  List<Path> tlsFiles() throws Exception {
    X509Svid server = TLS_AUTHORITY.issueX509Svid(SpiffeId.parse("spiffe://tls.test/serve"), Duration.ofHours(1),
        List.of("localhost"));
    Path cert = Files.writeString(tmp.resolve("tls.pem"), Certificates.pem(server.chain()));
    Path key = Files.writeString(tmp.resolve("tls-key.pem"),
        Certificates.pem("PRIVATE KEY", server.privateKey().getEncoded()));
    return List.of(cert, key);
  }

  static SSLContext clientContext() throws Exception {
    KeyStore roots = KeyStore.getInstance("PKCS12");
    roots.load(null, null);
    roots.setCertificateEntry("root", TLS_AUTHORITY.bundle().x509Authorities().get(0));
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(roots);
    SSLContext tls = SSLContext.getInstance("TLS");
    tls.init(null, tmf.getTrustManagers(), null);
    return tls;
  }

  /** A serve command running on its own thread. */
  static final class Running {
    final StringWriter out = new StringWriter();
    final StringWriter err = new StringWriter();
    final AtomicInteger code = new AtomicInteger(-1);
    final Thread thread;

    Running(String... args) {
      thread = new Thread(() -> code.set(Lanyard.run(args, new ByteArrayInputStream(new byte[0]),
          new PrintWriter(out), new PrintWriter(err), Clock.systemUTC())), "serve-under-test");
      thread.start();
    }

    Map<String, Object> started() throws Exception {
      Await.until("serve printed its URL", () -> out.toString().contains("\n") || code.get() >= 0,
          Duration.ofSeconds(20));
      assertThat(code.get()).as(err.toString()).isEqualTo(-1);
      return JSONObjectUtils.parse(out.toString().strip());
    }

    int stop() throws InterruptedException {
      thread.interrupt();
      thread.join(10_000);
      assertThat(thread.isAlive()).isFalse();
      return code.get();
    }
  }

  @Test
  void serveWhenPortZeroWithTestCertThenFetchedOverHttpsFollowsRotationAndStopsWithExitZero() throws Exception {
    Path dir = authorityDir();
    List<Path> tls = tlsFiles();
    Running serve = new Running("authority", "serve", "--dir", dir.toString(), "--port", "0", "--address",
        "localhost", "--tls-cert", tls.get(0).toString(), "--tls-key", tls.get(1).toString());
    try {
      Map<String, Object> started = serve.started();
      String url = (String) started.get("url");
      assertThat(url).startsWith("https://localhost:").doesNotEndWith(":0");
      assertThat(started).containsEntry("trustDomain", TD.name()).containsEntry("refreshHintSeconds", 300L);

      try (HttpBundleSource source = HttpBundleSource.newBuilder(TD, URI.create((String) started.get("bundle")))
          .sslContext(clientContext()).build()) {
        TrustBundle fetched = source.bundleFor(TD).orElseThrow();
        EmbeddedAuthority opened = EmbeddedAuthority.open(dir);
        assertThat(fetched.jwtKeys()).isEqualTo(opened.bundle().jwtKeys());
        String token = opened.mintJwtSvid(SpiffeId.parse("spiffe://example.org/orders"), AUDIENCE).token();
        assertThat(JwtSvidVerifier.newBuilder().bundleSource(source).audience(AUDIENCE).build().verify(token)
            .subject().toString()).isEqualTo("spiffe://example.org/orders");
      }

      HttpClient http = HttpClient.newBuilder().sslContext(clientContext()).build();
      HttpResponse<String> root = http.send(HttpRequest.newBuilder(URI.create(url + "/")).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(root.statusCode()).isEqualTo(200);
      assertThat(root.headers().firstValue("Cache-Control")).contains("public, max-age=300");
      assertThat(root.headers().firstValue("Content-Type")).contains("application/json");
      HttpResponse<String> discovery = http.send(HttpRequest.newBuilder(URI.create((String) started.get("discovery")))
          .build(), HttpResponse.BodyHandlers.ofString());
      Map<String, Object> document = JSONObjectUtils.parse(discovery.body());
      assertThat(document).containsEntry("issuer", url).containsEntry("jwks_uri", started.get("jwks"));
      JWKSet jwks = JWKSet.parse(http.send(HttpRequest.newBuilder(URI.create((String) started.get("jwks"))).build(),
          HttpResponse.BodyHandlers.ofString()).body());
      assertThat(jwks.getKeys()).isNotEmpty().noneMatch(key -> key.isPrivate());
      HttpResponse<String> post = http.send(HttpRequest.newBuilder(URI.create(url + "/"))
          .POST(HttpRequest.BodyPublishers.ofString("x")).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(post.statusCode()).isEqualTo(405);
      assertThat(post.headers().firstValue("Allow")).contains("GET, HEAD");

      // A rotation step by another command shows in the served bundle within the check interval.
      assertThat(TestPki.run("authority", "rotate", "--dir", dir.toString()).code()).isZero();
      List<String> expected = EmbeddedAuthority.open(dir).bundle().jwtKeys().stream().map(JwtKey::keyId)
          .collect(Collectors.toList());
      Await.until("the rotation is served", () -> {
        try {
          String body = http.send(HttpRequest.newBuilder(URI.create(url + "/")).build(),
              HttpResponse.BodyHandlers.ofString()).body();
          return TrustBundle.parse(TD, body).jwtKeys().stream().map(JwtKey::keyId).collect(Collectors.toList())
              .equals(expected);
        } catch (Exception e) {
          return false;
        }
      }, Duration.ofSeconds(10));
    } finally {
      assertThat(serve.stop()).isZero();
    }
    assertThat(serve.out.toString() + serve.err).doesNotContain("PRIVATE KEY").doesNotContain("Exception");
  }

  @Test
  void serveWhenBadFlagsThenExitTwoNamingTheFlag() throws Exception {
    Path dir = authorityDir();
    List<Path> tls = tlsFiles();
    TestPki.Result badPort = TestPki.run("authority", "serve", "--dir", dir.toString(), "--port", "70000",
        "--tls-cert", tls.get(0).toString(), "--tls-key", tls.get(1).toString());
    assertThat(badPort.code()).isEqualTo(2);
    assertThat(badPort.err()).contains("--port");
    TestPki.Result noTls = TestPki.run("authority", "serve", "--dir", dir.toString(), "--port", "0");
    assertThat(noTls.code()).isEqualTo(2);
    assertThat(noTls.err()).contains("--tls-cert");
    TestPki.Result halfTls = TestPki.run("authority", "serve", "--dir", dir.toString(), "--port", "0",
        "--tls-cert", tls.get(0).toString());
    assertThat(halfTls.code()).isEqualTo(2);
    assertThat(halfTls.err()).contains("--tls-key");
    TestPki.Result insecureOutside = TestPki.run("authority", "serve", "--dir", dir.toString(), "--port", "0",
        "--insecure-http", "--address", "0.0.0.0");
    assertThat(insecureOutside.code()).isEqualTo(2);
    assertThat(insecureOutside.err()).contains("--address").contains("loopback");
    TestPki.Result wrongKey = TestPki.run("authority", "serve", "--dir", dir.toString(), "--port", "0",
        "--tls-cert", tls.get(0).toString(), "--tls-key", tls.get(0).toString());
    assertThat(wrongKey.code()).isEqualTo(2);
    assertThat(wrongKey.err()).contains("--tls-key");
    TestPki.Result noAuthority = TestPki.run("authority", "serve", "--dir", tmp.resolve("none").toString(),
        "--port", "0", "--tls-cert", tls.get(0).toString(), "--tls-key", tls.get(1).toString());
    assertThat(noAuthority.code()).isEqualTo(2);
    assertThat(badPort.all() + noTls.all() + wrongKey.all() + noAuthority.all()).doesNotContain("\tat ");
  }

  @Test
  void serveWhenInsecureHttpThenLoopbackOnlyWithLoudWarning() throws Exception {
    Path dir = authorityDir();
    Running serve = new Running("authority", "serve", "--dir", dir.toString(), "--port", "0", "--insecure-http");
    try {
      Map<String, Object> started = serve.started();
      assertThat((String) started.get("url")).startsWith("http://127.0.0.1:");
      assertThat(serve.err.toString()).contains("WARNING").contains("cleartext");
      HttpResponse<String> jwks = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
          URI.create((String) started.get("jwks"))).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(jwks.statusCode()).isEqualTo(200);
    } finally {
      assertThat(serve.stop()).isZero();
    }
  }
}
