package dev.lanyard.authority;

import com.nimbusds.jose.util.JSONObjectUtils;
import dev.lanyard.internal.Certificates;
import dev.lanyard.jose.JwtAlgorithm;
import dev.lanyard.spiffe.TrustDomain;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.security.spec.X509EncodedKeySpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The formats of an authority's files, as text: {@code authority.json} ({@value AuthorityStore#FORMAT}: settings and
 * key metadata, no key material), {@code revocations.json} ({@value AuthorityStore#REVOCATIONS_FORMAT}) and the PEM
 * key files (PKCS#8 private key, SPKI public key for JWT keys, certificate chain for CAs). No file access: key files
 * are read through a {@link KeyFiles}.
 *
 * <p>Thread-safe: stateless.
 */
final class StoreFormat {
  private StoreFormat() {}

  /** Reads the key files a metadata document names. */
  interface KeyFiles {
    /** The parsed key file {@code name} ({@code <kid>.pem}); throws {@link AuthorityStoreException} naming it. */
    KeyFile read(String name);

    /** Where key file {@code name} is, for messages. */
    Path path(String name);
  }

  /** A key file: the private key, the public key (JWT keys) and the certificate chain (CAs, upstream). */
  static final class KeyFile {
    final PrivateKey privateKey;
    final @Nullable PublicKey publicKey;
    final List<X509Certificate> chain;

    KeyFile(PrivateKey privateKey, @Nullable PublicKey publicKey, List<X509Certificate> chain) {
      this.privateKey = privateKey;
      this.publicKey = publicKey;
      this.chain = chain;
    }
  }

  static byte[] keyFile(PrivateKey privateKey, @Nullable PublicKey publicKey, List<X509Certificate> chain) {
    StringBuilder text = new StringBuilder(Certificates.pem("PRIVATE KEY", privateKey.getEncoded()));
    if (publicKey != null) {
      text.append(Certificates.pem("PUBLIC KEY", publicKey.getEncoded()));
    }
    text.append(Certificates.pem(chain));
    return text.toString().getBytes(StandardCharsets.US_ASCII);
  }

  /**
   * Parses a key file's text.
   *
   * @throws GeneralSecurityException or {@link IllegalArgumentException} when it is corrupt (the message may quote
   *     key bytes: never show it)
   */
  static KeyFile parseKeyFile(String text) throws GeneralSecurityException {
    PrivateKey privateKey = Certificates.parsePrivateKeyPem(text);
    List<byte[]> publicBlocks = Certificates.pemBlocks(text, "PUBLIC KEY");
    PublicKey publicKey = null;
    if (!publicBlocks.isEmpty()) {
      publicKey = KeyFactory.getInstance(privateKey.getAlgorithm())
          .generatePublic(new X509EncodedKeySpec(publicBlocks.get(0)));
    }
    return new KeyFile(privateKey, publicKey, Certificates.parsePem(text));
  }

  static String metadata(AuthorityStore.Snapshot s) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("format", AuthorityStore.FORMAT);
    m.put("trustDomain", s.trustDomain.name());
    m.put("jwtAlgorithm", s.settings.jwtAlgorithm.name());
    m.put("jwtKeyLifetimeSeconds", s.settings.jwtKeyLifetime.toSeconds());
    m.put("defaultJwtSvidTtlSeconds", s.settings.defaultJwtSvidTtl.toSeconds());
    m.put("maxJwtSvidTtlSeconds", s.settings.maxJwtSvidTtl.toSeconds());
    m.put("bundleRefreshHintSeconds", s.settings.bundleRefreshHint.toSeconds());
    if (s.settings.jwtIssuer != null) {
      m.put("jwtIssuer", s.settings.jwtIssuer);
    }
    m.put("caKeyType", s.settings.caKeyType.name());
    m.put("caLifetimeSeconds", s.settings.caLifetime.toSeconds());
    m.put("defaultX509SvidTtlSeconds", s.settings.defaultX509SvidTtl.toSeconds());
    m.put("maxX509SvidTtlSeconds", s.settings.maxX509SvidTtl.toSeconds());
    m.put("upstream", s.upstream != null);
    m.put("sequence", s.sequence);
    List<Object> keys = new ArrayList<>();
    for (SigningKey key : s.keys) {
      Map<String, Object> k = new LinkedHashMap<>();
      k.put("kid", key.keyId);
      if (key.kind == SigningKey.Kind.JWT) {
        k.put("kind", "jwt");
        k.put("alg", Objects.requireNonNull(key.algorithm, "algorithm").name());
      } else {
        k.put("kind", "x509-ca");
        k.put("keyType", Objects.requireNonNull(key.caKeyType, "caKeyType").name());
      }
      k.put("createdAt", key.createdAt.toString());
      k.put("notAfter", key.notAfter.toString());
      if (key.activatedAt != null) {
        k.put("activatedAt", key.activatedAt.toString());
      }
      if (key.retiredAt != null) {
        k.put("retiredAt", key.retiredAt.toString());
      }
      k.put("tainted", key.tainted);
      keys.add(k);
    }
    m.put("keys", keys);
    return JSONObjectUtils.toJSONString(m) + "\n";
  }

  /**
   * The authority described by a parsed {@code authority.json}, its keys read through {@code files}.
   *
   * @throws AuthorityStoreException naming {@code metadataFile} when it is not ours or corrupt, or a key file when
   *     that is missing or corrupt
   */
  static AuthorityStore.Snapshot parseMetadata(Map<String, Object> m, Path metadataFile, KeyFiles files) {
    if (!AuthorityStore.FORMAT.equals(m.get("format"))) {
      throw new AuthorityStoreException(metadataFile + " is not a Lanyard authority (format is not "
          + AuthorityStore.FORMAT + ")");
    }
    try {
      TrustDomain trustDomain = TrustDomain.of(string(m, "trustDomain"));
      AuthoritySettings settings = new AuthoritySettings(
          JwtAlgorithm.valueOf(string(m, "jwtAlgorithm")),
          Duration.ofSeconds(number(m, "jwtKeyLifetimeSeconds")),
          Duration.ofSeconds(number(m, "defaultJwtSvidTtlSeconds")),
          Duration.ofSeconds(number(m, "maxJwtSvidTtlSeconds")),
          Duration.ofSeconds(number(m, "bundleRefreshHintSeconds")),
          m.get("jwtIssuer") instanceof String ? (String) m.get("jwtIssuer") : null,
          Certificates.KeyType.valueOf(string(m, "caKeyType")),
          Duration.ofSeconds(number(m, "caLifetimeSeconds")),
          Duration.ofSeconds(number(m, "defaultX509SvidTtlSeconds")),
          Duration.ofSeconds(number(m, "maxX509SvidTtlSeconds")));
      UpstreamCa upstream = Boolean.TRUE.equals(m.get("upstream")) ? readUpstream(files) : null;
      long sequence = number(m, "sequence");
      Object keysValue = m.get("keys");
      if (!(keysValue instanceof List)) {
        throw new IllegalArgumentException("no keys array");
      }
      List<SigningKey> keys = new ArrayList<>();
      Set<String> seen = new HashSet<>();
      for (Object k : (List<?>) keysValue) {
        if (!(k instanceof Map)) {
          throw new IllegalArgumentException("a key entry is not an object");
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> key = (Map<String, Object>) k;
        String kid = string(key, "kid");
        if (!isSafeKeyId(kid)) {
          throw new IllegalArgumentException("a key id is not safe as a file name");
        }
        if (!seen.add(kid)) {
          throw new IllegalArgumentException("key " + kid + " is listed twice");
        }
        boolean tainted = Boolean.TRUE.equals(key.get("tainted"));
        if ("x509-ca".equals(key.get("kind"))) {
          KeyFile file = files.read(kid + ".pem");
          if (file.chain.isEmpty()) {
            throw new AuthorityStoreException("key file " + files.path(kid + ".pem") + " holds no certificate");
          }
          keys.add(SigningKey.ca(kid, Certificates.KeyType.valueOf(string(key, "keyType")),
              new KeyPair(file.chain.get(0).getPublicKey(), file.privateKey), file.chain, instant(key, "createdAt"),
              optionalInstant(key, "activatedAt"), optionalInstant(key, "retiredAt"), tainted));
        } else {
          JwtAlgorithm algorithm = JwtAlgorithm.valueOf(string(key, "alg"));
          KeyFile file = files.read(kid + ".pem");
          if (file.publicKey == null) {
            throw new AuthorityStoreException("key file " + files.path(kid + ".pem") + " holds no public key");
          }
          keys.add(SigningKey.jwt(kid, algorithm, new KeyPair(file.publicKey, file.privateKey),
              instant(key, "createdAt"), instant(key, "notAfter"), optionalInstant(key, "activatedAt"),
              optionalInstant(key, "retiredAt"), tainted));
        }
      }
      return new AuthorityStore.Snapshot(trustDomain, settings, upstream, sequence, keys);
    } catch (IllegalArgumentException | java.time.format.DateTimeParseException e) {
      throw new AuthorityStoreException(metadataFile + " is corrupt: " + e.getMessage(), e);
    }
  }

  private static UpstreamCa readUpstream(KeyFiles files) {
    KeyFile file = files.read(AuthorityStore.UPSTREAM);
    if (file.chain.isEmpty()) {
      throw new AuthorityStoreException("key file " + files.path(AuthorityStore.UPSTREAM) + " holds no certificate");
    }
    return new UpstreamCa(file.privateKey, file.chain);
  }

  /**
   * The revocations in a parsed {@code revocations.json}.
   *
   * @throws AuthorityStoreException naming {@code file} when it is not ours
   * @throws ClassCastException or {@link java.time.format.DateTimeParseException} when it is corrupt
   */
  static AuthorityStore.Revocations parseRevocations(Map<String, Object> m, Path file) {
    if (!AuthorityStore.REVOCATIONS_FORMAT.equals(m.get("format"))) {
      throw new AuthorityStoreException(file + " is not a Lanyard revocation list");
    }
    Map<String, Instant> tokens = new LinkedHashMap<>();
    Map<String, Instant> subjects = new LinkedHashMap<>();
    Set<String> keys = new HashSet<>();
    instants(m.get("tokens"), tokens);
    instants(m.get("subjects"), subjects);
    if (m.get("keys") instanceof List) {
      for (Object k : (List<?>) m.get("keys")) {
        keys.add(String.valueOf(k));
      }
    }
    return new AuthorityStore.Revocations(tokens, subjects, keys);
  }

  private static void instants(@Nullable Object value, Map<String, Instant> into) {
    if (value instanceof Map) {
      for (Map.Entry<?, ?> e : ((Map<?, ?>) value).entrySet()) {
        into.put(String.valueOf(e.getKey()), Instant.parse((String) e.getValue()));
      }
    }
  }

  /** {@code revocations.json}'s text. */
  static String revocations(AuthorityStore.Revocations revocations) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("format", AuthorityStore.REVOCATIONS_FORMAT);
    Map<String, Object> tokens = new LinkedHashMap<>();
    revocations.tokens.forEach((id, until) -> tokens.put(id, until.toString()));
    Map<String, Object> subjects = new LinkedHashMap<>();
    revocations.subjects.forEach((id, before) -> subjects.put(id, before.toString()));
    m.put("tokens", tokens);
    m.put("subjects", subjects);
    m.put("keys", new ArrayList<>(revocations.keys));
    return JSONObjectUtils.toJSONString(m) + "\n";
  }

  static boolean isSafeKeyId(String kid) {
    if (kid.isEmpty() || kid.length() > 64) {
      return false;
    }
    for (int i = 0; i < kid.length(); i++) {
      char c = kid.charAt(i);
      boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
      if (!ok) {
        return false;
      }
    }
    return true;
  }

  private static String string(Map<String, Object> m, String name) {
    Object v = m.get(name);
    if (!(v instanceof String)) {
      throw new IllegalArgumentException("'" + name + "' is missing or not a string");
    }
    return (String) v;
  }

  private static long number(Map<String, Object> m, String name) {
    Object v = m.get(name);
    if (!(v instanceof Number) || ((Number) v).longValue() < 0) {
      throw new IllegalArgumentException("'" + name + "' is missing or not a non-negative number");
    }
    return ((Number) v).longValue();
  }

  private static Instant instant(Map<String, Object> m, String name) {
    return Instant.parse(string(m, name));
  }

  private static @Nullable Instant optionalInstant(Map<String, Object> m, String name) {
    return m.containsKey(name) ? instant(m, name) : null;
  }
}
