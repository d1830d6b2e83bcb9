package dev.lanyard.spring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lanyard.authority.EmbeddedAuthority;
import dev.lanyard.spiffe.SpiffeId;
import dev.lanyard.testing.RawResponse;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.Principal;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.ssl.SslAutoConfiguration;
import org.springframework.boot.http.converter.autoconfigure.HttpMessageConvertersAutoConfiguration;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.boot.tomcat.autoconfigure.servlet.TomcatServletWebServerAutoConfiguration;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.boot.web.server.servlet.context.AnnotationConfigServletWebServerApplicationContext;
import org.springframework.boot.webmvc.autoconfigure.DispatcherServletAutoConfiguration;
import org.springframework.boot.webmvc.autoconfigure.WebMvcAutoConfiguration;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * A real Tomcat without Spring Security on the class path: the starter registers {@code LanyardFilter} itself, with
 * the same outcomes.
 */
class ServletFilterApplicationTest {
  private final WebApplicationContextRunner runner = new WebApplicationContextRunner(
      AnnotationConfigServletWebServerApplicationContext::new)
      .withClassLoader(new FilteredClassLoader("org.springframework.security"))
      .withConfiguration(AutoConfigurations.of(LanyardAutoConfiguration.class, SslAutoConfiguration.class,
          TomcatServletWebServerAutoConfiguration.class, DispatcherServletAutoConfiguration.class,
          WebMvcAutoConfiguration.class, HttpMessageConvertersAutoConfiguration.class))
      .withUserConfiguration(HelloController.class)
      .withPropertyValues("server.port=0",
          "lanyard.spiffe-id=spiffe://example.org/hello",
          "lanyard.policy.rules[0]=GET /hello spiffe://example.org/orders hello:read",
          "lanyard.policy.rules[1]=GET /public public");

  @Test
  void servletFilterWhenNoSpringSecurityThenEnforcesPolicyOverRealHttp() {
    runner.run(context -> {
      assertThat(context).hasNotFailed();
      int port = ((WebServerApplicationContext) context.getSourceApplicationContext()).getWebServer().getPort();
      EmbeddedAuthority authority = context.getBean(EmbeddedAuthority.class);
      HttpClient http = HttpClient.newHttpClient();
      SpiffeId orders = SpiffeId.parse("spiffe://example.org/orders");
      String good = authority.mint(orders, List.of("spiffe://example.org/hello"), List.of("hello:read"), null)
          .token();
      String noScope = authority.mint(orders, List.of("spiffe://example.org/hello"), List.of(), null).token();

      HttpResponse<String> ok = http.send(request(port, "/hello", good), HttpResponse.BodyHandlers.ofString());
      assertThat(ok.statusCode()).isEqualTo(200);
      assertThat(ok.body()).isEqualTo("hello spiffe://example.org/orders");

      HttpResponse<String> none = http.send(request(port, "/hello", null), HttpResponse.BodyHandlers.ofString());
      assertThat(none.statusCode()).isEqualTo(401);
      assertThat(none.headers().firstValue("WWW-Authenticate")).contains("Bearer realm=\"example.org\"");

      HttpResponse<String> scope = http.send(request(port, "/hello", noScope), HttpResponse.BodyHandlers.ofString());
      assertThat(scope.statusCode()).isEqualTo(403);
      assertThat(scope.headers().firstValue("WWW-Authenticate"))
          .contains("Bearer error=\"insufficient_scope\", scope=\"hello:read\"");

      HttpResponse<String> open = http.send(request(port, "/public", null), HttpResponse.BodyHandlers.ofString());
      assertThat(open.statusCode()).isEqualTo(200);
      assertThat(context.getBean(AuditCounters.class).accepted()).containsEntry("ALLOWED", 1L)
          .containsEntry("PUBLIC", 1L);
    });
  }

