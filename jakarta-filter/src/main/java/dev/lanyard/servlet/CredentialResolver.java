package dev.lanyard.servlet;

import jakarta.servlet.http.HttpServletRequest;
import java.security.cert.X509Certificate;
import java.util.Enumeration;
import org.jspecify.annotations.Nullable;

/**
 * Finds the caller's credentials in a request: the bearer token of the one {@code Authorization} header (never a query
 * or form parameter) and the TLS client certificate chain the container verified. Reads only; decides nothing. A
 * hostile header set (two {@code Authorization} headers, which proxies and servers may join or pick from differently)
 * is refused with a typed exception, never guessed at.
 *
 * <p>Thread-safe: stateless.
 */
final class CredentialResolver {
  static final String CLIENT_CERTIFICATE_ATTRIBUTE = "jakarta.servlet.request.X509Certificate";
  private static final String BEARER = "Bearer ";

  private CredentialResolver() {}

  /**
   * The bearer token of the one Authorization header, or null when there is none or it is not a Bearer credential.
   *
   * @throws MultipleAuthorizationHeadersException when the request has more than one Authorization header
   */
  static @Nullable String bearerToken(HttpServletRequest request) throws MultipleAuthorizationHeadersException {
    Enumeration<String> headers = request.getHeaders("Authorization");
    if (headers == null || !headers.hasMoreElements()) {
      return null;
    }
    String value = headers.nextElement();
    if (headers.hasMoreElements()) {
      throw new MultipleAuthorizationHeadersException();
    }
    if (value == null || value.length() < BEARER.length()
        || !value.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
      return null;
    }
    return value.substring(BEARER.length()).strip();
  }

  /** The client certificate chain, leaf first, or null when the connection presented none. */
  static X509Certificate @Nullable [] clientCertificates(HttpServletRequest request) {
    Object attribute = request.getAttribute(CLIENT_CERTIFICATE_ATTRIBUTE);
    if (attribute instanceof X509Certificate[] && ((X509Certificate[]) attribute).length > 0) {
      return (X509Certificate[]) attribute;
    }
    return null;
  }

  /** More than one {@code Authorization} header: which one counts is ambiguous, so none does. */
  static final class MultipleAuthorizationHeadersException extends Exception {
    private static final long serialVersionUID = 1L;

    MultipleAuthorizationHeadersException() {
      super("more than one Authorization header", null, false, false);
    }
  }
}
