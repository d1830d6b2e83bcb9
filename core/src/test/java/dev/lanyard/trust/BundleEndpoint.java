package dev.lanyard.trust;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.SSLContext;

/**
 * A bundle endpoint on a raw loopback socket (TLS or cleartext) whose behaviour a test switches: serve a document (with
 * extra headers, or its body dribbled out slowly), or send the status line, headers with a Content-Length and a few
 * bytes of body, then stall until the client gives up. It counts requests, so a test can see how often a source
 * fetched.
 * It counts the stalled connections the client closed, so a test can see that a hung fetch was really abandoned.
 */
final class BundleEndpoint implements AutoCloseable {
  private final ServerSocket server;
  private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "bundle-endpoint");
    t.setDaemon(true);
    return t;
  });
  private final AtomicReference<String> document = new AtomicReference<>();
  private final AtomicInteger status = new AtomicInteger(200);
  private volatile boolean stalling;
  private volatile String extraHeaders = "";
  private volatile long bodyMillis;
  private volatile CountDownLatch abandoned = new CountDownLatch(1);
  private final AtomicInteger requests = new AtomicInteger();
  private final String scheme;

  private BundleEndpoint(ServerSocket server, String scheme) {
    this.server = server;
    this.scheme = scheme;
    threads.execute(this::acceptLoop);
  }

  /** A TLS endpoint with {@code context}'s server key, reached as {@code https://localhost}. */
  static BundleEndpoint https(SSLContext context) throws IOException {
    return new BundleEndpoint(context.getServerSocketFactory().createServerSocket(0, 16,
        InetAddress.getLoopbackAddress()), "https");
  }

  /** A cleartext endpoint. */
  static BundleEndpoint http() throws IOException {
    return new BundleEndpoint(new ServerSocket(0, 16, InetAddress.getLoopbackAddress()), "http");
  }

  URI uri() {
    return URI.create(scheme + "://localhost:" + server.getLocalPort() + "/bundle");
  }

  /** Serves {@code json} with 200 from now on. */
  BundleEndpoint serve(String json) {
    document.set(json);
    status.set(200);
    stalling = false;
    return this;
  }

  /** Adds these header lines (each ending in CRLF) to every 200 answer from now on. */
  BundleEndpoint headers(String... lines) {
    StringBuilder sb = new StringBuilder();
    for (String line : lines) {
      sb.append(line).append("\r\n");
    }
    extraHeaders = sb.toString();
    return this;
  }

  /** Sends the body of every 200 answer in ten pieces spread over {@code total}, from now on (0: all at once). */
  BundleEndpoint bodyTakes(java.time.Duration total) {
    bodyMillis = total.toMillis();
    return this;
  }

  /** Answers {@code code} with a short body from now on. */
  BundleEndpoint fail(int code) {
    status.set(code);
    stalling = false;
    return this;
  }

  /** Stalls every response after its headers and a few bytes of body, from now on. */
  BundleEndpoint stall() {
    abandoned = new CountDownLatch(1);
    stalling = true;
    return this;
  }

  /** Waits until the client closed a stalled connection. */
  boolean awaitAbandoned(long seconds) throws InterruptedException {
    return abandoned.await(seconds, TimeUnit.SECONDS);
  }

  int requests() {
    return requests.get();
  }

  private void acceptLoop() {
    while (!server.isClosed()) {
      try {
        Socket socket = server.accept();
        try {
          threads.execute(() -> handle(socket));
        } catch (java.util.concurrent.RejectedExecutionException e) {
          socket.close(); // accepted while closing: refuse it rather than leave the client hanging
          return;
        }
      } catch (IOException e) {
        return;
      }
    }
  }

  private void handle(Socket socket) {
    try (socket) {
      socket.setSoTimeout(30_000);
      InputStream in = socket.getInputStream();
      readRequestHead(in);
      requests.incrementAndGet();
      OutputStream out = socket.getOutputStream();
      if (stalling) {
        CountDownLatch latch = abandoned;
        out.write(("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"keys\":")
            .getBytes(StandardCharsets.US_ASCII));
        out.flush();
        try {
          while (in.read() >= 0) {
            // the client sends nothing more; wait for it to close the connection
          }
        } catch (SocketTimeoutException e) {
          return;
        } catch (IOException e) {
          // a reset or TLS close: the client went away
        }
        latch.countDown();
        return;
      }
      int code = status.get();
      byte[] body = (code == 200 ? document.get() : "down").getBytes(StandardCharsets.UTF_8);
      out.write(("HTTP/1.1 " + code + " X\r\nContent-Type: application/json\r\nConnection: close\r\nContent-Length: "
          + body.length + "\r\n" + (code == 200 ? extraHeaders : "") + "\r\n").getBytes(StandardCharsets.US_ASCII));
      long millis = code == 200 ? bodyMillis : 0;
      if (millis == 0) {
        out.write(body);
      } else {
        int piece = (body.length + 9) / 10;
        for (int off = 0; off < body.length; off += piece) {
          out.write(body, off, Math.min(piece, body.length - off));
          out.flush();
          try {
            Thread.sleep(millis / 10); // the endpoint's own slowness, not the test's timing
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
          }
        }
      }
      out.flush();
    } catch (IOException e) {
      // the client went away
    }
  }

  private static void readRequestHead(InputStream in) throws IOException {
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    int b;
    while ((b = in.read()) >= 0) {
      head.write(b);
      byte[] bytes = head.toByteArray();
      int n = bytes.length;
      if (n >= 4 && bytes[n - 4] == '\r' && bytes[n - 3] == '\n' && bytes[n - 2] == '\r' && bytes[n - 1] == '\n') {
        return;
      }
      if (n > 16 * 1024) {
        throw new IOException("request head too long");
      }
    }
    throw new IOException("connection closed before the request head ended");
  }

  @Override
  public void close() throws IOException {
    server.close();
    threads.shutdownNow();
  }
}
