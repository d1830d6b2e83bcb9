package dev.lanyard.spring;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.StandardEnvironment;

class LanyardEnvironmentPostProcessorTest {
  private static StandardEnvironment environment(Map<String, Object> properties) {
    StandardEnvironment environment = new StandardEnvironment();
    environment.getPropertySources().addFirst(new MapPropertySource("test", properties));
    new LanyardEnvironmentPostProcessor().postProcessEnvironment(environment, null);
    return environment;
  }

  @Test
  void postProcessWhenTargetsThenRedirectsNotFollowedByDefault() {
    StandardEnvironment env = environment(Map.of("lanyard.client.targets.payments.url", "https://payments",
        "lanyard.client.targets.payments.audience", "spiffe://example.org/payments"));
    assertThat(env.getProperty(LanyardEnvironmentPostProcessor.REDIRECTS)).isEqualTo("dont-follow");
  }

  @Test
  void postProcessWhenApplicationSetsRedirectsThenItsSettingWins() {
    StandardEnvironment env = environment(Map.of("lanyard.client.targets.payments.url", "https://payments",
        LanyardEnvironmentPostProcessor.REDIRECTS, "follow"));
    assertThat(env.getProperty(LanyardEnvironmentPostProcessor.REDIRECTS)).isEqualTo("follow");
  }

  @Test
  void postProcessWhenNoTargetsOrDisabledThenNothing() {
    assertThat(environment(Map.of("lanyard.spiffe-id", "spiffe://example.org/a"))
        .getProperty(LanyardEnvironmentPostProcessor.REDIRECTS)).isNull();
    assertThat(environment(Map.of("lanyard.enabled", "false", "lanyard.client.targets.p.url", "https://p"))
        .getProperty(LanyardEnvironmentPostProcessor.REDIRECTS)).isNull();
  }
}
