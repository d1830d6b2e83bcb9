package dev.lanyard.servlet;

import dev.lanyard.policy.Caller;
import jakarta.servlet.Filter;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.Principal;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;
import org.apache.catalina.Context;
import org.apache.catalina.LifecycleException;
import org.apache.catalina.LifecycleState;
import org.apache.catalina.connector.Connector;
import org.apache.catalina.startup.Tomcat;
import org.apache.tomcat.util.descriptor.web.FilterDef;
import org.apache.tomcat.util.descriptor.web.FilterMap;
import org.apache.tomcat.util.net.SSLHostConfig;
import org.apache.tomcat.util.net.SSLHostConfigCertificate;

/**
 * A real embedded Tomcat 11 on 127.0.0.1 and a free port, with one web application at the root: the Lanyard filter on
 * {@code /*} (configured by init-params exactly as {@code web.xml} would, or a programmatic instance) in front of
 * {@link EchoServlet}. Optionally HTTPS with client certificates. Captures what Tomcat logs while starting.
 */
final class TomcatServer implements AutoCloseable {
  static final String FILTER_NAME = "lanyard";

  private final Tomcat tomcat;
  private final Context context;
  private final Connector connector;
  private final String scheme;
  private final List<LogRecord> startupLog;
  private final EchoServlet echo;

  private TomcatServer(Tomcat tomcat, Context context, Connector connector, String scheme,
      List<LogRecord> startupLog, EchoServlet echo) {
    this.tomcat = tomcat;
    this.context = context;
    this.connector = connector;
    this.scheme = scheme;
    this.startupLog = startupLog;
    this.echo = echo;
  }

  static Builder newBuilder(Path baseDir) {
    return new Builder(baseDir);
  }

  /** The URI of {@code pathAndQuery} on this server, taken as is (no normalisation). */
  URI uri(String pathAndQuery) {
    return URI.create(scheme + "://127.0.0.1:" + connector.getLocalPort() + pathAndQuery);
  }

  /** The port the connector listens on. */
  int port() {
    return connector.getLocalPort();
  }

  /** How many requests reached the application's servlet. */
  int servletRequests() {
    return echo.requests.get();
  }

  /** True when the web application started (its filters initialised). */
  boolean contextAvailable() {
    return context.getState() == LifecycleState.STARTED && context.getState().isAvailable();
  }

  LifecycleState contextState() {
    return context.getState();
  }

  /** What Tomcat logged at WARNING or above while starting, with the messages of the thrown exceptions and causes. */
  String startupErrors() {
    StringBuilder sb = new StringBuilder();
    for (LogRecord r : startupLog) {
      sb.append(r.getLevel()).append(' ').append(r.getLoggerName()).append(": ").append(r.getMessage()).append('\n');
      for (Throwable t = r.getThrown(); t != null; t = t.getCause()) {
        sb.append("  thrown: ").append(t).append('\n');
      }
    }
    return sb.toString();
  }

  @Override
  public void close() throws LifecycleException {
    tomcat.stop();
    tomcat.destroy();
  }

  /** Configures and starts a server. */
  static final class Builder {
    private final Path baseDir;
    private final Map<String, String> initParams = new LinkedHashMap<>();
    private Filter filter;
    private Path keystore;
    private Path truststore;
    private String storePassword;
    private X509ExtendedTrustManager trustManager;
    private final List<ExtraServlet> servlets = new ArrayList<>();

    private Builder(Path baseDir) {
      this.baseDir = Objects.requireNonNull(baseDir, "baseDir");
    }

    /** Adds an init-param of the filter (as a {@code <init-param>} in {@code web.xml}). */
    Builder initParam(String name, String value) {
      initParams.put(name, value);
      return this;
    }

    /**
     * Adds a servlet at the exact path {@code pattern}, behind the filter: {@code servlet} is an {@link HttpServlet}
     * instance or a class name (as {@code <servlet-class>} in {@code web.xml}), with {@code initParams}.
     */
    Builder servlet(String name, Object servlet, String pattern, Map<String, String> initParams) {
      servlets.add(new ExtraServlet(name, servlet, pattern, Map.copyOf(initParams)));
      return this;
    }

    /** A programmatic filter instance instead of the class configured by init-params. */
    Builder filter(Filter filter) {
      this.filter = filter;
      return this;
    }

    /**
     * HTTPS only, with the server certificate of {@code keystore} (PKCS12) and client certificates requested
     * ({@code certificateVerification="optional"}) and verified by Tomcat against {@code truststore} (PKCS12).
     */
    Builder tls(Path keystore, Path truststore, String password) {
      this.keystore = keystore;
      this.truststore = truststore;
      this.storePassword = password;
      return this;
    }

    /**
     * HTTPS only, with the server certificate of {@code keystore} (PKCS12) and client certificates requested
     * ({@code certificateVerification="optional"}) and checked by {@code trustManager} instead of a fixed truststore,
     * so that trust can follow a rotating bundle. One such server at a time: Tomcat instantiates trust managers by
     * class name, so the instance is handed over through {@link DelegatingTrustManager}.
     */
    Builder tls(Path keystore, String password, X509ExtendedTrustManager trustManager) {
      this.keystore = keystore;
      this.storePassword = password;
      this.trustManager = Objects.requireNonNull(trustManager, "trustManager");
      return this;
    }

