package dev.lanyard.internal;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.text.ParseException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The documents of a bundle endpoint and the one way they are answered, shared by the servlet of the filter module and
 * the command line's HTTPS server so that both serve the same bytes and headers: the SPIFFE bundle ({@code https_web}
 * profile), OpenID Connect discovery at {@value #DISCOVERY_PATH} and the JWKS its {@code jwks_uri} names, as SPIRE's
 * bundle endpoint and OIDC discovery provider serve them.
 *
 * <p>Each answer renders the <em>current</em> trust material (the supplier is asked on every request; a version is
 * rendered once and reused while the supplier returns the same instance). Only exact paths are served (the query
 * string plays no part), only {@code GET} and {@code HEAD} (405 with {@code Allow} otherwise); a 200 carries
 * {@code Content-Type: application/json}, {@code Cache-Control: public, max-age=<refresh hint in seconds>} and a strong
 * {@code ETag} ({@code If-None-Match} gives 304). A rendered document holding private key members ({@code d},
 * {@code p}, {@code q}, {@code dp}, {@code dq}, {@code qi}, {@code oth}, {@code k}) or a PEM private key is never
 * served (500, logged). Not API: public only for Lanyard's own modules.
 *
 * <p>Thread-safe: the last rendered version is a volatile field; two requests meeting a new version may both render
 * it.
 *
 * @param <T> the trust material (a trust bundle) the supplier hands out
 */
public final class TrustDocuments<T> {
  /** Where OpenID Connect discovery is served (the issuer's base URL plus this path, per OIDC Discovery §4). */
  public static final String DISCOVERY_PATH = "/.well-known/openid-configuration";
  /** The default path of the SPIFFE bundle. */
  public static final String DEFAULT_BUNDLE_PATH = "/.well-known/spiffe-bundle";
  /** The default path of the JWKS. */
  public static final String DEFAULT_JWKS_PATH = "/.well-known/jwks.json";
  /** The refresh hint served for a bundle that carries none: five minutes, SPIRE's default. */
  public static final Duration DEFAULT_REFRESH_HINT = Duration.ofMinutes(5);

  private static final Logger LOG = LoggerFactory.getLogger(TrustDocuments.class);
  private static final Set<String> PRIVATE_MEMBERS = Set.of("d", "p", "q", "dp", "dq", "qi", "oth", "k");
  private static final Pattern PATH = Pattern.compile("(/[A-Za-z0-9._~-]+)+|/");
  private static final Pattern BASE_URL = Pattern.compile(
      "https?://([A-Za-z0-9.-]+|\\[[0-9A-Fa-f:.]+\\])(:[0-9]{1,5})?(/[A-Za-z0-9._~%!$&'()*+,;=:@-]+)*");
  private static final int MAX_IF_NONE_MATCH = 8192;
  private static final byte[] NOT_FOUND = bytes("{\"error\":\"not_found\"}");
  private static final byte[] NOT_ALLOWED = bytes("{\"error\":\"method_not_allowed\"}");
  private static final byte[] BAD_REQUEST = bytes("{\"error\":\"bad_request\"}");
  private static final byte[] UNAVAILABLE = bytes("{\"error\":\"bundle_unavailable\"}");
  private static final byte[] SERVER_ERROR = bytes("{\"error\":\"server_error\"}");

  /** One version of the trust material as documents. */
  public static final class Documents {
    private final String bundleJson;
    private final String jwksJson;
    private final Duration refreshHint;

    /**
     * @param bundleJson the SPIFFE bundle (its {@code spiffe_refresh_hint} should be {@code refreshHint})
     * @param jwksJson the JWT keys as a plain JWK Set ({@code use: sig}, {@code kid}, {@code alg})
     * @param refreshHint how long consumers may cache the documents (at least one second is served)
     */
    public Documents(String bundleJson, String jwksJson, Duration refreshHint) {
      this.bundleJson = Objects.requireNonNull(bundleJson, "bundleJson");
      this.jwksJson = Objects.requireNonNull(jwksJson, "jwksJson");
      this.refreshHint = Objects.requireNonNull(refreshHint, "refreshHint");
    }
  }

  /** An answer: status, headers (in order) and body (empty for {@code HEAD}, 304 and 405 alike if so). */
  public static final class Response {
    private final int status;
    private final Map<String, String> headers;
    private final byte[] body;
    private final long contentLength;

    Response(int status, Map<String, String> headers, byte[] body, long contentLength) {
      this.status = status;
      this.headers = Collections.unmodifiableMap(new LinkedHashMap<>(headers));
      this.body = body;
      this.contentLength = contentLength;
    }

    /** The HTTP status. */
    public int status() {
      return status;
    }

    /** The headers to send, {@code Content-Length} excluded (see {@link #contentLength()}). */
    public Map<String, String> headers() {
      return headers;
    }

    /** The body to send: empty for {@code HEAD} and 304. */
    public byte[] body() {
      return body.clone();
    }

    /** The {@code Content-Length} to announce (for {@code HEAD}, that of the {@code GET}), or -1 for none (304). */
    public long contentLength() {
      return contentLength;
    }
  }

  /** One rendered version. */
  private static final class Rendered {
    final Object source;
    final byte[] bundle;
    final String bundleTag;
    final byte[] jwks;
    final String jwksTag;
    final List<String> algorithms;
    final long maxAge;

    Rendered(Object source, byte[] bundle, byte[] jwks, List<String> algorithms, long maxAge) {
      this.source = source;
      this.bundle = bundle;
      this.bundleTag = etag(bundle);
      this.jwks = jwks;
      this.jwksTag = etag(jwks);
      this.algorithms = algorithms;
      this.maxAge = maxAge;
    }
  }

  private final Supplier<T> current;
  private final Function<T, Documents> render;
  private final Set<String> bundlePaths;
  private final String jwksPath;
  private final @Nullable String issuer;
  private volatile @Nullable Rendered rendered;
  private volatile @Nullable String lastFailure;

  /**
   * @param current the current trust material, asked on every request; may throw (answered 503)
   * @param render renders one version of it
   * @param bundlePaths the exact paths of the SPIFFE bundle
   * @param jwksPath the exact path of the JWKS
   * @param issuer the OIDC issuer; when null, the base URL each request was made to
   * @throws IllegalArgumentException when a path is not a plain absolute path, two paths are the same, or the issuer
   *     is not an http(s) URL without query or fragment
   */
  public TrustDocuments(Supplier<T> current, Function<T, Documents> render, Collection<String> bundlePaths,
      String jwksPath, @Nullable String issuer) {
    this.current = Objects.requireNonNull(current, "current");
    this.render = Objects.requireNonNull(render, "render");
    Set<String> all = new TreeSet<>();
    all.add(DISCOVERY_PATH);
    for (String path : bundlePaths) {
      checkPath(path);
      if (!all.add(path)) {
        throw new IllegalArgumentException("path " + path + " is given twice");
      }
    }
    if (bundlePaths.isEmpty()) {
      throw new IllegalArgumentException("no bundle path");
    }
    checkPath(jwksPath);
    if (!all.add(jwksPath)) {
      throw new IllegalArgumentException("path " + jwksPath + " is given twice");
    }
    this.bundlePaths = Set.copyOf(bundlePaths);
    this.jwksPath = jwksPath;
    this.issuer = issuer == null ? null : checkIssuer(issuer);
  }

  /**
   * Checks a path to serve a document at: {@code /} or {@code /}-separated segments of unreserved characters.
   *
   * @throws IllegalArgumentException saying what is wrong
   */
  public static String checkPath(String path) {
    Objects.requireNonNull(path, "path");
    if (!PATH.matcher(path).matches() || Arrays.asList(path.split("/", -1)).contains("..")
        || Arrays.asList(path.split("/", -1)).contains(".")) {
      throw new IllegalArgumentException("'" + Text.printable(path) + "' is not a plain absolute path (like "
          + DEFAULT_BUNDLE_PATH + ")");
    }
    return path;
  }

  /**
   * Checks an OIDC issuer: an absolute {@code https} (or {@code http}) URL with a host and no user info, query or
   * fragment (OIDC Discovery §3).
   *
   * @throws IllegalArgumentException saying what is wrong
   */
  public static String checkIssuer(String issuer) {
    Objects.requireNonNull(issuer, "issuer");
    if (!BASE_URL.matcher(issuer).matches() && !BASE_URL.matcher(stripSlash(issuer)).matches()) {
      throw new IllegalArgumentException("'" + Text.printable(issuer) + "' is not an https URL without query or "
          + "fragment (like https://oidc.example.org)");
    }
    return issuer;
  }

  /** Every path served: the bundle paths, discovery and the JWKS. */
  public List<String> paths() {
    List<String> paths = new ArrayList<>(new TreeSet<>(bundlePaths));
    paths.add(DISCOVERY_PATH);
    paths.add(jwksPath);
    return List.copyOf(paths);
  }

  /**
   * Answers one request.
   *
   * @param method the request method
   * @param path the request path within the application, without the query string
   * @param baseUrl the URL the application was reached at ({@code scheme://host[:port][context path]}), for the
   *     discovery document when no issuer is set; one that does not look like a URL is answered 400
   * @param ifNoneMatch the {@code If-None-Match} header, if any
   */
  public Response answer(String method, String path, String baseUrl, @Nullable String ifNoneMatch) {
    boolean bundle = bundlePaths.contains(path);
    boolean discovery = DISCOVERY_PATH.equals(path);
    boolean jwks = jwksPath.equals(path);
    if (!bundle && !discovery && !jwks) {
      return error(404, NOT_FOUND, Map.of());
    }
    boolean head = "HEAD".equals(method);
    if (!head && !"GET".equals(method)) {
      return error(405, NOT_ALLOWED, Map.of("Allow", "GET, HEAD"));
    }
    Rendered version;
    try {
      T material = current.get();
      version = rendered(material);
    } catch (RenderException e) {
      failed("cannot serve the trust bundle: " + e.getMessage());
      return error(500, SERVER_ERROR, Map.of());
    } catch (RuntimeException e) {
      failed("trust bundle unavailable: " + e.getMessage());
      return error(503, UNAVAILABLE, Map.of("Retry-After", "5"));
    }
    byte[] body;
    String tag;
    if (bundle) {
      body = version.bundle;
      tag = version.bundleTag;
    } else if (jwks) {
      body = version.jwks;
      tag = version.jwksTag;
    } else {
      String base = stripSlash(issuer != null ? issuer : baseUrl);
      if (issuer == null && !BASE_URL.matcher(base).matches()) {
        return error(400, BAD_REQUEST, Map.of());
      }
      body = bytes(discovery(issuer != null ? issuer : base, base + jwksPath, version.algorithms));
      tag = etag(body);
    }
    Map<String, String> headers = new LinkedHashMap<>();
    headers.put("Cache-Control", "public, max-age=" + version.maxAge);
    headers.put("ETag", tag);
    if (matches(ifNoneMatch, tag)) {
      return new Response(304, headers, new byte[0], -1);
    }
    headers.put("Content-Type", "application/json");
    headers.put("Access-Control-Allow-Origin", "*");
    headers.put("X-Content-Type-Options", "nosniff");
    return new Response(200, headers, head ? new byte[0] : body, body.length);
  }

  private Rendered rendered(T material) {
    Rendered last = rendered;
    if (last != null && last.source == material) {
      return last;
    }
    Documents documents = render.apply(material);
    byte[] bundle = bytes(documents.bundleJson);
    byte[] jwks = bytes(documents.jwksJson);
    checkPublic(documents.bundleJson, "bundle");
    List<String> algorithms = checkPublic(documents.jwksJson, "JWKS");
    long maxAge = Math.max(1, documents.refreshHint.toSeconds());
    Rendered fresh = new Rendered(material, bundle, jwks, algorithms, maxAge);
    rendered = fresh;
    lastFailure = null;
    return fresh;
  }

  /** Refuses a document with private key material; returns the {@code alg}s of its keys, sorted. */
  private static List<String> checkPublic(String json, String what) {
    if (json.contains("PRIVATE KEY")) {
      throw new RenderException("the " + what + " holds a PEM private key");
    }
    Map<String, Object> document;
    try {
      document = Json.parseObject(json, 8);
    } catch (ParseException e) {
      throw new RenderException("the " + what + " is not a JSON object: " + e.getMessage());
    }
    Object keys = document.get("keys");
    if (!(keys instanceof List)) {
      throw new RenderException("the " + what + " has no \"keys\" array");
    }
    Set<String> algorithms = new TreeSet<>();
    for (Object key : (List<?>) keys) {
      if (!(key instanceof Map)) {
        throw new RenderException("the " + what + " holds a key that is not an object");
      }
      for (String member : PRIVATE_MEMBERS) {
        if (((Map<?, ?>) key).containsKey(member)) {
          throw new RenderException("the " + what + " holds private key material (\"" + member + "\")");
        }
      }
      Object alg = ((Map<?, ?>) key).get("alg");
      if (alg instanceof String) {
        algorithms.add((String) alg);
      }
    }
    return List.copyOf(algorithms);
  }

  /** The discovery document, with the members SPIRE's OIDC discovery provider serves. */
  private static String discovery(String issuer, String jwksUri, List<String> algorithms) {
    StringBuilder sb = new StringBuilder(256);
    sb.append("{\"issuer\":");
    Json.appendString(sb, issuer);
    sb.append(",\"jwks_uri\":");
    Json.appendString(sb, jwksUri);
    sb.append(",\"authorization_endpoint\":\"\",\"response_types_supported\":[\"id_token\"],")
        .append("\"subject_types_supported\":[\"public\"],\"id_token_signing_alg_values_supported\":[");
    for (int i = 0; i < algorithms.size(); i++) {
      if (i > 0) {
        sb.append(',');
      }
      Json.appendString(sb, algorithms.get(i));
    }
    return sb.append("]}").toString();
  }

  /** Whether {@code If-None-Match} names {@code tag} (weak comparison, RFC 9110 §13.1.2) or is {@code *}. */
  static boolean matches(@Nullable String ifNoneMatch, String tag) {
    if (ifNoneMatch == null || ifNoneMatch.length() > MAX_IF_NONE_MATCH) {
      return false;
    }
    for (String part : ifNoneMatch.split(",", -1)) {
      String candidate = part.strip();
      if (candidate.equals("*")) {
        return true;
      }
      if (candidate.startsWith("W/")) {
        candidate = candidate.substring(2);
      }
      if (candidate.equals(tag)) {
        return true;
      }
    }
    return false;
  }

  private void failed(String message) {
    String printable = Text.printable(message.replace('\n', ' '));
    if (!printable.equals(lastFailure)) {
      lastFailure = printable;
      LOG.warn("bundle endpoint: {}", message.length() > 300 ? message.substring(0, 300) + "..." : message);
    }
  }

  private static Response error(int status, byte[] body, Map<String, String> extra) {
    Map<String, String> headers = new LinkedHashMap<>(extra);
    headers.put("Cache-Control", "no-store");
    headers.put("Content-Type", "application/json");
    headers.put("X-Content-Type-Options", "nosniff");
    return new Response(status, headers, body, body.length);
  }

  private static String stripSlash(String url) {
    return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
  }

  private static String etag(byte[] body) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(body);
      return "\"" + Base64Url.encode(Arrays.copyOf(digest, 16)) + "\"";
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing", e);
    }
  }

  private static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  /** A rendered document that must not be served. */
  private static final class RenderException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    RenderException(String message) {
      super(message, null, false, false);
    }
  }

  @Override
  public String toString() {
    return "TrustDocuments" + paths() + (issuer == null ? "" : "[issuer=" + issuer + "]");
  }
}
