package dev.lanyard.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.lanyard.spiffe.TrustDomain;
import java.net.URI;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.StandardEnvironment;

class ClientTargetsTest {
  private static final TrustDomain TD = TrustDomain.of("example.org");

  private static LanyardProperties.Target target(String url, String serviceGroup) {
    LanyardProperties.Target target = new LanyardProperties.Target();
    target.setUrl(url);
    target.setServiceGroup(serviceGroup);
    target.setAudience("spiffe://example.org/payments");
    return target;
  }

  private static List<ClientTarget> targets(String name, LanyardProperties.Target target,
      Map<String, String> groups) {
    Map<String, LanyardProperties.Target> targets = new LinkedHashMap<>();
    targets.put(name, target);
    return ClientTargets.targets(targets, TD, groups::get);
  }

  private static InvalidConfigurationPropertyValueException failure(String name, LanyardProperties.Target target,
      Map<String, String> groups) {
    try {
      targets(name, target, groups);
    } catch (InvalidConfigurationPropertyValueException e) {
      return e;
    }
    throw new AssertionError("no failure");
  }

  @Test
  void targetsWhenNoUrlThenTheGroupOfTheSameNameGivesIt() {
    ClientTarget target = targets("payments", target(null, null),
        Map.of("payments", "https://payments.internal:8443/api")).get(0);

    assertThat(target.url()).isEqualTo("https://payments.internal:8443/api");
    assertThat(target.urlProperty()).isEqualTo("spring.http.serviceclient.payments.base-url");
    assertThat(target.matches(URI.create("https://payments.internal:8443/api/charge"))).isTrue();
  }

  @Test
  void targetsWhenServiceGroupNamedThenThatGroupGivesTheUrl() {
    ClientTarget target = targets("payments", target(null, "billing"),
        Map.of("payments", "https://elsewhere/", "billing", "https://billing.internal/v1")).get(0);

    assertThat(target.url()).isEqualTo("https://billing.internal:443/v1");
    assertThat(target.urlProperty()).isEqualTo("spring.http.serviceclient.billing.base-url");
  }

  @Test
  void targetsWhenUrlSetThenItWinsOverTheGroupOfTheSameName() {
    ClientTarget target = targets("payments", target("https://payments.internal/api", null),
        Map.of("payments", "https://other.internal/api")).get(0);

    assertThat(target.url()).isEqualTo("https://payments.internal:443/api");
    assertThat(target.urlProperty()).isEqualTo("lanyard.client.targets.payments.url");
  }

  @Test
  void targetsWhenNeitherUrlNorGroupThenUrlRequiredNamingTheGroupProperty() {
    InvalidConfigurationPropertyValueException e = failure("payments", target(null, null), Map.of());

    assertThat(e.getName()).isEqualTo("lanyard.client.targets.payments.url");
    assertThat(e.getReason()).isEqualTo("is required: the target's base URL (or set "
        + "spring.http.serviceclient.payments.base-url, the base URL of the HTTP service group of the same name)");
  }

  @Test
  void targetsWhenUrlAndServiceGroupThenRefusedAsContradictory() {
    InvalidConfigurationPropertyValueException e = failure("payments",
        target("https://payments.internal/api", "payments"), Map.of("payments", "https://payments.internal/api"));

    assertThat(e.getName()).isEqualTo("lanyard.client.targets.payments.service-group");
    assertThat(e.getReason()).startsWith("not together with lanyard.client.targets.payments.url");
  }

  @Test
  void targetsWhenServiceGroupHasNoBaseUrlThenRefusedNamingWhatToSet() {
    InvalidConfigurationPropertyValueException e = failure("payments", target(null, "billing"), Map.of());

    assertThat(e.getName()).isEqualTo("lanyard.client.targets.payments.service-group");
    assertThat(e.getReason()).isEqualTo("the HTTP service group has no base URL: set "
        + "spring.http.serviceclient.billing.base-url");
  }

  @Test
  void targetsWhenGroupBaseUrlIsBadThenRefusalNamesTheGroupProperty() {
    InvalidConfigurationPropertyValueException e = failure("payments", target(null, null),
        Map.of("payments", "https://payments.internal/api/../admin"));

    assertThat(e.getName()).isEqualTo("spring.http.serviceclient.payments.base-url");
    assertThat(e.getReason()).contains("not in normal form");
  }

  @Test
  void serviceGroupUrlsWhenEnvironmentUsesRelaxedNamesThenFound() {
    StandardEnvironment environment = new StandardEnvironment();
    environment.getPropertySources().addFirst(new MapPropertySource("test", Map.of(
        "spring.http.serviceclient.payments.baseUrl", "https://payments.internal/api",
        "spring.http.serviceclient.billing.base-url", "https://billing.internal")));
    ClientTargets.ServiceGroupUrls groups = ClientTargets.serviceGroupUrls(environment);

    assertThat(groups.baseUrl("payments")).isEqualTo("https://payments.internal/api");
    assertThat(groups.baseUrl("billing")).isEqualTo("https://billing.internal");
    assertThat(groups.baseUrl("ledger")).isNull();
    assertThat(groups.baseUrl("Not A Name")).isNull();
  }

  @Test
  void targetsWhenNoGroupsThenUrlRequiredAsBefore() {
    Map<String, LanyardProperties.Target> targets = Map.of("payments", target(null, null));

    assertThatThrownBy(() -> ClientTargets.targets(targets, TD, ClientTargets.ServiceGroupUrls.NONE))
        .isInstanceOfSatisfying(InvalidConfigurationPropertyValueException.class,
            e -> assertThat(e.getName()).isEqualTo("lanyard.client.targets.payments.url"));
  }
}
