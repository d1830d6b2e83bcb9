package dev.lanyard.spring;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;

/**
 * One HTTP/1.1 GET on a plain socket with the request target written byte for byte as given (an HTTP client would
 * normalise or refuse path tricks), and the controllers of the reported dot-segment bypass, counting their calls.
 */
final class RawHttp {
  static final String NOT_NORMAL_BODY =
      "{\"error\":\"invalid_request\",\"error_description\":\"The request path is not in normal form\"}";

  /** The reported bypass: {@code /health} and {@code /api} public, {@code /admin/**} for ops only. */
  static final String[] POLICY = {
      "lanyard.policy.rules[0]=GET /health public",
      "lanyard.policy.rules[1]=GET /api public",
      "lanyard.policy.rules[2]=GET /admin/** spiffe://example.org/ops",
      "lanyard.policy.rules[3]=GET /api/orders/* spiffe://example.org/ops",
      "lanyard.policy.rules[4]=GET /files/* public"};

  /** Raw request targets that are not in normal form, each aimed at a protected controller through a public rule. */
  static final String[] PROBES = {
      "/admin/../health", "/admin/%2e%2e/health", "/admin/%2E%2E/health", "/admin/%252e%252e/health",
      "/admin/..;/health", "/admin/x;jsessionid=x", "/health;jsessionid=x", "/admin/x%2f..%2f..%2fhealth",
      "/admin/x%5c..%5c..%5chealth", "//admin/x", "/admin/./x", "/api/orders/..", "/api/orders/%2e%2e",
      "/admin/x%00", "/admin/%zz", "/admin/%3b/x"};

  final int status;
  final Map<String, String> headers;
  final String body;

  private RawHttp(int status, Map<String, String> headers, String body) {
    this.status = status;
    this.headers = headers;
    this.body = body;
  }

  static RawHttp get(int port, String target, String token) throws IOException {
    try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
      socket.setSoTimeout(10_000);
      StringBuilder request = new StringBuilder("GET ").append(target).append(" HTTP/1.1\r\nHost: localhost:")
          .append(port).append("\r\nConnection: close\r\n");
      if (token != null) {
        request.append("Authorization: Bearer ").append(token).append("\r\n");
      }
      OutputStream out = socket.getOutputStream();
      out.write(request.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      String text = new String(socket.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
      int end = text.indexOf("\r\n\r\n");
      if (end < 0) {
        throw new IOException("incomplete response for " + target + ": " + text);
      }
      String[] lines = text.substring(0, end).split("\r\n");
      Map<String, String> headers = new LinkedHashMap<>();
      for (int i = 1; i < lines.length; i++) {
        int colon = lines[i].indexOf(':');
        headers.put(lines[i].substring(0, colon).strip().toLowerCase(Locale.ROOT),
            lines[i].substring(colon + 1).strip());
      }
      String body = text.substring(end + 4);
      if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
        body = dechunk(body);
      }
      return new RawHttp(Integer.parseInt(lines[0].split(" ")[1]), headers, body);
    }
  }

  private static String dechunk(String chunked) {
    StringBuilder body = new StringBuilder();
    int at = 0;
    while (true) {
      int lineEnd = chunked.indexOf("\r\n", at);
      int size = Integer.parseInt(chunked.substring(at, lineEnd).strip(), 16);
      if (size == 0) {
        return body.toString();
      }
      body.append(chunked, lineEnd + 2, lineEnd + 2 + size);
      at = lineEnd + 2 + size + 2;
    }
  }

  @Override
  public String toString() {
    return status + " " + body;
  }

  /** The application's controllers: counts the calls of each. */
  @RestController
  static class Controllers {
    final Map<String, AtomicInteger> calls = new ConcurrentHashMap<>();

    int calls(String handler) {
      AtomicInteger count = calls.get(handler);
      return count == null ? 0 : count.get();
    }

    /** Calls of every handler so far. */
    int total() {
      return calls.values().stream().mapToInt(AtomicInteger::get).sum();
    }

    private String called(String handler) {
      calls.computeIfAbsent(handler, h -> new AtomicInteger()).incrementAndGet();
      return handler;
    }

    @GetMapping("/health")
    String health() {
      return called("health");
    }

    @GetMapping("/api")
    String api() {
      return called("api");
    }

    @GetMapping("/admin/**")
    String admin() {
      return called("admin");
    }

    @GetMapping("/api/orders/{id}")
    String order(@PathVariable("id") String id) {
      return called("order");
    }

    @GetMapping("/files/{name}")
    String file(@PathVariable("name") String name) {
      return called("file:" + name);
    }
  }
}
