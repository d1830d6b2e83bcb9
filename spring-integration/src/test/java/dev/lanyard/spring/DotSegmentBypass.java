package dev.lanyard.spring;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;

/**
 * The reported dot-segment bypass: its policy, the raw request targets that probe it (sent with
 * {@link dev.lanyard.testing.RawResponse}, as an HTTP client would normalise or refuse them) and the application's
 * controllers, counting their calls.
 */
final class DotSegmentBypass {
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
