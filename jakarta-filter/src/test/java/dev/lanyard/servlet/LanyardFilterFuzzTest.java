package dev.lanyard.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.lanyard.audit.AuditEvent;
import dev.lanyard.authority.EmbeddedAuthority;
import dev.lanyard.policy.Caller;
import dev.lanyard.policy.Policy;
import dev.lanyard.spiffe.SpiffeId;
import dev.lanyard.spiffe.TrustDomain;
import dev.lanyard.x509.X509Svid;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.WriteListener;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.ByteArrayOutputStream;
import java.io.PrintWriter;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;

/**
 * Fuzzes the filter's request handling through {@link LanyardFilter#newBuilder()} and {@code doFilter}, with a
 * hand-written fake request and response (the servlet API is not ours; Tomcat runs in the other filter tests). Allowed
 * outcomes: the chain is reached, with one PUBLIC or ALLOWED audit event that policy agrees with; or a refusal with a
 * documented status (400, 401, 403, 503), {@code Cache-Control: no-store}, a JSON body without the credential, and
 * one audit event of the matching kind. Anything else, any exception out of {@code doFilter}, is a finding.
 *
 * <p>The input is UTF-8 text, one field per line: method; raw request URI; servlet path; path info (an empty line
 * for none); the client certificate ({@link #CHAINS}: {@code none}, {@code empty}, {@code orders}, {@code ledger},
 * {@code foreign}, {@code tampered}, {@code leaf-only-of-other-ca}); then {@code Name: value} header lines. In header
 * values {@code $ORDERS}, {@code $LEDGER}, {@code $EXPIRED} and {@code $FOREIGN} stand for real tokens.
 */
class LanyardFilterFuzzTest {
  private static final TrustDomain TD = TrustDomain.of("example.org");
  private static final String AUDIENCE = "spiffe://example.org/payments";
  private static final SpiffeId ORDERS = SpiffeId.parse("spiffe://example.org/orders");
  private static final SpiffeId LEDGER = SpiffeId.parse("spiffe://example.org/ledger");
  private static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");
  private static final Policy POLICY = Policy.parse(String.join("\n",
      "POST   /payments/charge  spiffe://example.org/orders                              payments:charge",
      "GET    /payments/**      spiffe://example.org/orders,spiffe://example.org/ledger  payments:read",
      "*      /health           public",
      "GET    /metrics          spiffe://example.org/*",
      "PUT    /a/*/c            any",
      ""), "fuzz-policy.txt");
  private static final Set<Integer> REFUSALS = Set.of(400, 401, 403, 503);

  private static final Map<String, String> TOKENS = new LinkedHashMap<>();
  private static final Map<String, X509Certificate[]> CHAINS = new HashMap<>();
  private static final List<AuditEvent> EVENTS = Collections.synchronizedList(new ArrayList<>());
  private static final LanyardFilter FILTER;

  static {
    Clock clock = Clock.fixed(NOW, ZoneOffset.UTC);
    EmbeddedAuthority authority = EmbeddedAuthority.newBuilder(TD).clock(clock).build();
    TOKENS.put("$ORDERS", authority.mintJwtSvid(ORDERS, AUDIENCE, "payments:charge", "payments:read").token());
    TOKENS.put("$LEDGER", authority.mintJwtSvid(LEDGER, AUDIENCE).token());
    EmbeddedAuthority past = EmbeddedAuthority.newBuilder(TD).clock(Clock.fixed(NOW.minus(Duration.ofHours(2)),
        ZoneOffset.UTC)).build();
    TOKENS.put("$EXPIRED", past.mintJwtSvid(ORDERS, AUDIENCE, "payments:charge").token());
    EmbeddedAuthority foreign = EmbeddedAuthority.newBuilder(TrustDomain.of("other.org")).clock(clock).build();
    TOKENS.put("$FOREIGN", foreign.mintJwtSvid(SpiffeId.parse("spiffe://other.org/orders"), AUDIENCE).token());

    CHAINS.put("empty", new X509Certificate[0]);
    CHAINS.put("orders", chain(authority.issueX509Svid(ORDERS)));
    CHAINS.put("ledger", chain(authority.issueX509Svid(LEDGER)));
    CHAINS.put("foreign", chain(foreign.issueX509Svid(SpiffeId.parse("spiffe://other.org/orders"))));
    CHAINS.put("leaf-only-of-other-ca", chain(past.issueX509Svid(ORDERS)));
    X509Certificate[] tampered = chain(authority.issueX509Svid(ORDERS));
    tampered[0] = tamper(tampered[0]);
    CHAINS.put("tampered", tampered);

    FILTER = LanyardFilter.newBuilder()
        .trustDomain(TD)
        .audience(AUDIENCE)
        .bundleSource(authority.bundleSource())
        .policy(POLICY)
        .revocations(authority.revocations())
        .clock(clock)
        .auditSink(EVENTS::add)
        .build();
  }

