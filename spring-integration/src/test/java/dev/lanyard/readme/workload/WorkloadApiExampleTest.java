package dev.lanyard.readme.workload;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lanyard.authority.EmbeddedAuthority;
import dev.lanyard.jwt.JwtSvidVerifier;
import dev.lanyard.policy.Policy;
import dev.lanyard.servlet.LanyardFilter;
import dev.lanyard.spiffe.SpiffeId;
import dev.lanyard.spiffe.TrustDomain;
import dev.lanyard.tls.SpiffeTls;
import dev.lanyard.workloadapi.WorkloadApiIdentity;
import dev.lanyard.workloadapi.testing.FakeAgent;
import dev.lanyard.x509.PeerAuthorizer;
import dev.lanyard.x509.X509SvidVerifier;
import java.nio.file.Path;
import java.time.Duration;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The plain-Java Workload API example of README.md and workload-api/README.md (the tagged region is what both show),
 * against {@link FakeAgent}, a real gRPC Workload API server on a Unix domain socket; the README's socket path is
 * moved to the fake agent's.
 */
class WorkloadApiExampleTest {
  private static final SpiffeId PAYMENTS = SpiffeId.parse("spiffe://example.org/payments");

  @Test
  void exampleWhenRunAgainstAnAgentThenTokenTlsAndFilterComeFromIt(@TempDir Path dir) throws Exception {
    EmbeddedAuthority authority = EmbeddedAuthority.newBuilder(TrustDomain.of("example.org")).build();
    Policy policy = Policy.parse("GET /x spiffe://example.org/orders\n", "rules");
    try (FakeAgent agent = FakeAgent.start(dir.resolve("agent.sock"), authority, PAYMENTS)) {
      // tag::workload[]
      String agentSocket = "unix:/run/spire/sockets/agent.sock";   // default: SPIFFE_ENDPOINT_SOCKET
      // end::workload[]
      agentSocket = agent.address();
      // tag::workload[]
      try (WorkloadApiIdentity identity = WorkloadApiIdentity.newBuilder()
          .socket(agentSocket).timeout(Duration.ofSeconds(10)).build()) {
        String bearer = identity.jwtSvids().fetch("spiffe://example.org/ledger").token();
        SSLContext tls = SpiffeTls.context(identity.x509Svids(),
            X509SvidVerifier.newBuilder().bundleSource(identity.bundles()).build(),
            PeerAuthorizer.memberOf(TrustDomain.of("example.org")));
        LanyardFilter filter = LanyardFilter.newBuilder().trustDomain(TrustDomain.of("example.org"))
            .audience("spiffe://example.org/payments").bundleSource(identity.bundles()).policy(policy).build();
        // end::workload[]
        assertThat(JwtSvidVerifier.newBuilder().bundleSource(authority.bundleSource())
            .audience("spiffe://example.org/ledger").build().verify(bearer).subject()).isEqualTo(PAYMENTS);
        assertThat(identity.x509Svids().current().spiffeId()).isEqualTo(PAYMENTS);
        assertThat(tls.getProtocol()).startsWith("TLS");
        assertThat(filter).isNotNull();
        // tag::workload[]
      }
      // end::workload[]
    }
  }
}
