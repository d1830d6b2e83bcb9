package dev.lanyard.internal;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.RSAKey;
import dev.lanyard.jose.JwtAlgorithm;
import java.security.PublicKey;
import java.text.ParseException;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The screening of one JWK that is to verify JWT signatures, shared by the SPIFFE bundle codec ({@code jwt-svid}
 * entries) and the OIDC key sets: no private or symmetric material, {@code kty} EC or RSA, {@code key_ops} (when
 * present) allowing {@code verify}, {@code alg} (when present) a {@link JwtAlgorithm}, and a public key that the JOSE
 * library can read. What each caller checks before ({@code kid}, {@code use}) and after (the key rules of
 * {@code JwtKey}) stays with it; the {@link Wording} names the caller's purpose in the reasons.
 *
 * <p>Thread-safe: stateless.
 */
public final class JwkScreen {
  /**
   * JWK members that carry private or symmetric key material (RFC 7518 §6.2.2, §6.3.2, §6.4), in a fixed order so that
   * the reason names the same member every time.
   */
  static final List<String> PRIVATE_MEMBERS = List.of("d", "p", "q", "dp", "dq", "qi", "oth", "k");

  private JwkScreen() {}

  /** How the reasons name what the key is for. */
  public enum Wording {
    /** A {@code jwt-svid} entry of a SPIFFE bundle. */
    JWT_SVID(" is not usable for JWT-SVIDs (EC or RSA only)", "\"alg\" is not a JWT-SVID algorithm", "not a valid "),
    /** A key of an OIDC issuer's JWK Set. */
    OIDC(" is not EC or RSA", "\"alg\" is not a signature algorithm Lanyard accepts", "not a usable ");

    private final String keyType;
    private final String algorithm;
    private final String unreadable;

    Wording(String keyType, String algorithm, String unreadable) {
      this.keyType = keyType;
      this.algorithm = algorithm;
      this.unreadable = unreadable;
    }
  }

  /**
   * A JWK that passed the screen.
   *
   * @param publicKey the EC or RSA public key
   * @param algorithm the {@code alg} it is pinned to, empty when it names none
   */
  public record Screened(PublicKey publicKey, Optional<JwtAlgorithm> algorithm) {
    /** Checks that both are present. */
    public Screened {
      Objects.requireNonNull(publicKey, "publicKey");
      Objects.requireNonNull(algorithm, "algorithm");
    }

    /** Metadata only: the key's algorithm and the pinned {@code alg}. */
    @Override
    public String toString() {
      return "Screened[" + publicKey.getAlgorithm() + ", alg=" + algorithm.map(Enum::name).orElse("none") + "]";
    }
  }

  /** The JWK is not usable; {@link #reason()} says why (printable, bounded, without key material). */
  public static final class Unusable extends Exception {
    private static final long serialVersionUID = 1L;
    private final String reason;

    Unusable(String reason) {
      super(reason, null, false, false);
      this.reason = reason;
    }

    /** Why the key is not usable. */
    public String reason() {
      return reason;
    }
  }

  /**
   * Screens {@code jwk}, a JSON object as {@link Json} parses it.
   *
   * @throws Unusable with the reason, worded for {@code wording}
   */
  public static Screened screen(Map<String, Object> jwk, Wording wording) throws Unusable {
    for (String member : PRIVATE_MEMBERS) {
      if (jwk.containsKey(member)) {
        throw new Unusable("holds private or symmetric key material (\"" + member + "\")");
      }
    }
    Object kty = jwk.get("kty");
    if (!"EC".equals(kty) && !"RSA".equals(kty)) {
      throw new Unusable("key type " + (kty instanceof String ? "\"" + Text.printable((String) kty) + "\"" : "(none)")
          + wording.keyType);
    }
    Object ops = jwk.get("key_ops");
    if (ops != null && !(ops instanceof List && ((List<?>) ops).contains("verify"))) {
      throw new Unusable("\"key_ops\" does not allow verify");
    }
    Optional<JwtAlgorithm> algorithm = Optional.empty();
    Object alg = jwk.get("alg");
    if (alg != null) {
      algorithm = alg instanceof String ? JwtAlgorithm.fromJwaName((String) alg) : Optional.empty();
      if (algorithm.isEmpty()) {
        throw new Unusable(wording.algorithm);
      }
    }
    try {
      JWK parsed = JWK.parse(jwk);
      PublicKey publicKey = parsed instanceof ECKey ? ((ECKey) parsed).toECPublicKey()
          : ((RSAKey) parsed).toRSAPublicKey();
      return new Screened(publicKey, algorithm);
    } catch (ParseException | JOSEException | RuntimeException e) {
      throw new Unusable(wording.unreadable + kty + " public key");
    }
  }
}
