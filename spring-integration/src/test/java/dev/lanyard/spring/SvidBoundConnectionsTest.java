package dev.lanyard.spring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lanyard.credentials.RotatingX509SvidSource;
import jakarta.servlet.http.HttpServletRequest;
import java.net.URI;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.http.client.ClientHttpRequestFactoryBuilder;
import org.springframework.boot.http.client.HttpClientSettings;
import org.springframework.boot.ssl.SslBundle;
import org.springframework.boot.ssl.SslBundles;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Import;
import org.springframework.http.HttpMethod;
import org.springframework.http.client.ClientHttpRequest;
import org.springframework.http.client.ClientHttpRequestFactory;
import org.springframework.http.client.JdkClientHttpRequestFactory;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.client.RestClient;

/**
 * A real server ("payments", HTTPS with the {@code lanyard} bundle, client certificates wanted) records the client
 * certificate and client port of each request; a real client application ("orders", no web server) calls it through
 * Spring Boot's {@code RestClient} with {@code spring.http.clients.ssl.bundle=lanyard}. Its JDK HTTP client keeps
 * connections alive, so without the starter's wrapping a request after the SVID rotated would still go over the
 * connection, and present the certificate, of the old SVID.
 */
class SvidBoundConnectionsTest {
  @TempDir
  static Path dir;

  static ConfigurableApplicationContext payments;
  static ConfigurableApplicationContext orders;
  static String base = "";

  @BeforeAll
  static void start() {
    String authorityDir = dir.resolve("authority").toString();
    payments = new SpringApplicationBuilder(PaymentsApp.class).properties(
        "server.port=0",
        "server.ssl.bundle=lanyard",
        "server.ssl.client-auth=want",
        "spring.main.banner-mode=off",
        "lanyard.spiffe-id=spiffe://example.org/payments",
        "lanyard.authority.dir=" + authorityDir,
        "lanyard.policy.rules[0]=GET /public/** public").run();
    base = "https://localhost:" + ((WebServerApplicationContext) payments).getWebServer().getPort();
    orders = new SpringApplicationBuilder(OrdersApp.class).properties(
        "spring.main.web-application-type=none",
        "spring.main.banner-mode=off",
        "spring.http.clients.ssl.bundle=lanyard",
        "lanyard.spiffe-id=spiffe://example.org/orders",
        "lanyard.authority.dir=" + authorityDir,
        "lanyard.policy.rules[0]=GET /none public").run();
  }

  @AfterAll
  static void stop() {
    if (orders != null) {
      orders.close();
    }
    if (payments != null) {
      payments.close();
    }
  }

  @Test
  void requestWhenSvidRotatedThenNewConnectionPresentsTheNewCertificate() {
    RestClient client = orders.getBean(RestClient.Builder.class).baseUrl(base).build();
    Peer first = Peer.of(client.get().uri("/public/peer").retrieve().body(String.class));
    Peer second = Peer.of(client.get().uri("/public/peer").retrieve().body(String.class));
    assertThat(second).as("the connection is pooled while the SVID stays").isEqualTo(first);
    assertThat(first.serial()).isEqualTo(ordersSvids().current().serial());

    assertThat(ordersSvids().renewNow()).isTrue();
    Peer afterRotation = Peer.of(client.get().uri("/public/peer").retrieve().body(String.class));

    assertThat(afterRotation.serial()).isEqualTo(ordersSvids().current().serial()).isNotEqualTo(first.serial());
    assertThat(afterRotation.port()).as("a new connection").isNotEqualTo(first.port());
  }

