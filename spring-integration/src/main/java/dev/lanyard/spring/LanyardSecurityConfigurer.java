package dev.lanyard.spring;

import org.springframework.context.ApplicationContext;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.annotation.web.configurers.AbstractHttpConfigurer;
import org.springframework.security.config.annotation.web.configurers.CsrfConfigurer;
import org.springframework.security.web.authentication.AnonymousAuthenticationFilter;
import org.springframework.security.web.util.matcher.AnyRequestMatcher;
import org.springframework.security.web.util.matcher.RequestMatcher;

/**
 * Adds Lanyard to a Spring Security filter chain of the application's own, in one line:
 *
 * <pre>{@code
 * @Bean
 * SecurityFilterChain api(HttpSecurity http) {
 *   http.with(LanyardSecurityConfigurer.lanyard())
 *       .authorizeHttpRequests(requests -> requests.anyRequest().permitAll());  // Lanyard's policy has decided
 *   return http.build();
 * }
 * }</pre>
 *
 * <p>Every request through the chain is verified by Lanyard (JWT-SVID bearer token and/or X.509-SVID client
 * certificate) and checked against the {@code lanyard.policy}; refusals get exactly the answers of
 * {@code LanyardFilter}. An allowed caller is authenticated: its name is its SPIFFE ID, its principal the
 * {@code dev.lanyard.policy.Caller}, and its authorities {@code SCOPE_<scope>} for each scope of its token, so that
 * {@code @PreAuthorize("hasAuthority('SCOPE_payments:charge')")} works. Spring Security's own refusals answer 401
 * {@code Bearer realm=…} for an unauthenticated request and 403 {@code Bearer error="insufficient_scope",
 * scope="…"} when the missing authorities are {@code SCOPE_} ones (unless the chain sets its own entry point or
 * access-denied handler). CSRF protection, when the chain has it, ignores requests with a bearer token. A request
 * whose raw path is not in normal form gets the filter's 400 before any rule, whether Lanyard or Spring Security's
 * firewall sees it first (the starter's {@code RequestRejectedHandler} bean answers the firewall's path refusals).
 *
 * <p>Needs the Lanyard auto-configuration in the application context (a servlet web application with
 * {@code lanyard.*} properties).
 *
 * <p>Not thread-safe: used once, on the thread that builds the security filter chain; the filter it adds is
 * thread-safe.
 */
public final class LanyardSecurityConfigurer extends AbstractHttpConfigurer<LanyardSecurityConfigurer, HttpSecurity> {
  private static final RequestMatcher BEARER_REQUEST = request -> {
    String authorization = request.getHeader("Authorization");
    return authorization != null && authorization.regionMatches(true, 0, "Bearer ", 0, 7);
  };

  private LanyardSecurityConfigurer() {}

  /** A configurer for {@code http.with(...)}. */
  public static LanyardSecurityConfigurer lanyard() {
    return new LanyardSecurityConfigurer();
  }

  @Override
  public void init(HttpSecurity http) {
    LanyardSecurityResponses responses = new LanyardSecurityResponses(inbound(http), getSecurityContextHolderStrategy());
    http.exceptionHandling(exceptions -> exceptions
        .defaultAuthenticationEntryPointFor(responses, AnyRequestMatcher.INSTANCE)
        .defaultAccessDeniedHandlerFor(responses, AnyRequestMatcher.INSTANCE));
    @SuppressWarnings("unchecked")
    CsrfConfigurer<HttpSecurity> csrf = http.getConfigurer(CsrfConfigurer.class);
    if (csrf != null) {
      csrf.ignoringRequestMatchers(BEARER_REQUEST);
    }
  }

  @Override
  public void configure(HttpSecurity http) {
    LanyardInbound inbound = inbound(http);
    LanyardSecurityFilter filter = new LanyardSecurityFilter(inbound.filter(), getSecurityContextHolderStrategy(),
        inbound::isPublicEndpoint);
    http.addFilterBefore(postProcess(filter), AnonymousAuthenticationFilter.class);
  }

  private static LanyardInbound inbound(HttpSecurity http) {
    ApplicationContext context = http.getSharedObject(ApplicationContext.class);
    LanyardInbound inbound = context == null ? null : context.getBeanProvider(LanyardInbound.class).getIfAvailable();
    if (inbound == null) {
      throw new IllegalStateException("Lanyard is not configured in this application context: add "
          + "lanyard-spring-boot-starter with lanyard.* properties to a servlet web application");
    }
    return inbound;
  }
}
