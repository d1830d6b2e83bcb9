package dev.lanyard.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lanyard.servlet.InboundSettings;
import dev.lanyard.servlet.InboundSettings.InvalidSettingException;
import dev.lanyard.spiffe.TrustDomain;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.core.io.DefaultResourceLoader;

class LanyardSettingsTest {
  private static LanyardProperties properties() {
    LanyardProperties p = new LanyardProperties();
    p.setSpiffeId("spiffe://example.org/payments");
    p.getPolicy().getRules().add("GET /health any");
    return p;
  }

  private static InvalidSettingException refusal(Runnable step) {
    try {
      step.run();
    } catch (InvalidSettingException e) {
      return e;
    }
    throw new AssertionError("not refused");
  }

  @Test
  void ofWhenDefaultsThenInboundSettingsDefaultsAndAudienceIsTheSpiffeId() {
    LanyardSettings settings = LanyardSettings.of(properties(), new DefaultResourceLoader());

    assertThat(settings.inbound().maxTokenLifetime()).isEqualTo(InboundSettings.DEFAULT_MAX_TOKEN_LIFETIME);
    assertThat(settings.inbound().clockSkew()).isEqualTo(InboundSettings.DEFAULT_CLOCK_SKEW);
    assertThat(settings.inbound().audience()).isEqualTo("spiffe://example.org/payments");
    assertThat(settings.inbound().realm()).isEqualTo("example.org");
    assertThat(settings.inbound().bundle()).isEmpty();
  }

  @Test
  void ofWhenDurationUnsetThenTheDefaultApplies() {
    LanyardProperties p = properties();
    p.setMaxTokenLifetime(null);
    p.setClockSkew(null);

    LanyardSettings settings = LanyardSettings.of(p, new DefaultResourceLoader());

    assertThat(settings.maxTokenLifetime()).isEqualTo(Duration.ofHours(1));
    assertThat(settings.clockSkew()).isEqualTo(Duration.ofSeconds(30));
  }

  @Test
  void ofWhenBundleMaxStalenessSetThenMappedAndUnsetThenOneHour() {
    LanyardProperties p = properties();
    assertThat(LanyardSettings.of(p, new DefaultResourceLoader()).inbound().bundleMaxStaleness())
        .isEqualTo(Duration.ofHours(1));
    p.setBundleMaxStaleness(Duration.ofMinutes(5));

    assertThat(LanyardSettings.of(p, new DefaultResourceLoader()).inbound().bundleMaxStaleness())
        .isEqualTo(Duration.ofMinutes(5));
  }

  @Test
  void ofWhenBundleMaxStalenessOutOfRangeThenPropertyErrorNamesIt() {
    LanyardProperties p = properties();
    p.setBundleMaxStaleness(Duration.ofDays(8));

    assertThatThrownBy(() -> LanyardSettings.of(p, new DefaultResourceLoader()))
        .isInstanceOfSatisfying(InvalidConfigurationPropertyValueException.class,
            e -> assertThat(e.getName()).isEqualTo("lanyard.bundle-max-staleness"))
        .hasMessageContaining("more than 0 and at most 7d");
  }

  @Test
  void ofWhenCleartextBundleThenPropertyErrorNamesBundleValueAndTheOptInProperty() {
    LanyardProperties p = properties();
    p.setBundle(" http://bundles.example.org/b.json ");

    assertThatThrownBy(() -> LanyardSettings.of(p, new DefaultResourceLoader()))
        .isInstanceOfSatisfying(InvalidConfigurationPropertyValueException.class, e -> {
          assertThat(e.getName()).isEqualTo(LanyardSettings.BUNDLE);
          assertThat(e.getValue()).isEqualTo("http://bundles.example.org/b.json");
          assertThat(e.getReason()).isEqualTo("is cleartext http: bundles must come over https "
              + "(lanyard.allow-insecure-http-bundle=true allows http, for tests only)");
        });
  }

  @Test
  void invalidWhenSettingRefusedThenNamedByItsPropertyWithTheValue() {
    InvalidSettingException skew = refusal(() -> InboundSettings.newBuilder().clockSkew(Duration.ofMinutes(6)));

    InvalidConfigurationPropertyValueException e = LanyardSettings.invalid(skew, Duration.ofMinutes(6));

    assertThat(e.getName()).isEqualTo("lanyard.clock-skew");
    assertThat(e.getValue()).isEqualTo(Duration.ofMinutes(6));
    assertThat(e.getReason()).isEqualTo("must be between 0 and 5m");
  }

  @Test
  void propertyWhenAnySettingThenALanyardProperty() {
    for (InboundSettings.Setting setting : InboundSettings.Setting.values()) {
      assertThat(LanyardSettings.property(setting)).startsWith("lanyard.");
    }
    assertThat(LanyardSettings.property(InboundSettings.Setting.TRUST_DOMAIN)).isEqualTo("lanyard.trust-domain");
  }

  @Test
  void newFilterBuilderWhenSettingsMappedThenCarriesTheTrustDomain() {
    LanyardSettings settings = LanyardSettings.of(properties(), new DefaultResourceLoader());

    assertThat(settings.trustDomain()).isEqualTo(TrustDomain.of("example.org"));
    assertThatThrownBy(() -> settings.inbound().newFilterBuilder().trustDomain(TrustDomain.of("example.org")))
        .isInstanceOf(IllegalStateException.class);
  }

  @Test
  void ofWhenDnsNamesSetThenCheckedLowerCasedAndDeduplicated() {
    LanyardProperties p = properties();
    p.getX509().setDnsNames(List.of(" LocalHost ", "payments.internal", "*.svc.example.org", "localhost"));

    assertThat(LanyardSettings.of(p, new DefaultResourceLoader()).dnsNames())
        .containsExactly("localhost", "payments.internal", "*.svc.example.org");
  }

  @ParameterizedTest
  @ValueSource(strings = {"127.0.0.1", "bad_name.example", "trailing.dot.",
      "*.org", "a.*.example.org", " ", "-dash.example"})
  void ofWhenDnsNameInvalidThenStartupErrorNamesTheIndexedProperty(String name) {
    LanyardProperties p = properties();
    p.getX509().setDnsNames(List.of("localhost", name));

    assertThatThrownBy(() -> LanyardSettings.of(p, new DefaultResourceLoader()))
        .isInstanceOfSatisfying(InvalidConfigurationPropertyValueException.class,
            e -> assertThat(e.getName()).isEqualTo("lanyard.x509.dns-names[1]"))
        .hasMessageContaining("not a DNS name");
  }

  @Test
  void ofWhenDnsNamesWithWorkloadApiSourceThenStartupErrorSaysEmbeddedOnly() {
    LanyardProperties p = properties();
    p.getIdentity().setSource(LanyardProperties.Source.WORKLOAD_API);
    p.getX509().setDnsNames(List.of("localhost"));

    assertThatThrownBy(() -> LanyardSettings.of(p, new DefaultResourceLoader()))
        .isInstanceOfSatisfying(InvalidConfigurationPropertyValueException.class,
            e -> assertThat(e.getName()).isEqualTo("lanyard.x509.dns-names"))
        .hasMessageContaining("embedded authority only");
  }
}
