package dev.lanyard.servlet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lanyard.policy.Policy;
import dev.lanyard.servlet.InboundSettings.InvalidSettingException;
import dev.lanyard.servlet.InboundSettings.Setting;
import dev.lanyard.spiffe.TrustDomain;
import dev.lanyard.trust.BundleSource;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class InboundSettingsTest {
  private static final TrustDomain TD = TrustDomain.of("example.org");

  private static InboundSettings.Builder minimal() {
    return InboundSettings.newBuilder().trustDomain(TD).audience("spiffe://example.org/api");
  }

  @Test
  void buildWhenOnlyRequiredSetThenDefaultsApply() {
    InboundSettings settings = minimal().build();

    assertThat(settings.maxTokenLifetime()).isEqualTo(Duration.ofHours(1));
    assertThat(settings.clockSkew()).isEqualTo(Duration.ofSeconds(30));
    assertThat(settings.bundle()).isEmpty();
    assertThat(settings.isHttpBundle()).isFalse();
    assertThat(settings.allowInsecureHttpBundle()).isFalse();
    assertThat(settings.allowUnnormalizedPaths()).isFalse();
    assertThat(settings.realm()).isEqualTo("example.org");
  }

  @Test
  void maxTokenLifetimeWhenAtTheBoundsThenAcceptedAndJustOutsideThenRefusedNamingTheSetting() {
    assertThat(minimal().maxTokenLifetime(Duration.ofHours(24)).build().maxTokenLifetime())
        .isEqualTo(Duration.ofHours(24));
    assertThat(minimal().maxTokenLifetime(Duration.ofNanos(1)).build().maxTokenLifetime())
        .isEqualTo(Duration.ofNanos(1));
    for (Duration refused : new Duration[] {Duration.ZERO, Duration.ofSeconds(-1), Duration.ofHours(24).plusNanos(1)}) {
      assertThatThrownBy(() -> minimal().maxTokenLifetime(refused))
          .isInstanceOfSatisfying(InvalidSettingException.class, e -> {
            assertThat(e.setting()).isEqualTo(Setting.MAX_TOKEN_LIFETIME);
            assertThat(e.problem()).isEqualTo("must be more than 0 and at most 24h");
            assertThat(e.remedy()).isEmpty();
          })
          .hasMessage("maximum token lifetime must be more than 0 and at most 24h");
    }
  }

  @Test
  void bundleMaxStalenessWhenUnsetThenOneHourAndWhenAtTheBoundsThenAcceptedAndJustOutsideThenRefused() {
    assertThat(minimal().build().bundleMaxStaleness()).isEqualTo(Duration.ofHours(1));
    assertThat(minimal().bundleMaxStaleness(Duration.ofDays(7)).build().bundleMaxStaleness())
        .isEqualTo(Duration.ofDays(7));
    assertThat(minimal().bundleMaxStaleness(Duration.ofSeconds(1)).build().bundleMaxStaleness())
        .isEqualTo(Duration.ofSeconds(1));
    for (Duration refused : new Duration[] {Duration.ZERO, Duration.ofSeconds(-1), Duration.ofDays(7).plusNanos(1)}) {
      assertThatThrownBy(() -> minimal().bundleMaxStaleness(refused))
          .isInstanceOfSatisfying(InvalidSettingException.class,
              e -> assertThat(e.setting()).isEqualTo(Setting.BUNDLE_MAX_STALENESS))
          .hasMessage("bundle max staleness must be more than 0 and at most 7d");
    }
    assertThatThrownBy(() -> minimal().bundleMaxStaleness(Duration.ofMinutes(5))
        .bundleMaxStaleness(Duration.ofMinutes(6))).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void clockSkewWhenAtTheBoundsThenAcceptedAndJustOutsideThenRefusedNamingTheSetting() {
    assertThat(minimal().clockSkew(Duration.ZERO).build().clockSkew()).isEqualTo(Duration.ZERO);
    assertThat(minimal().clockSkew(Duration.ofMinutes(5)).build().clockSkew()).isEqualTo(Duration.ofMinutes(5));
    for (Duration refused : new Duration[] {Duration.ofNanos(-1), Duration.ofMinutes(5).plusNanos(1)}) {
      assertThatThrownBy(() -> minimal().clockSkew(refused))
          .isInstanceOfSatisfying(InvalidSettingException.class,
              e -> assertThat(e.setting()).isEqualTo(Setting.CLOCK_SKEW))
          .hasMessage("clock skew must be between 0 and 5m");
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"http://bundles.example.org/b.json", "HTTP://bundles.example.org/b.json"})
  void buildWhenCleartextHttpBundleWithoutOptInThenRefusedNamingBundleAndTheOptIn(String url) {
    InboundSettings.Builder builder = minimal().bundle(url);

    assertThatThrownBy(builder::build).isInstanceOfSatisfying(InvalidSettingException.class, e -> {
      assertThat(e.setting()).isEqualTo(Setting.BUNDLE);
      assertThat(e.problem()).isEqualTo("is cleartext http: bundles must come over https");
      assertThat(e.remedy()).contains(Setting.ALLOW_INSECURE_HTTP_BUNDLE);
    });
  }

  @Test
  void buildWhenCleartextHttpBundleWithOptInThenAccepted() {
    InboundSettings settings = minimal().allowInsecureHttpBundle().bundle("http://bundles.example.org/b.json").build();

    assertThat(settings.isHttpBundle()).isTrue();
    assertThat(settings.allowInsecureHttpBundle()).isTrue();
  }

  @Test
  void buildWhenHttpsOrFileBundleThenAcceptedAndClassified() {
    assertThat(minimal().bundle("https://bundles.example.org/b.json").build().isHttpBundle()).isTrue();
    InboundSettings file = minimal().bundle("/etc/lanyard/bundle.json").build();
    assertThat(file.isHttpBundle()).isFalse();
    assertThat(file.bundle()).contains("/etc/lanyard/bundle.json");
    assertThatThrownBy(file::httpBundleSource).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void builderWhenSettingSetTwiceThenRefused() {
    assertThatThrownBy(() -> minimal().trustDomain(TD)).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("trust domain");
    assertThatThrownBy(() -> minimal().clockSkew(Duration.ZERO).clockSkew(Duration.ZERO))
        .isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> minimal().allowUnnormalizedPaths().allowUnnormalizedPaths())
        .isInstanceOf(IllegalStateException.class);
  }

  @Test
  void buildWhenRequiredMissingOrAudienceOrBundleBlankThenRefused() {
    assertThatThrownBy(() -> InboundSettings.newBuilder().trustDomain(TD).build())
        .isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> InboundSettings.newBuilder().audience("a").build())
        .isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> minimal().bundle(" "))
        .isInstanceOfSatisfying(InvalidSettingException.class,
            e -> assertThat(e.setting()).isEqualTo(Setting.BUNDLE));
    assertThatThrownBy(() -> InboundSettings.newBuilder().audience(" "))
        .isInstanceOfSatisfying(InvalidSettingException.class,
            e -> assertThat(e.setting()).isEqualTo(Setting.AUDIENCE));
  }

  @Test
  void buildWhenCalledTwiceThenBuilderStaysUsable() {
    InboundSettings.Builder builder = minimal().clockSkew(Duration.ofSeconds(5));

    assertThat(builder.build().clockSkew()).isEqualTo(builder.build().clockSkew());
  }

  @Test
  void newFilterBuilderWhenSettingsGivenThenFilterBuildsWithThemAndOnlyNeedsSourceAndPolicy() {
    InboundSettings settings = minimal().maxTokenLifetime(Duration.ofMinutes(5)).allowUnnormalizedPaths().build();
    BundleSource none = td -> Optional.empty();

    assertThat(settings.newFilterBuilder().bundleSource(none).policy(Policy.parse("GET /whoami any\n", "p"))
        .build()).isNotNull();
    assertThatThrownBy(() -> settings.newFilterBuilder().trustDomain(TD)).as("the trust domain came from the settings")
        .isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> settings.newFilterBuilder().allowUnnormalizedPaths())
        .as("the relaxation came from the settings").isInstanceOf(IllegalStateException.class);
  }

  @Test
  void toStringWhenCalledThenNamesSettings() {
    assertThat(minimal().build().toString()).contains("example.org", "PT1H", "PT30S");
  }
}
