package dev.lanyard.cli;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;
import dev.lanyard.authority.EmbeddedAuthority;
import dev.lanyard.internal.Certificates;
import dev.lanyard.internal.TrustDocuments;
import dev.lanyard.internal.WatchedFile;
import dev.lanyard.trust.TrustBundle;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code lanyard authority serve}: the authority's SPIFFE bundle, OIDC discovery and JWKS over HTTPS, with the JDK's
 * HTTP server (no servlet container), answered exactly as {@code BundleEndpointServlet} answers them (both use
 * {@link TrustDocuments}). Runs until SIGINT or SIGTERM (or, in-process, until its thread is interrupted), then stops
 * and exits 0.
 */
@Command(name = "serve", mixinStandardHelpOptions = true,
    description = {"Serve the authority's trust bundle (SPIFFE bundle JSON, https_web profile), OIDC discovery and "
        + "JWKS over HTTPS until stopped with SIGINT or SIGTERM.",
        "Paths: / and " + TrustDocuments.DEFAULT_BUNDLE_PATH + " (bundle), " + TrustDocuments.DISCOVERY_PATH + ", "
            + TrustDocuments.DEFAULT_JWKS_PATH + ". The bundle follows the directory: a rotation by another process "
            + "shows within a second."})
final class ServeCommand implements Callable<Integer> {
  /** Largest TLS certificate or key file read. */
  static final int MAX_TLS_FILE = 1024 * 1024;
  private static final Logger LOG = LoggerFactory.getLogger(ServeCommand.class);

  @Spec
  CommandSpec spec;

  @Option(names = "--dir", required = true, paramLabel = "DIR", description = "The authority's directory.")
  Path dir;

  @Option(names = "--port", paramLabel = "N", defaultValue = "8443",
      description = "Port to listen on (default 8443); 0 picks a free one (the URL printed says which).")
  int port;

  @Option(names = "--address", paramLabel = "ADDR",
      description = "Address to listen on (default: all addresses; 127.0.0.1 with --insecure-http).")
  @Nullable String address;

  @Option(names = "--tls-cert", paramLabel = "FILE",
      description = "The server's certificate chain (PEM, its own certificate first). Needs --tls-key.")
  @Nullable Path tlsCert;

  @Option(names = "--tls-key", paramLabel = "FILE",
      description = "The server's private key (PEM, unencrypted PKCS#8). Needs --tls-cert.")
  @Nullable Path tlsKey;

  @Option(names = "--issuer", paramLabel = "URL",
      description = "The OIDC issuer of the discovery document (default: the URL each request was made to).")
  @Nullable String issuer;

  @Option(names = "--insecure-http",
      description = "INSECURE: serve cleartext http on a loopback address instead of https, for tests only.")
  boolean insecureHttp;

  @Mixin
  AuditOptions audit;

  @Override
  public Integer call() throws Exception {
    if (port < 0 || port > 65535) {
      throw new ParameterException(spec.commandLine(), "--port must be 0 to 65535, not " + port);
    }
    if ((tlsCert == null) != (tlsKey == null)) {
      throw new ParameterException(spec.commandLine(), "--tls-cert and --tls-key go together: give both");
    }
    if (tlsCert == null && !insecureHttp) {
      throw new ParameterException(spec.commandLine(),
          "--tls-cert and --tls-key are required (or --insecure-http, for tests on loopback only)");
    }
    if (tlsCert != null && insecureHttp) {
      throw new ParameterException(spec.commandLine(), "--insecure-http and --tls-cert exclude each other");
    }
    String host = address != null ? address.strip() : insecureHttp ? "127.0.0.1" : null;
    InetAddress bind = null;
    if (host != null) {
      try {
        bind = InetAddress.getByName(host);
      } catch (UnknownHostException e) {
        throw new ParameterException(spec.commandLine(), "--address " + host + " is not a known address");
      }
      if (insecureHttp && !bind.isLoopbackAddress()) {
        throw new ParameterException(spec.commandLine(),
            "--address " + host + " is not a loopback address: --insecure-http serves on loopback only");
      }
    }
    String issuerUrl = null;
    if (issuer != null) {
      try {
        issuerUrl = TrustDocuments.checkIssuer(issuer.strip());
      } catch (IllegalArgumentException e) {
        throw new ParameterException(spec.commandLine(), "--issuer " + e.getMessage());
      }
    }
    SSLContext tls = insecureHttp ? null : tlsContext(tlsCert, tlsKey);
    try (CliAudit trail = audit.open()) {
      return serve(tls, host, bind, issuerUrl, trail);
    }
  }

