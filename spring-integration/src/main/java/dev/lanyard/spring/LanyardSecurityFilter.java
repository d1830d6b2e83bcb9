package dev.lanyard.spring;

import dev.lanyard.policy.Caller;
import dev.lanyard.servlet.LanyardFilter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.function.Predicate;
import org.springframework.security.core.context.SecurityContext;
import org.springframework.security.core.context.SecurityContextHolderStrategy;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Runs {@link LanyardFilter} inside a Spring Security filter chain: Lanyard verifies the credential, enforces policy
 * and answers refusals itself; an allowed caller becomes the {@link LanyardAuthentication} of the request's security
 * context (never saved in a session). Requests that a {@code public} rule lets through stay anonymous.
 */
final class LanyardSecurityFilter extends OncePerRequestFilter {
  private final LanyardFilter lanyard;
  private final SecurityContextHolderStrategy contexts;
  private final Predicate<HttpServletRequest> publicEndpoint;

  LanyardSecurityFilter(LanyardFilter lanyard, SecurityContextHolderStrategy contexts) {
    this(lanyard, contexts, request -> false);
  }

  /** With requests that {@code publicEndpoint} accepts passing on without Lanyard (the bundle endpoint's paths). */
  LanyardSecurityFilter(LanyardFilter lanyard, SecurityContextHolderStrategy contexts,
      Predicate<HttpServletRequest> publicEndpoint) {
    this.lanyard = lanyard;
    this.contexts = contexts;
    this.publicEndpoint = publicEndpoint;
  }

  @Override
  protected boolean shouldNotFilter(HttpServletRequest request) {
    return publicEndpoint.test(request);
  }

  @Override
  protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
      throws ServletException, IOException {
    lanyard.doFilter(request, response, (passedRequest, passedResponse) -> {
      Object caller = request.getAttribute(LanyardFilter.CALLER_ATTRIBUTE);
      if (caller instanceof Caller) {
        SecurityContext context = contexts.createEmptyContext();
        context.setAuthentication(new LanyardAuthentication((Caller) caller));
        contexts.setContext(context);
      }
      chain.doFilter(request, response);
    });
  }
}
