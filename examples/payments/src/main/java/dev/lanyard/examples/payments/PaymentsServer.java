package dev.lanyard.examples.payments;

import dev.lanyard.authority.EmbeddedAuthority;
import dev.lanyard.servlet.LanyardFilter;
import dev.lanyard.servlet.TrustGraphServlet;
import dev.lanyard.spiffe.TrustDomain;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.apache.catalina.Context;
import org.apache.catalina.LifecycleState;
import org.apache.catalina.Wrapper;
import org.apache.catalina.connector.Connector;
import org.apache.catalina.startup.Tomcat;
import org.apache.tomcat.util.descriptor.web.FilterDef;
import org.apache.tomcat.util.descriptor.web.FilterMap;

/**
 * {@code spiffe://example.org/payments}: a plain servlet application on embedded Tomcat 11. {@link LanyardFilter} is
 * declared with init-params exactly as {@code web.xml} would declare it (trust domain, audience, bundle file, policy
 * file under {@code WEB-INF}); the application's servlet reads the verified caller from the request. Outbound, it
 * records each charge at the ledger over mutual TLS ({@link LedgerClient}). {@link TrustGraphServlet} serves the
 * filter's trust graph at {@code /lanyard/graph} ({@code ?format=json|dot|mermaid}), behind the same filter: the policy
 * lets only {@code spiffe://example.org/ops} read it.
 *
 * <p>When the filter refuses its configuration Tomcat would keep listening and answer 404 to everything; this main
 * checks the context's state after start, prints why, and exits with status 2 instead.
 *
 * <p>System properties: {@code payments.port} (8082), {@code payments.ledger-url} ({@code https://127.0.0.1:8443}),
 * {@code payments.work-dir} (a new temporary directory), {@code payments.policy} (the filter's {@code policy}
 * init-param, {@code /WEB-INF/lanyard-policy.txt}), {@code lanyard.authority.dir} (the shared authority directory,
 * as for the Spring services).
 *
 * <p>Thread-safe: a main class; the servlet and the clients it starts are thread-safe.
 */
public final class PaymentsServer {
  static final TrustDomain TRUST_DOMAIN = TrustDomain.of("example.org");

  private PaymentsServer() {}

  /** Starts payments and serves until the process is stopped; exits 2 when the web application does not start. */
  public static void main(String[] args) throws Exception {
    int port = Integer.getInteger("payments.port", 8082);
    URI ledgerUrl = URI.create(System.getProperty("payments.ledger-url", "https://127.0.0.1:8443"));
    String workDir = System.getProperty("payments.work-dir");
    Path work = workDir == null ? Files.createTempDirectory("lanyard-payments") : Path.of(workDir);
    Path authorityDir = Path.of(System.getProperty("lanyard.authority.dir",
        Path.of(System.getProperty("java.io.tmpdir"), "lanyard-examples", "authority").toString()));

    // The identity: the embedded authority all services on this host share (created by whichever starts first).
    EmbeddedAuthority authority = EmbeddedAuthority.newBuilder(TRUST_DOMAIN).directory(authorityDir).buildOrOpen();
    // The filter's trust bundle is a file, kept current the way a sidecar (spiffe-helper) would keep it.
    Path webapp = webapp(work.resolve("webapp"));
    BundleFile bundleFile = BundleFile.publish(authority, work.resolve("bundle.json"));
    LedgerClient ledger = new LedgerClient(authority, ledgerUrl);

    Tomcat tomcat = new Tomcat();
    tomcat.setBaseDir(work.resolve("tomcat").toString());
    Connector connector = new Connector();
    connector.setPort(port);
    connector.setProperty("address", "127.0.0.1");
    tomcat.setConnector(connector);
    Context context = tomcat.addContext("", webapp.toString());

    // As web.xml: <filter><filter-name>lanyard</filter-name><filter-class>dev.lanyard.servlet.LanyardFilter</...>
    FilterDef filter = new FilterDef();
    filter.setFilterName("lanyard");
    filter.setFilterClass(LanyardFilter.class.getName());
    filter.addInitParameter(LanyardFilter.TRUST_DOMAIN, TRUST_DOMAIN.name());
    filter.addInitParameter(LanyardFilter.AUDIENCE, "spiffe://example.org/payments");
    filter.addInitParameter(LanyardFilter.BUNDLE, bundleFile.file().toString());
    filter.addInitParameter(LanyardFilter.POLICY, System.getProperty("payments.policy", "/WEB-INF/lanyard-policy.txt"));
    context.addFilterDef(filter);
    FilterMap map = new FilterMap();
    map.setFilterName("lanyard");
    map.addURLPatternDecoded("/*");
    context.addFilterMap(map);
    Tomcat.addServlet(context, "payments", new PaymentsServlet(ledger));
    context.addServletMappingDecoded("/*", "payments");
    // The trust graph (opt-in), as web.xml: <servlet><servlet-name>lanyard-graph</servlet-name><servlet-class>
    // dev.lanyard.servlet.TrustGraphServlet</servlet-class><init-param>filter-name = lanyard</init-param></servlet>
    // mapped to /lanyard/graph. The filter covers it: only the policy's GET /lanyard/graph callers read it.
    Wrapper graph = Tomcat.addServlet(context, "lanyard-graph", TrustGraphServlet.class.getName());
    graph.addInitParameter(TrustGraphServlet.FILTER_NAME, "lanyard");
    context.addServletMappingDecoded("/lanyard/graph", "lanyard-graph");

    List<String> startupErrors = new ArrayList<>();
    Handler capture = new Handler() {
      @Override
      public void publish(LogRecord record) {
        if (record.getLevel().intValue() >= Level.SEVERE.intValue()) {
          for (Throwable t = record.getThrown(); t != null; t = t.getCause()) {
            startupErrors.add(String.valueOf(t.getMessage()));
          }
        }
      }

      @Override
      public void flush() {}

      @Override
      public void close() {}
    };
    Logger root = Logger.getLogger("");
    root.addHandler(capture);
    try {
      tomcat.start();
    } finally {
      root.removeHandler(capture);
    }
    if (context.getState() != LifecycleState.STARTED) {
      System.err.println("payments did not start: the web application is " + context.getState()
          + " (Tomcat would answer 404 to everything), because: "
          + (startupErrors.isEmpty() ? "see Tomcat's log above" : String.join("; ", startupErrors)));
      tomcat.stop();
      tomcat.destroy();
      System.exit(2);
    }
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      try {
        tomcat.stop();
        tomcat.destroy();
      } catch (Exception e) {
        // stopping anyway
      }
      bundleFile.close();
      ledger.close();
    }, "payments-shutdown"));
    System.out.println("payments (spiffe://example.org/payments) listening on http://127.0.0.1:"
        + connector.getLocalPort() + ", policy " + webapp.resolve("WEB-INF/lanyard-policy.txt"));
    tomcat.getServer().await();
  }

  /** The web application's directory, with {@code WEB-INF/lanyard-policy.txt} copied from this jar. */
  private static Path webapp(Path dir) throws IOException {
    Path webInf = Files.createDirectories(dir.resolve("WEB-INF"));
    try (InputStream policy = Objects.requireNonNull(
        PaymentsServer.class.getResourceAsStream("/webapp/WEB-INF/lanyard-policy.txt"), "policy resource")) {
      Files.copy(policy, webInf.resolve("lanyard-policy.txt"), StandardCopyOption.REPLACE_EXISTING);
    }
    return dir;
  }
}
