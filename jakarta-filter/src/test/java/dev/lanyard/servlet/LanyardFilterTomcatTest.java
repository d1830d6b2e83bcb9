package dev.lanyard.servlet;

import static dev.lanyard.testing.Stderr.captureStderr;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import com.sun.net.httpserver.HttpServer;
import dev.lanyard.audit.AuditEvent;
import dev.lanyard.audit.AuditSink;
import dev.lanyard.authority.EmbeddedAuthority;
import dev.lanyard.internal.Json;
import dev.lanyard.jose.JwtAlgorithm;
import dev.lanyard.jwt.JwtSvid;
import dev.lanyard.policy.Policy;
import dev.lanyard.policy.PolicyFile;
import dev.lanyard.spiffe.SpiffeId;
import dev.lanyard.spiffe.TrustDomain;
import dev.lanyard.testing.Await;
import dev.lanyard.testing.MutableClock;
import dev.lanyard.trust.BundleUnavailableException;
import dev.lanyard.trust.HttpBundleSource;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link LanyardFilter} in a real embedded Tomcat 11, configured by init-params exactly as {@code web.xml} would (and
 * programmatically where the test needs a hook), driven by the JDK HTTP client: every row of the outcome table, the
 * {@code WWW-Authenticate} values byte for byte, every policy feature, policy and bundle reloads, start-up failures,
 * malformed requests, hygiene of responses and logs, and the audit events.
 */
class LanyardFilterTomcatTest {
  static final TrustDomain TD = TrustDomain.of("example.org");
  static final String AUDIENCE = "spiffe://example.org/payments";
  static final SpiffeId ORDERS = SpiffeId.parse("spiffe://example.org/orders");
  static final SpiffeId LEDGER = SpiffeId.parse("spiffe://example.org/ledger");
  static final SpiffeId BILLING = SpiffeId.parse("spiffe://example.org/billing");

  static final String REALM = "Bearer realm=\"example.org\"";
  static final String INVALID_REQUEST = "Bearer error=\"invalid_request\"";

  /** The example, then one rule per remaining feature. Rule lines 2 to 13. */
  static final String POLICY = String.join("\n",
      "# methods  path               callers                                           scopes",
      "POST       /payments/charge   spiffe://example.org/orders                       payments:charge",
      "GET        /payments/**       spiffe://example.org/orders,spiffe://example.org/ledger  payments:read",
      "*          /health            public",
      "GET        /metrics           spiffe://example.org/*",
      "GET        /whoami            any",
      "GET,POST   /items/*/detail    spiffe://example.org/orders",
      "PUT        /reports           spiffe://example.org/orders   reports:write,reports:admin",
      "GET        /reports           spiffe://example.org/orders   reports:read",
      "GET        /reports           spiffe://example.org/ledger",
      "GET        /reports           spiffe://example.org/orders   reports:admin",
      "GET        /audit             spiffe://other.org/*",
      "POST       /form              any",
      "");

  static final MutableClock AUTHORITY_CLOCK = MutableClock.systemUtc();
  static EmbeddedAuthority authority;
  static HttpClient http;
  static TomcatServer server;

  @TempDir
  static Path shared;

