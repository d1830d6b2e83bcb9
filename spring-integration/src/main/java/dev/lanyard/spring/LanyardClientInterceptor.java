package dev.lanyard.spring;

import dev.lanyard.credentials.JwtSvidSource;
import java.io.IOException;
import java.net.URI;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpRequest;
import org.springframework.http.client.ClientHttpRequestExecution;
import org.springframework.http.client.ClientHttpRequestInterceptor;
import org.springframework.http.client.ClientHttpResponse;

/**
 * Attaches {@code Authorization: Bearer <JWT-SVID>} to requests for a configured target, with a token for that
 * target's audience and scopes from the service's (caching) token source. A request that matches no target, or that
 * already carries an {@code Authorization} header, is sent unchanged: tokens never go anywhere else.
 */
final class LanyardClientInterceptor implements ClientHttpRequestInterceptor {
  private final List<ClientTarget> targets;
  private final JwtSvidSource tokens;

  LanyardClientInterceptor(List<ClientTarget> targets, JwtSvidSource tokens) {
    this.targets = List.copyOf(targets);
    this.tokens = tokens;
  }

  @Override
  public ClientHttpResponse intercept(HttpRequest request, byte[] body, ClientHttpRequestExecution execution)
      throws IOException {
    ClientTarget target = targetFor(request.getURI());
    if (target != null && !request.getHeaders().containsHeader(HttpHeaders.AUTHORIZATION)) {
      request.getHeaders().setBearerAuth(tokens.fetch(List.of(target.audience()), target.scopes()).token());
    }
    return execution.execute(request, body);
  }

  /** The most specific target the URI belongs to, or null. */
  @Nullable ClientTarget targetFor(URI uri) {
    ClientTarget best = null;
    for (ClientTarget target : targets) {
      if (target.matches(uri) && (best == null || target.specificity() > best.specificity())) {
        best = target;
      }
    }
    return best;
  }

  @Override
  public String toString() {
    return "LanyardClientInterceptor" + targets;
  }
}
