package dev.lanyard.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lanyard.spiffe.SpiffeId;
import dev.lanyard.spiffe.TrustDomain;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;

class IdentitySettingsTest {
  private static LanyardProperties properties() {
    LanyardProperties p = new LanyardProperties();
    p.setSpiffeId("spiffe://example.org/payments");
    return p;
  }

  private static InvalidConfigurationPropertyValueException failure(LanyardProperties p) {
    try {
      IdentitySettings.of(p);
    } catch (InvalidConfigurationPropertyValueException e) {
      return e;
    }
    throw new AssertionError("no failure");
  }

  @Test
  void ofWhenOnlySpiffeIdThenEmbeddedSourceTrustDomainOfTheIdAndDefaults() {
    IdentitySettings identity = IdentitySettings.of(properties());

    assertThat(identity.spiffeId()).isEqualTo(SpiffeId.parse("spiffe://example.org/payments"));
    assertThat(identity.trustDomain()).isEqualTo(TrustDomain.of("example.org"));
    assertThat(identity.source()).isEqualTo(LanyardProperties.Source.EMBEDDED);
    assertThat(identity.sourceName()).isEqualTo("embedded");
    assertThat(identity.authorityDir()).isEmpty();
    assertThat(identity.dnsNames()).isEmpty();
    assertThat(identity.workloadApiSocket()).isEmpty();
    assertThat(identity.workloadApiTimeout()).isEqualTo(Duration.ofSeconds(10));
  }

  @Test
  void ofWhenSpiffeIdMissingThenStartupErrorSaysItIsRequired() {
    LanyardProperties p = properties();
    p.setSpiffeId(" ");

    InvalidConfigurationPropertyValueException e = failure(p);

    assertThat(e.getName()).isEqualTo("lanyard.spiffe-id");
    assertThat(e.getReason()).startsWith("is required: this service's own SPIFFE ID");
  }

  @Test
  void ofWhenSpiffeIdOutsideTheTrustDomainThenStartupErrorNamesBoth() {
    LanyardProperties p = properties();
    p.setTrustDomain("other.org");

    InvalidConfigurationPropertyValueException e = failure(p);

    assertThat(e.getName()).isEqualTo("lanyard.spiffe-id");
    assertThat(e.getReason()).isEqualTo("is not in trust domain 'other.org' (lanyard.trust-domain)");
  }

  @Test
  void ofWhenAuthorityDirHasFilePrefixThenItIsThePath() {
    LanyardProperties p = properties();
    p.getAuthority().setDir("file:/var/lib/lanyard");

    assertThat(IdentitySettings.of(p).authorityDir()).contains(Path.of("/var/lib/lanyard"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"0s", "-1s", "6m"})
  void ofWhenWorkloadApiTimeoutOutOfRangeThenStartupErrorNamesIt(String value) {
    LanyardProperties p = properties();
    p.getWorkloadApi().setTimeout(Duration.parse("PT" + value.toUpperCase(java.util.Locale.ROOT)));

    InvalidConfigurationPropertyValueException e = failure(p);

    assertThat(e.getName()).isEqualTo("lanyard.workload-api.timeout");
    assertThat(e.getReason()).isEqualTo("must be more than 0 and at most 5m");
  }

  @Test
  void ofWhenWorkloadApiSocketIsNotUnixThenStartupErrorNamesIt() {
    LanyardProperties p = properties();
    p.getWorkloadApi().setSocket("tcp://127.0.0.1:8081");

    assertThat(failure(p).getName()).isEqualTo("lanyard.workload-api.socket");
  }

  @Test
  void requireEmbeddedSourceWhenWorkloadApiThenStartupErrorNamesTheSource() {
    LanyardProperties p = properties();
    p.getIdentity().setSource(LanyardProperties.Source.WORKLOAD_API);
    IdentitySettings identity = IdentitySettings.of(p);

    assertThat(identity.sourceName()).isEqualTo("workload-api");
    assertThatThrownBy(identity::requireEmbeddedSource)
        .isInstanceOfSatisfying(InvalidConfigurationPropertyValueException.class,
            e -> assertThat(e.getName()).isEqualTo("lanyard.identity.source"))
        .hasMessageContaining("'workload-api' is not available yet");
  }
}