  @FuzzTest
  @Timeout(value = 10, unit = TimeUnit.SECONDS)
  void doFilter(byte[] input) throws Exception {
    String[] lines = new String(input, StandardCharsets.UTF_8).split("\n", -1);
    String method = field(lines, 0, "GET");
    String uri = field(lines, 1, "/");
    String servletPath = field(lines, 2, "");
    String pathInfo = field(lines, 3, "");
    X509Certificate[] certificates = CHAINS.get(field(lines, 4, "none"));
    Map<String, List<String>> headers = new LinkedHashMap<>();
    for (int i = 5; i < lines.length; i++) {
      int colon = lines[i].indexOf(':');
      if (colon <= 0) {
        continue;
      }
      String value = lines[i].substring(colon + 1).strip();
      for (Map.Entry<String, String> token : TOKENS.entrySet()) {
        value = value.replace(token.getKey(), token.getValue());
      }
      headers.computeIfAbsent(lines[i].substring(0, colon).strip().toLowerCase(Locale.ROOT), k -> new ArrayList<>())
          .add(value);
    }

    FakeRequest request = new FakeRequest(method, uri, servletPath, pathInfo.isEmpty() ? null : pathInfo, headers);
    if (certificates != null) {
      request.attributes.put("jakarta.servlet.request.X509Certificate", certificates);
    }
    FakeResponse response = new FakeResponse();
    List<ServletRequest> passed = new ArrayList<>();
    FilterChain chain = (req, res) -> passed.add(req);

    EVENTS.clear();
    FILTER.doFilter(request.proxy(), response.proxy(), chain);

    assertThat(EVENTS).as("one audit event per request").hasSize(1);
    AuditEvent event = EVENTS.get(0);
    String path = event.path().orElseThrow();
    if (!passed.isEmpty()) {
      assertThat(passed).hasSize(1);
      assertThat(response.status).as("a request passed on has no status set").isEqualTo(200);
      assertThat(event.decision()).isIn(AuditEvent.Decision.PUBLIC, AuditEvent.Decision.ALLOWED);
      if (event.decision() == AuditEvent.Decision.PUBLIC) {
        assertThat(POLICY.isPublic(method, path)).isTrue();
      } else {
        HttpServletRequest seen = (HttpServletRequest) passed.get(0);
        Caller caller = (Caller) request.attributes.get(LanyardFilter.CALLER_ATTRIBUTE);
        assertThat(caller).isNotNull();
        assertThat(seen.getUserPrincipal().getName()).isEqualTo(caller.id().toString());
        assertThat(POLICY.decide(method, path, caller).isAllowed()).isTrue();
      }
      return;
    }
    assertThat(REFUSALS).contains(response.status);
    assertThat(response.headers.get("cache-control")).isEqualTo("no-store");
    String body = response.body.toString(StandardCharsets.UTF_8);
    assertThat(body).startsWith("{\"error\":\"").endsWith("\"}");
    for (String token : TOKENS.values()) {
      assertThat(body).doesNotContain(token);
      assertThat(String.valueOf(response.headers.get("www-authenticate"))).doesNotContain(token);
    }
    AuditEvent.Decision expected;
    switch (response.status) {
      case 400:
        expected = AuditEvent.Decision.BAD_REQUEST;
        break;
      case 401:
        assertThat(response.headers.get("www-authenticate")).startsWith("Bearer ");
        expected = event.decision() == AuditEvent.Decision.UNAUTHENTICATED
            ? AuditEvent.Decision.UNAUTHENTICATED : AuditEvent.Decision.REJECTED;
        break;
      case 403:
        expected = event.decision() == AuditEvent.Decision.INSUFFICIENT_SCOPE
            ? AuditEvent.Decision.INSUFFICIENT_SCOPE : AuditEvent.Decision.DENIED;
        break;
      default:
        expected = AuditEvent.Decision.UNAVAILABLE;
    }
    assertThat(event.decision()).isEqualTo(expected);
  }

  private static String field(String[] lines, int index, String fallback) {
    return index < lines.length ? lines[index] : fallback;
  }

  private static X509Certificate[] chain(X509Svid svid) {
    return svid.chain().toArray(new X509Certificate[0]);
  }

