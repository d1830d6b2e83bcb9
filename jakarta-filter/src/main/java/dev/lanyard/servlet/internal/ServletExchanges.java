package dev.lanyard.servlet.internal;

import dev.lanyard.policy.Challenge;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;

/**
 * The request path policy decides on and the one way a refusal is written, shared by the servlet filter and the
 * Spring Security bridge so that both answer alike. Not API: public only for Lanyard's own adapter modules.
 *
 * <p>Thread-safe: stateless.
 */
public final class ServletExchanges {
  private ServletExchanges() {}

  /**
   * The path within the application that policy decides on: servlet path plus path info (decoded and normalised by
   * the container), {@code /} when both are empty.
   */
  public static String pathOf(HttpServletRequest request) {
    String servletPath = request.getServletPath();
    String pathInfo = request.getPathInfo();
    String path = (servletPath == null ? "" : servletPath) + (pathInfo == null ? "" : pathInfo);
    return path.isEmpty() ? "/" : path;
  }

  /** Writes a refusal: status, challenge, no-store, and the small JSON body (anything buffered is discarded). */
  public static void respond(HttpServletResponse response, Challenge challenge) throws IOException {
    response.resetBuffer();
    response.setStatus(challenge.status());
    challenge.wwwAuthenticate().ifPresent(value -> response.setHeader("WWW-Authenticate", value));
    response.setHeader("Cache-Control", "no-store");
    response.setContentType("application/json");
    response.setCharacterEncoding("UTF-8");
    byte[] body = challenge.body();
    response.setContentLength(body.length);
    response.getOutputStream().write(body);
  }
}
