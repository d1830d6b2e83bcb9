package dev.lanyard.servlet;

import static dev.lanyard.testing.Stderr.captureStderr;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import dev.lanyard.audit.AuditEvent;
import dev.lanyard.authority.EmbeddedAuthority;
import dev.lanyard.policy.Policy;
import dev.lanyard.spiffe.SpiffeId;
import dev.lanyard.spiffe.TrustDomain;
import dev.lanyard.testing.RawResponse;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link LanyardFilter} refuses a request whose raw path is not in normal form before any policy rule is consulted,
 * in a real embedded Tomcat 11, with the request line written as is on a plain socket (an HTTP client would normalise
 * or refuse the probes). The policy is the one of the reported bypass: {@code /health} and {@code /api} public,
 * {@code /admin/**} for ops only.
 */
class LanyardFilterPathTest {
  static final TrustDomain TD = TrustDomain.of("example.org");
  static final String AUDIENCE = "spiffe://example.org/payments";
  static final SpiffeId OPS = SpiffeId.parse("spiffe://example.org/ops");
  static final String POLICY = String.join("\n",
      "GET /health       public",
      "GET /api          public",
      "GET /api/orders/* spiffe://example.org/ops",
      "GET /admin/**     spiffe://example.org/ops",
      "GET /files/**     public",
      "");
  static final String NOT_NORMAL_BODY =
      "{\"error\":\"invalid_request\",\"error_description\":\"The request path is not in normal form\"}";

  static EmbeddedAuthority authority;
  static TomcatServer server;
  static final List<AuditEvent> EVENTS = new CopyOnWriteArrayList<>();

  @TempDir
  static Path shared;

  @BeforeAll
  static void startServer() throws Exception {
    authority = EmbeddedAuthority.newBuilder(TD).build();
    LanyardFilter filter = LanyardFilter.newBuilder().trustDomain(TD).audience(AUDIENCE)
        .bundleSource(authority.bundleSource()).policy(Policy.parse(POLICY, "policy.txt")).auditSink(EVENTS::add)
        .build();
    server = TomcatServer.newBuilder(shared.resolve("tomcat")).filter(filter).start();
    assertThat(server.contextAvailable()).as(server.startupErrors()).isTrue();
  }

  @AfterAll
  static void stopServer() throws Exception {
    if (server != null) {
      server.close();
    }
  }

  @BeforeEach
  void clearEvents() {
    EVENTS.clear();
  }

  /**
   * The probes, hostile first. {@code lanyard} says whether the request reaches the filter (Tomcat refuses a few
   * itself with its own 400, and must keep doing so).
   */
  static Stream<Arguments> probes() {
    return Stream.of(
        arguments("/admin/../health", true),
        arguments("/admin/%2e%2e/health", true),
        arguments("/admin/%2E%2E/health", true),
        arguments("/admin/.%2e/health", true),
        arguments("/admin/%252e%252e/health", true),
        arguments("/admin/..;/health", true),
        arguments("/admin;jsessionid=x", true),
        arguments("/health;jsessionid=x", true),
        arguments("/health;/../admin/x", true),
        arguments("/admin%2f..%2fhealth", false),
        arguments("/admin/%5c..%5chealth", false),
        arguments("/files/a%5cb", false),
        arguments("/files/a%5Cb", false),
        arguments("/admin/%252f", true),
        arguments("//admin/x", true),
        arguments("/health//", true),
        arguments("/admin/./x", true),
        arguments("/api/orders/..", true),
        arguments("/api/orders/%2e%2e", true),
        arguments("/health%00", false),
        arguments("/health%00.json", false),
        arguments("/health/%zz", false),
        arguments("/files/%c0%ae%c0%ae/admin", false),
        arguments("/files/%3b/x", true));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("probes")
  void requestWhenRawPathNotInNormalFormThen400BeforeAnyRule(String target, boolean lanyard) throws IOException {
    int before = server.servletRequests();

    RawResponse response = RawResponse.get(server.port(), target, null);

    assertThat(response.status).as("%s -> %s", target, response.body).isEqualTo(400);
    assertThat(server.servletRequests()).as("the servlet was reached for %s", target).isEqualTo(before);
    if (lanyard) {
      assertThat(response.body).isEqualTo(NOT_NORMAL_BODY);
      assertThat(response.headers).doesNotContainKey("www-authenticate").containsEntry("cache-control", "no-store")
          .containsEntry("content-type", "application/json;charset=UTF-8");
      assertThat(EVENTS).singleElement().satisfies(e -> {
        assertThat(e.decision()).isEqualTo(AuditEvent.Decision.BAD_REQUEST);
        assertThat(e.reason()).hasValue("NON_NORMALIZED_PATH");
        assertThat(e.method()).hasValue("GET");
        assertThat(e.path()).hasValue(target);
      });
    } else {
      assertThat(EVENTS).isEmpty();
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("probes")
  void requestWhenRawPathNotInNormalFormAndTokenValidThenStill400(String target, boolean lanyard)
      throws IOException {
    int before = server.servletRequests();
    String token = authority.mintJwtSvid(OPS, AUDIENCE).token();

    RawResponse response = RawResponse.get(server.port(), target, token);

    assertThat(response.status).as("%s -> %s", target, response.body).isEqualTo(400);
    assertThat(server.servletRequests()).isEqualTo(before);
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"/health", "/api", "/files/a%20b", "/files/caf%C3%A9", "/files/caf%c3%a9/", "/files/100%25",
      "/files/a.b/c..d", "/files/%41"})
  void requestWhenPathCleanThenPublicRuleApplies(String target) throws IOException {
    int before = server.servletRequests();

    RawResponse response = RawResponse.get(server.port(), target, null);

    assertThat(response.status).as("%s -> %s", target, response.body).isEqualTo(200);
    assertThat(server.servletRequests()).isEqualTo(before + 1);
    assertThat(EVENTS).singleElement().satisfies(e -> assertThat(e.decision()).isEqualTo(AuditEvent.Decision.PUBLIC));
  }

  @Test
  void requestWhenPathCleanAndProtectedThenPolicyDecides() throws IOException {
    assertThat(RawResponse.get(server.port(), "/admin/x", null).status).isEqualTo(401);
    assertThat(RawResponse.get(server.port(), "/api/orders/42", null).status).isEqualTo(401);
    RawResponse allowed = RawResponse.get(server.port(), "/admin/x", authority.mintJwtSvid(OPS, AUDIENCE).token());
    assertThat(allowed.status).isEqualTo(200);
    assertThat(allowed.body).contains("principal=spiffe://example.org/ops");
  }

  @Test
  void relaxedWhenInitParamTrueThenContainerPathDecidesAndStartupWarns(@TempDir Path dir) throws Exception {
    Path bundle = Files.writeString(dir.resolve("bundle.json"), authority.bundle().toJson());
    Path policy = Files.writeString(dir.resolve("policy.txt"), POLICY);
    String log = captureStderr(() -> {
      try (TomcatServer relaxed = webXml(dir, bundle, policy).initParam(LanyardFilter.ALLOW_UNNORMALIZED_PATHS, "true")
          .start()) {
        assertThat(relaxed.contextAvailable()).as(relaxed.startupErrors()).isTrue();
        int before = relaxed.servletRequests();

        assertThat(RawResponse.get(relaxed.port(), "/admin/../health", null).status).isEqualTo(200);
        assertThat(RawResponse.get(relaxed.port(), "/admin/%2e%2e/admin/x", null).status).isEqualTo(401);
        assertThat(relaxed.servletRequests()).isEqualTo(before + 1);
      }
    });
    assertThat(log).contains("WARN").contains(LanyardFilter.ALLOW_UNNORMALIZED_PATHS);
  }

  @Test
  void strictWhenInitParamFalseThenRefused(@TempDir Path dir) throws Exception {
    Path bundle = Files.writeString(dir.resolve("bundle.json"), authority.bundle().toJson());
    Path policy = Files.writeString(dir.resolve("policy.txt"), POLICY);
    try (TomcatServer strict = webXml(dir, bundle, policy).initParam(LanyardFilter.ALLOW_UNNORMALIZED_PATHS, "false")
        .start()) {
      assertThat(strict.contextAvailable()).as(strict.startupErrors()).isTrue();
      RawResponse response = RawResponse.get(strict.port(), "/admin/../health", null);
      assertThat(response.status).isEqualTo(400);
      assertThat(response.body).isEqualTo(NOT_NORMAL_BODY);
    }
  }

  @Test
  void startupWhenAllowUnnormalizedPathsNotABooleanThenContextFailsNamingIt(@TempDir Path dir) throws Exception {
    Path bundle = Files.writeString(dir.resolve("bundle.json"), authority.bundle().toJson());
    Path policy = Files.writeString(dir.resolve("policy.txt"), POLICY);
    try (TomcatServer failed = webXml(dir, bundle, policy).initParam(LanyardFilter.ALLOW_UNNORMALIZED_PATHS, "yes")
        .start()) {
      assertThat(failed.contextAvailable()).isFalse();
      assertThat(RawResponse.get(failed.port(), "/health", null).status).isNotEqualTo(200);
      assertThat(failed.startupErrors()).contains("init-param '" + LanyardFilter.ALLOW_UNNORMALIZED_PATHS
          + "': must be true or false");
    }
  }

  @Test
  void builderWhenRelaxationSetTwiceThenIllegalStateException() {
    LanyardFilter.Builder builder = LanyardFilter.newBuilder().allowUnnormalizedPaths();
    assertThatThrownBy(builder::allowUnnormalizedPaths)
        .isInstanceOf(IllegalStateException.class);
  }

  static TomcatServer.Builder webXml(Path dir, Path bundle, Path policy) {
    return TomcatServer.newBuilder(dir.resolve("tomcat"))
        .initParam(LanyardFilter.TRUST_DOMAIN, "example.org")
        .initParam(LanyardFilter.AUDIENCE, AUDIENCE)
        .initParam(LanyardFilter.BUNDLE, bundle.toString())
        .initParam(LanyardFilter.POLICY, policy.toString());
  }
}
