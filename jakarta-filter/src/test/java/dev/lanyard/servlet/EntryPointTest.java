package dev.lanyard.servlet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lanyard.policy.Caller;
import dev.lanyard.policy.Policy;
import dev.lanyard.spiffe.SpiffeId;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class EntryPointTest {
  private final EntryPoint entryPoint = new EntryPoint("example.org");
  private final ServletFakes.Response response = new ServletFakes.Response();

  @Test
  void unauthenticatedWhenWrittenThen401WithRealmChallengeNoStoreAndJsonBody() throws Exception {
    entryPoint.unauthenticated(response.servlet);

    assertThat(response.status).isEqualTo(401);
    assertThat(response.headers).containsEntry("WWW-Authenticate", "Bearer realm=\"example.org\"")
        .containsEntry("Cache-Control", "no-store");
    assertThat(response.contentType).isEqualTo("application/json");
    assertThat(response.body()).isEqualTo("{\"error\":\"unauthorized\",\"error_description\":\"A credential is required\"}");
    assertThat(response.contentLength).isEqualTo(response.body.size());
  }

  @Test
  void subjectMismatchWhenWrittenThen401InvalidTokenWithTheFixedDescription() throws Exception {
    entryPoint.subjectMismatch(response.servlet);

    assertThat(response.status).isEqualTo(401);
    assertThat(response.headers.get("WWW-Authenticate")).startsWith("Bearer error=\"invalid_token\"")
        .contains(EntryPoint.SUBJECT_MISMATCH_DESCRIPTION);
  }

  @Test
  void multipleAuthorizationHeadersWhenWrittenThen400InvalidRequest() throws Exception {
    entryPoint.multipleAuthorizationHeaders(response.servlet);

    assertThat(response.status).isEqualTo(400);
    assertThat(response.headers.get("WWW-Authenticate")).contains("invalid_request");
  }

  @Test
  void nonNormalizedPathWhenWrittenThen400WithoutChallenge() throws Exception {
    entryPoint.nonNormalizedPath(response.servlet);

    assertThat(response.status).isEqualTo(400);
    assertThat(response.headers).doesNotContainKey("WWW-Authenticate");
  }

  @Test
  void insufficientScopeWhenWrittenThen403NamingTheMissingScopes() throws Exception {
    entryPoint.insufficientScope(response.servlet, List.of("orders:write", "orders:admin"));

    assertThat(response.status).isEqualTo(403);
    assertThat(response.headers.get("WWW-Authenticate"))
        .isEqualTo("Bearer error=\"insufficient_scope\", scope=\"orders:write orders:admin\"");
  }

  @Test
  void forbiddenAndUnavailableWhenWrittenThen403And503WithoutChallenge() throws Exception {
    entryPoint.forbidden(response.servlet);
    assertThat(response.status).isEqualTo(403);
    assertThat(response.headers).doesNotContainKey("WWW-Authenticate");

    ServletFakes.Response unavailable = new ServletFakes.Response();
    entryPoint.unavailable(unavailable.servlet);
    assertThat(unavailable.status).isEqualTo(503);
    assertThat(unavailable.headers).doesNotContainKey("WWW-Authenticate");
  }

  @Test
  void refusedWhenInsufficientScopeThen403NamingTheMissingScopesElse403WithoutChallenge() throws Exception {
    Policy policy = Policy.parse("GET /orders spiffe://example.org/orders orders:read,orders:write\n", "p");
    Caller caller = new Caller(SpiffeId.parse("spiffe://example.org/orders"), Set.of("orders:read"),
        Caller.CredentialType.JWT_SVID, null);
    Caller stranger = new Caller(SpiffeId.parse("spiffe://example.org/ledger"), Set.of(),
        Caller.CredentialType.JWT_SVID, null);

    entryPoint.refused(response.servlet, policy.match("GET", "/orders").decide(caller));
    ServletFakes.Response denied = new ServletFakes.Response();
    entryPoint.refused(denied.servlet, policy.match("GET", "/orders").decide(stranger));

    assertThat(response.status).isEqualTo(403);
    assertThat(response.headers.get("WWW-Authenticate"))
        .isEqualTo("Bearer error=\"insufficient_scope\", scope=\"orders:write\"");
    assertThat(denied.status).isEqualTo(403);
    assertThat(denied.headers).doesNotContainKey("WWW-Authenticate");
  }

  @Test
  void refusedWhenTheDecisionAllowsThenIllegalArgumentAndNothingWritten() {
    Policy policy = Policy.parse("GET /orders any\n", "p");
    Caller caller = new Caller(SpiffeId.parse("spiffe://example.org/orders"), Set.of(),
        Caller.CredentialType.JWT_SVID, null);

    assertThatThrownBy(() -> entryPoint.refused(response.servlet, policy.match("GET", "/orders").decide(caller)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(response.status).isZero();
  }
}
