package dev.lanyard.servlet;

import dev.lanyard.policy.Caller;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import java.security.Principal;

/**
 * The request as the application sees it after authentication: the principal's name is the caller's SPIFFE ID, the
 * auth type says which credential, and no role is held (policy decides, not roles).
 *
 * <p>Not thread-safe: one per request, like the request it wraps.
 */
final class AuthenticatedRequest extends HttpServletRequestWrapper {
  private final Caller caller;
  private final Principal principal;

  AuthenticatedRequest(HttpServletRequest request, Caller caller) {
    super(request);
    this.caller = caller;
    String name = caller.id().toString();
    this.principal = new Principal() {
      @Override
      public String getName() {
        return name;
      }

      @Override
      public String toString() {
        return name;
      }
    };
  }

  @Override
  public Principal getUserPrincipal() {
    return principal;
  }

  @Override
  public String getRemoteUser() {
    return principal.getName();
  }

  @Override
  public String getAuthType() {
    return caller.credentialType() == Caller.CredentialType.X509_SVID ? CLIENT_CERT_AUTH : "BEARER";
  }

  @Override
  public boolean isUserInRole(String role) {
    return false;
  }
}
