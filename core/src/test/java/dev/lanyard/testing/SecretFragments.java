package dev.lanyard.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigInteger;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.RSAPrivateCrtKey;
import java.security.spec.ECGenParameterSpec;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The secrets a test has seen — tokens, private keys, PEM private key bodies — cut into every window of
 * {@link #WINDOW} characters of their secret part, so that a text leaking any 20 consecutive characters of one is
 * caught, in one pass over the text (as it is, and with its white space removed, for a PEM split over lines). Only
 * the secret part of a key's encoding is cut: the fixed ASN.1 prefix of a PKCS#8 key and the public key it may carry
 * are not secrets. Shared by the secret-leak tests of every module.
 *
 * <p>Not thread-safe: one test fills and checks it.
 */
public final class SecretFragments {
  public static final int WINDOW = 20;
  public static final Pattern PEM_PRIVATE_KEY =
      Pattern.compile("-----BEGIN ([A-Z ]*)PRIVATE KEY-----\\s+([A-Za-z0-9+/=\\s]+?)-----END");

  private final Map<String, String> windows = new HashMap<>();
  private final Map<String, String> wholes = new HashMap<>();
  private int count;

  /** A token: the whole of it, and every window of its signature. */
  public void token(String token) {
    count++;
    wholes.put(token, "a token");
    cut(token.substring(token.lastIndexOf('.') + 1), "a token's signature");
  }

  /** A private key: its private scalar or exponent (hex, decimal) and the secret part of its PKCS#8 base64. */
  public void privateKey(PrivateKey key) {
    count++;
    BigInteger secret = key instanceof ECPrivateKey ? ((ECPrivateKey) key).getS()
        : key instanceof RSAPrivateCrtKey ? ((RSAPrivateCrtKey) key).getPrivateExponent() : null;
    assertThat(secret).as("a private key of a known kind").isNotNull();
    cut(secret.toString(16), "a private scalar (hex)");
    wholes.put(secret.toString(10), "a private scalar (decimal)");
    String base64 = Base64.getEncoder().encodeToString(key.getEncoded());
    cut(secretPart(base64, REFERENCE), "a PKCS#8 private key (base64)");
    cut(secretPart(Base64.getUrlEncoder().withoutPadding().encodeToString(key.getEncoded()), REFERENCE_URL),
        "a PKCS#8 private key (base64url)");
  }

  /** The PRIVATE KEY blocks of a PEM text. Returns how many there were. */
  public int pem(String pem) {
    int blocks = 0;
    Matcher m = PEM_PRIVATE_KEY.matcher(pem);
    while (m.find()) {
      blocks++;
      count++;
      String body = m.group(2).replaceAll("\\s", "");
      wholes.put(body, "a PEM private key body");
      cut(secretPart(body, REFERENCE), "a PEM private key body");
    }
    return blocks;
  }

  /** How many secrets were added. */
  public int count() {
    return count;
  }

  /** Asserts that {@code text} holds no secret fragment and no {@code PRIVATE KEY} PEM marker. */
  public void assertAbsentFrom(String what, String text) {
    assertThat(text).as("%s has a PEM private key marker", what).doesNotContainPattern("-----BEGIN[A-Z ]*PRIVATE KEY");
    for (String candidate : List.of(text, text.replaceAll("\\s", ""))) {
      for (Map.Entry<String, String> whole : wholes.entrySet()) {
        assertThat(candidate.contains(whole.getKey())).as("%s contains %s", what, whole.getValue()).isFalse();
      }
      for (int i = 0; i + WINDOW <= candidate.length(); i++) {
        String found = windows.get(candidate.substring(i, i + WINDOW));
        assertThat(found).as("%s contains part of %s, at %d", what, found, i).isNull();
      }
    }
  }

  private void cut(String secret, String name) {
    for (int i = 0; i + WINDOW <= secret.length(); i++) {
      windows.put(secret.substring(i, i + WINDOW), name);
    }
  }

  /**
   * The part of a PKCS#8 key's base64 that encodes the private value: after the prefix it shares with any P-256 key,
   * and, for a P-256 key, before the public point that follows the 32-byte scalar (43 characters).
   */
  private static String secretPart(String pkcs8, String reference) {
    int prefix = 0;
    while (prefix < pkcs8.length() && prefix < reference.length() && pkcs8.charAt(prefix) == reference.charAt(prefix)) {
      prefix++;
    }
    boolean p256 = prefix >= 40;
    int start = Math.max(0, prefix - 1);
    return p256 ? pkcs8.substring(start, Math.min(pkcs8.length(), start + 45)) : pkcs8.substring(start);
  }

  private static final String REFERENCE;
  private static final String REFERENCE_URL;

  static {
    try {
      KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
      generator.initialize(new ECGenParameterSpec("secp256r1"));
      byte[] encoded = generator.generateKeyPair().getPrivate().getEncoded();
      REFERENCE = Base64.getEncoder().encodeToString(encoded);
      REFERENCE_URL = Base64.getUrlEncoder().withoutPadding().encodeToString(encoded);
    } catch (Exception e) {
      throw new ExceptionInInitializerError(e);
    }
  }
}
