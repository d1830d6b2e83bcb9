package dev.lanyard.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.lanyard.tls.PeerRejectedException;
import dev.lanyard.x509.X509SvidRejectedException.Reason;
import jakarta.servlet.Filter;
import jakarta.servlet.http.HttpServletRequest;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.restclient.autoconfigure.RestClientSsl;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.core.Ordered;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.client.ResourceAccessException;
import org.springframework.web.client.RestClient;

/**
 * Server authorization of the {@code lanyard} SSL bundle on the client side, with real applications over mutual TLS on
 * loopback, all sharing one persisted embedded authority: the real "payments" server, an "impostor" (a valid workload
 * of the same trust domain, spiffe://example.org/impostor) answering at the address a client has configured for
 * payments, and "orders" clients. Each server records the {@code Authorization} header of every request it receives,
 * before any Lanyard check, as an attacker would.
 */
class ServerAuthorizationApplicationTest {
  @TempDir
  static Path dir;

  static ConfigurableApplicationContext payments;
  static ConfigurableApplicationContext impostor;
  static ConfigurableApplicationContext orders;
  static ConfigurableApplicationContext ordersTrustingTheDomain;
  static int paymentsPort;
  static int impostorPort;

  @BeforeAll
  static void start() {
    String authorityDir = dir.resolve("authority").toString();
    payments = server("spiffe://example.org/payments", authorityDir);
    paymentsPort = ((WebServerApplicationContext) payments).getWebServer().getPort();
    impostor = server("spiffe://example.org/impostor", authorityDir);
    impostorPort = ((WebServerApplicationContext) impostor).getWebServer().getPort();
    orders = client(authorityDir);
    ordersTrustingTheDomain = client(authorityDir, "lanyard.client.server-authorization=trust-domain");
  }

  private static ConfigurableApplicationContext server(String spiffeId, String authorityDir) {
    return new SpringApplicationBuilder(ServerApp.class).properties(
        "server.port=0",
        "server.ssl.bundle=lanyard",
        "server.ssl.client-auth=want",
        "spring.main.banner-mode=off",
        "lanyard.spiffe-id=" + spiffeId,
        "lanyard.authority.dir=" + authorityDir,
        "lanyard.policy.rules[0]=POST /api/charge spiffe://example.org/orders payments:charge").run();
  }

  /**
   * Orders, configured to call payments at the impostor's address (target "payments": where the impostor sits after
   * redirecting traffic) and at the real payments server (target "real-payments").
   */
  private static ConfigurableApplicationContext client(String authorityDir, String... more) {
    return new SpringApplicationBuilder(ClientApp.class).properties(
        "spring.main.web-application-type=none",
        "spring.main.banner-mode=off",
        "lanyard.spiffe-id=spiffe://example.org/orders",
        "lanyard.authority.dir=" + authorityDir,
        "lanyard.policy.rules[0]=GET /none public",
        "lanyard.client.targets.payments.url=https://localhost:" + impostorPort + "/api",
        "lanyard.client.targets.payments.audience=spiffe://example.org/payments",
        "lanyard.client.targets.payments.scopes=payments:charge",
        "lanyard.client.targets.real-payments.url=https://localhost:" + paymentsPort + "/api",
        "lanyard.client.targets.real-payments.audience=spiffe://example.org/payments",
        "lanyard.client.targets.real-payments.scopes=payments:charge").properties(more).run();
  }

  @AfterAll
  static void stop() {
    for (ConfigurableApplicationContext context : new ConfigurableApplicationContext[] {ordersTrustingTheDomain,
        orders, impostor, payments}) {
      if (context != null) {
        context.close();
      }
    }
  }

  @BeforeEach
  void forget() {
    seen(payments).clear();
    seen(impostor).clear();
  }

  private static List<String> seen(ConfigurableApplicationContext server) {
    return server.getBean(Recorder.class).seen;
  }

