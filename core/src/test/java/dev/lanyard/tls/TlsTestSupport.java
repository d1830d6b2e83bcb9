package dev.lanyard.tls;

import dev.lanyard.x509.VerifiedX509Svid;
import dev.lanyard.x509.X509SvidRejectedException;
import dev.lanyard.x509.X509SvidVerifier;
import java.io.BufferedReader;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509ExtendedTrustManager;

/** Loopback TLS plumbing for the tests of this package: a recording trust manager, a raw echo server, a client. */
final class TlsTestSupport {
  private TlsTestSupport() {}

  /** A TLS context from key managers and one trust manager. */
  static SSLContext context(KeyManager[] keyManagers, TrustManager trustManager) {
    try {
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(keyManagers, new TrustManager[] {trustManager}, null);
      return context;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Client parameters of Lanyard, restricted to one protocol. */
  static SSLParameters clientParameters(SSLContext context, String protocol) {
    SSLParameters parameters = SpiffeTls.clientParameters(context);
    parameters.setProtocols(new String[] {protocol});
    return parameters;
  }

  /**
   * Wraps Lanyard's trust manager and records each decision: the chains it accepted (one per full handshake) and the
   * exceptions it threw, so that a test can see why the other side of a failed handshake was refused.
   */
  static final class RecordingTrustManager extends X509ExtendedTrustManager {
    private final X509ExtendedTrustManager delegate;
    final List<X509Certificate[]> accepted = new CopyOnWriteArrayList<>();
    final BlockingQueue<CertificateException> rejections = new LinkedBlockingQueue<>();

    RecordingTrustManager(X509ExtendedTrustManager delegate) {
      this.delegate = delegate;
    }

    private interface Check {
      void run() throws CertificateException;
    }

    private void record(X509Certificate[] chain, Check check) throws CertificateException {
      try {
        check.run();
      } catch (CertificateException e) {
        rejections.add(e);
        throw e;
      }
      accepted.add(chain.clone());
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
      record(chain, () -> delegate.checkClientTrusted(chain, authType));
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
      record(chain, () -> delegate.checkServerTrusted(chain, authType));
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
        throws CertificateException {
      record(chain, () -> delegate.checkClientTrusted(chain, authType, socket));
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
        throws CertificateException {
      record(chain, () -> delegate.checkServerTrusted(chain, authType, socket));
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
        throws CertificateException {
      record(chain, () -> delegate.checkClientTrusted(chain, authType, engine));
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
        throws CertificateException {
      record(chain, () -> delegate.checkServerTrusted(chain, authType, engine));
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
      return delegate.getAcceptedIssuers();
    }
  }

  /**
   * A line-based TLS server on 127.0.0.1: for each connection it reads one line and answers with the verified
   * client identity, {@code 200 <spiffe id> <serial>}, or {@code <status> <reason>} when {@link PeerIdentity}
   * rejects the session's peer. Connections are served one at a time.
   */
  static final class EchoServer implements AutoCloseable {
    private final SSLServerSocket serverSocket;
    private final X509SvidVerifier verifier;
    private final Thread thread;
    final List<String> clientSerials = new CopyOnWriteArrayList<>();
    final List<Throwable> errors = new CopyOnWriteArrayList<>();
    final AtomicInteger connections = new AtomicInteger();

    private final ExecutorService workers;

    EchoServer(SSLContext context, X509SvidVerifier verifier) throws IOException {
      this(context, verifier, 0);
    }

    /** With {@code workers > 0}, connections are served (and their handshakes run) concurrently. */
    EchoServer(SSLContext context, X509SvidVerifier verifier, int workers) throws IOException {
      this.verifier = verifier;
      this.workers = workers > 0 ? Executors.newFixedThreadPool(workers) : null;
      this.serverSocket = (SSLServerSocket) context.getServerSocketFactory()
          .createServerSocket(0, 50, InetAddress.getLoopbackAddress());
      serverSocket.setSSLParameters(SpiffeTls.serverParameters(context));
      this.thread = new Thread(this::serve, "tls-echo-server");
      thread.setDaemon(true);
      thread.start();
    }

    int port() {
      return serverSocket.getLocalPort();
    }

    private void serve() {
      while (!serverSocket.isClosed()) {
        SSLSocket socket;
        try {
          socket = (SSLSocket) serverSocket.accept();
        } catch (IOException e) {
          if (!serverSocket.isClosed()) {
            errors.add(e);
          }
          continue;
        }
        connections.incrementAndGet();
        if (workers == null) {
          serve(socket);
        } else {
          workers.execute(() -> serve(socket));
        }
      }
    }

    private void serve(SSLSocket socket) {
      try (socket) {
        socket.setSoTimeout(10_000);
        handle(socket);
      } catch (IOException | RuntimeException e) {
        if (!serverSocket.isClosed()) {
          errors.add(e);
        }
      }
    }

    private void handle(SSLSocket socket) throws IOException {
      BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
      String line = in.readLine();
      if (line == null) {
        return;
      }
      String reply;
      try {
        VerifiedX509Svid peer = PeerIdentity.of(socket.getSession(), verifier);
        clientSerials.add(peer.serial());
        reply = "200 " + peer.spiffeId() + " " + peer.serial();
      } catch (X509SvidRejectedException e) {
        reply = (e.reason() == X509SvidRejectedException.Reason.NOT_AUTHORIZED ? 403 : 401) + " " + e.reason();
      }
      Writer out = new OutputStreamWriter(socket.getOutputStream(), StandardCharsets.UTF_8);
      out.write(reply + "\n");
      out.flush();
    }

    @Override
    public void close() throws IOException, InterruptedException {
      serverSocket.close();
      thread.join(5_000);
      if (workers != null) {
        workers.shutdownNow();
        workers.awaitTermination(5, TimeUnit.SECONDS);
      }
    }
  }

  /** What a client saw of one exchange with an {@link EchoServer}. */
  record Exchange(String reply, String protocol, X509Certificate serverLeaf) {}

  /**
   * One request on a new connection. With {@code forgetSession} the client invalidates its session afterwards, so
   * that the next connection makes a full handshake instead of resuming.
   */
  static Exchange call(SSLContext context, String protocol, int port, boolean forgetSession) throws IOException {
    try (SSLSocket socket = (SSLSocket) context.getSocketFactory()
        .createSocket(InetAddress.getLoopbackAddress(), port)) {
      socket.setSSLParameters(clientParameters(context, protocol));
      socket.setSoTimeout(10_000);
      socket.startHandshake();
      Writer out = new OutputStreamWriter(socket.getOutputStream(), StandardCharsets.UTF_8);
      out.write("hello\n");
      out.flush();
      String reply = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8))
          .readLine();
      if (reply == null) {
        throw new EOFException("the server closed the connection without a reply");
      }
      SSLSession session = socket.getSession();
      Exchange exchange = new Exchange(reply, session.getProtocol(),
          (X509Certificate) session.getPeerCertificates()[0]);
      if (forgetSession) {
        session.invalidate();
      }
      return exchange;
    }
  }
}
