package dev.lanyard.spring;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.springframework.expression.spel.standard.SpelExpressionParser;
import org.springframework.security.access.AccessDeniedException;
import org.springframework.security.authorization.AuthorityAuthorizationDecision;
import org.springframework.security.authorization.AuthorizationDeniedException;
import org.springframework.security.authorization.ExpressionAuthorizationDecision;
import org.springframework.security.core.authority.AuthorityUtils;

class LanyardSecurityResponsesTest {
  private static final Set<String> HELD = Set.of("payments:read");

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
      // what cannot be inferred: a plain 403
      "hasRole('ADMIN')                                               | ''",
      "hasAuthority('SCOPE_' + 'computed')                            | ''",
      "hasAuthority('SCOPE_payments:read')                            | ''",
      "hasAuthority('SCOPE_bad\"quote')                               | ''",
      // what can
      "hasAuthority('SCOPE_payments:charge')                          | payments:charge",
      "hasAuthority(\"SCOPE_payments:charge\")                          | payments:charge",
      "hasAnyAuthority('SCOPE_a', 'SCOPE_b')                          | a b",
      "hasAuthority('SCOPE_payments:read') and hasAuthority('SCOPE_x')| x",
      "hasRole('OPS') or hasAuthority('SCOPE_ops:read')               | ops:read",
  })
  void missingScopesWhenPreAuthorizeExpressionThenScopeLiteralsTheCallerLacks(String expression, String expected) {
    AccessDeniedException denied = new AuthorizationDeniedException("denied",
        new ExpressionAuthorizationDecision(false, new SpelExpressionParser().parseExpression(expression)));
    assertThat(String.join(" ", LanyardSecurityResponses.missingScopes(denied, HELD))).isEqualTo(expected);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
      "ROLE_ADMIN                     | ''",
      "SCOPE_payments:charge          | payments:charge",
      "SCOPE_a,ROLE_X,SCOPE_b         | a b",
      "SCOPE_payments:read,SCOPE_c    | c",
  })
  void missingScopesWhenAuthorityDecisionThenScopeAuthoritiesTheCallerLacks(String authorities, String expected) {
    AccessDeniedException denied = new AuthorizationDeniedException("denied",
        new AuthorityAuthorizationDecision(false, AuthorityUtils.commaSeparatedStringToAuthorityList(authorities)));
    assertThat(String.join(" ", LanyardSecurityResponses.missingScopes(denied, HELD))).isEqualTo(expected);
  }

  @org.junit.jupiter.api.Test
  void missingScopesWhenPlainAccessDeniedThenNone() {
    assertThat(LanyardSecurityResponses.missingScopes(new AccessDeniedException("no"), HELD)).isEqualTo(List.of());
  }
}
