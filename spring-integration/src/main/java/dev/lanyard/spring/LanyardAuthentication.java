package dev.lanyard.spring;

import dev.lanyard.policy.Caller;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.springframework.security.authentication.AbstractAuthenticationToken;
import org.springframework.security.core.GrantedAuthority;
import org.springframework.security.core.authority.SimpleGrantedAuthority;

/**
 * A caller verified by Lanyard, as Spring Security sees it: the principal is the {@link Caller}, the name its SPIFFE
 * ID, and the authorities {@code SCOPE_<scope>} for each scope its token grants. Holds no credential.
 */
final class LanyardAuthentication extends AbstractAuthenticationToken {
  private static final long serialVersionUID = 1L;
  static final String SCOPE_PREFIX = "SCOPE_";

  private final transient Caller caller;

  LanyardAuthentication(Caller caller) {
    super(authorities(caller));
    this.caller = caller;
    setAuthenticated(true);
  }

  private static List<GrantedAuthority> authorities(Caller caller) {
    List<GrantedAuthority> authorities = new ArrayList<>();
    caller.scopes().stream().sorted().forEach(s -> authorities.add(new SimpleGrantedAuthority(SCOPE_PREFIX + s)));
    return authorities;
  }

  Caller caller() {
    return caller;
  }

  /** Never the token. */
  @Override
  public @Nullable Object getCredentials() {
    return null;
  }

  @Override
  public Object getPrincipal() {
    return caller;
  }

  @Override
  public String getName() {
    return caller.id().toString();
  }
}