  @BeforeAll
  static void startServer() throws Exception {
    authority = EmbeddedAuthority.newBuilder(TD).clock(AUTHORITY_CLOCK).build();
    http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5))
        .build();
    Path bundle = Files.writeString(shared.resolve("bundle.json"), authority.bundle().toJson());
    Path policy = Files.writeString(shared.resolve("policy.txt"), POLICY);
    server = webXml(shared.resolve("tomcat"), bundle.toString(), policy)
        .initParam(LanyardFilter.MAX_TOKEN_LIFETIME, "30m")
        .initParam(LanyardFilter.CLOCK_SKEW, "10s")
        // Audit lines on the request thread, so a test reading stderr after a response finds them.
        .initParam(LanyardFilter.AUDIT_ASYNC, "false")
        .start();
    assertThat(server.contextAvailable()).as(server.startupErrors()).isTrue();
  }

  @AfterAll
  static void stopServer() throws Exception {
    if (server != null) {
      server.close();
    }
  }

  /** A server whose filter is configured by init-params only, as in {@code web.xml}. */
  static TomcatServer.Builder webXml(Path baseDir, String bundle, Path policy) {
    return TomcatServer.newBuilder(baseDir)
        .initParam(LanyardFilter.TRUST_DOMAIN, "example.org")
        .initParam(LanyardFilter.AUDIENCE, AUDIENCE)
        .initParam(LanyardFilter.BUNDLE, bundle)
        .initParam(LanyardFilter.POLICY, policy.toString());
  }

  // ------------------------------------------------------------------------------------------------- credentials

  static String token(SpiffeId subject, String... scopes) {
    return authority.mintJwtSvid(subject, AUDIENCE, scopes).token();
  }

  /** A token that expired {@code ago} ago, after living one minute. */
  static String expiredToken(SpiffeId subject, Duration ago) {
    return AUTHORITY_CLOCK.at(ago.plus(Duration.ofMinutes(1)).negated(),
        () -> authority.mint(subject, List.of(AUDIENCE), List.of(), Duration.ofMinutes(1)).token());
  }

  /** The payload's subject changed from orders to ledger (same length), the signature left alone. */
  static String tampered(String token) {
    String[] parts = token.split("\\.");
    String claims = new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8);
    assertThat(claims).contains("/orders");
    String forged = Base64.getUrlEncoder().withoutPadding()
        .encodeToString(claims.replace("/orders", "/ledger").getBytes(StandardCharsets.UTF_8));
    return parts[0] + "." + forged + "." + parts[2];
  }

  /** A well-formed token signed by a key the bundle does not hold. */
  static String foreignKeyToken(SpiffeId subject) throws Exception {
    KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
    generator.initialize(new ECGenParameterSpec("secp256r1"));
    KeyPair pair = generator.generateKeyPair();
    Instant now = Instant.now();
    return JwtSvid.newBuilder().subject(subject).audience(List.of(AUDIENCE)).validity(now, now.plusSeconds(300))
        .sign(JwtAlgorithm.ES256, "not-in-the-bundle", pair.getPrivate()).token();
  }

  // ------------------------------------------------------------------------------------------------------- HTTP

  static HttpResponse<String> send(TomcatServer target, String method, String pathAndQuery, String body,
      String... headers) {
    HttpRequest.Builder request = HttpRequest.newBuilder(target.uri(pathAndQuery)).timeout(Duration.ofSeconds(10))
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofString(body));
    for (int i = 0; i < headers.length; i += 2) {
      request.header(headers[i], headers[i + 1]);
    }
    try {
      return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new AssertionError("request failed: " + method + " " + pathAndQuery, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  static HttpResponse<String> send(String method, String pathAndQuery, String... headers) {
    return send(server, method, pathAndQuery, null, headers);
  }

  static HttpResponse<String> get(String pathAndQuery, String... headers) {
    return send("GET", pathAndQuery, headers);
  }

  static HttpResponse<String> getWithToken(TomcatServer target, String path, String token) {
    return send(target, "GET", path, null, "Authorization", "Bearer " + token);
  }

  static String bearer(String token) {
    return "Bearer " + token;
  }

  static Optional<String> challenge(HttpResponse<?> response) {
    List<String> values = response.headers().allValues("WWW-Authenticate");
    assertThat(values).as("at most one WWW-Authenticate header").hasSizeLessThanOrEqualTo(1);
    return values.stream().findFirst();
  }

  static void assertOutcome(HttpResponse<String> response, int status, String challenge) {
    assertThat(response.statusCode()).as("status of %s; body %s", response.uri(), response.body())
        .isEqualTo(status);
    assertThat(challenge(response)).as("WWW-Authenticate of %s", response.uri())
        .isEqualTo(Optional.ofNullable(challenge));
    assertHygienic(response);
  }

  static void assertHygienic(HttpResponse<String> response) {
    String body = response.body();
    assertThat(body).doesNotContain("Exception").doesNotContain("\tat ").doesNotContain("at dev.lanyard")
        .doesNotContain("at org.apache").doesNotContain("eyJ");
    response.headers().map().forEach((name, values) -> assertThat(values.toString()).doesNotContain("eyJ"));
  }

  static String invalidToken(String description) {
    return "Bearer error=\"invalid_token\", error_description=\"" + description + "\"";
  }

  static String insufficientScope(String scopes) {
    return "Bearer error=\"insufficient_scope\", scope=\"" + scopes + "\"";
  }

  static void assertAllowedAs(HttpResponse<String> response, SpiffeId caller) {
    assertOutcome(response, 200, null);
    assertThat(response.body()).contains("principal=" + caller + "\n").contains("caller.id=" + caller + "\n");
  }

  // ---------------------------------------------------------------------------------------------------------------
  // The outcome table
  // ---------------------------------------------------------------------------------------------------------------

  @Nested
  class Outcomes {
    @ParameterizedTest
    @ValueSource(strings = {"GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"})
    void publicRuleWhenNoCredentialThenPassesWithoutCaller(String method) {
      HttpResponse<String> response = send(method, "/health");

      assertOutcome(response, 200, null);
      assertThat(response.body()).contains("method=" + method + "\n").contains("principal=-\n")
          .contains("caller=-\n");
    }

    @Test
    void publicRuleWhenGarbageCredentialThenPassesWithoutVerifyingIt() {
      HttpResponse<String> response = get("/health", "Authorization", "Bearer not-a-token");

      assertOutcome(response, 200, null);
      assertThat(response.body()).contains("principal=-\n");
    }

    @Test
    void allowedCallerWhenValidTokenThenPrincipalAndCallerAttributeAreTheVerifiedIdentity() {
      JwtSvid svid = authority.mintJwtSvid(ORDERS, AUDIENCE, "payments:charge", "payments:read");

      HttpResponse<String> response = send(server, "POST", "/payments/charge", "amount=1",
          "Authorization", bearer(svid.token()), "Content-Type", "application/x-www-form-urlencoded");

      assertOutcome(response, 200, null);
      assertThat(response.body()).isEqualTo(String.join("\n",
          "method=POST",
          "principal=spiffe://example.org/orders",
          "authType=BEARER",
          "caller.id=spiffe://example.org/orders",
          "caller.scopes=payments:charge payments:read",
          "caller.credentialType=JWT_SVID",
          "caller.tokenId=" + svid.tokenId(),
          ""));
    }

    @Test
    void allowedCallerWhenSchemeInLowerCaseThenAccepted() {
      assertAllowedAs(get("/whoami", "Authorization", "bearer " + token(BILLING)), BILLING);
    }

    @ParameterizedTest
    @ValueSource(strings = {"/whoami", "/payments/charge", "/nothing", "/"})
    void noCredentialThen401WithRealmChallenge(String path) {
      assertOutcome(get(path), 401, REALM);
    }

    @Test
    void noCredentialThenBodyIsFixedJson() {
      HttpResponse<String> response = get("/whoami");

      assertThat(response.body())
          .isEqualTo("{\"error\":\"unauthorized\",\"error_description\":\"A credential is required\"}");
      assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(
          type -> assertThat(type).startsWith("application/json"));
      assertThat(response.headers().firstValue("Cache-Control")).hasValue("no-store");
    }

    @Test
    void basicSchemeThen401WithRealmChallenge() {
      String basic = "Basic " + Base64.getEncoder().encodeToString("orders:secret".getBytes(StandardCharsets.UTF_8));

      assertOutcome(get("/whoami", "Authorization", basic), 401, REALM);
    }

    @ParameterizedTest
    @ValueSource(strings = {"Bearer", "Token abc", "Bearerabc", "Digest username=\"x\""})
    void otherAuthorizationSchemesThen401WithRealmChallenge(String authorization) {
      assertOutcome(get("/whoami", "Authorization", authorization), 401, REALM);
    }

    @Test
    void tokenInQueryParameterThenNotAccepted() {
      String token = token(ORDERS, "payments:read");

      assertOutcome(get("/whoami?access_token=" + token), 401, REALM);
      assertOutcome(get("/payments/x?access_token=" + token + "&token=" + token), 401, REALM);
    }

    @Test
    void tokenInFormParameterThenNotAccepted() {
      String form = "access_token=" + URLEncoder.encode(token(ORDERS), StandardCharsets.UTF_8);

      HttpResponse<String> response = send(server, "POST", "/form", form,
          "Content-Type", "application/x-www-form-urlencoded");

      assertOutcome(response, 401, REALM);
      // the same token in the header is fine
      assertAllowedAs(send(server, "POST", "/form", "x=1", "Authorization", bearer(token(ORDERS)),
          "Content-Type", "application/x-www-form-urlencoded"), ORDERS);
    }

    @Test
    void twoAuthorizationHeadersThen400InvalidRequest() {
      String token = token(ORDERS);

      HttpResponse<String> response = get("/whoami", "Authorization", bearer(token), "Authorization",
          bearer(token));

      assertOutcome(response, 400, INVALID_REQUEST);
      assertThat(response.body()).contains("invalid_request");
    }

    @Test
    void twoAuthorizationHeadersOfDifferentSchemesThen400InvalidRequest() {
      HttpResponse<String> response = get("/whoami", "Authorization", "Basic b3JkZXJzOng=", "Authorization",
          bearer(token(ORDERS)));

      assertOutcome(response, 400, INVALID_REQUEST);
    }

    static Stream<Arguments> rejectedCredentials() throws Exception {
      String valid = token(ORDERS);
      String other = token(LEDGER);
      return Stream.of(
          arguments("tampered payload", tampered(valid), "The token's signature is invalid"),
          arguments("signature of another token", valid.substring(0, valid.lastIndexOf('.') + 1)
              + other.substring(other.lastIndexOf('.') + 1), "The token's signature is invalid"),
          arguments("expired beyond the 10s skew", expiredToken(ORDERS, Duration.ofSeconds(20)),
              "The token has expired"),
          arguments("wrong audience", authority.mintJwtSvid(ORDERS, "spiffe://example.org/elsewhere").token(),
              "The token is not meant for this audience"),
          arguments("not yet valid", AUTHORITY_CLOCK.at(Duration.ofMinutes(10),
              () -> token(ORDERS)), "The token is not valid yet"),
          arguments("longer than max-token-lifetime 30m", authority.mint(ORDERS, List.of(AUDIENCE), List.of(),
              Duration.ofMinutes(45)).token(), "The token's lifetime is too long"),
          arguments("unknown key", foreignKeyToken(ORDERS), "The token's signing key is not known"),
          arguments("other trust domain", EmbeddedAuthority.newBuilder(TrustDomain.of("other.org")).build()
              .mintJwtSvid(SpiffeId.parse("spiffe://other.org/orders"), AUDIENCE).token(),
              "The token's trust domain is not trusted"),
          arguments("not a JWT", "not-a-token", "The token is malformed"),
          arguments("two parts", valid.substring(0, valid.lastIndexOf('.')), "The token is malformed"),
          arguments("three empty parts", "..", "The token is malformed"),
          arguments("spaces inside", "a b c", "The token is malformed"),
          arguments("alg none", "eyJhbGciOiJub25lIn0." + valid.split("\\.")[1] + ".",
              "The token's algorithm is not allowed"));
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @MethodSource("rejectedCredentials")
    void rejectedTokenThen401InvalidTokenWithFixedDescription(String name, String token, String description) {
      HttpResponse<String> response = get("/whoami", "Authorization", bearer(token));

      assertOutcome(response, 401, invalidToken(description));
      assertThat(response.body())
          .isEqualTo("{\"error\":\"invalid_token\",\"error_description\":\"" + description + "\"}");
      assertThat(response.body()).doesNotContain(token);
    }

    @Test
    void expiredWithinConfiguredClockSkewThenAccepted() {
      assertAllowedAs(get("/whoami", "Authorization", bearer(expiredToken(ORDERS, Duration.ofSeconds(3)))), ORDERS);
    }

    @Test
    void callerNotAllowedThen403WithoutChallenge() {
      HttpResponse<String> response = send("POST", "/payments/charge", "Authorization",
          bearer(token(LEDGER, "payments:charge")));

      assertOutcome(response, 403, null);
      assertThat(response.body())
          .isEqualTo("{\"error\":\"forbidden\",\"error_description\":\"The caller is not allowed here\"}");
    }

    @Test
    void noRuleMatchesThen403DenyByDefault() {
      assertOutcome(get("/nothing/here", "Authorization", bearer(token(ORDERS, "payments:read"))), 403, null);
    }

    @Test
    void scopesMissingThen403InsufficientScopeNamingThem() {
      HttpResponse<String> response = send("POST", "/payments/charge", "Authorization",
          bearer(token(ORDERS, "payments:read")));

      assertOutcome(response, 403, insufficientScope("payments:charge"));
      assertThat(response.body()).contains("insufficient_scope");
    }

    @ParameterizedTest
    @ValueSource(strings = {"/health/../whoami", "/health/./../whoami", "/health/..;/whoami", "//whoami",
        "/health/%2e%2e/whoami", "/health%2F..%2Fwhoami", "/./whoami"})
    void pathTricksNeverReachPublicRuleWithoutCredential(String path) {
      HttpResponse<String> response = get(path);

      assertThat(response.statusCode()).as("%s -> %s", path, response.body()).isEqualTo(400);
      assertThat(response.body()).doesNotContain("principal=");
    }
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Every policy feature, through the container
  // ---------------------------------------------------------------------------------------------------------------

  static Stream<Arguments> policyFeatures() {
    return Stream.of(
        arguments("exact ID with its scope", "POST", "/payments/charge", ORDERS, List.of("payments:charge"), 200,
            null),
        arguments("exact ID, other ID", "POST", "/payments/charge", LEDGER, List.of("payments:charge"), 403, null),
        arguments("exact ID without the scope", "POST", "/payments/charge", ORDERS, List.of(), 403,
            insufficientScope("payments:charge")),
        arguments("** below", "GET", "/payments/charge", ORDERS, List.of("payments:read"), 200, null),
        arguments("** matches no segment", "GET", "/payments", ORDERS, List.of("payments:read"), 200, null),
        arguments("** matches many segments", "GET", "/payments/a/b/c", LEDGER, List.of("payments:read"), 200,
            null),
        arguments("caller list, not listed", "GET", "/payments/x", BILLING, List.of("payments:read"), 403, null),
        arguments("** other method", "DELETE", "/payments/x", ORDERS, List.of("payments:read"), 403, null),
        arguments("** literal prefix only", "GET", "/paymentsx", ORDERS, List.of("payments:read"), 403, null),
        arguments("public, * method", "PUT", "/health", null, List.of(), 200, null),
        arguments("public is that path only", "GET", "/health/x", null, List.of(), 401, REALM),
        arguments("spiffe://td/*", "GET", "/metrics", BILLING, List.of(), 200, null),
        arguments("spiffe://td/*, other method", "POST", "/metrics", BILLING, List.of(), 403, null),
        arguments("spiffe://other-td/*", "GET", "/audit", ORDERS, List.of(), 403, null),
        arguments("any", "GET", "/whoami", LEDGER, List.of(), 200, null),
        arguments("any needs a credential", "GET", "/whoami", null, List.of(), 401, REALM),
        arguments("methods list, GET", "GET", "/items/42/detail", ORDERS, List.of(), 200, null),
        arguments("methods list, POST", "POST", "/items/42/detail", ORDERS, List.of(), 200, null),
        arguments("methods list, not listed", "DELETE", "/items/42/detail", ORDERS, List.of(), 403, null),
        arguments("* is one segment, not two", "GET", "/items/4/2/detail", ORDERS, List.of(), 403, null),
        arguments("* is one segment, not none", "GET", "/items/detail", ORDERS, List.of(), 403, null),
        arguments("all scopes held", "PUT", "/reports", ORDERS, List.of("reports:write", "reports:admin"), 200,
            null),
        arguments("all scopes required, one missing", "PUT", "/reports", ORDERS, List.of("reports:write"), 403,
            insufficientScope("reports:admin")),
        arguments("all scopes required, both missing", "PUT", "/reports", ORDERS, List.of("payments:read"), 403,
            insufficientScope("reports:write reports:admin")),
        arguments("any of several rules, first", "GET", "/reports", ORDERS, List.of("reports:read"), 200, null),
        arguments("any of several rules, third", "GET", "/reports", ORDERS, List.of("reports:admin"), 200, null),
        arguments("any of several rules, unscoped", "GET", "/reports", LEDGER, List.of(), 200, null),
        arguments("any of several rules, none satisfied", "GET", "/reports", ORDERS, List.of(), 403,
            insufficientScope("reports:read")),
        arguments("any of several rules, caller in none", "GET", "/reports", BILLING, List.of("reports:read"), 403,
            null),
        arguments("no rule", "GET", "/nothing", ORDERS, List.of(), 403, null),
        arguments("no rule at the root", "GET", "/", ORDERS, List.of(), 403, null));
  }

  @ParameterizedTest(name = "[{index}] {0}: {1} {2}")
  @MethodSource("policyFeatures")
  void policyFeatureThroughTheContainer(String name, String method, String path, SpiffeId caller,
      List<String> scopes, int status, String challenge) {
    HttpResponse<String> response = caller == null ? send(method, path)
        : send(method, path, "Authorization", bearer(token(caller, scopes.toArray(String[]::new))));

    assertOutcome(response, status, challenge);
    if (status == 200) {
      assertThat(response.body()).contains("principal=" + (caller == null ? "-" : caller.toString()) + "\n");
    } else {
      assertThat(response.body()).doesNotContain("principal=");
    }
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Reloads while running
  // ---------------------------------------------------------------------------------------------------------------

  /** Writes {@code text} and moves the file's modification time on by {@code seconds}, so that a change shows. */
  static void rewrite(Path file, String text, long seconds) throws IOException {
    Files.writeString(file, text, StandardCharsets.UTF_8);
    Files.setLastModifiedTime(file, FileTime.from(Instant.now().plusSeconds(seconds)));
  }

  /**
   * Longer than the one-second check interval of policy and bundle files. Time passing on the filter's own (system)
   * clock is what is waited for, and nothing shows it until the access that makes the check: only for a change that
   * must not show (a broken file); a change that shows is awaited with {@link #awaitReloaded}.
   */
  static void waitPastCheckInterval() throws InterruptedException {
    Thread.sleep(1_200);
  }

  /** Awaits the reload of a changed file (checked on access, at most once a second) that shows as {@code status}. */
  static void awaitReloaded(TomcatServer running, String token, int status) {
    Await.until("GET /whoami answered " + status + " after the reload",
        () -> getWithToken(running, "/whoami", token).statusCode() == status, Duration.ofSeconds(10));
  }

  @Test
  void policyFileChangedWhileRunningThenNewPolicyApplies(@TempDir Path dir) throws Exception {
    Path bundle = Files.writeString(dir.resolve("bundle.json"), authority.bundle().toJson());
    Path policy = Files.writeString(dir.resolve("policy.txt"), "GET /whoami spiffe://example.org/orders\n");
    try (TomcatServer running = webXml(dir.resolve("tomcat"), bundle.toString(), policy).start()) {
      assertAllowedAs(getWithToken(running, "/whoami", token(ORDERS)), ORDERS);
      assertOutcome(getWithToken(running, "/whoami", token(LEDGER)), 403, null);

      rewrite(policy, "GET /whoami spiffe://example.org/ledger\n", 10);
      awaitReloaded(running, token(LEDGER), 200);

      assertOutcome(getWithToken(running, "/whoami", token(ORDERS)), 403, null);
      assertAllowedAs(getWithToken(running, "/whoami", token(LEDGER)), LEDGER);
    }
  }

  @Test
  void policyFileChangedToBrokenVersionThenOldPolicyKeptUntilFixed(@TempDir Path dir) throws Exception {
    Path bundle = Files.writeString(dir.resolve("bundle.json"), authority.bundle().toJson());
    Path policy = Files.writeString(dir.resolve("policy.txt"), "GET /whoami spiffe://example.org/orders\n");
    try (TomcatServer running = webXml(dir.resolve("tomcat"), bundle.toString(), policy).start()) {
      assertAllowedAs(getWithToken(running, "/whoami", token(ORDERS)), ORDERS);

      rewrite(policy, "GET /whoami any\n# broken below\nPSOT /whoami any\n", 10);
      waitPastCheckInterval();

      String log = captureStderr(() -> {
        assertAllowedAs(getWithToken(running, "/whoami", token(ORDERS)), ORDERS);
        assertOutcome(getWithToken(running, "/whoami", token(LEDGER)), 403, null);
      });
      assertThat(log).contains("ERROR").contains("keeping the previous policy")
          .contains("policy.txt:3: unknown method 'PSOT'").doesNotContain("\tat ");

      rewrite(policy, "GET /whoami any\n", 20);
      awaitReloaded(running, token(LEDGER), 200);

      assertAllowedAs(getWithToken(running, "/whoami", token(LEDGER)), LEDGER);
    }
  }

  @Test
  void bundleFileChangedWhileRunningThenNewKeysApply(@TempDir Path dir) throws Exception {
    EmbeddedAuthority successor = EmbeddedAuthority.newBuilder(TD).build();
    Path bundle = Files.writeString(dir.resolve("bundle.json"), authority.bundle().toJson());
    Path policy = Files.writeString(dir.resolve("policy.txt"), "GET /whoami any\n");
    try (TomcatServer running = webXml(dir.resolve("tomcat"), bundle.toString(), policy).start()) {
      String fromSuccessor = successor.mintJwtSvid(LEDGER, AUDIENCE).token();
      assertOutcome(getWithToken(running, "/whoami", fromSuccessor), 401,
          invalidToken("The token's signing key is not known"));

      rewrite(bundle, successor.bundle().toJson(), 10);
      awaitReloaded(running, fromSuccessor, 200);

      assertAllowedAs(getWithToken(running, "/whoami", fromSuccessor), LEDGER);
      assertOutcome(getWithToken(running, "/whoami", token(ORDERS)), 401,
          invalidToken("The token's signing key is not known"));
    }
  }

  @Test
  void initParamPathsUnderWebApplicationRootThenResolvedThere(@TempDir Path dir) throws Exception {
    Path webInf = Files.createDirectories(dir.resolve("tomcat").resolve("webapp").resolve("WEB-INF"));
    Files.writeString(webInf.resolve("bundle.json"), authority.bundle().toJson());
    Path policy = Files.writeString(webInf.resolve("policy.txt"), "GET /whoami spiffe://example.org/orders\n");

    try (TomcatServer running = TomcatServer.newBuilder(dir.resolve("tomcat"))
        .initParam(LanyardFilter.TRUST_DOMAIN, "example.org")
        .initParam(LanyardFilter.AUDIENCE, AUDIENCE)
        .initParam(LanyardFilter.BUNDLE, "/WEB-INF/bundle.json")
        .initParam(LanyardFilter.POLICY, "/WEB-INF/policy.txt")
        .start()) {
      assertThat(running.contextAvailable()).as(running.startupErrors()).isTrue();
      assertAllowedAs(getWithToken(running, "/whoami", token(ORDERS)), ORDERS);
      assertOutcome(getWithToken(running, "/whoami", token(LEDGER)), 403, null);

      rewrite(policy, "GET /whoami spiffe://example.org/ledger\n", 10);
      awaitReloaded(running, token(LEDGER), 200);

      assertAllowedAs(getWithToken(running, "/whoami", token(LEDGER)), LEDGER);
    }
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Start-up
  // ---------------------------------------------------------------------------------------------------------------

  /** Asserts the web application did not start, requests get nothing from it, and the error names {@code what}. */
  static void assertStartupFailed(TomcatServer failed, String... what) {
    assertThat(failed.contextAvailable()).as("context state %s", failed.contextState()).isFalse();
    HttpResponse<String> response = send(failed, "GET", "/health", null);
    assertThat(response.statusCode()).isNotEqualTo(200);
    assertThat(response.body()).doesNotContain("principal=");
    String errors = failed.startupErrors();
    for (String fragment : what) {
      assertThat(errors).contains(fragment);
    }
  }

  @Test
  void startupWhenPolicyFileInvalidThenContextFailsNamingFileAndLine(@TempDir Path dir) throws Exception {
    Path bundle = Files.writeString(dir.resolve("bundle.json"), authority.bundle().toJson());
    Path policy = Files.writeString(dir.resolve("policy.txt"),
        "# header\n* /health public\nPSOT /payments/charge spiffe://example.org/orders\n");

    try (TomcatServer failed = webXml(dir.resolve("tomcat"), bundle.toString(), policy).start()) {
      assertStartupFailed(failed, "init-param 'policy'", "policy.txt:3: unknown method 'PSOT'");
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {LanyardFilter.TRUST_DOMAIN, LanyardFilter.AUDIENCE, LanyardFilter.BUNDLE,
      LanyardFilter.POLICY})
  void startupWhenRequiredInitParamMissingThenContextFailsNamingIt(String missing, @TempDir Path dir)
      throws Exception {
    Map<String, String> params = Map.of(
        LanyardFilter.TRUST_DOMAIN, "example.org",
        LanyardFilter.AUDIENCE, AUDIENCE,
        LanyardFilter.BUNDLE, Files.writeString(dir.resolve("bundle.json"), authority.bundle().toJson()).toString(),
        LanyardFilter.POLICY, Files.writeString(dir.resolve("policy.txt"), "* /health public\n").toString());
    TomcatServer.Builder builder = TomcatServer.newBuilder(dir.resolve("tomcat"));
    params.forEach((name, value) -> {
      if (!name.equals(missing)) {
        builder.initParam(name, value);
      }
    });

    try (TomcatServer failed = builder.start()) {
      assertStartupFailed(failed, "init-param '" + missing + "': is required");
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {LanyardFilter.TRUST_DOMAIN, LanyardFilter.AUDIENCE, LanyardFilter.BUNDLE,
      LanyardFilter.POLICY})
  void startupWhenRequiredInitParamBlankThenContextFailsNamingIt(String blank, @TempDir Path dir)
      throws Exception {
    Path bundle = Files.writeString(dir.resolve("bundle.json"), authority.bundle().toJson());
    Path policy = Files.writeString(dir.resolve("policy.txt"), "* /health public\n");

    try (TomcatServer failed = webXml(dir.resolve("tomcat"), bundle.toString(), policy).initParam(blank, "  ")
        .start()) {
      assertStartupFailed(failed, "init-param '" + blank + "': is required");
    }
  }

  static Stream<Arguments> badInitParams() {
    return Stream.of(
        arguments(LanyardFilter.TRUST_DOMAIN, "Example.ORG/x", "init-param 'trust-domain'"),
        arguments(LanyardFilter.MAX_TOKEN_LIFETIME, "48h", "init-param 'max-token-lifetime'"),
        arguments(LanyardFilter.MAX_TOKEN_LIFETIME, "0s", "init-param 'max-token-lifetime'"),
        arguments(LanyardFilter.MAX_TOKEN_LIFETIME, "an hour", "init-param 'max-token-lifetime'"),
        arguments(LanyardFilter.CLOCK_SKEW, "10m", "init-param 'clock-skew': must be at most 5m"),
        arguments(LanyardFilter.CLOCK_SKEW, "-5s", "init-param 'clock-skew'"),
        arguments(LanyardFilter.BUNDLE, "/no/such/bundle.json", "init-param 'bundle'"),
        arguments(LanyardFilter.BUNDLE, "ftp://example.org/bundle.json", "init-param 'bundle'"),
        arguments(LanyardFilter.POLICY, "/no/such/policy.txt", "init-param 'policy'"),
        arguments(LanyardFilter.ALLOW_INSECURE_HTTP_BUNDLE, "yes",
            "init-param 'allow-insecure-http-bundle': must be true or false"));
  }

  @ParameterizedTest(name = "[{index}] {0}={1}")
  @MethodSource("badInitParams")
  void startupWhenInitParamInvalidThenContextFailsNamingIt(String name, String value, String fragment,
      @TempDir Path dir) throws Exception {
    Path bundle = Files.writeString(dir.resolve("bundle.json"), authority.bundle().toJson());
    Path policy = Files.writeString(dir.resolve("policy.txt"), "* /health public\n");

    try (TomcatServer failed = webXml(dir.resolve("tomcat"), bundle.toString(), policy).initParam(name, value)
        .start()) {
      assertStartupFailed(failed, fragment);
    }
  }

  @Test
  void startupWhenBundleFileNotABundleThenContextFailsNamingBundleParam(@TempDir Path dir) throws Exception {
    Path bundle = Files.writeString(dir.resolve("bundle.json"), "{\"keys\": 42}");
    Path policy = Files.writeString(dir.resolve("policy.txt"), "* /health public\n");

    try (TomcatServer failed = webXml(dir.resolve("tomcat"), bundle.toString(), policy).start()) {
      assertStartupFailed(failed, "init-param 'bundle'");
    }
  }

  @Nested
  class ProgrammaticBuilder {
    @Test
    void buildWhenRequiredSettingMissingThenIllegalStateException() {
      Policy policy = Policy.parse(POLICY, "policy.txt");

      assertThatThrownBy(() -> LanyardFilter.newBuilder().audience(AUDIENCE)
          .bundleSource(authority.bundleSource()).policy(policy).build())
          .isInstanceOf(IllegalStateException.class);
      assertThatThrownBy(() -> LanyardFilter.newBuilder().trustDomain(TD)
          .bundleSource(authority.bundleSource()).policy(policy).build())
          .isInstanceOf(IllegalStateException.class);
      assertThatThrownBy(() -> LanyardFilter.newBuilder().trustDomain(TD).audience(AUDIENCE).policy(policy).build())
          .isInstanceOf(IllegalStateException.class);
      assertThatThrownBy(() -> LanyardFilter.newBuilder().trustDomain(TD).audience(AUDIENCE)
          .bundleSource(authority.bundleSource()).build())
          .isInstanceOf(IllegalStateException.class);
    }

    @Test
    void buildWhenDurationsOutOfRangeThenIllegalArgumentException() {
      LanyardFilter.Builder builder = LanyardFilter.newBuilder().trustDomain(TD).audience(AUDIENCE)
          .bundleSource(authority.bundleSource()).policy(Policy.empty());

      assertThatThrownBy(() -> builder.maxTokenLifetime(Duration.ZERO)).isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> builder.maxTokenLifetime(Duration.ofHours(25)))
          .isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> builder.clockSkew(Duration.ofMinutes(6)).build())
          .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void initWhenBuiltProgrammaticallyThenInitParamsAreIgnored(@TempDir Path dir) throws Exception {
      LanyardFilter filter = LanyardFilter.newBuilder().trustDomain(TD).audience(AUDIENCE)
          .bundleSource(authority.bundleSource()).policy(Policy.parse("GET /whoami any\n", "rules")).build();

      try (TomcatServer running = TomcatServer.newBuilder(dir.resolve("tomcat")).filter(filter)
          .initParam(LanyardFilter.POLICY, "/no/such/file").start()) {
        assertThat(running.contextAvailable()).as(running.startupErrors()).isTrue();
        assertAllowedAs(getWithToken(running, "/whoami", token(ORDERS)), ORDERS);
      }
    }
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Bundle over HTTP, and 503 when it is unavailable beyond its bound
  // ---------------------------------------------------------------------------------------------------------------

  /** A bundle endpoint on the JDK HTTP server that serves {@code json} while {@code healthy}, else HTTP 500. */
  static HttpServer bundleEndpoint(String json, AtomicBoolean healthy, AtomicInteger hits) throws IOException {
    HttpServer endpoint = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    endpoint.createContext("/bundle", exchange -> {
      hits.incrementAndGet();
      byte[] body = healthy.get() ? json.getBytes(StandardCharsets.UTF_8) : "down".getBytes(StandardCharsets.UTF_8);
      exchange.sendResponseHeaders(healthy.get() ? 200 : 500, body.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    });
    endpoint.start();
    return endpoint;
  }

  static String bundleUrl(HttpServer endpoint) {
    return "http://127.0.0.1:" + endpoint.getAddress().getPort() + "/bundle";
  }

  @Test
  void bundleInitParamWhenHttpUrlThenFetchedAndTokensVerify(@TempDir Path dir) throws Exception {
    AtomicInteger hits = new AtomicInteger();
    HttpServer endpoint = bundleEndpoint(authority.bundle().toJson(), new AtomicBoolean(true), hits);
    Path policy = Files.writeString(dir.resolve("policy.txt"), "GET /whoami any\n");
    try (TomcatServer running = webXml(dir.resolve("tomcat"), bundleUrl(endpoint), policy)
        .initParam(LanyardFilter.ALLOW_INSECURE_HTTP_BUNDLE, "true").start()) {
      assertAllowedAs(getWithToken(running, "/whoami", token(ORDERS)), ORDERS);
      assertThat(hits.get()).isGreaterThanOrEqualTo(1);
    } finally {
      endpoint.stop(0);
    }
  }

  @Test
  void startupWhenBundleUrlIsCleartextHttpWithoutOptInThenContextFailsNamingBundleAndTheOptIn(@TempDir Path dir)
      throws Exception {
    AtomicInteger hits = new AtomicInteger();
    HttpServer endpoint = bundleEndpoint(authority.bundle().toJson(), new AtomicBoolean(true), hits);
    Path policy = Files.writeString(dir.resolve("policy.txt"), "GET /whoami any\n");
    try (TomcatServer failed = webXml(dir.resolve("tomcat"), bundleUrl(endpoint), policy).start()) {
      assertStartupFailed(failed, "init-param 'bundle'", "cleartext http",
          "init-param 'allow-insecure-http-bundle'");
      assertThat(hits.get()).as("nothing fetched over http").isZero();
    } finally {
      endpoint.stop(0);
    }
  }

  @Test
  void startupWhenHttpOptInThenInsecureWarningLogged(@TempDir Path dir) throws Exception {
    HttpServer endpoint = bundleEndpoint(authority.bundle().toJson(), new AtomicBoolean(true), new AtomicInteger());
    Path policy = Files.writeString(dir.resolve("policy.txt"), "GET /whoami any\n");
    try {
      String log = captureStderr(() -> {
        try (TomcatServer running = webXml(dir.resolve("tomcat"), bundleUrl(endpoint), policy)
            .initParam(LanyardFilter.ALLOW_INSECURE_HTTP_BUNDLE, "true").start()) {
          assertThat(running.contextAvailable()).as(running.startupErrors()).isTrue();
        }
      });
      assertThat(log).contains("WARN").contains("INSECURE").contains(bundleUrl(endpoint));
    } finally {
      endpoint.stop(0);
    }
  }

  @Test
  void startupWhenBundleEndpointStallsTheBodyThenContextFailsInBoundedTimeNamingBundle(@TempDir Path dir)
      throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    HttpServer endpoint = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    ExecutorService handlers = Executors.newCachedThreadPool();
    endpoint.setExecutor(handlers);
    endpoint.createContext("/bundle", exchange -> {
      exchange.sendResponseHeaders(200, 1000);
      OutputStream out = exchange.getResponseBody();
      out.write("{\"keys\":".getBytes(StandardCharsets.UTF_8));
      out.flush();
      try {
        release.await(30, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      exchange.close();
    });
    endpoint.start();
    Path policy = Files.writeString(dir.resolve("policy.txt"), "GET /whoami any\n");
    long start = System.nanoTime();
    try {
      assertTimeoutPreemptively(Duration.ofSeconds(30), () -> {
        try (TomcatServer failed = webXml(dir.resolve("tomcat"), bundleUrl(endpoint), policy)
            .initParam(LanyardFilter.ALLOW_INSECURE_HTTP_BUNDLE, "true").start()) {
          assertStartupFailed(failed, "init-param 'bundle'", "first fetch", "within PT5S");
        }
      });
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(15));
    } finally {
      release.countDown();
      endpoint.stop(0);
      handlers.shutdownNow();
    }
  }

  @Test
  void bundleInitParamWhenHttpEndpointFailsFromTheStartThen503(@TempDir Path dir) throws Exception {
    HttpServer endpoint = bundleEndpoint("", new AtomicBoolean(false), new AtomicInteger());
    Path policy = Files.writeString(dir.resolve("policy.txt"), "* /health public\nGET /whoami any\n");
    try (TomcatServer running = webXml(dir.resolve("tomcat"), bundleUrl(endpoint), policy)
        .initParam(LanyardFilter.ALLOW_INSECURE_HTTP_BUNDLE, "true").start()) {
      assertThat(running.contextAvailable()).as(running.startupErrors()).isTrue();

      HttpResponse<String> response = getWithToken(running, "/whoami", token(ORDERS));

      assertOutcome(response, 503, null);
      assertThat(response.body()).isEqualTo(
          "{\"error\":\"temporarily_unavailable\",\"error_description\":\"Trust cannot be established right now\"}");
      assertOutcome(send(running, "GET", "/health", null), 200, null);
      assertOutcome(send(running, "GET", "/whoami", null), 401, REALM);
    } finally {
      endpoint.stop(0);
    }
  }

  @Test
  void bundleSourceUnavailableWhenManyRequestsThenEveryOne503AndAuditedButOneWarningLogged(@TempDir Path dir)
      throws Exception {
    List<AuditEvent> events = new CopyOnWriteArrayList<>();
    LanyardFilter filter = LanyardFilter.newBuilder().trustDomain(TD).audience(AUDIENCE)
        .bundleSource(td -> {
          throw new BundleUnavailableException("the bundle endpoint is down");
        })
        .policy(Policy.parse(POLICY, "policy.txt"))
        .auditSink(events::add)
        .build();
    try (TomcatServer running = TomcatServer.newBuilder(dir.resolve("tomcat")).filter(filter).start()) {
      String log = captureStderr(() -> {
        for (int i = 0; i < 20; i++) {
          assertOutcome(getWithToken(running, "/whoami", token(ORDERS)), 503, null);
        }
      });

      assertThat(events).filteredOn(e -> e.decision() == AuditEvent.Decision.UNAVAILABLE).hasSize(20);
      assertThat(log.lines().filter(line -> line.contains("trust bundle unavailable"))).singleElement()
          .satisfies(line -> assertThat(line).contains("WARN").contains("the bundle endpoint is down"));
    }
  }

  @Test
  void bundleSourceUnavailableThen503AndAudited(@TempDir Path dir) throws Exception {
    List<AuditEvent> events = new CopyOnWriteArrayList<>();
    LanyardFilter filter = LanyardFilter.newBuilder().trustDomain(TD).audience(AUDIENCE)
        .bundleSource(td -> {
          throw new BundleUnavailableException("the bundle endpoint is down");
        })
        .policy(Policy.parse(POLICY, "policy.txt"))
        .auditSink(events::add)
        .build();
    try (TomcatServer running = TomcatServer.newBuilder(dir.resolve("tomcat")).filter(filter).start()) {
      assertOutcome(getWithToken(running, "/whoami", token(ORDERS)), 503, null);
      assertOutcome(send(running, "GET", "/health", null), 200, null);

      assertThat(events).filteredOn(e -> e.decision() == AuditEvent.Decision.UNAVAILABLE).singleElement()
          .satisfies(e -> {
            assertThat(e.method()).hasValue("GET");
            assertThat(e.path()).hasValue("/whoami");
            assertThat(e.reason()).hasValue("BUNDLE_UNAVAILABLE");
          });
    }
  }

  @Test
  void bundleEndpointServesOnceThenFailsThenStaleWithinBoundAnd503Beyond(@TempDir Path dir) throws Exception {
    AtomicBoolean healthy = new AtomicBoolean(true);
    HttpServer endpoint = bundleEndpoint(authority.bundle().toJson(), healthy, new AtomicInteger());
    MutableClock sourceClock = MutableClock.systemUtc();
    HttpBundleSource source = HttpBundleSource.newBuilder(TD, URI.create(bundleUrl(endpoint))).allowInsecureHttp()
        .maxStaleness(Duration.ofMinutes(1)).refreshInterval(Duration.ofSeconds(30)).clock(sourceClock).build();
    LanyardFilter filter = LanyardFilter.newBuilder().trustDomain(TD).audience(AUDIENCE).bundleSource(source)
        .policy(Policy.parse("GET /whoami any\n", "policy.txt")).auditSink(e -> { }).build();
    try (TomcatServer running = TomcatServer.newBuilder(dir.resolve("tomcat")).filter(filter).start()) {
      assertAllowedAs(getWithToken(running, "/whoami", token(ORDERS)), ORDERS);

      healthy.set(false);
      sourceClock.setOffset(Duration.ofSeconds(45));
      assertAllowedAs(getWithToken(running, "/whoami", token(LEDGER)), LEDGER);

      sourceClock.setOffset(Duration.ofSeconds(90));
      assertOutcome(getWithToken(running, "/whoami", token(BILLING)), 503, null);
    } finally {
      source.close();
      endpoint.stop(0);
    }
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Audit
  // ---------------------------------------------------------------------------------------------------------------

  @Test
  void everyDecisionGoesToTheAuditSink(@TempDir Path dir) throws Exception {
    List<AuditEvent> events = new CopyOnWriteArrayList<>();
    Path policyPath = Files.writeString(dir.resolve("policy.txt"), POLICY);
    LanyardFilter filter = LanyardFilter.newBuilder().trustDomain(TD).audience(AUDIENCE)
        .bundleSource(authority.bundleSource()).policyFile(PolicyFile.watch(policyPath))
        .revocations(authority.revocations()).auditSink(events::add).build();
    try (TomcatServer running = TomcatServer.newBuilder(dir.resolve("tomcat")).filter(filter).start()) {
      JwtSvid allowed = authority.mintJwtSvid(ORDERS, AUDIENCE, "payments:charge");
      JwtSvid unscoped = authority.mintJwtSvid(ORDERS, AUDIENCE);
      JwtSvid ledger = authority.mintJwtSvid(LEDGER, AUDIENCE, "payments:charge");
      String expired = expiredToken(ORDERS, Duration.ofMinutes(5));
      List<String> tokens = List.of(allowed.token(), unscoped.token(), ledger.token(), expired);

      Instant start = Instant.now().minusSeconds(1);
      List<Consumer<List<AuditEvent>>> checks = new ArrayList<>();
      send(running, "GET", "/health", null);
      checks.add(e -> assertEvent(e.get(0), AuditEvent.Decision.PUBLIC, null, "GET", "/health", null, null));
      send(running, "POST", "/payments/charge", null, "Authorization", bearer(allowed.token()));
      checks.add(e -> {
        assertEvent(e.get(1), AuditEvent.Decision.ALLOWED, ORDERS.toString(), "POST", "/payments/charge", null,
            allowed.tokenId());
        assertThat(e.get(1).callerVerified()).isTrue();
        assertThat(e.get(1).rule()).hasValue("policy.txt:2");
      });
      send(running, "GET", "/whoami", null);
      checks.add(e -> assertEvent(e.get(2), AuditEvent.Decision.UNAUTHENTICATED, null, "GET", "/whoami", null,
          null));
      send(running, "GET", "/whoami", null, "Authorization", bearer(expired));
      checks.add(e -> {
        assertEvent(e.get(3), AuditEvent.Decision.REJECTED, ORDERS.toString(), "GET", "/whoami", "EXPIRED", null);
        assertThat(e.get(3).callerVerified()).as("the expired token's subject is only claimed").isFalse();
      });
      send(running, "POST", "/payments/charge", null, "Authorization", bearer(ledger.token()));
      checks.add(e -> {
        assertEvent(e.get(4), AuditEvent.Decision.DENIED, LEDGER.toString(), "POST", "/payments/charge",
            "NO_RULE_ALLOWS_CALLER", ledger.tokenId());
        assertThat(e.get(4).callerVerified()).isTrue();
      });
      send(running, "POST", "/payments/charge", null, "Authorization", bearer(unscoped.token()));
      checks.add(e -> {
        assertEvent(e.get(5), AuditEvent.Decision.INSUFFICIENT_SCOPE, ORDERS.toString(), "POST",
            "/payments/charge", "missing payments:charge", unscoped.tokenId());
        assertThat(e.get(5).rule()).hasValue("policy.txt:2");
      });
      send(running, "GET", "/whoami", null, "Authorization", bearer(allowed.token()), "Authorization",
          bearer(allowed.token()));
      checks.add(e -> assertEvent(e.get(6), AuditEvent.Decision.BAD_REQUEST, null, "GET", "/whoami",
          "MULTIPLE_AUTHORIZATION_HEADERS", null));
      send(running, "GET", "/nothing", null, "Authorization", bearer(allowed.token()));
      checks.add(e -> assertEvent(e.get(7), AuditEvent.Decision.DENIED, ORDERS.toString(), "GET", "/nothing",
          "NO_MATCHING_RULE", allowed.tokenId()));

      assertThat(events).hasSize(checks.size());
      for (Consumer<List<AuditEvent>> check : checks) {
        check.accept(events);
      }
      for (AuditEvent event : events) {
        assertThat(event.time()).isBetween(start, Instant.now());
        for (String token : tokens) {
          assertThat(event.toString()).doesNotContain(token).doesNotContain(token.split("\\.")[2]);
        }
      }
    }
  }

  /**
   * The default sink (logger {@code lanyard.audit}) of the web.xml server, read from slf4j-simple's stderr: request
   * paths that try to forge an audit line or field give exactly one JSON line per request, with the decoded path as
   * the {@code path} value and the real decision and caller.
   */
  @Test
  void auditLogWhenPathForgesLinesOrFieldsThenOneJsonLinePerRequestWithThePathAsValue(@TempDir Path dir)
      throws Exception {
    String forgedLine = "/x%0adecision=ALLOWED%20caller=spiffe://example.org/ops";
    String forgedJson = "/x%22,%22decision%22:%22ALLOWED%22%7D%0d%0a%7B%22decision%22:%22ALLOWED%E2%80%A8";
    // Strict (the default): such paths are refused before any rule, and the audit line holds the raw path.
    List<HttpResponse<String>> responses = new ArrayList<>();
    String strictLog = captureStderr(() -> {
      responses.add(get(forgedLine));
      responses.add(get(forgedJson));
    });
    assertThat(responses).extracting(HttpResponse::statusCode).containsExactly(400, 400);
    List<Map<String, Object>> strict = auditEvents(strictLog, 2);
    assertThat(strict).allSatisfy(e -> assertThat(e).containsOnlyKeys("time", "decision", "reason",
        "callerVerified", "method", "path", "callee").containsEntry("decision", "BAD_REQUEST")
        .containsEntry("reason", "NON_NORMALIZED_PATH"));
    assertThat(strict).extracting(e -> e.get("path")).containsExactly(forgedLine, forgedJson);

    // Relaxed: the filter decides on the decoded path, so the hostile characters reach the audit line, escaped.
    LanyardFilter relaxed = LanyardFilter.newBuilder().trustDomain(TD).audience(AUDIENCE)
        .bundleSource(authority.bundleSource()).policy(Policy.parse(POLICY, "policy.txt"))
        .auditSink(AuditSink.slf4j()).allowUnnormalizedPaths().build();
    try (TomcatServer running = TomcatServer.newBuilder(dir.resolve("tomcat")).filter(relaxed).start()) {
      responses.clear();
      String relaxedLog = captureStderr(() -> {
        responses.add(send(running, "GET", forgedLine, null));
        responses.add(send(running, "GET", forgedLine, null, "Authorization", bearer(token(ORDERS))));
        responses.add(send(running, "GET", forgedJson, null));
      });

      assertThat(responses).extracting(HttpResponse::statusCode).containsExactly(401, 403, 401);
      List<Map<String, Object>> events = auditEvents(relaxedLog, 3);
      // The path as the filter sees it: decoded, and normalised by Tomcat ("//" becomes "/").
      String decodedLine = "/x\ndecision=ALLOWED caller=spiffe:/example.org/ops";
      String decodedJson = "/x\",\"decision\":\"ALLOWED\"}\r\n{\"decision\":\"ALLOWED\u2028";
      assertThat(events.get(0)).containsOnlyKeys("time", "decision", "callerVerified", "method", "path", "callee")
          .containsEntry("decision", "UNAUTHENTICATED").containsEntry("path", decodedLine)
          .containsEntry("callerVerified", false);
      assertThat(events.get(1)).containsEntry("decision", "DENIED").containsEntry("path", decodedLine)
          .containsEntry("caller", ORDERS.toString()).containsEntry("callerVerified", true)
          .containsEntry("reason", "NO_MATCHING_RULE");
      assertThat(events.get(2)).containsOnlyKeys("time", "decision", "callerVerified", "method", "path", "callee")
          .containsEntry("decision", "UNAUTHENTICATED").containsEntry("path", decodedJson);
    }
  }

  /** The {@code lanyard.audit} lines of {@code log}, exactly {@code expected} of them, each one printable JSON object. */
  static List<Map<String, Object>> auditEvents(String log, int expected) throws Exception {
    List<String> auditLines = log.lines().filter(l -> l.contains(" lanyard.audit - ")).toList();
    assertThat(auditLines).hasSize(expected);
    assertThat(log.lines().filter(l -> l.contains("ALLOWED"))).allMatch(auditLines::contains);
    List<Map<String, Object>> events = new ArrayList<>();
    for (String line : auditLines) {
      String json = line.substring(line.indexOf(" lanyard.audit - ") + " lanyard.audit - ".length());
      assertThat(json).matches("[\\x20-\\x7e]*");
      events.add(Json.parseObject(json, 2));
    }
    return events;
  }


  static void assertEvent(AuditEvent event, AuditEvent.Decision decision, String caller, String method, String path,
      String reason, String tokenId) {
    assertThat(event.decision()).as("%s", event).isEqualTo(decision);
    assertThat(event.caller()).as("caller of %s", event).isEqualTo(Optional.ofNullable(caller));
    assertThat(event.method()).as("method of %s", event).hasValue(method);
    assertThat(event.path()).as("path of %s", event).hasValue(path);
    assertThat(event.reason()).as("reason of %s", event).isEqualTo(Optional.ofNullable(reason));
    assertThat(event.tokenId()).as("token id of %s", event).isEqualTo(Optional.ofNullable(tokenId));
  }

  @Test
  void revokedTokenWhenRevocationsSharedThen401RevokedAndAudited(@TempDir Path dir) throws Exception {
    List<AuditEvent> events = new CopyOnWriteArrayList<>();
    LanyardFilter filter = LanyardFilter.newBuilder().trustDomain(TD).audience(AUDIENCE)
        .bundleSource(authority.bundleSource()).policy(Policy.parse(POLICY, "policy.txt"))
        .revocations(authority.revocations()).auditSink(events::add).build();
    try (TomcatServer running = TomcatServer.newBuilder(dir.resolve("tomcat")).filter(filter).start()) {
      JwtSvid svid = authority.mintJwtSvid(ORDERS, AUDIENCE);
      assertAllowedAs(getWithToken(running, "/whoami", svid.token()), ORDERS);

      authority.revocations().revokeToken(svid.tokenId(), svid.expiresAt());

      assertOutcome(getWithToken(running, "/whoami", svid.token()), 401,
          invalidToken("The token has been revoked"));
      assertThat(events.get(events.size() - 1).reason()).hasValue("REVOKED");
    }
  }

  @Test
  void auditSinkThatThrowsThenRequestStillDecidedAndNoStackTraceLogged(@TempDir Path dir) throws Exception {
    LanyardFilter filter = LanyardFilter.newBuilder().trustDomain(TD).audience(AUDIENCE)
        .bundleSource(authority.bundleSource()).policy(Policy.parse(POLICY, "policy.txt"))
        .auditSink(e -> {
          throw new IllegalStateException("audit store full");
        }).build();
    try (TomcatServer running = TomcatServer.newBuilder(dir.resolve("tomcat")).filter(filter).start()) {
      String log = captureStderr(() -> {
        assertAllowedAs(getWithToken(running, "/whoami", token(ORDERS)), ORDERS);
        assertOutcome(send(running, "GET", "/whoami", null), 401, REALM);
      });

      assertThat(log).contains("audit store full").doesNotContain("\tat ");
    }
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Hygiene: no stack trace or token text in responses or logs
  // ---------------------------------------------------------------------------------------------------------------

  @Test
  void rejectionsNeverPutTokenTextOrStackTracesInResponsesOrLogs() throws Exception {
    String valid = token(ORDERS, "payments:read");
    List<String> tokens = List.of(valid, tampered(valid), expiredToken(ORDERS, Duration.ofMinutes(5)),
        authority.mintJwtSvid(ORDERS, "spiffe://example.org/elsewhere").token(), foreignKeyToken(ORDERS),
        "garbage." + "A".repeat(40) + ".zzz", "{\"alg\":\"none\"}", "x".repeat(3_000));
    List<HttpResponse<String>> responses = new ArrayList<>();

    String log = captureStderr(() -> {
      for (String token : tokens) {
        responses.add(get("/whoami", "Authorization", bearer(token)));
        responses.add(send("POST", "/payments/charge", "Authorization", bearer(token)));
        responses.add(get("/whoami", "Authorization", bearer(token), "Authorization", bearer(token)));
        responses.add(get("/whoami?access_token=" + URLEncoder.encode(token, StandardCharsets.UTF_8)));
      }
    });

    for (HttpResponse<String> response : responses) {
      assertHygienic(response);
      assertThat(response.statusCode()).isIn(200, 400, 401, 403);
      for (String token : tokens) {
        String signatureOrAll = token.contains(".") ? token.substring(token.lastIndexOf('.') + 1) : token;
        assertThat(response.body()).doesNotContain(token);
        if (signatureOrAll.length() > 8) {
          assertThat(response.body()).doesNotContain(signatureOrAll);
        }
      }
    }
    assertThat(log).doesNotContain("\tat ").doesNotContain("Exception:");
    for (String token : tokens) {
      assertThat(log).doesNotContain(token);
      String[] parts = token.split("\\.");
      if (parts.length == 3 && parts[2].length() > 8) {
        assertThat(log).doesNotContain(parts[2]);
      }
    }
  }
}
