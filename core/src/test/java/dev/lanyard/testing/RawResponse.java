package dev.lanyard.testing;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * One HTTP/1.1 GET on a plain loopback socket, the request target written byte for byte as given (an HTTP client
 * would normalise or refuse path tricks), and its response: status, headers (names lower case) and body (de-chunked).
 *
 * <p>Immutable once read; thread-safe.
 */
public final class RawResponse {
  public final int status;
  public final Map<String, String> headers;
  public final String body;

  private RawResponse(int status, Map<String, String> headers, String body) {
    this.status = status;
    this.headers = Collections.unmodifiableMap(new LinkedHashMap<>(headers));
    this.body = body;
  }

  /**
   * Sends {@code GET target} to {@code port} on loopback, with {@code Authorization: Bearer token} when a token is
   * given, and reads the whole response ({@code Connection: close}; 10 s read timeout).
   *
   * @throws IOException when the connection fails or the response has no complete head
   */
  public static RawResponse get(int port, String target, @Nullable String token) throws IOException {
    try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
      socket.setSoTimeout(10_000);
      StringBuilder request = new StringBuilder("GET ").append(target).append(" HTTP/1.1\r\n")
          .append("Host: localhost:").append(port).append("\r\n").append("Connection: close\r\n");
      if (token != null) {
        request.append("Authorization: Bearer ").append(token).append("\r\n");
      }
      request.append("\r\n");
      OutputStream out = socket.getOutputStream();
      out.write(request.toString().getBytes(StandardCharsets.ISO_8859_1));
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
      return new RawResponse(Integer.parseInt(lines[0].split(" ")[1]), headers, body);
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
}
