package dev.lanyard.servlet;

import dev.lanyard.policy.Challenge;
import dev.lanyard.policy.Decision;
import dev.lanyard.servlet.internal.ServletExchanges;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.List;

/**
 * Writes the filter's refusals: 400 for a raw path not in normal form or two Authorization headers, 401 with a
 * {@code Bearer} challenge for a missing or refused credential, 403 (with {@code insufficient_scope} when scopes are
 * missing), 503 when the trust bundle is unavailable. Every response is the {@link Challenge} of its outcome written by
 * {@link ServletExchanges#respond}, the one writer the Spring bridge shares: no stack trace, no token text.
 *
 * <p>Thread-safe: immutable.
 */
final class EntryPoint {
  static final String SUBJECT_MISMATCH_DESCRIPTION = "The token's subject does not match the client certificate";
  static final String MULTIPLE_AUTHORIZATION_HEADERS_DESCRIPTION = "Send exactly one Authorization header";

  private final String realm;

  /** @param realm the realm of {@code Bearer} challenges: the trust domain's name */
  EntryPoint(String realm) {
    this.realm = realm;
  }

  /** 400: the raw request path is not in normal form. */
  void nonNormalizedPath(HttpServletResponse response) throws IOException {
    ServletExchanges.respond(response, Challenge.nonNormalizedPath());
  }

  /** 400 {@code invalid_request}: more than one Authorization header. */
  void multipleAuthorizationHeaders(HttpServletResponse response) throws IOException {
    ServletExchanges.respond(response, Challenge.invalidRequest(MULTIPLE_AUTHORIZATION_HEADERS_DESCRIPTION));
  }

  /** 401 {@code Bearer realm="<trust domain>"}: no credential. */
  void unauthenticated(HttpServletResponse response) throws IOException {
    ServletExchanges.respond(response, Challenge.unauthenticated(realm));
  }

  /** 401 {@code invalid_token} with the fixed description of the rejection reason. */
  void rejected(HttpServletResponse response, String description) throws IOException {
    ServletExchanges.respond(response, Challenge.invalidToken(description));
  }

  /** 401 {@code invalid_token}: token and client certificate name different SPIFFE IDs. */
  void subjectMismatch(HttpServletResponse response) throws IOException {
    rejected(response, SUBJECT_MISMATCH_DESCRIPTION);
  }

  /** 503: the trust bundle is unavailable beyond its bound. */
  void unavailable(HttpServletResponse response) throws IOException {
    ServletExchanges.respond(response, Challenge.unavailable());
  }

  /** 403 {@code insufficient_scope} naming the missing scopes. */
  void insufficientScope(HttpServletResponse response, List<String> missing) throws IOException {
    ServletExchanges.respond(response, Challenge.insufficientScope(missing));
  }

  /**
   * The refusal of a policy decision on a verified caller: 403 {@code insufficient_scope} naming the missing scopes,
   * else 403 without a challenge.
   *
   * @throws IllegalArgumentException when the decision lets the request through
   */
  void refused(HttpServletResponse response, Decision decision) throws IOException {
    if (decision.isAllowed()) {
      throw new IllegalArgumentException("not a refusal: " + decision.outcome());
    }
    if (decision.outcome() == Decision.Outcome.INSUFFICIENT_SCOPE) {
      insufficientScope(response, decision.missingScopes());
    } else {
      forbidden(response);
    }
  }

  /** 403 without a challenge: no rule allows the caller. */
  void forbidden(HttpServletResponse response) throws IOException {
    ServletExchanges.respond(response, Challenge.forbidden());
  }

  @Override
  public String toString() {
    return "EntryPoint[" + realm + "]";
  }
}
