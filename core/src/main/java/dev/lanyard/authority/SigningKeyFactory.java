package dev.lanyard.authority;

import dev.lanyard.authority.SigningKey.Kind;
import dev.lanyard.internal.Base64Url;
import dev.lanyard.internal.Certificates;
import dev.lanyard.internal.JwsSigning;
import dev.lanyard.spiffe.TrustDomain;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Makes the authority's new keys: JWT signing keys, and CAs (self-signed, or intermediates under the upstream CA) with
 * their certificates.
 *
 * <p>Thread-safe: immutable.
 */
final class SigningKeyFactory {
  /** How far a certificate's notBefore is backdated, for peers whose clocks are a little behind. */
  static final Duration BACKDATE = Duration.ofSeconds(10);

  private static final SecureRandom RANDOM = new SecureRandom();

  private final TrustDomain trustDomain;
  private final AuthoritySettings settings;
  private final @Nullable UpstreamCa upstream;

  SigningKeyFactory(TrustDomain trustDomain, AuthoritySettings settings, @Nullable UpstreamCa upstream) {
    this.trustDomain = trustDomain;
    this.settings = settings;
    this.upstream = upstream;
  }

  /** The factory of one kind of key, for {@link KeyLifecycle}. */
  KeyLifecycle.Factory<SigningKey> of(Kind kind) {
    return kind == Kind.JWT ? this::newJwtKey : this::newCa;
  }

  /** The latest notAfter a key of this kind made now could have: now plus its lifetime, capped by the upstream CA. */
  Instant newestNotAfter(Kind kind, Instant now) {
    Instant end = now.plus(settings.lifetime(kind));
    if (kind == Kind.X509_CA && upstream != null && upstream.notAfter().isBefore(end)) {
      return upstream.notAfter();
    }
    return end;
  }

  /** A new PREPARED JWT signing key. */
  SigningKey newJwtKey(Instant now) {
    return SigningKey.jwt(newKeyId(), settings.jwtAlgorithm, JwsSigning.generateKeyPair(settings.jwtAlgorithm), now,
        now.plus(settings.jwtKeyLifetime), null, null, false);
  }

  /** A new PREPARED CA: self-signed, or signed by the upstream CA and expiring no later than it. */
  SigningKey newCa(Instant now) {
    KeyPair pair = Certificates.generateKeyPair(settings.caKeyType);
    Instant notBefore = now.minus(BACKDATE);
    Instant notAfter = newestNotAfter(Kind.X509_CA, now);
    List<X509Certificate> chain = new ArrayList<>();
    if (upstream == null) {
      chain.add(Certificates.caCertificate(pair, trustDomain, null, null, notBefore, notAfter));
    } else {
      chain.add(Certificates.caCertificate(pair, trustDomain, upstream.certificate(), upstream.key, notBefore,
          notAfter));
      chain.addAll(upstream.chain);
    }
    return SigningKey.ca(newKeyId(), settings.caKeyType, pair, chain, now, null, null, false);
  }

  private static String newKeyId() {
    byte[] id = new byte[16];
    RANDOM.nextBytes(id);
    return Base64Url.encode(id);
  }
}
