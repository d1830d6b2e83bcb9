package dev.lanyard.spring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lanyard.servlet.InboundSettings;
import dev.lanyard.spiffe.TrustDomain;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.core.io.DefaultResourceLoader;

class TrustSettingsTest {
  private static LanyardProperties properties() {
    LanyardProperties p = new LanyardProperties();
    p.setSpiffeId("spiffe://example.org/payments");
    return p;
  }

  private static TrustSettings of(LanyardProperties p) {
    return TrustSettings.of(p, IdentitySettings.of(p), new DefaultResourceLoader());
  }

  private static InvalidConfigurationPropertyValueException failure(LanyardProperties p) {
    try {
      of(p);
    } catch (InvalidConfigurationPropertyValueException e) {
      return e;
    }
    throw new AssertionError("no failure");
  }

  @Test
  void ofWhenNothingSetThenInboundDefaultsOfTheSharedSettingsAndNoFederationNorOidc() {
    TrustSettings trust = of(properties());

    assertThat(trust.inbound().maxTokenLifetime()).isEqualTo(InboundSettings.DEFAULT_MAX_TOKEN_LIFETIME);
    assertThat(trust.inbound().audience()).isEqualTo("spiffe://example.org/payments");
    assertThat(trust.federation()).isEmpty();
    assertThat(trust.oidcVerifier()).isEmpty();
  }

  @ParameterizedTest
  @ValueSource(strings = {"PT0S", "PT24H0.001S", "PT25H"})
  void ofWhenOidcLifetimeOutsideTheInboundBoundsThenRefusedWithTheSharedTextNamingTheOidcProperty(String value) {
    LanyardProperties p = properties();
    p.getOidc().setIssuers(List.of("https://kubernetes.default.svc"));
    p.getOidc().setMaxTokenLifetime(Duration.parse(value));

    InvalidConfigurationPropertyValueException e = failure(p);

    assertThat(e.getName()).isEqualTo("lanyard.oidc.max-token-lifetime");
    assertThat(e.getReason()).isEqualTo("must be more than 0 and at most 24h");
  }

  @Test
  void ofWhenOidcLifetimeExactlyTheCapThenAccepted() {
    LanyardProperties p = properties();
    p.getOidc().setIssuers(List.of("https://kubernetes.default.svc"));
    p.getOidc().setMaxTokenLifetime(InboundSettings.MAX_MAX_TOKEN_LIFETIME);

    assertThat(of(p).oidcVerifier()).isPresent();
  }

  @Test
  void ofWhenFederationNamesTheOwnTrustDomainThenStartupErrorNamesTheEntry() {
    LanyardProperties p = properties();
    p.getFederation().put("example.org", "https://bundles.example.org/bundle.json");

    InvalidConfigurationPropertyValueException e = failure(p);

    assertThat(e.getName()).isEqualTo("lanyard.federation.example.org");
    assertThat(e.getReason()).isEqualTo("names this service's own trust domain, whose bundle is lanyard.bundle");
  }

  @Test
  void ofWhenFederationOverHttpsThenKeptInOrder() {
    LanyardProperties p = properties();
    p.getFederation().put("partner.example", "https://partner.example/bundle.json");
    p.getFederation().put("other.example", "identity");

    assertThat(of(p).federation()).containsExactly(
        java.util.Map.entry(TrustDomain.of("partner.example"), "https://partner.example/bundle.json"),
        java.util.Map.entry(TrustDomain.of("other.example"), "identity"));
  }
}
