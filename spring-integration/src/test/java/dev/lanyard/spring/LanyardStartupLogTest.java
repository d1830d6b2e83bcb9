package dev.lanyard.spring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lanyard.trust.TrustBundle;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.ConfigurableApplicationContext;

/** The starter's start-up line, from a real application on a random port. */
@ExtendWith(OutputCaptureExtension.class)
class LanyardStartupLogTest {
  @Test
  void startupWhenEmbeddedAuthorityInDirectoryThenOneInfoLineNamesIdentityTrustPolicyAndTargets(
      @TempDir Path dir, CapturedOutput output) {
    Path authorityDir = dir.resolve("authority");
    try (ConfigurableApplicationContext app = new SpringApplicationBuilder(App.class).properties(
        "server.port=0",
        "spring.main.banner-mode=off",
        "lanyard.spiffe-id=spiffe://example.org/orders",
        "lanyard.authority.dir=" + authorityDir,
        "lanyard.x509.dns-names=localhost",
        "lanyard.policy.rules[0]=GET /order/** public",
        "lanyard.policy.rules[1]=GET /admin/** spiffe://example.org/ops",
        "lanyard.client.targets.payments.url=http://127.0.0.1:8081/api",
        "lanyard.client.targets.payments.audience=spiffe://example.org/payments").run()) {
      TrustBundle bundle = app.getBean(LanyardIdentity.class).bundles()
          .bundleFor(dev.lanyard.spiffe.TrustDomain.of("example.org")).orElseThrow();
      String expires = app.getBean(LanyardIdentity.class).x509Svids().current().expiresAt().toString();

      List<String> lines = output.getOut().lines().filter(l -> l.contains("Lanyard started")).toList();
      assertThat(lines).singleElement().asString()
          .contains(" INFO ")
          .contains("d.l.spring.LanyardAutoConfiguration")
          .contains("identity spiffe://example.org/orders from the embedded authority in " + authorityDir
              + " (X.509-SVID expires " + expires + ", DNS names [localhost])")
          .contains("trust example.org from the identity's source (JWT keys ["
              + bundle.jwtKeys().get(0).keyId() + "], X.509 roots 1, sequence " + bundle.sequence().getAsLong() + ")")
          .contains("policy lanyard.policy.rules (2 rules)")
          .contains("outbound targets payments -> http://127.0.0.1:8081/api (audience spiffe://example.org/payments)");
      assertThat(output.getOut()).contains("embedded authority for example.org created in " + authorityDir)
          .doesNotContain("eyJ").doesNotContain("BEGIN");
    }
  }

  @SpringBootConfiguration
  @EnableAutoConfiguration
  static class App {}
}