  /**
   * Serves until stopped. Each (re-)opening of the directory does the authority's due maintenance (a key retired, an
   * expired one dropped), recorded to {@code trail}; changes made by other processes are theirs to audit.
   */
  private int serve(@Nullable SSLContext tls, @Nullable String host, @Nullable InetAddress bind,
      @Nullable String issuerUrl, CliAudit trail) {
    Clock clock = Lanyard.clock(spec);
    Path directory = dir;
    WatchedFile<EmbeddedAuthority> authority = new WatchedFile<>(directory.resolve("authority.json"),
        Duration.ofSeconds(1), clock, file -> EmbeddedAuthority.open(directory, clock, trail), "authority directory",
        "authority", LOG);
    authority.current();
    TrustDocuments<TrustBundle> documents = new TrustDocuments<>(() -> authority.current().bundle(),
        bundle -> new TrustDocuments.Documents(bundle.toJson(), bundle.toJwksJson(),
            bundle.refreshHint().orElse(TrustDocuments.DEFAULT_REFRESH_HINT)),
        List.of("/", TrustDocuments.DEFAULT_BUNDLE_PATH), TrustDocuments.DEFAULT_JWKS_PATH, issuerUrl);

    InetSocketAddress socket = bind == null ? new InetSocketAddress(port) : new InetSocketAddress(bind, port);
    HttpServer server;
    try {
      if (tls != null) {
        HttpsServer https = HttpsServer.create(socket, 0);
        https.setHttpsConfigurator(new HttpsConfigurator(tls) {
          @Override
          public void configure(HttpsParameters params) {
            SSLParameters parameters = tls.getDefaultSSLParameters();
            parameters.setProtocols(new String[] {"TLSv1.3", "TLSv1.2"});
            parameters.setNeedClientAuth(false);
            params.setSSLParameters(parameters);
          }
        });
        server = https;
      } else {
        server = HttpServer.create(socket, 0);
      }
    } catch (IOException e) {
      throw new CliException("cannot listen on " + (host == null ? "" : host) + ":" + port + ": " + e.getMessage());
    }
    String scheme = tls != null ? "https" : "http";
    String shown = host == null ? "localhost" : host.indexOf(':') >= 0 ? "[" + host + "]" : host;
    String url = scheme + "://" + shown + ":" + server.getAddress().getPort();
    ExecutorService workers = Executors.newFixedThreadPool(4, new Workers());
    server.createContext("/", exchange -> answer(documents, exchange, scheme, url));
    server.setExecutor(workers);

    CountDownLatch stop = new CountDownLatch(1);
    List<Object> previous = Signals.handle(stop);
    server.start();
    try {
      PrintWriter err = spec.commandLine().getErr();
      if (tls == null) {
        err.println("lanyard: WARNING: --insecure-http: serving the trust bundle over cleartext http. Anyone who can "
            + "reach " + url + " or the path to it can replace the keys its consumers trust. For tests only.");
        err.flush();
      }
      Map<String, Object> out = new LinkedHashMap<>();
      out.put("url", url);
      out.put("bundle", url + TrustDocuments.DEFAULT_BUNDLE_PATH);
      out.put("discovery", url + TrustDocuments.DISCOVERY_PATH);
      out.put("jwks", url + TrustDocuments.DEFAULT_JWKS_PATH);
      out.put("trustDomain", authority.current().trustDomain().name());
      out.put("dir", directory.toAbsolutePath().toString());
      out.put("refreshHintSeconds",
          authority.current().bundle().refreshHint().orElse(TrustDocuments.DEFAULT_REFRESH_HINT).toSeconds());
      Output.json(spec, out);
      try {
        stop.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    } finally {
      server.stop(0);
      workers.shutdownNow();
      Signals.restore(previous);
    }
    return 0;
  }

  private static void answer(TrustDocuments<TrustBundle> documents, HttpExchange exchange, String scheme,
      String url) throws IOException {
    try {
      String host = exchange.getRequestHeaders().getFirst("Host");
      String base = host == null ? url : scheme + "://" + host;
      TrustDocuments.Response answer = documents.answer(exchange.getRequestMethod(),
          String.valueOf(exchange.getRequestURI().getRawPath()), base,
          exchange.getRequestHeaders().getFirst("If-None-Match"));
      answer.headers().forEach((name, value) -> exchange.getResponseHeaders().set(name, value));
      byte[] body = answer.body();
      if (body.length == 0) {
        if (answer.contentLength() >= 0) {
          exchange.getResponseHeaders().set("Content-Length", Long.toString(answer.contentLength()));
        }
        exchange.sendResponseHeaders(answer.status(), -1);
      } else {
        exchange.sendResponseHeaders(answer.status(), body.length);
        try (OutputStream out = exchange.getResponseBody()) {
          out.write(body);
        }
      }
    } finally {
      exchange.close();
    }
  }

  /** The server's TLS context: its key and certificate chain from PEM files, the key checked against the chain. */
  private SSLContext tlsContext(Path certFile, Path keyFile) {
    List<X509Certificate> chain;
    byte[] certBytes = CliFiles.read(certFile, "TLS certificate", MAX_TLS_FILE);
    try {
      chain = Certificates.parsePem(new String(certBytes, StandardCharsets.ISO_8859_1));
    } catch (CertificateException | IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), "--tls-cert " + certFile
          + " holds a PEM certificate that cannot be parsed");
    }
    if (chain.isEmpty()) {
      throw new ParameterException(spec.commandLine(), "--tls-cert " + certFile + " holds no PEM CERTIFICATE block");
    }
    byte[] keyBytes = CliFiles.read(keyFile, "TLS key", MAX_TLS_FILE);
    PrivateKey key;
    try {
      key = Certificates.parsePrivateKeyPem(new String(keyBytes, StandardCharsets.ISO_8859_1));
    } catch (GeneralSecurityException | IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), "--tls-key " + keyFile + " is not an unencrypted PKCS#8 "
          + "private key in PEM (convert one with: openssl pkcs8 -topk8 -nocrypt)");
    } finally {
      Arrays.fill(keyBytes, (byte) 0);
    }
    if (!matches(key, chain.get(0).getPublicKey())) {
      throw new ParameterException(spec.commandLine(), "--tls-key " + keyFile + " is not the key of the first "
          + "certificate of --tls-cert " + certFile);
    }
    try {
      char[] password = new char[0];
      KeyStore store = KeyStore.getInstance("PKCS12");
      store.load(null, null);
      store.setKeyEntry("server", key, password, chain.toArray(new Certificate[0]));
      KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      keys.init(store, password);
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(keys.getKeyManagers(), null, null);
      return context;
    } catch (GeneralSecurityException | IOException e) {
      throw new CliException("cannot use --tls-cert " + certFile + " and --tls-key " + keyFile + ": "
          + e.getMessage());
    }
  }

  /** Whether {@code key} signs what {@code publicKey} verifies. */
  private static boolean matches(PrivateKey key, PublicKey publicKey) {
    String algorithm;
    switch (key.getAlgorithm()) {
      case "EC":
        algorithm = "SHA256withECDSA";
        break;
      case "RSA":
        algorithm = "SHA256withRSA";
        break;
      default:
        algorithm = key.getAlgorithm();
    }
    try {
      byte[] probe = "lanyard serve key check".getBytes(StandardCharsets.US_ASCII);
      Signature signer = Signature.getInstance(algorithm);
      signer.initSign(key);
      signer.update(probe);
      byte[] signature = signer.sign();
      Signature verifier = Signature.getInstance(algorithm);
      verifier.initVerify(publicKey);
      verifier.update(probe);
      return verifier.verify(signature);
    } catch (GeneralSecurityException | RuntimeException e) {
      return false;
    }
  }

  /** Daemon worker threads, so that a stuck exchange never keeps the JVM alive. */
  private static final class Workers implements ThreadFactory {
    private final AtomicInteger count = new AtomicInteger();

    @Override
    public Thread newThread(Runnable task) {
      Thread thread = new Thread(task, "lanyard-serve-" + count.incrementAndGet());
      thread.setDaemon(true);
      return thread;
    }
  }

  /**
   * SIGINT and SIGTERM stop the server and let the command return 0 (with the JVM's default handling the exit status
   * would be 130 or 143). Where the signals cannot be handled (a JVM run with {@code -Xrs}, say), the defaults stay.
   */
  static final class Signals {
    private Signals() {}

    @SuppressWarnings("removal")
    static List<Object> handle(CountDownLatch stop) {
      List<Object> previous = new java.util.ArrayList<>();
      for (String name : List.of("INT", "TERM")) {
        try {
          sun.misc.Signal signal = new sun.misc.Signal(name);
          sun.misc.SignalHandler old = sun.misc.Signal.handle(signal, s -> stop.countDown());
          previous.add(signal);
          previous.add(old);
        } catch (IllegalArgumentException | UnsupportedOperationException | LinkageError e) {
          // not handled here: the JVM's default applies
        }
      }
      return previous;
    }

    static void restore(List<Object> previous) {
      for (int i = 0; i + 1 < previous.size(); i += 2) {
        try {
          sun.misc.Signal.handle((sun.misc.Signal) previous.get(i), (sun.misc.SignalHandler) previous.get(i + 1));
        } catch (IllegalArgumentException | UnsupportedOperationException e) {
          // leave it
        }
      }
    }
  }
}