  private static X509Certificate tamper(X509Certificate certificate) {
    try {
      byte[] der = certificate.getEncoded();
      der[der.length - 1] ^= 0x01;
      return (X509Certificate) java.security.cert.CertificateFactory.getInstance("X.509")
          .generateCertificate(new java.io.ByteArrayInputStream(der));
    } catch (java.security.GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A request with the fuzzed parts; anything else answers as a plain HTTP/1.1 request from loopback would. */
  private static final class FakeRequest {
    final String method;
    final String uri;
    final String servletPath;
    final String pathInfo;
    final Map<String, List<String>> headers;
    final Map<String, Object> attributes = new HashMap<>();

    FakeRequest(String method, String uri, String servletPath, String pathInfo, Map<String, List<String>> headers) {
      this.method = method;
      this.uri = uri;
      this.servletPath = servletPath;
      this.pathInfo = pathInfo;
      this.headers = headers;
    }

    HttpServletRequest proxy() {
      return (HttpServletRequest) Proxy.newProxyInstance(getClass().getClassLoader(),
          new Class<?>[] {HttpServletRequest.class}, (self, m, args) -> {
            int query = uri.indexOf('?');
            switch (m.getName()) {
              case "getMethod":
                return method;
              case "getRequestURI":
                return query < 0 ? uri : uri.substring(0, query);
              case "getQueryString":
                return query < 0 ? null : uri.substring(query + 1);
              case "getRequestURL":
                return new StringBuffer("http://localhost:8080").append(query < 0 ? uri : uri.substring(0, query));
              case "getContextPath":
                return "";
              case "getServletPath":
                return servletPath;
              case "getPathInfo":
                return pathInfo;
              case "getHeader": {
                List<String> values = headers.get(((String) args[0]).toLowerCase(Locale.ROOT));
                return values == null ? null : values.get(0);
              }
              case "getHeaders":
                return Collections.enumeration(
                    headers.getOrDefault(((String) args[0]).toLowerCase(Locale.ROOT), List.of()));
              case "getHeaderNames":
                return Collections.enumeration(headers.keySet());
              case "getAttribute":
                return attributes.get((String) args[0]);
              case "setAttribute":
                attributes.put((String) args[0], args[1]);
                return null;
              case "removeAttribute":
                attributes.remove((String) args[0]);
                return null;
              case "getAttributeNames":
                return Collections.enumeration(new ArrayList<>(attributes.keySet()));
              case "getScheme":
                return "http";
              case "getProtocol":
                return "HTTP/1.1";
              case "getServerName":
                return "localhost";
              case "getServerPort":
                return 8080;
              case "getRemoteAddr":
                return "127.0.0.1";
              case "getDispatcherType":
                return DispatcherType.REQUEST;
              case "toString":
                return "FakeRequest[" + method + "]";
              case "hashCode":
                return System.identityHashCode(self);
              case "equals":
                return self == args[0];
              default:
                return defaultValue(m.getReturnType());
            }
          });
    }
  }

  /** Records status, headers and body. */
  private static final class FakeResponse {
    int status = 200;
    final Map<String, String> headers = new HashMap<>();
    final ByteArrayOutputStream body = new ByteArrayOutputStream();

    HttpServletResponse proxy() {
      ServletOutputStream out = new ServletOutputStream() {
        @Override
        public void write(int b) {
          body.write(b);
        }

        @Override
        public boolean isReady() {
          return true;
        }

        @Override
        public void setWriteListener(WriteListener listener) {
          throw new UnsupportedOperationException();
        }
      };
      PrintWriter writer = new PrintWriter(out, true, StandardCharsets.UTF_8);
      return (HttpServletResponse) Proxy.newProxyInstance(getClass().getClassLoader(),
          new Class<?>[] {HttpServletResponse.class}, (self, m, args) -> {
            switch (m.getName()) {
              case "setStatus":
              case "sendError":
                status = (Integer) args[0];
                return null;
              case "getStatus":
                return status;
              case "setHeader":
              case "addHeader":
                headers.put(((String) args[0]).toLowerCase(Locale.ROOT), (String) args[1]);
                return null;
              case "getHeader":
                return headers.get(((String) args[0]).toLowerCase(Locale.ROOT));
              case "containsHeader":
                return headers.containsKey(((String) args[0]).toLowerCase(Locale.ROOT));
              case "setContentType":
                headers.put("content-type", (String) args[0]);
                return null;
              case "getOutputStream":
                return out;
              case "getWriter":
                return writer;
              case "resetBuffer":
                body.reset();
                return null;
              case "reset":
                body.reset();
                headers.clear();
                status = 200;
                return null;
              case "toString":
                return "FakeResponse[" + status + "]";
              case "hashCode":
                return System.identityHashCode(self);
              case "equals":
                return self == args[0];
              default:
                return defaultValue(m.getReturnType());
            }
          });
    }
  }

  private static Object defaultValue(Class<?> type) {
    if (type == boolean.class) {
      return false;
    }
    if (type == int.class) {
      return -1;
    }
    if (type == long.class) {
      return -1L;
    }
    return null;
  }
}
