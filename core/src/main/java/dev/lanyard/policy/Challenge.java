package dev.lanyard.policy;

import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * The HTTP answer to a refused request, the same for every adapter: status, {@code WWW-Authenticate} challenge
 * (RFC 6750) and a small JSON body. Descriptions are fixed texts, never anything from the request. This is where
 * policy outcomes and rejections become HTTP; core's decisions and rejection reasons carry no status codes.
 *
 * <p>Thread-safe: immutable.
 */
public final class Challenge {
  private final int status;
  private final @Nullable String wwwAuthenticate;
  private final String error;
  private final String description;

  private Challenge(int status, @Nullable String wwwAuthenticate, String error, String description) {
    this.status = status;
    this.wwwAuthenticate = wwwAuthenticate;
    this.error = error;
    this.description = description;
  }

  /** 401, no credential: {@code Bearer realm="<realm>"}. */
  public static Challenge unauthenticated(String realm) {
    return new Challenge(401, "Bearer realm=\"" + Objects.requireNonNull(realm, "realm") + "\"", "unauthorized",
        "A credential is required");
  }

  /**
   * 401, credential rejected: {@code Bearer error="invalid_token", error_description="<description>"}.
   *
   * @param description a fixed text for the reason (e.g. a rejection reason's {@code description()})
   */
  public static Challenge invalidToken(String description) {
    Objects.requireNonNull(description, "description");
    return new Challenge(401, "Bearer error=\"invalid_token\", error_description=\"" + description + "\"",
        "invalid_token", description);
  }

  /** 403, caller allowed but scopes missing: {@code Bearer error="insufficient_scope", scope="<missing>"}. */
  public static Challenge insufficientScope(Collection<String> missingScopes) {
    String scopes = String.join(" ", missingScopes);
    return new Challenge(403, "Bearer error=\"insufficient_scope\", scope=\"" + scopes + "\"", "insufficient_scope",
        "The credential lacks required scopes");
  }

  /** 403, caller not allowed (or no rule matches): no challenge. */
  public static Challenge forbidden() {
    return new Challenge(403, null, "forbidden", "The caller is not allowed here");
  }

  /** 400, e.g. two Authorization headers: {@code Bearer error="invalid_request"}. */
  public static Challenge invalidRequest(String description) {
    return new Challenge(400, "Bearer error=\"invalid_request\"", "invalid_request",
        Objects.requireNonNull(description, "description"));
  }

  /**
   * 400, the request path is not in normal form (dot segments, encoded dots or slashes, path parameters, ...): no
   * challenge, since no credential would help.
   */
  public static Challenge nonNormalizedPath() {
    return new Challenge(400, null, "invalid_request", "The request path is not in normal form");
  }

  /**
   * The answer to a refused decision: {@link Decision.Outcome#UNAUTHENTICATED} is {@link #unauthenticated(String)}
   * (401), {@link Decision.Outcome#INSUFFICIENT_SCOPE} is {@link #insufficientScope(Collection)} with the missing
   * scopes (403), {@link Decision.Outcome#DENIED} is {@link #forbidden()} (403). Adapters map policy outcomes to HTTP
   * here, so that core's decisions carry no HTTP.
   *
   * @throws IllegalArgumentException when the decision allows the request
   */
  public static Challenge refused(Decision decision, String realm) {
    Objects.requireNonNull(decision, "decision");
    switch (decision.outcome()) {
      case UNAUTHENTICATED:
        return unauthenticated(realm);
      case INSUFFICIENT_SCOPE:
        return insufficientScope(decision.missingScopes());
      case DENIED:
        return forbidden();
      default:
        throw new IllegalArgumentException("decision " + decision.outcome() + " allows the request");
    }
  }

  /** 503, trust cannot be established for an infrastructure reason: no challenge. */
  public static Challenge unavailable() {
    return new Challenge(503, null, "temporarily_unavailable", "Trust cannot be established right now");
  }

  /** The HTTP status. */
  public int status() {
    return status;
  }

  /** The {@code WWW-Authenticate} header value, if the answer has one. */
  public Optional<String> wwwAuthenticate() {
    return Optional.ofNullable(wwwAuthenticate);
  }

  /** The RFC 6750 error code. */
  public String error() {
    return error;
  }

  /** The JSON body: {@code {"error":…,"error_description":…}}, UTF-8. */
  public byte[] body() {
    return ("{\"error\":\"" + error + "\",\"error_description\":\"" + description + "\"}")
        .getBytes(StandardCharsets.UTF_8);
  }

  @Override
  public String toString() {
    return "Challenge[" + status + ", " + error + "]";
  }
}
