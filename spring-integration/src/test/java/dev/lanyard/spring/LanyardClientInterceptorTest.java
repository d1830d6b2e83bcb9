package dev.lanyard.spring;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.sun.net.httpserver.HttpServer;
import dev.lanyard.authority.EmbeddedAuthority;
import dev.lanyard.credentials.CachingJwtSvidSource;
import dev.lanyard.spiffe.SpiffeId;
import dev.lanyard.spiffe.TrustDomain;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import org.springframework.web.client.RestClient;

/**
 * The interceptor in a real {@link RestClient} against a real HTTP server on loopback, with real tokens from an
 * embedded authority, and what it logs captured from Logback.
 */
class LanyardClientInterceptorTest {
  private static final TrustDomain TD = TrustDomain.of("example.org");
  private static final SpiffeId ORDERS = SpiffeId.parse("spiffe://example.org/orders");

  private HttpServer server;
  private ListAppender<ILoggingEvent> logs;
  private Logger logger;
  private Level previousLevel;

  @BeforeEach
  void start() throws Exception {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/", exchange -> {
      String auth = exchange.getRequestHeaders().getFirst("Authorization");
      byte[] body = (auth == null ? "none" : auth.startsWith("Bearer ") ? "bearer" : "other").getBytes(StandardCharsets.UTF_8);
      exchange.sendResponseHeaders(200, body.length);
      exchange.getResponseBody().write(body);
      exchange.close();
    });
    server.start();
    logger = (Logger) LoggerFactory.getLogger(LanyardClientInterceptor.class);
    previousLevel = logger.getLevel();
    logger.setLevel(Level.DEBUG);
    logs = new ListAppender<>();
    logs.start();
    logger.addAppender(logs);
  }

  @AfterEach
  void stop() {
    logger.detachAppender(logs);
    logger.setLevel(previousLevel);
    server.stop(0);
  }

  private RestClient client(String targetUrl) {
    EmbeddedAuthority authority = EmbeddedAuthority.newBuilder(TD).build();
    LanyardProperties.Target target = new LanyardProperties.Target();
    target.setUrl(targetUrl);
    target.setAudience("spiffe://example.org/payments");
    List<ClientTarget> targets = ClientTargets.targets(Map.of("payments", target), TD,
        ClientTargets.ServiceGroupUrls.NONE);
    LanyardClientInterceptor interceptor = new LanyardClientInterceptor(targets,
        CachingJwtSvidSource.newBuilder(authority, ORDERS).build());
    return RestClient.builder().requestInterceptor(interceptor).build();
  }

  private String get(RestClient client, String url) {
    return client.get().uri(URI.create(url)).retrieve().body(String.class);
  }

  private List<String> lines(Level level) {
    return logs.list.stream().filter(e -> e.getLevel() == level).map(ILoggingEvent::getFormattedMessage).toList();
  }

  @Test
  void interceptWhenUrlIsTheTargetThenTokenAttachedAndNothingLogged() {
    int port = server.getAddress().getPort();
    RestClient client = client("http://127.0.0.1:" + port + "/api");

    assertThat(get(client, "http://127.0.0.1:" + port + "/api/charge")).isEqualTo("bearer");
    assertThat(logs.list).isEmpty();
  }

  @Test
  void interceptWhenLocalhostAgainstTargetAt127ThenNoTokenDebugSaysWhyAndWarnOnceNamesTheTarget() {
    int port = server.getAddress().getPort();
    RestClient client = client("http://127.0.0.1:" + port + "/api");

    assertThat(get(client, "http://localhost:" + port + "/api/charge?card=4111")).isEqualTo("none");
    assertThat(get(client, "http://localhost:" + port + "/api/refund")).isEqualTo("none");

    assertThat(lines(Level.DEBUG)).hasSize(2).first().asString()
        .isEqualTo("no token for GET http://localhost:" + port + "/api/charge: no target for http://localhost:" + port
            + " (targets: payments -> http://127.0.0.1:" + port + "/api)");
    assertThat(lines(Level.WARN)).singleElement().asString()
        .startsWith("a request to http://localhost:" + port + " got no token: it is not target 'payments' "
            + "(http://127.0.0.1:" + port + "/api), but both localhost and 127.0.0.1 are this machine (loopback) "
            + "on port " + port)
        .contains("lanyard.client.targets.payments.url");
    assertThat(logs.list).noneMatch(e -> e.getFormattedMessage().contains("4111")
        || e.getFormattedMessage().contains("eyJ"));
  }

  @Test
  void interceptWhenPathOutsideTargetThenNoTokenDebugOnlyNoWarn() {
    int port = server.getAddress().getPort();
    RestClient client = client("http://127.0.0.1:" + port + "/api");

    assertThat(get(client, "http://127.0.0.1:" + port + "/admin")).isEqualTo("none");

    assertThat(lines(Level.DEBUG)).singleElement().asString()
        .isEqualTo("no token for GET http://127.0.0.1:" + port + "/admin: the path is not under target 'payments' "
            + "(http://127.0.0.1:" + port + "/api) or not in normal form");
    assertThat(lines(Level.WARN)).isEmpty();
  }

  @Test
  void interceptWhenOtherPortThenDebugOnlyNoWarn() throws Exception {
    int port = server.getAddress().getPort();
    RestClient client = client("http://127.0.0.1:" + (port == 65535 ? port - 1 : port + 1) + "/api");

    assertThat(get(client, "http://localhost:" + port + "/x")).isEqualTo("none");

    assertThat(lines(Level.DEBUG)).singleElement().asString().contains("no target for http://localhost:" + port);
    assertThat(lines(Level.WARN)).isEmpty();
  }

  @Test
  void interceptWhenRequestAlreadyAuthorizedThenKeptAndDebugSaysSo() {
    int port = server.getAddress().getPort();
    RestClient client = client("http://127.0.0.1:" + port + "/api");

    String body = client.get().uri(URI.create("http://127.0.0.1:" + port + "/api/x"))
        .header("Authorization", "Basic dXNlcjpwYXNz").retrieve().body(String.class);

    assertThat(body).isEqualTo("other");
    assertThat(lines(Level.DEBUG)).singleElement().asString()
        .contains("already carries an Authorization header (target 'payments')").doesNotContain("dXNlcjpwYXNz");
  }
}