  @Test
  void servletFilterWhenNoSpringSecurityThenEveryAuditSinkBeanGetsEventsWithCalleeCredentialAndTrace() {
    LanyardAuditTest.Recording recording = new LanyardAuditTest.Recording();
    runner.withBean(LanyardAuditTest.Recording.class, () -> recording).run(context -> {
      assertThat(context).hasNotFailed();
      int port = ((WebServerApplicationContext) context.getSourceApplicationContext()).getWebServer().getPort();
      EmbeddedAuthority authority = context.getBean(EmbeddedAuthority.class);
      HttpClient http = HttpClient.newHttpClient();
      dev.lanyard.jwt.JwtSvid good = authority.mint(SpiffeId.parse("spiffe://example.org/orders"),
          List.of("spiffe://example.org/hello"), List.of("hello:read"), null);
      String traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
      assertThat(http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/hello"))
          .header("Authorization", "Bearer " + good.token()).header("traceparent", traceparent).build(),
          HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);
      assertThat(http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/hello"))
          .header("traceparent", traceparent).build(), HttpResponse.BodyHandlers.ofString()).statusCode())
          .isEqualTo(401);
      assertThat(context.getBean(LanyardAudit.class).flush(java.time.Duration.ofSeconds(10))).isTrue();
      assertThat(recording.events).extracting(e -> e.decision()).containsExactly(
          dev.lanyard.audit.AuditEvent.Decision.ALLOWED, dev.lanyard.audit.AuditEvent.Decision.UNAUTHENTICATED);
      assertThat(recording.events.get(0)).satisfies(e -> {
        assertThat(e.callee()).contains("spiffe://example.org/hello");
        assertThat(e.caller()).contains("spiffe://example.org/orders");
        assertThat(e.credential()).contains(dev.lanyard.audit.AuditEvent.Credential.JWT);
        assertThat(e.keyId()).contains(good.keyId());
        assertThat(e.tokenId()).contains(good.tokenId());
        assertThat(e.scopesRequired()).containsExactly("hello:read");
        assertThat(e.traceId()).contains("4bf92f3577b34da6a3ce929d0e0e4736");
      });
      assertThat(recording.events.get(1).traceId()).contains("4bf92f3577b34da6a3ce929d0e0e4736");
      assertThat(recording.events.get(1).toJson()).doesNotContain(good.token());
    });
  }

  /** The reported bypass, with the starter and no Spring Security: {@code LanyardFilter} as a plain servlet filter. */
  private final WebApplicationContextRunner bypassRunner = new WebApplicationContextRunner(
      AnnotationConfigServletWebServerApplicationContext::new)
      .withClassLoader(new FilteredClassLoader("org.springframework.security"))
      .withConfiguration(AutoConfigurations.of(LanyardAutoConfiguration.class, SslAutoConfiguration.class,
          TomcatServletWebServerAutoConfiguration.class, DispatcherServletAutoConfiguration.class,
          WebMvcAutoConfiguration.class, HttpMessageConvertersAutoConfiguration.class))
      .withUserConfiguration(DotSegmentBypass.Controllers.class)
      .withPropertyValues("server.port=0", "lanyard.spiffe-id=spiffe://example.org/hello")
      .withPropertyValues(DotSegmentBypass.POLICY);

  @Test
  void servletFilterWhenRawPathNotInNormalFormThen400AndControllerNeverReached() {
    bypassRunner.run(context -> {
      assertThat(context).hasNotFailed();
      int port = ((WebServerApplicationContext) context.getSourceApplicationContext()).getWebServer().getPort();
      DotSegmentBypass.Controllers controllers = context.getBean(DotSegmentBypass.Controllers.class);
      AuditCounters counters = context.getBean(AuditCounters.class);
      String ops = context.getBean(EmbeddedAuthority.class).mint(SpiffeId.parse("spiffe://example.org/ops"),
          List.of("spiffe://example.org/hello"), List.of(), null).token();

      for (String probe : DotSegmentBypass.PROBES) {
        for (String token : new String[] {null, ops}) {
          RawResponse response = RawResponse.get(port, probe, token);
          assertThat(response.status).as("%s -> %s", probe, response).isEqualTo(400);
          if (response.body.startsWith("{")) {
            assertThat(response.body).as(probe).isEqualTo(DotSegmentBypass.NOT_NORMAL_BODY);
            assertThat(response.headers).as(probe).doesNotContainKey("www-authenticate")
                .containsEntry("cache-control", "no-store");
          }
        }
      }
      assertThat(controllers.calls).as("no controller reached").isEmpty();
      assertThat(counters.accepted()).as("no request accepted").isEmpty();
      assertThat(counters.rejected()).containsKey("BAD_REQUEST");

      assertThat(RawResponse.get(port, "/health", null).status).isEqualTo(200);
      assertThat(RawResponse.get(port, "/api", null).status).isEqualTo(200);
      assertThat(RawResponse.get(port, "/files/caf%C3%A9%20au%20lait", null).status).isEqualTo(200);
      assertThat(controllers.calls("file:caf\u00e9 au lait")).isEqualTo(1);
      assertThat(RawResponse.get(port, "/admin/x", null).status).isEqualTo(401);
      assertThat(RawResponse.get(port, "/api/orders/42", null).status).isEqualTo(401);
      assertThat(RawResponse.get(port, "/admin/x", ops).status).isEqualTo(200);
      assertThat(controllers.calls("admin")).isEqualTo(1);
      assertThat(controllers.calls("order")).isZero();
    });
  }

  @Test
  void servletFilterWhenAllowUnnormalizedPathsThenPolicyDecidesOnContainerPath() {
    bypassRunner.withPropertyValues("lanyard.allow-unnormalized-paths=true").run(context -> {
      assertThat(context).hasNotFailed();
      int port = ((WebServerApplicationContext) context.getSourceApplicationContext()).getWebServer().getPort();
      DotSegmentBypass.Controllers controllers = context.getBean(DotSegmentBypass.Controllers.class);

      RawResponse relaxed = RawResponse.get(port, "/admin/../health", null);

      assertThat(relaxed.status).as("%s", relaxed).isEqualTo(200);
      assertThat(controllers.calls("admin")).as("the documented risk of the relaxation").isEqualTo(1);
    });
  }

  private static HttpRequest request(int port, String path, String token) {
    HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create("http://localhost:" + port + path));
    if (token != null) {
      builder.header("Authorization", "Bearer " + token);
    }
    return builder.build();
  }

  @RestController
  static class HelloController {
    @GetMapping("/hello")
    String hello(Principal principal) {
      return "hello " + principal.getName();
    }

    @GetMapping("/public")
    String open() {
      return "open";
    }
  }
}
