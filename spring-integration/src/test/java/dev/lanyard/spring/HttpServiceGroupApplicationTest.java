package dev.lanyard.spring;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.lanyard.policy.Caller;
import dev.lanyard.servlet.LanyardFilter;
import jakarta.servlet.http.HttpServletRequest;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Import;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.client.RestClient;
import org.springframework.web.service.annotation.GetExchange;
import org.springframework.web.service.registry.ImportHttpServices;

/**
 * A target that takes its URL from a Spring HTTP service group: "orders" declares the group {@code payments}
 * ({@code spring.http.serviceclient.payments.base-url}, written once) and a target {@code payments} with only an
 * audience and scopes; the group's client, which Spring Boot builds, then calls a real "payments" application with a
 * token that application verifies. Calls elsewhere get none, and the DEBUG and WARN lines say why.
 */
class HttpServiceGroupApplicationTest {
  @TempDir
  static Path dir;

  static ConfigurableApplicationContext payments;
  static ConfigurableApplicationContext orders;
  static int paymentsPort;

  private ListAppender<ILoggingEvent> logs;
  private Logger logger;
  private Level previousLevel;

  @BeforeAll
  static void start() {
    String authorityDir = dir.resolve("authority").toString();
    payments = new SpringApplicationBuilder(PaymentsApp.class).properties(
        "server.port=0",
        "spring.main.banner-mode=off",
        "lanyard.spiffe-id=spiffe://example.org/payments",
        "lanyard.authority.dir=" + authorityDir,
        "lanyard.policy.rules[0]=GET /api/** spiffe://example.org/orders payments:read",
        "lanyard.policy.rules[1]=GET /public/** public").run();
    paymentsPort = ((WebServerApplicationContext) payments).getWebServer().getPort();
    orders = new SpringApplicationBuilder(OrdersApp.class).properties(
        "server.port=0",
        "spring.main.banner-mode=off",
        "spring.http.serviceclient.payments.base-url=http://127.0.0.1:" + paymentsPort + "/api",
        "spring.http.serviceclient.public.base-url=http://127.0.0.1:" + paymentsPort + "/public",
        "lanyard.spiffe-id=spiffe://example.org/orders",
        "lanyard.authority.dir=" + authorityDir,
        "lanyard.policy.rules[0]=GET /order/** public",
        "lanyard.client.targets.payments.audience=spiffe://example.org/payments",
        "lanyard.client.targets.payments.scopes=payments:read").run();
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

  @BeforeEach
  void captureLogs() {
    logger = (Logger) LoggerFactory.getLogger(LanyardClientInterceptor.class);
    previousLevel = logger.getLevel();
    logger.setLevel(Level.DEBUG);
    logs = new ListAppender<>();
    logs.start();
    logger.addAppender(logs);
  }

  @AfterEach
  void releaseLogs() {
    logger.detachAppender(logs);
    logger.setLevel(previousLevel);
  }

  private List<String> lines(Level level) {
    return logs.list.stream().filter(e -> e.getLevel() == level).map(ILoggingEvent::getFormattedMessage).toList();
  }

  @Test
  void targetWhenNoUrlThenItTakesTheBaseUrlOfTheGroupOfItsName() {
    ClientTarget target = orders.getBean(LanyardSettings.class).targets().get(0);

    assertThat(target.url()).isEqualTo("http://127.0.0.1:" + paymentsPort + "/api");
    assertThat(target.urlProperty()).isEqualTo("spring.http.serviceclient.payments.base-url");
  }

  @Test
  void groupClientWhenCallingTheTargetThenTokenAttachedAndVerifiedByTheServer() {
    PaymentsApi api = orders.getBean(PaymentsApi.class);

    assertThat(api.whoami()).isEqualTo("spiffe://example.org/orders via JWT_SVID");
    assertThat(lines(Level.DEBUG)).isEmpty();
    assertThat(lines(Level.WARN)).isEmpty();
  }

  @Test
  void groupClientWhenItsGroupIsNoTargetThenNoTokenAndDebugSaysWhy() {
    PublicApi api = orders.getBean(PublicApi.class);

    assertThat(api.echo()).isEqualTo("authorization absent");
    assertThat(lines(Level.DEBUG)).singleElement().asString()
        .isEqualTo("no token for GET http://127.0.0.1:" + paymentsPort + "/public/echo: the path is not under target "
            + "'payments' (http://127.0.0.1:" + paymentsPort + "/api) or not in normal form");
    assertThat(lines(Level.WARN)).isEmpty();
  }

  @Test
  void restClientWhenLocalhostForTheGroupAt127ThenNoTokenAndWarnNamesTheGroupProperty() {
    RestClient client = orders.getBean(RestClient.Builder.class).build();

    int status = client.get().uri(URI.create("http://localhost:" + paymentsPort + "/api/whoami"))
        .exchange((request, response) -> response.getStatusCode().value());

    assertThat(status).isEqualTo(401);
    assertThat(lines(Level.DEBUG)).singleElement().asString()
        .startsWith("no token for GET http://localhost:" + paymentsPort + "/api/whoami: no target for");
    assertThat(lines(Level.WARN)).singleElement().asString()
        .startsWith("a request to http://localhost:" + paymentsPort + " got no token: it is not target 'payments'")
        .contains("write spring.http.serviceclient.payments.base-url with the host name and scheme the client uses");
  }

  /** The payments API, an HTTP service interface of the group {@code payments}. */
  interface PaymentsApi {
    @GetExchange("/whoami")
    String whoami();
  }

  /** A public API of the same server, in the group {@code public}, which is no target. */
  interface PublicApi {
    @GetExchange("/echo")
    String echo();
  }

  @SpringBootConfiguration
  @EnableAutoConfiguration
  @ImportHttpServices(group = "payments", types = PaymentsApi.class)
  @ImportHttpServices(group = "public", types = PublicApi.class)
  static class OrdersApp {}

  @SpringBootConfiguration
  @EnableAutoConfiguration
  @Import(PaymentsController.class)
  static class PaymentsApp {}

  @RestController
  static class PaymentsController {
    @GetMapping("/api/whoami")
    String whoami(HttpServletRequest request) {
      Caller caller = (Caller) request.getAttribute(LanyardFilter.CALLER_ATTRIBUTE);
      return request.getUserPrincipal().getName() + " via " + caller.credentialType();
    }

    @GetMapping("/public/echo")
    String echo(@RequestHeader(name = "Authorization", required = false) String authorization) {
      return "authorization " + (authorization == null ? "absent" : "present");
    }
  }
}
