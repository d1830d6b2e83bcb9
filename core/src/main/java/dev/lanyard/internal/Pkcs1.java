package dev.lanyard.internal;

import dev.lanyard.jose.JwtAlgorithm;
import java.math.BigInteger;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * RSASSA-PKCS1-v1_5 signature verification (RFC 8017 section 8.2.2) for {@code RS256}, {@code RS384} and
 * {@code RS512}: the public-key operation {@code s^e mod n} on {@link BigInteger} (the same {@code modPow} the JDK's
 * provider runs, with its Montgomery intrinsics), then the expected encoding {@code 00 01 FF..FF 00 DigestInfo} is
 * built and compared whole. Encode-and-compare parses nothing of the signer's bytes, so it cannot be fooled by
 * trailing data or lenient ASN.1 (the Bleichenbacher 2006 forgeries). Like the JDK, it accepts the DigestInfo with
 * and without the NULL hash parameters (RFC 8017 note 2 to section 9.2).
 *
 * <p>It spares the JCA's per-call costs: the provider lookup of {@code Signature.getInstance}, key translation and
 * checks in {@code initVerify}, and the DER encoding of the DigestInfo. Only public values are involved, so nothing
 * here needs to run in constant time. Thread-safe: stateless.
 */
final class Pkcs1 {
  private static final HexFormat HEX = HexFormat.of();
  private static final byte[] SHA256_PREFIX = HEX.parseHex("3031300d060960864801650304020105000420");
  private static final byte[] SHA384_PREFIX = HEX.parseHex("3041300d060960864801650304020205000430");
  private static final byte[] SHA512_PREFIX = HEX.parseHex("3051300d060960864801650304020305000440");
  private static final byte[] SHA256_PREFIX_NO_NULL = HEX.parseHex("302f300b0609608648016503040201" + "0420");
  private static final byte[] SHA384_PREFIX_NO_NULL = HEX.parseHex("303f300b0609608648016503040202" + "0430");
  private static final byte[] SHA512_PREFIX_NO_NULL = HEX.parseHex("304f300b0609608648016503040203" + "0440");
  /** Never used directly, only cloned: cloning an unused digest is safe from many threads. */
  private static final MessageDigest SHA256 = VerificationKey.newDigest("SHA-256");
  private static final MessageDigest SHA384 = VerificationKey.newDigest("SHA-384");
  private static final MessageDigest SHA512 = VerificationKey.newDigest("SHA-512");

  private Pkcs1() {}

  /**
   * True when {@code signature} is a valid RSASSA-PKCS1-v1_5 signature of {@code input} under the key
   * ({@code modulus}, {@code exponent}) for {@code algorithm}.
   *
   * @param size the modulus length in bytes; a signature of another length is refused
   * @throws IllegalArgumentException for an algorithm other than RS256, RS384, RS512
   */
  static boolean verify(JwtAlgorithm algorithm, BigInteger modulus, BigInteger exponent, int size, byte[] input,
      byte[] signature) {
    byte[] prefix;
    byte[] prefixNoNull;
    MessageDigest digest;
    switch (algorithm) {
      case RS256:
        prefix = SHA256_PREFIX;
        prefixNoNull = SHA256_PREFIX_NO_NULL;
        digest = SHA256;
        break;
      case RS384:
        prefix = SHA384_PREFIX;
        prefixNoNull = SHA384_PREFIX_NO_NULL;
        digest = SHA384;
        break;
      case RS512:
        prefix = SHA512_PREFIX;
        prefixNoNull = SHA512_PREFIX_NO_NULL;
        digest = SHA512;
        break;
      default:
        throw new IllegalArgumentException(algorithm + " is not RSASSA-PKCS1-v1_5");
    }
    if (signature.length != size) {
      return false;
    }
    BigInteger s = new BigInteger(1, signature);
    if (s.compareTo(modulus) >= 0) {
      return false;
    }
    byte[] encoded = toBytes(s.modPow(exponent, modulus), size);
    byte[] hash = VerificationKey.cloneDigest(digest).digest(input);
    return MessageDigest.isEqual(encoded, encode(prefix, hash, size))
        || MessageDigest.isEqual(encoded, encode(prefixNoNull, hash, size));
  }

  /** EMSA-PKCS1-v1_5 encoding: {@code 00 01 FF..FF 00 prefix hash}, {@code size} bytes. */
  static byte[] encode(byte[] prefix, byte[] hash, int size) {
    byte[] out = new byte[size];
    int t = prefix.length + hash.length;
    out[1] = 1;
    Arrays.fill(out, 2, size - t - 1, (byte) 0xff);
    System.arraycopy(prefix, 0, out, size - t, prefix.length);
    System.arraycopy(hash, 0, out, size - hash.length, hash.length);
    return out;
  }

  /** The unsigned big-endian value of {@code m} in exactly {@code size} bytes ({@code m} is below the modulus). */
  static byte[] toBytes(BigInteger m, int size) {
    byte[] raw = m.toByteArray();
    if (raw.length == size) {
      return raw;
    }
    byte[] out = new byte[size];
    int from = raw.length > size ? raw.length - size : 0;
    System.arraycopy(raw, from, out, size - (raw.length - from), raw.length - from);
    return out;
  }
}