  @Test
  void requestWhenClientNotBuiltBySpringBootAndSvidRotatedThenPooledConnectionKeepsTheOldCertificate() {
    // The hazard the starter removes, shown on a client it does not build: README, "Mutual TLS".
    SslBundle bundle = orders.getBean(SslBundles.class).getBundle("lanyard");
    RestClient client = RestClient.builder().baseUrl(base)
        .requestFactory(ClientHttpRequestFactoryBuilder.jdk().build(HttpClientSettings.ofSslBundle(bundle))).build();
    Peer before = Peer.of(client.get().uri("/public/peer").retrieve().body(String.class));

    assertThat(ordersSvids().renewNow()).isTrue();
    Peer after = Peer.of(client.get().uri("/public/peer").retrieve().body(String.class));

    assertThat(after).isEqualTo(before);
    assertThat(after.serial()).isNotEqualTo(ordersSvids().current().serial());
  }

  @Test
  void buildWhenSettingsHaveNoLanyardBundleThenTheBuilderFactoryUnchanged() {
    ClientHttpRequestFactoryBuilder<?> builder = new SvidBoundConnections()
        .customize(ClientHttpRequestFactoryBuilder.jdk());

    assertThat(builder.build(HttpClientSettings.defaults())).isInstanceOf(JdkClientHttpRequestFactory.class);
    ClientHttpRequestFactory lanyard = builder.build(
        HttpClientSettings.ofSslBundle(orders.getBean(SslBundles.class).getBundle("lanyard")));
    assertThat(lanyard).isInstanceOf(SvidBoundConnections.Factory.class);
    assertThat(new SvidBoundConnections().customize(builder)).isSameAs(builder);
  }

  @Test
  void clientWhenSvidRotatedTwiceThenTheClientBeforeThePreviousIsClosedAndThePreviousKept() {
    List<ClosingFactory> built = new CopyOnWriteArrayList<>();
    ClientHttpRequestFactoryBuilder<ClosingFactory> recording = settings -> {
      ClosingFactory factory = new ClosingFactory();
      built.add(factory);
      return factory;
    };
    SvidBoundConnections.Factory factory = (SvidBoundConnections.Factory) new SvidBoundConnections()
        .customize(recording).build(HttpClientSettings.ofSslBundle(orders.getBean(SslBundles.class)
            .getBundle("lanyard")));

    factory.client();
    factory.client();
    assertThat(built).as("one client while the SVID stays").hasSize(1);
    assertThat(ordersSvids().renewNow()).isTrue();
    factory.client();
    assertThat(ordersSvids().renewNow()).isTrue();
    factory.client();

    assertThat(built).hasSize(3);
    assertThat(built.get(0).closed).as("the client before the previous one").isTrue();
    assertThat(built.get(1).closed).as("the previous client, for requests still in flight").isFalse();
    assertThat(built.get(2).closed).isFalse();
    factory.destroy();
    assertThat(built).allMatch(f -> f.closed);
  }

  /** A request factory that records whether it was closed. */
  static final class ClosingFactory implements ClientHttpRequestFactory, DisposableBean {
    volatile boolean closed;

    @Override
    public ClientHttpRequest createRequest(URI uri, HttpMethod httpMethod) {
      throw new UnsupportedOperationException("not used");
    }

    @Override
    public void destroy() {
      closed = true;
    }
  }

  private static RotatingX509SvidSource ordersSvids() {
    return (RotatingX509SvidSource) orders.getBean(LanyardIdentity.class).x509Svids();
  }

  /** The client certificate serial (hex) and client port the server saw. */
  record Peer(String serial, int port) {
    static Peer of(String body) {
      String[] parts = body.split(" ");
      return new Peer(parts[0], Integer.parseInt(parts[1]));
    }
  }

  @SpringBootConfiguration
  @EnableAutoConfiguration
  @Import(PaymentsController.class)
  static class PaymentsApp {}

  @RestController
  static class PaymentsController {
    @GetMapping("/public/peer")
    String peer(HttpServletRequest request) {
      X509Certificate[] chain = (X509Certificate[]) request.getAttribute("jakarta.servlet.request.X509Certificate");
      return (chain == null ? "none" : chain[0].getSerialNumber().toString(16)) + " " + request.getRemotePort();
    }
  }

  @SpringBootConfiguration
  @EnableAutoConfiguration
  static class OrdersApp {}
}
