package dev.lanyard.spring;

import org.jspecify.annotations.Nullable;
import org.springframework.security.authentication.AuthenticationProvider;
import org.springframework.security.core.Authentication;

/**
 * Stands for Lanyard as the application's authentication mechanism when it declares none of its own, so that Spring
 * Boot does not set up (and log the generated password of) a default in-memory user. It accepts only callers
 * Lanyard has already verified; it never verifies anything itself.
 */
final class LanyardAuthenticationProvider implements AuthenticationProvider {
  @Override
  public @Nullable Authentication authenticate(Authentication authentication) {
    return authentication instanceof LanyardAuthentication ? authentication : null;
  }

  @Override
  public boolean supports(Class<?> authentication) {
    return LanyardAuthentication.class.isAssignableFrom(authentication);
  }
}
