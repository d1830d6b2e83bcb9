package dev.lanyard.audit;

import dev.lanyard.internal.Json;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * One request decision: the caller (verified, or as claimed when the credential was rejected), the method and path,
 * the decision, and why. Holds no token, key or certificate. {@link #toJson()} (and {@link #toString()}) write it as
 * one line of JSON that request data cannot break out of.
 *
 * <p>Immutable.
 */
public final class AuditEvent {
  /** Longest caller written by {@link #toJson()}: a SPIFFE ID's maximum length, so a valid one is never cut. */
  static final int MAX_CALLER_LENGTH = 2048;
  /** Longest path, method, reason, rule or token id written by {@link #toJson()}. */
  static final int MAX_FIELD_LENGTH = 512;
  /** Most scopes written per scope array by {@link #toJson()}. */
  static final int MAX_SCOPES = 64;

  /** What was decided. */
  public enum Decision {
    /** A public endpoint: no credential needed. */
    PUBLIC,
    /** Authenticated and authorized. */
    ALLOWED,
    /** No credential where one is needed (401). */
    UNAUTHENTICATED,
    /** The credential was rejected (401); {@link #reason()} says why. */
    REJECTED,
    /** Authenticated but not authorized: no rule allows the caller (403). */
    DENIED,
    /** Authorized but the credential lacks scopes (403). */
    INSUFFICIENT_SCOPE,
    /** The request was malformed (400), e.g. two Authorization headers. */
    BAD_REQUEST,
    /** Trust could not be established for an infrastructure reason (503), e.g. the bundle is unavailable. */
    UNAVAILABLE
  }

  /** The kind of credential a caller presented. */
  public enum Credential {
    /** A JWT-SVID (or an OIDC token mapped to a SPIFFE ID) in the Authorization header. */
    JWT,
    /** An X.509-SVID as the TLS client certificate. */
    X509,
    /** Both, naming the same SPIFFE ID. */
    BOTH;

    /** The lower-case name written in JSON: {@code jwt}, {@code x509}, {@code both}. */
    public String jsonName() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  private final Instant time;
  private final Decision decision;
  private final @Nullable String caller;
  private final boolean callerVerified;
  private final @Nullable String method;
  private final @Nullable String path;
  private final @Nullable String reason;
  private final @Nullable String tokenId;
  private final @Nullable String rule;
  private final @Nullable String callee;
  private final @Nullable Credential credential;
  private final @Nullable String tokenHash;
  private final @Nullable String keyId;
  private final List<String> scopesPresented;
  private final List<String> scopesRequired;
  private final @Nullable String traceId;

  private AuditEvent(Builder b) {
    this.time = Objects.requireNonNull(b.time, "time");
    this.decision = Objects.requireNonNull(b.decision, "decision");
    this.caller = b.caller;
    this.callerVerified = b.callerVerified;
    this.method = b.method;
    this.path = b.path;
    this.reason = b.reason;
    this.tokenId = b.tokenId;
    this.rule = b.rule;
    this.callee = b.callee;
    this.credential = b.credential;
    this.tokenHash = b.tokenHash;
    this.keyId = b.keyId;
    this.scopesPresented = b.scopesPresented;
    this.scopesRequired = b.scopesRequired;
    this.traceId = b.traceId;
  }

  /** A builder. */
  public static Builder newBuilder(Instant time, Decision decision) {
    return new Builder(time, decision);
  }

  /** When it was decided. */
  public Instant time() {
    return time;
  }

  /** The decision. */
  public Decision decision() {
    return decision;
  }

  /** The caller's SPIFFE ID: verified when {@link #callerVerified()}, else as claimed by a rejected credential. */
  public Optional<String> caller() {
    return Optional.ofNullable(caller);
  }

  /** True when {@link #caller()} was verified. */
  public boolean callerVerified() {
    return callerVerified;
  }

  /** The HTTP method. */
  public Optional<String> method() {
    return Optional.ofNullable(method);
  }

  /** The request path. */
  public Optional<String> path() {
    return Optional.ofNullable(path);
  }

  /** Why: a rejection reason ({@code EXPIRED}, {@code UNTRUSTED_CHAIN}, …) or a policy outcome detail. */
  public Optional<String> reason() {
    return Optional.ofNullable(reason);
  }

  /** The token id of the JWT-SVID presented, if any. */
  public Optional<String> tokenId() {
    return Optional.ofNullable(tokenId);
  }

  /** The policy rule that decided ({@code source:line}), if any. */
  public Optional<String> rule() {
    return Optional.ofNullable(rule);
  }

  /** This service's SPIFFE ID: the callee of the decided call. */
  public Optional<String> callee() {
    return Optional.ofNullable(callee);
  }

  /** The kind of credential presented, if any. */
  public Optional<Credential> credential() {
    return Optional.ofNullable(credential);
  }

  /**
   * A short, non-reversible fingerprint of the presented token when it has no token id (see
   * {@link #tokenFingerprint(CharSequence)}); never the token.
   */
  public Optional<String> tokenHash() {
    return Optional.ofNullable(tokenHash);
  }

  /** The id of the key that signed the credential ({@code kid}), if known. */
  public Optional<String> keyId() {
    return Optional.ofNullable(keyId);
  }

  /** The scopes the credential presented (empty when none or unknown). */
  public List<String> scopesPresented() {
    return scopesPresented;
  }

  /** The scopes the deciding rule requires (empty when none). */
  public List<String> scopesRequired() {
    return scopesRequired;
  }

  /** The W3C trace id (32 lower-case hex digits) of the request's {@code traceparent} header, if valid. */
  public Optional<String> traceId() {
    return Optional.ofNullable(traceId);
  }

  /**
   * A token's audit fingerprint: the first 16 hex digits of its SHA-256, enough to correlate the events of one token
   * across services and logs without revealing it.
   */
  public static String tokenFingerprint(CharSequence token) {
    java.security.MessageDigest sha256;
    try {
      sha256 = java.security.MessageDigest.getInstance("SHA-256");
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required of every Java platform", e);
    }
    byte[] digest = sha256.digest(token.toString().getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    return java.util.HexFormat.of().formatHex(digest, 0, 8);
  }

  /**
   * The trace id of a W3C {@code traceparent} header value ({@code version-traceid-parentid-flags}), or null when the
   * value is absent or not valid per W3C Trace Context (wrong shape, upper-case hex, an all-zero id, version ff).
   */
  public static @Nullable String traceIdOf(@Nullable String traceparent) {
    if (traceparent == null || traceparent.length() < 55) {
      return null;
    }
    String v = traceparent;
    if (v.charAt(2) != '-' || v.charAt(35) != '-' || v.charAt(52) != '-'
        || !lowerHex(v, 0, 2) || !lowerHex(v, 3, 35) || !lowerHex(v, 36, 52) || !lowerHex(v, 53, 55)
        || v.startsWith("ff") || (v.startsWith("00") && v.length() != 55)
        || (v.length() > 55 && v.charAt(55) != '-')
        || allZero(v, 3, 35) || allZero(v, 36, 52)) {
      return null;
    }
    return v.substring(3, 35);
  }

  private static boolean lowerHex(String s, int from, int to) {
    for (int i = from; i < to; i++) {
      char c = s.charAt(i);
      if (!(c >= '0' && c <= '9') && !(c >= 'a' && c <= 'f')) {
        return false;
      }
    }
    return true;
  }

  private static boolean allZero(String s, int from, int to) {
    for (int i = from; i < to; i++) {
      if (s.charAt(i) != '0') {
        return false;
      }
    }
    return true;
  }

  /**
   * This event as one line of JSON: a single object of printable ASCII (no line break in any encoding), with the
   * members, in this order, {@code time} (ISO-8601), {@code decision}, {@code reason}, {@code caller},
   * {@code callerVerified} (always present), {@code method}, {@code path}, {@code rule}, {@code tokenId},
   * {@code callee}, {@code credential} ({@code jwt}, {@code x509} or {@code both}), {@code tokenHash}, {@code keyId},
   * {@code scopesPresented} and {@code scopesRequired} (arrays of strings, left out when empty), {@code traceId};
   * absent values are left out. Strings are escaped per RFC 8259, and every character outside printable ASCII (control characters,
   * line and paragraph separators, non-ASCII, lone surrogates) as {@code \}{@code uXXXX}, so no request data can
   * forge a member or a line. A value longer than its cap (2048 characters for the caller,
   * 512 for every other string) is cut there (never inside a surrogate pair) and its member
   * name is listed in a final {@code truncated} array. The accessors return the values uncut.
   */
  public String toJson() {
    StringBuilder sb = new StringBuilder(160 + length(path) + length(caller) + length(reason) + length(rule)
        + length(tokenId) + length(callee) + 96);
    sb.append("{\"time\":\"").append(time).append("\",\"decision\":\"").append(decision.name()).append('"');
    List<String> truncated = null;
    truncated = member(sb, "reason", reason, MAX_FIELD_LENGTH, truncated);
    truncated = member(sb, "caller", caller, MAX_CALLER_LENGTH, truncated);
    sb.append(",\"callerVerified\":").append(callerVerified);
    truncated = member(sb, "method", method, MAX_FIELD_LENGTH, truncated);
    truncated = member(sb, "path", path, MAX_FIELD_LENGTH, truncated);
    truncated = member(sb, "rule", rule, MAX_FIELD_LENGTH, truncated);
    truncated = member(sb, "tokenId", tokenId, MAX_FIELD_LENGTH, truncated);
    truncated = member(sb, "callee", callee, MAX_CALLER_LENGTH, truncated);
    if (credential != null) {
      sb.append(",\"credential\":\"").append(credential.jsonName()).append('"');
    }
    truncated = member(sb, "tokenHash", tokenHash, MAX_FIELD_LENGTH, truncated);
    truncated = member(sb, "keyId", keyId, MAX_FIELD_LENGTH, truncated);
    truncated = array(sb, "scopesPresented", scopesPresented, truncated);
    truncated = array(sb, "scopesRequired", scopesRequired, truncated);
    truncated = member(sb, "traceId", traceId, MAX_FIELD_LENGTH, truncated);
    if (truncated != null) {
      sb.append(",\"truncated\":[");
      for (int i = 0; i < truncated.size(); i++) {
        sb.append(i == 0 ? "\"" : ",\"").append(truncated.get(i)).append('"');
      }
      sb.append(']');
    }
    return sb.append('}').toString();
  }

  /** The same as {@link #toJson()}: one line of JSON, safe to log. */
  @Override
  public String toString() {
    return toJson();
  }

  private static int length(@Nullable String value) {
    return value == null ? 0 : Math.min(value.length(), MAX_CALLER_LENGTH);
  }

  /**
   * Appends {@code ,"name":["a","b"]} when there are values: at most {@link #MAX_SCOPES} of them, each cut to
   * {@link #MAX_FIELD_LENGTH}; the name is listed as truncated when anything was cut.
   */
  private static @Nullable List<String> array(StringBuilder sb, String name, List<String> values,
      @Nullable List<String> truncated) {
    if (values.isEmpty()) {
      return truncated;
    }
    boolean cut = values.size() > MAX_SCOPES;
    sb.append(",\"").append(name).append("\":[");
    for (int i = 0, n = Math.min(values.size(), MAX_SCOPES); i < n; i++) {
      String value = values.get(i);
      int end = value.length();
      if (end > MAX_FIELD_LENGTH) {
        end = cutAt(value, MAX_FIELD_LENGTH);
        cut = true;
      }
      if (i > 0) {
        sb.append(',');
      }
      Json.appendAsciiString(sb, value, end);
    }
    sb.append(']');
    if (cut) {
      if (truncated == null) {
        truncated = new ArrayList<>(2);
      }
      truncated.add(name);
    }
    return truncated;
  }

  /** Where to cut {@code value} (longer than {@code max}) so that no surrogate pair is split. */
  static int cutAt(String value, int max) {
    return Character.isHighSurrogate(value.charAt(max - 1)) && Character.isLowSurrogate(value.charAt(max))
        ? max - 1 : max;
  }

  /** Appends {@code ,"name":"value"} when there is a value; returns the truncated names, with this one if cut. */
  private static @Nullable List<String> member(StringBuilder sb, String name, @Nullable String value, int max,
      @Nullable List<String> truncated) {
    if (value == null) {
      return truncated;
    }
    int end = value.length();
    if (end > max) {
      end = cutAt(value, max);
      if (truncated == null) {
        truncated = new ArrayList<>(2);
      }
      truncated.add(name);
    }
    sb.append(",\"").append(name).append("\":");
    Json.appendAsciiString(sb, value, end);
    return truncated;
  }

  /** Builds an {@link AuditEvent}. */
  public static final class Builder {
    private final Instant time;
    private final Decision decision;
    private @Nullable String caller;
    private boolean callerVerified;
    private @Nullable String method;
    private @Nullable String path;
    private @Nullable String reason;
    private @Nullable String tokenId;
    private @Nullable String rule;
    private @Nullable String callee;
    private @Nullable Credential credential;
    private @Nullable String tokenHash;
    private @Nullable String keyId;
    private List<String> scopesPresented = List.of();
    private List<String> scopesRequired = List.of();
    private @Nullable String traceId;

    private Builder(Instant time, Decision decision) {
      this.time = time;
      this.decision = decision;
    }

    /** The caller and whether it was verified. */
    public Builder caller(@Nullable String caller, boolean verified) {
      this.caller = caller;
      this.callerVerified = caller != null && verified;
      return this;
    }

    /** The request. */
    public Builder request(@Nullable String method, @Nullable String path) {
      this.method = method;
      this.path = path;
      return this;
    }

    /** The reason. */
    public Builder reason(@Nullable String reason) {
      this.reason = reason;
      return this;
    }

    /** The token id. */
    public Builder tokenId(@Nullable String tokenId) {
      this.tokenId = tokenId;
      return this;
    }

    /** The deciding rule. */
    public Builder rule(@Nullable String rule) {
      this.rule = rule;
      return this;
    }

    /** This service's SPIFFE ID (the callee). */
    public Builder callee(@Nullable String callee) {
      this.callee = callee;
      return this;
    }

    /** The kind of credential presented. */
    public Builder credential(@Nullable Credential credential) {
      this.credential = credential;
      return this;
    }

    /** The token's fingerprint ({@link AuditEvent#tokenFingerprint(CharSequence)}), never the token. */
    public Builder tokenHash(@Nullable String tokenHash) {
      this.tokenHash = tokenHash;
      return this;
    }

    /** The id of the key that signed the credential. */
    public Builder keyId(@Nullable String keyId) {
      this.keyId = keyId;
      return this;
    }

    /** The scopes the credential presented. */
    public Builder scopesPresented(java.util.Collection<String> scopes) {
      this.scopesPresented = List.copyOf(scopes);
      return this;
    }

    /** The scopes the deciding rule requires. */
    public Builder scopesRequired(java.util.Collection<String> scopes) {
      this.scopesRequired = List.copyOf(scopes);
      return this;
    }

    /** The request's W3C trace id (see {@link AuditEvent#traceIdOf(String)}). */
    public Builder traceId(@Nullable String traceId) {
      this.traceId = traceId;
      return this;
    }

    /** The event. */
    public AuditEvent build() {
      return new AuditEvent(this);
    }
  }
}
