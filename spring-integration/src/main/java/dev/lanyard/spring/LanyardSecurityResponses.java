package dev.lanyard.spring;

import dev.lanyard.audit.AuditEvent;
import dev.lanyard.internal.ScopeTokens;
import dev.lanyard.policy.Caller;
import dev.lanyard.policy.Challenge;
import dev.lanyard.servlet.internal.ServletExchanges;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.springframework.security.access.AccessDeniedException;
import org.springframework.security.authorization.AuthorityAuthorizationDecision;
import org.springframework.security.authorization.AuthorizationDeniedException;
import org.springframework.security.authorization.AuthorizationResult;
import org.springframework.security.authorization.ExpressionAuthorizationDecision;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.AuthenticationException;
import org.springframework.security.core.GrantedAuthority;
import org.springframework.security.core.context.SecurityContextHolderStrategy;
import org.springframework.security.web.AuthenticationEntryPoint;
import org.springframework.security.web.access.AccessDeniedHandler;

/**
 * Answers Spring Security's own refusals (from {@code authorizeHttpRequests} or method security such as
 * {@code @PreAuthorize}) exactly as {@code LanyardFilter} answers its own:
 * <ul>
 *   <li>no authenticated caller: 401 {@code Bearer realm="<trust domain>"};</li>
 *   <li>an authenticated caller refused for lack of {@code SCOPE_} authorities: 403
 *       {@code Bearer error="insufficient_scope", scope="<missing scopes>"};</li>
 *   <li>any other refusal: 403 without a challenge.</li>
 * </ul>
 * The missing scopes are inferred from the refusal: the authorities of an {@link AuthorityAuthorizationDecision}
 * ({@code hasAuthority}, {@code hasAnyAuthority}, {@code hasAllAuthorities} in {@code authorizeHttpRequests}), or the
 * {@code 'SCOPE_…'} literals of a refused {@code @PreAuthorize} expression, less the scopes the caller holds. A refusal
 * that names no such scope (a custom {@code AuthorizationManager}, {@code hasRole}, an expression that computes the
 * authority) is a plain 403. For any-of checks every missing alternative is listed.
 */
final class LanyardSecurityResponses implements AuthenticationEntryPoint, AccessDeniedHandler {
  /** The rule of the audit events of Spring Security's refusals. */
  static final String RULE = "spring-security";
  private static final Pattern SCOPE_LITERAL = Pattern.compile("'" + LanyardAuthentication.SCOPE_PREFIX
      + "([^'\\s]+)'|\"" + LanyardAuthentication.SCOPE_PREFIX + "([^\"\\s]+)\"");

  private final LanyardInbound inbound;
  private final SecurityContextHolderStrategy contexts;

  LanyardSecurityResponses(LanyardInbound inbound, SecurityContextHolderStrategy contexts) {
    this.inbound = inbound;
    this.contexts = contexts;
  }

  @Override
  public void commence(HttpServletRequest request, HttpServletResponse response, AuthenticationException e)
      throws IOException {
    inbound.record(inbound.event(AuditEvent.Decision.UNAUTHENTICATED, request, path(request)).rule(RULE));
    respond(response, Challenge.unauthenticated(inbound.realm()));
  }

  @Override
  public void handle(HttpServletRequest request, HttpServletResponse response, AccessDeniedException e)
      throws IOException {
    Authentication authentication = contexts.getContext().getAuthentication();
    Caller caller = authentication instanceof LanyardAuthentication
        ? ((LanyardAuthentication) authentication).caller() : null;
    List<String> missing = caller == null ? List.of() : missingScopes(e, caller.scopes());
    AuditEvent.Builder event = inbound.event(
        missing.isEmpty() ? AuditEvent.Decision.DENIED : AuditEvent.Decision.INSUFFICIENT_SCOPE, request, path(request))
        .rule(RULE).scopesRequired(requiredScopes(e));
    if (caller != null) {
      LanyardInbound.caller(event, caller, request);
    }
    if (missing.isEmpty()) {
      inbound.record(event.reason("DENIED"));
      respond(response, Challenge.forbidden());
    } else {
      inbound.record(event.reason("missing " + String.join(" ", missing)));
      respond(response, Challenge.insufficientScope(missing));
    }
  }

  /** The valid scopes a refusal asked for, in the order it names them (empty when it names none). */
  static Set<String> requiredScopes(AccessDeniedException e) {
    Set<String> required = new LinkedHashSet<>();
    AuthorizationResult result = e instanceof AuthorizationDeniedException
        ? ((AuthorizationDeniedException) e).getAuthorizationResult() : null;
    if (result instanceof AuthorityAuthorizationDecision) {
      for (GrantedAuthority authority : ((AuthorityAuthorizationDecision) result).getAuthorities()) {
        String name = authority.getAuthority();
        if (name != null && name.startsWith(LanyardAuthentication.SCOPE_PREFIX)) {
          required.add(name.substring(LanyardAuthentication.SCOPE_PREFIX.length()));
        }
      }
    } else if (result instanceof ExpressionAuthorizationDecision) {
      String expression = ((ExpressionAuthorizationDecision) result).getExpression().getExpressionString();
      Matcher m = SCOPE_LITERAL.matcher(expression);
      while (m.find()) {
        required.add(m.group(1) != null ? m.group(1) : m.group(2));
      }
    }
    required.removeIf(scope -> !ScopeTokens.isValid(scope));
    return required;
  }

  /** The scopes a refusal asked for that the caller does not hold, in the order the refusal names them. */
  static List<String> missingScopes(AccessDeniedException e, Set<String> held) {
    List<String> missing = new ArrayList<>();
    for (String scope : requiredScopes(e)) {
      if (!held.contains(scope)) {
        missing.add(scope);
      }
    }
    return missing;
  }

  private static String path(HttpServletRequest request) {
    return ServletExchanges.pathOf(request);
  }

  /** The same response as {@code LanyardFilter}'s (one writer serves both), unless one was already sent. */
  static void respond(HttpServletResponse response, Challenge challenge) throws IOException {
    if (!response.isCommitted()) {
      ServletExchanges.respond(response, challenge);
    }
  }
}
