package dev.lanyard.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lanyard.authority.EmbeddedAuthority;
import dev.lanyard.spiffe.TrustDomain;
import dev.lanyard.trust.BundleSource;
import dev.lanyard.trust.FederatedBundleSource;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.core.io.DefaultResourceLoader;

class LanyardSourcesTest {
  @Test
  void indexOfWhenSourceNamesAnIndexThenTheIndexElseMinusOne() {
    assertThat(LanyardSources.indexOf("lanyard.policy.rules[3]")).isEqualTo(3);
    assertThat(LanyardSources.indexOf("lanyard.policy.rules")).isEqualTo(-1);
    assertThat(LanyardSources.indexOf("lanyard.policy.rules[x]")).isEqualTo(-1);
  }

  @Test
  void policyWhenARuleIsBadThenErrorNamesThatRuleAndShowsIt() {
    LanyardProperties.Policy p = new LanyardProperties.Policy();
    p.getRules().addAll(List.of("GET /health any", "PSOT /x any"));

    assertThatThrownBy(() -> LanyardSources.policy(p, new DefaultResourceLoader()))
        .isInstanceOfSatisfying(InvalidConfigurationPropertyValueException.class, e -> {
          assertThat(e.getName()).isEqualTo("lanyard.policy.rules[1]");
          assertThat(e.getValue()).isEqualTo("PSOT /x any");
          assertThat(e.getReason()).doesNotStartWith("lanyard.policy.rules[1]:");
        });
  }

  @Test
  void policyWhenRulesGivenThenParsedFromTheRulesProperty() {
    LanyardProperties.Policy p = new LanyardProperties.Policy();
    p.getRules().addAll(List.of("GET /health any", "GET /orders spiffe://example.org/billing"));

    LanyardSettings.PolicySource source = LanyardSources.policy(p, new DefaultResourceLoader());

    assertThat(source.origin()).isEqualTo("lanyard.policy.rules");
    assertThat(source.current().ruleCount()).isEqualTo(2);
  }

  @Test
  void federatedWhenValueIsIdentityThenThatTrustDomainsBundleComesFromTheIdentitySource() {
    EmbeddedAuthority own = EmbeddedAuthority.newBuilder(TrustDomain.of("example.org")).build();
    EmbeddedAuthority partner = EmbeddedAuthority.newBuilder(TrustDomain.of("partner.example")).build();
    LanyardProperties p = new LanyardProperties();
    p.setSpiffeId("spiffe://example.org/payments");
    p.getPolicy().getRules().add("GET /health any");
    p.getFederation().put("partner.example", "identity");
    LanyardSettings settings = LanyardSettings.of(p, new DefaultResourceLoader());
    // What a SPIRE agent hands out: the own bundle and the federated ones, from one source.
    BundleSource fromAgent = BundleSource.of(own.bundle(), partner.bundle());

    FederatedBundleSource federated = LanyardSources.federated(settings, own.bundleSource(), fromAgent,
        new DefaultResourceLoader());

    assertThat(federated.federatedTrustDomains()).containsExactly(TrustDomain.of("partner.example"));
    assertThat(federated.bundleFor(TrustDomain.of("partner.example"))).contains(partner.bundle());
    assertThat(federated.bundleFor(TrustDomain.of("other.example"))).isEmpty();
  }
}
