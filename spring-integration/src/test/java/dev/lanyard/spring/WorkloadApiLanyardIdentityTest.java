package dev.lanyard.spring;

import static dev.lanyard.spring.LanyardAutoConfigurationTest.assertFailure;
import static org.assertj.core.api.Assertions.assertThat;

import dev.lanyard.authority.EmbeddedAuthority;
import dev.lanyard.spiffe.SpiffeId;
import dev.lanyard.spiffe.TrustDomain;
import dev.lanyard.workloadapi.WorkloadApiIdentity;
import dev.lanyard.workloadapi.testing.FakeAgent;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.ssl.SslAutoConfiguration;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/**
 * {@code lanyard.identity.source=workload-api} in the auto-configuration: the identity from a Workload API server on a
 * Unix socket, and each way it can fail to start naming the property and why.
 */
class WorkloadApiLanyardIdentityTest {
  private static final SpiffeId PAYMENTS = SpiffeId.parse("spiffe://example.org/payments");

  @TempDir
  Path dir;

  private final ApplicationContextRunner runner = new ApplicationContextRunner()
      .withConfiguration(AutoConfigurations.of(LanyardAutoConfiguration.class, SslAutoConfiguration.class))
      .withPropertyValues("lanyard.spiffe-id=" + PAYMENTS, "lanyard.identity.source=workload-api",
          "lanyard.policy.rules[0]=GET /x spiffe://example.org/orders");

  @Test
  void sourceWhenAgentAnswersThenIdentityAndBundlesFromItAndNoEmbeddedAuthority() throws Exception {
    EmbeddedAuthority authority = EmbeddedAuthority.newBuilder(TrustDomain.of("example.org")).build();
    try (FakeAgent agent = FakeAgent.start(dir.resolve("agent.sock"), authority, PAYMENTS)) {
      runner.withPropertyValues("lanyard.workload-api.socket=" + agent.address()).run(context -> {
        assertThat(context).hasNotFailed();
        LanyardIdentity identity = context.getBean(LanyardIdentity.class);
        assertThat(identity).isInstanceOf(WorkloadApiLanyardIdentity.class);
        assertThat(identity.x509Svids().current().leaf()).isEqualTo(agent.svid().leaf());
        assertThat(context).doesNotHaveBean(EmbeddedAuthority.class);
        assertThat(context.getBean(LanyardStatus.class).toString()).doesNotContain("PRIVATE");
      });
    }
  }

  @Test
  void sourceWhenWrittenInAnyBindableFormThenSameSource() throws Exception {
    EmbeddedAuthority authority = EmbeddedAuthority.newBuilder(TrustDomain.of("example.org")).build();
    try (FakeAgent agent = FakeAgent.start(dir.resolve("agent.sock"), authority, PAYMENTS)) {
      runner.withPropertyValues("lanyard.identity.source=WORKLOAD_API",
          "lanyard.workload-api.socket=" + agent.address()).run(context -> {
            assertThat(context).hasNotFailed();
            assertThat(context.getBean(LanyardIdentity.class)).isInstanceOf(WorkloadApiLanyardIdentity.class);
          });
    }
  }

  @Test
  void sourceWhenModuleMissingFromClassPathThenStartFailsNamingTheSourceProperty() {
    runner.withClassLoader(new FilteredClassLoader(WorkloadApiIdentity.class))
        .withPropertyValues("lanyard.workload-api.socket=unix:" + dir.resolve("agent.sock"))
        .run(context -> assertFailure(context, "lanyard.identity.source",
            "needs the module dev.lanyard:lanyard-workload-api"));
  }

  @Test
  void sourceWhenNoAgentAnswersThenStartFailsWithinTheTimeoutNamingSocketAndTimeout() {
    String socket = "unix:" + dir.resolve("nobody.sock");
    long start = System.nanoTime();

    runner.withPropertyValues("lanyard.workload-api.socket=" + socket, "lanyard.workload-api.timeout=700ms")
        .run(context -> assertFailure(context, "lanyard.workload-api.socket",
            "no SPIFFE Workload API answered at " + socket + " within PT0.7S"));
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
  }

  @Test
  void socketWhenNeitherPropertyNorEnvironmentThenStartFailsNamingBoth() {
    org.junit.jupiter.api.Assumptions.assumeTrue(System.getenv(WorkloadApiIdentity.SOCKET_ENV) == null,
        "SPIFFE_ENDPOINT_SOCKET is not set here");

    runner.run(context -> assertFailure(context, "lanyard.workload-api.socket", "SPIFFE_ENDPOINT_SOCKET is not set"));
  }

  @Test
  void socketOrTimeoutWhenInvalidThenStartFailsNamingTheProperty() {
    runner.withPropertyValues("lanyard.workload-api.socket=tcp://127.0.0.1:8081")
        .run(context -> assertFailure(context, "lanyard.workload-api.socket", "unix:/path/to/agent.sock"));
    runner.withPropertyValues("lanyard.workload-api.socket=unix:relative.sock")
        .run(context -> assertFailure(context, "lanyard.workload-api.socket", "absolute path"));
    runner.withPropertyValues("lanyard.workload-api.timeout=0s")
        .run(context -> assertFailure(context, "lanyard.workload-api.timeout", "more than 0"));
  }
}