    TomcatServer start() throws LifecycleException, IOException {
      Files.createDirectories(baseDir);
      Path docBase = Files.createDirectories(baseDir.resolve("webapp"));
      Tomcat tomcat = new Tomcat();
      tomcat.setBaseDir(baseDir.toString());
      Connector connector = new Connector("HTTP/1.1");
      connector.setPort(0);
      connector.setProperty("address", "127.0.0.1");
      String scheme = "http";
      if (keystore != null) {
        scheme = "https";
        connector.setScheme("https");
        connector.setSecure(true);
        connector.setProperty("SSLEnabled", "true");
        SSLHostConfig ssl = new SSLHostConfig();
        ssl.setProtocols("TLSv1.3,TLSv1.2");
        ssl.setCertificateVerification("optional");
        if (trustManager != null) {
          DelegatingTrustManager.delegate = trustManager;
          ssl.setTrustManagerClassName(DelegatingTrustManager.class.getName());
        } else {
          ssl.setTruststoreFile(truststore.toString());
          ssl.setTruststorePassword(storePassword);
          ssl.setTruststoreType("PKCS12");
        }
        SSLHostConfigCertificate certificate = new SSLHostConfigCertificate(ssl, SSLHostConfigCertificate.Type.EC);
        certificate.setCertificateKeystoreFile(keystore.toString());
        certificate.setCertificateKeystorePassword(storePassword);
        certificate.setCertificateKeystoreType("PKCS12");
        certificate.setCertificateKeyAlias("server");
        ssl.addCertificate(certificate);
        connector.addSslHostConfig(ssl);
      }
      tomcat.setConnector(connector);

      Context context = tomcat.addContext("", docBase.toString());
      FilterDef def = new FilterDef();
      def.setFilterName(FILTER_NAME);
      if (filter != null) {
        def.setFilter(filter);
        def.setFilterClass(filter.getClass().getName());
      } else {
        def.setFilterClass(LanyardFilter.class.getName());
      }
      initParams.forEach(def::addInitParameter);
      context.addFilterDef(def);
      FilterMap map = new FilterMap();
      map.setFilterName(FILTER_NAME);
      map.addURLPatternDecoded("/*");
      context.addFilterMap(map);
      EchoServlet echo = new EchoServlet();
      Tomcat.addServlet(context, "echo", echo);
      context.addServletMappingDecoded("/*", "echo");
      for (ExtraServlet extra : servlets) {
        org.apache.catalina.Wrapper wrapper = extra.servlet instanceof HttpServlet
            ? Tomcat.addServlet(context, extra.name, (HttpServlet) extra.servlet)
            : Tomcat.addServlet(context, extra.name, (String) extra.servlet);
        extra.initParams.forEach(wrapper::addInitParameter);
        wrapper.setLoadOnStartup(1);
        context.addServletMappingDecoded(extra.pattern, extra.name);
      }

      List<LogRecord> log = new CopyOnWriteArrayList<>();
      Handler capture = new Handler() {
        @Override
        public void publish(LogRecord record) {
          if (record.getLevel().intValue() >= Level.WARNING.intValue()) {
            log.add(record);
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
      return new TomcatServer(tomcat, context, connector, scheme, new ArrayList<>(log), echo);
    }
  }

  private record ExtraServlet(String name, Object servlet, String pattern, Map<String, String> initParams) {}

  /**
   * The trust manager Tomcat instantiates by class name for {@link Builder#tls(Path, String, X509ExtendedTrustManager)}:
   * it hands every check to the instance the builder set.
   */
  public static final class DelegatingTrustManager extends X509ExtendedTrustManager {
    static volatile X509ExtendedTrustManager delegate;
    private final X509ExtendedTrustManager target = Objects.requireNonNull(delegate, "no trust manager set");

    /** Called by Tomcat. */
    public DelegatingTrustManager() {}

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
        throws CertificateException {
      target.checkClientTrusted(chain, authType, socket);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
        throws CertificateException {
      target.checkServerTrusted(chain, authType, socket);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
        throws CertificateException {
      target.checkClientTrusted(chain, authType, engine);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
        throws CertificateException {
      target.checkServerTrusted(chain, authType, engine);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
      target.checkClientTrusted(chain, authType);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
      target.checkServerTrusted(chain, authType);
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
      return target.getAcceptedIssuers();
    }
  }

  /**
   * Counts the requests that reach it and echoes what the application sees: {@code getUserPrincipal()},
   * {@code getAuthType()} and the {@code dev.lanyard.caller} attribute, one {@code key=value} a line.
   */
  static final class EchoServlet extends HttpServlet {
    private static final long serialVersionUID = 1L;
    private final transient AtomicInteger requests = new AtomicInteger();

    @Override
    protected void service(HttpServletRequest request, HttpServletResponse response) throws IOException {
      requests.incrementAndGet();
      Principal principal = request.getUserPrincipal();
      Object attribute = request.getAttribute(LanyardFilter.CALLER_ATTRIBUTE);
      StringBuilder body = new StringBuilder();
      body.append("method=").append(request.getMethod()).append('\n');
      body.append("principal=").append(principal == null ? "-" : principal.getName()).append('\n');
      body.append("authType=").append(request.getAuthType() == null ? "-" : request.getAuthType()).append('\n');
      if (attribute instanceof Caller) {
        Caller caller = (Caller) attribute;
        body.append("caller.id=").append(caller.id()).append('\n');
        body.append("caller.scopes=").append(String.join(" ", new TreeSet<>(caller.scopes()))).append('\n');
        body.append("caller.credentialType=").append(caller.credentialType()).append('\n');
        body.append("caller.tokenId=").append(caller.tokenId().orElse("-")).append('\n');
      } else {
        body.append("caller=").append(attribute == null ? "-" : attribute.getClass().getName()).append('\n');
      }
      response.setStatus(200);
      response.setContentType("text/plain;charset=UTF-8");
      response.getWriter().write(body.toString());
    }
  }
}
