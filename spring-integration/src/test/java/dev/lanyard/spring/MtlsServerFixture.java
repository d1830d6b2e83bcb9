package dev.lanyard.spring;

import dev.lanyard.authority.AuthorityCa;
import dev.lanyard.authority.EmbeddedAuthority;
import dev.lanyard.credentials.X509SvidSource;
import dev.lanyard.x509.X509Svid;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The mTLS server of the starter's TLS tests: a real Boot application as {@code spiffe://example.org/payments} on a
 * random port, serving the {@code lanyard} SSL bundle with client certificates wanted, its embedded authority in a
 * directory that the test opens a second time as the operator.
 */
final class MtlsServerFixture {
  private MtlsServerFixture() {}

  /** Starts {@code app} with the authority in {@code authorityDir} and these policy rules. */
  static ConfigurableApplicationContext startPayments(Class<?> app, Path authorityDir, String... policyRules) {
    List<String> properties = new ArrayList<>(List.of(
        "server.port=0",
        "server.ssl.bundle=lanyard",
        "server.ssl.client-auth=want",
        "spring.main.banner-mode=off",
        "lanyard.spiffe-id=spiffe://example.org/payments",
        "lanyard.authority.dir=" + authorityDir));
    for (int i = 0; i < policyRules.length; i++) {
      properties.add("lanyard.policy.rules[" + i + "]=" + policyRules[i]);
    }
    return new SpringApplicationBuilder(app).properties(properties.toArray(String[]::new)).run();
  }

  /** The port the application listens on. */
  static int port(ConfigurableApplicationContext context) {
    return ((WebServerApplicationContext) context).getWebServer().getPort();
  }

  /** Prepares and activates a new CA in the shared directory, as an operator would; returns it. */
  static AuthorityCa activateNewCa(EmbeddedAuthority operator) {
    operator.prepareX509Ca();
    return operator.activateX509Ca();
  }

  /** A source that always presents {@code svid}, such as a caller that does not renew. */
  static X509SvidSource fixed(X509Svid svid) {
    return new X509SvidSource() {
      @Override
      public X509Svid current() {
        return svid;
      }

      @Override
      public AutoCloseable addListener(Consumer<X509Svid> listener) {
        return () -> {};
      }
    };
  }
}
