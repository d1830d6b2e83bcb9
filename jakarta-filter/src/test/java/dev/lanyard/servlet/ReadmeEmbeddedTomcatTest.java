package dev.lanyard.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lanyard.audit.AuditSink;
import dev.lanyard.authority.EmbeddedAuthority;
import dev.lanyard.policy.Caller;
import dev.lanyard.policy.PolicyFile;
import dev.lanyard.spiffe.SpiffeId;
import dev.lanyard.spiffe.TrustDomain;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.apache.catalina.Context;
import org.apache.catalina.LifecycleState;
import org.apache.catalina.startup.Tomcat;
import org.apache.tomcat.util.descriptor.web.FilterDef;
import org.apache.tomcat.util.descriptor.web.FilterMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The embedded-container example of jakarta-filter/README.md ("Embedded containers" and "In the application"), run:
 * the tagged regions are what the README shows (core's {@code ReadmeSnippetsTest} keeps them equal). Between a
 * region's segments, the test moves the README's fixed port and policy path to a free port and a temporary file.
 */
class ReadmeEmbeddedTomcatTest {
  @Test
  void builderExampleWhenStartedInEmbeddedTomcatThenTheApplicationSeesTheCallerAndOthersGet401(@TempDir Path dir)
      throws Exception {
    // tag::builder[]
    TrustDomain td = TrustDomain.of("example.org");
    EmbeddedAuthority authority = EmbeddedAuthority.newBuilder(td).build();
    Path policyPath = Path.of("/etc/lanyard/policy.txt");
    // end::builder[]
    policyPath = Files.writeString(dir.resolve("policy.txt"), "POST /charge spiffe://example.org/orders "
        + "payments:charge\n");
    // tag::builder[]

    LanyardFilter lanyard = LanyardFilter.newBuilder()
        .trustDomain(td)
        .audience("spiffe://example.org/payments")
        .bundleSource(authority.bundleSource())              // or FileBundleSource.of(td, path), HttpBundleSource...
        .policyFile(PolicyFile.watch(policyPath))            // or .policy(Policy.parse(text, "rules"))
        .revocations(authority.revocations())                // revocations reach the filter at once
        .maxTokenLifetime(Duration.ofMinutes(30))            // default 1 h, at most 24 h
        .clockSkew(Duration.ofSeconds(10))                   // default 30 s, at most 5 min
        .auditSink(AuditSink.slf4j())                        // the default; .andThen(...) adds your own sink
        .build();

    // Embedded Tomcat 11
    Tomcat tomcat = new Tomcat();
    tomcat.setPort(8080);
    // end::builder[]
    tomcat.setPort(0);
    tomcat.setBaseDir(dir.resolve("tomcat").toString());
    // tag::builder[]
    tomcat.getConnector();                                   // creates the HTTP connector on that port
    Context context = tomcat.addContext("", Files.createTempDirectory("docbase").toString());
    Tomcat.addServlet(context, "app", new MyServlet());
    context.addServletMappingDecoded("/*", "app");

    FilterDef def = new FilterDef();
    def.setFilterName("lanyard");
    def.setFilter(lanyard);
    def.setFilterClass(LanyardFilter.class.getName());
    context.addFilterDef(def);
    FilterMap map = new FilterMap();
    map.setFilterName("lanyard");
    map.addURLPatternDecoded("/*");
    context.addFilterMap(map);

    tomcat.start();
    // end::builder[]
    try {
      assertThat(context.getState()).isEqualTo(LifecycleState.STARTED);
      URI charge = URI.create("http://127.0.0.1:" + tomcat.getConnector().getLocalPort() + "/charge");
      String token = authority.mintJwtSvid(SpiffeId.parse("spiffe://example.org/orders"),
          "spiffe://example.org/payments", "payments:charge").token();
      HttpClient client = HttpClient.newHttpClient();

      HttpResponse<String> allowed = client.send(HttpRequest.newBuilder(charge)
          .POST(HttpRequest.BodyPublishers.noBody()).header("Authorization", "Bearer " + token).build(),
          HttpResponse.BodyHandlers.ofString());
      HttpResponse<String> anonymous = client.send(HttpRequest.newBuilder(charge)
          .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());

      assertThat(allowed.statusCode()).isEqualTo(200);
      assertThat(allowed.body()).isEqualTo("spiffe://example.org/orders [payments:charge] JWT_SVID true");
      assertThat(anonymous.statusCode()).isEqualTo(401);
    } finally {
      tomcat.stop();
      tomcat.destroy();
    }
  }

  /** The application behind the filter: the README's "In the application" lines, answering what they read. */
  static final class MyServlet extends HttpServlet {
    @Override
    protected void doPost(HttpServletRequest request, HttpServletResponse response) throws IOException {
      // tag::application[]
      String callerId = request.getUserPrincipal().getName();            // spiffe://example.org/orders
      Caller caller = (Caller) request.getAttribute(LanyardFilter.CALLER_ATTRIBUTE);
      caller.scopes();            // [payments:charge]
      caller.credentialType();    // JWT_SVID, X509_SVID or JWT_SVID_AND_X509_SVID
      caller.tokenId();           // Optional[jti]
      // end::application[]
      response.getWriter().print(callerId + " " + caller.scopes() + " " + caller.credentialType() + " "
          + caller.tokenId().isPresent());
    }
  }
}