  private static RestClient restClient(ConfigurableApplicationContext client) {
    return client.getBean(RestClient.Builder.class).apply(client.getBean(RestClientSsl.class).fromBundle("lanyard"))
        .build();
  }

  private static int post(ConfigurableApplicationContext client, String url) {
    return restClient(client).post().uri(url).exchange((request, response) -> response.getStatusCode().value());
  }

  private static <T extends Throwable> T causeOfType(Throwable thrown, Class<T> type) {
    for (Throwable t = thrown; t != null; t = t.getCause()) {
      if (type.isInstance(t)) {
        return type.cast(t);
      }
    }
    throw new AssertionError("no " + type.getSimpleName() + " in the cause chain of " + thrown, thrown);
  }

  @Test
  void targetWhenImpostorAnswersAtItsAddressThenHandshakeFailsAndImpostorNeverSeesTheToken() {
    Throwable thrown = catchThrowable(() -> post(orders, "https://localhost:" + impostorPort + "/api/charge"));

    assertThat(seen(impostor)).isEmpty();
    assertThat(thrown).isInstanceOf(ResourceAccessException.class);
    assertThat(causeOfType(thrown, SSLHandshakeException.class)).isNotNull();
    PeerRejectedException rejected = causeOfType(thrown, PeerRejectedException.class);
    assertThat(rejected.reason()).isEqualTo(Reason.NOT_AUTHORIZED);
    assertThat(rejected).hasMessageContaining("spiffe://example.org/impostor");
  }

  @Test
  void targetWhenRealServerThenTokenAttachedAndCallSucceeds() {
    int status = post(orders, "https://localhost:" + paymentsPort + "/api/charge");

    assertThat(status).isEqualTo(200);
    assertThat(seen(payments)).containsExactly("POST /api/charge bearer");
  }

  @Test
  void unknownHostThenServerVerifiedAgainstTrustDomainButNoToken() {
    // 127.0.0.1 is not the host of any target: the handshake only asks for a workload of example.org, no token goes.
    int status = post(orders, "https://127.0.0.1:" + impostorPort + "/api/charge");

    assertThat(status).isEqualTo(403);
    assertThat(seen(impostor)).containsExactly("POST /api/charge none");
  }

  @Test
  void trustDomainChoiceWhenImpostorAnswersAtTargetAddressThenItReceivesTheToken() {
    // The documented risk of lanyard.client.server-authorization=trust-domain: any workload of the trust domain that
    // can take over a target's address gets the target's token.
    int status = post(ordersTrustingTheDomain, "https://localhost:" + impostorPort + "/api/charge");

    assertThat(status).isEqualTo(401);
    assertThat(seen(impostor)).containsExactly("POST /api/charge bearer");
  }

  /** Records what reached the server: method, path and whether a bearer token came with it. */
  static final class Recorder {
    final List<String> seen = new CopyOnWriteArrayList<>();
  }

  @SpringBootConfiguration
  @EnableAutoConfiguration
  @Import(ServerController.class)
  static class ServerApp {
    @Bean
    Recorder recorder() {
      return new Recorder();
    }

    @Bean
    FilterRegistrationBean<Filter> recordingFilter(Recorder recorder) {
      FilterRegistrationBean<Filter> registration = new FilterRegistrationBean<>((request, response, chain) -> {
        HttpServletRequest http = (HttpServletRequest) request;
        String authorization = http.getHeader("Authorization");
        recorder.seen.add(http.getMethod() + " " + http.getRequestURI() + " "
            + (authorization == null ? "none" : authorization.startsWith("Bearer ") ? "bearer" : "other"));
        chain.doFilter(request, response);
      });
      registration.setOrder(Ordered.HIGHEST_PRECEDENCE);
      return registration;
    }
  }

  @RestController
  static class ServerController {
    @PostMapping("/api/charge")
    String charge(HttpServletRequest request) {
      return "charged by " + request.getUserPrincipal().getName();
    }
  }

  @SpringBootConfiguration
  @EnableAutoConfiguration
  static class ClientApp {}
}
