package dev.lanyard.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import dev.lanyard.jose.JwtAlgorithm;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.Signature;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.RSAKeyGenParameterSpec;
import java.util.Arrays;
import java.util.HexFormat;
import javax.crypto.Cipher;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * RSASSA-PKCS1-v1_5 verification by encode-and-compare: agrees with the JDK's signatures for RS256, RS384 and RS512,
 * refuses every altered encoding, and builds the encoding byte for byte as RFC 8017 lays it out.
 */
class Pkcs1Test {
  private static final byte[] INPUT = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0".getBytes(StandardCharsets.US_ASCII);
  private static final HexFormat HEX = HexFormat.of();
  private static final byte[] SHA256_PREFIX = HEX.parseHex("3031300d060960864801650304020105000420");

  private static KeyPair keys;
  private static BigInteger n;
  private static BigInteger e;

  @BeforeAll
  static void keys() {
    keys = JwsSigning.generateKeyPair(JwtAlgorithm.RS256);
    n = ((RSAPublicKey) keys.getPublic()).getModulus();
    e = ((RSAPublicKey) keys.getPublic()).getPublicExponent();
  }

  private static boolean verify(JwtAlgorithm algorithm, byte[] signature) {
    return Pkcs1.verify(algorithm, n, e, 256, INPUT, signature);
  }

  /** Signs an arbitrary encoded message with the raw private-key operation. */
  private static byte[] rawSign(byte[] encoded) throws Exception {
    Cipher rsa = Cipher.getInstance("RSA/ECB/NoPadding");
    rsa.init(Cipher.ENCRYPT_MODE, keys.getPrivate());
    return rsa.doFinal(encoded);
  }

  private static byte[] sha256(byte[] input) throws Exception {
    return MessageDigest.getInstance("SHA-256").digest(input);
  }

  @ParameterizedTest
  @EnumSource(value = JwtAlgorithm.class, names = {"RS256", "RS384", "RS512"})
  void verifyWhenJdkSignatureThenTrueAndFalseForOtherInputOrHash(JwtAlgorithm algorithm) {
    byte[] signature = JwsSigning.sign(algorithm, keys.getPrivate(), INPUT);

    assertThat(verify(algorithm, signature)).isTrue();
    assertThat(Pkcs1.verify(algorithm, n, e, 256, Arrays.copyOf(INPUT, INPUT.length - 1), signature)).isFalse();
    for (JwtAlgorithm other : new JwtAlgorithm[] {JwtAlgorithm.RS256, JwtAlgorithm.RS384, JwtAlgorithm.RS512}) {
      if (other != algorithm) {
        assertThat(verify(other, signature)).as("%s signature checked as %s", algorithm, other).isFalse();
      }
    }
  }

  @Test
  void verifyWhenSignatureAlteredOrWrongLengthThenFalse() {
    byte[] signature = JwsSigning.sign(JwtAlgorithm.RS256, keys.getPrivate(), INPUT);
    for (int i : new int[] {0, 1, 100, 255}) {
      byte[] flipped = signature.clone();
      flipped[i] ^= 1;
      assertThat(verify(JwtAlgorithm.RS256, flipped)).as("bit flipped in byte %d", i).isFalse();
    }
    assertThat(verify(JwtAlgorithm.RS256, Arrays.copyOf(signature, 255))).isFalse();
    assertThat(verify(JwtAlgorithm.RS256, Arrays.copyOf(signature, 257))).isFalse();
    assertThat(verify(JwtAlgorithm.RS256, new byte[256])).isFalse();
  }

  @Test
  void verifyWhenSignatureNotBelowModulusThenFalse() throws Exception {
    // A 2047-bit modulus, so that s + n (the same value mod n, which a lenient check would accept) still fits the
    // 256 bytes of a signature.
    KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
    generator.initialize(new RSAKeyGenParameterSpec(2047, RSAKeyGenParameterSpec.F4));
    KeyPair small = generator.generateKeyPair();
    BigInteger modulus = ((RSAPublicKey) small.getPublic()).getModulus();
    Cipher rsa = Cipher.getInstance("RSA/ECB/NoPadding");
    rsa.init(Cipher.ENCRYPT_MODE, small.getPrivate());
    byte[] signature = Pkcs1.toBytes(new BigInteger(1, rsa.doFinal(Pkcs1.encode(SHA256_PREFIX, sha256(INPUT), 256))),
        256);
    byte[] plusModulus = Pkcs1.toBytes(new BigInteger(1, signature).add(modulus), 256);

    assertThat(Pkcs1.verify(JwtAlgorithm.RS256, modulus, e, 256, INPUT, signature)).isTrue();
    assertThat(Pkcs1.verify(JwtAlgorithm.RS256, modulus, e, 256, INPUT, plusModulus)).isFalse();
    assertThat(Pkcs1.verify(JwtAlgorithm.RS256, modulus, e, 256, INPUT, Pkcs1.toBytes(modulus, 256))).isFalse();
  }

  @Test
  void verifyWhenDigestInfoWithoutNullParametersThenTrueLikeTheJdk() throws Exception {
    byte[] noNull = HEX.parseHex("302f300b06096086480165030402010420");
    byte[] signature = rawSign(Pkcs1.encode(noNull, sha256(INPUT), 256));

    assertThat(verify(JwtAlgorithm.RS256, signature)).isTrue();
    Signature jdk = Signature.getInstance("SHA256withRSA");
    jdk.initVerify(keys.getPublic());
    jdk.update(INPUT);
    assertThat(jdk.verify(signature)).isTrue();
  }

  @Test
  void verifyWhenEncodingHasShortPaddingAndTrailingGarbageThenFalse() throws Exception {
    // Bleichenbacher 2006: fewer FF bytes, the DigestInfo, then garbage a lenient parser ignores.
    byte[] hash = sha256(INPUT);
    byte[] encoded = new byte[256];
    encoded[1] = 1;
    Arrays.fill(encoded, 2, 10, (byte) 0xff);
    System.arraycopy(SHA256_PREFIX, 0, encoded, 11, SHA256_PREFIX.length);
    System.arraycopy(hash, 0, encoded, 11 + SHA256_PREFIX.length, hash.length);
    Arrays.fill(encoded, 11 + SHA256_PREFIX.length + hash.length, 256, (byte) 0x42);

    assertThat(verify(JwtAlgorithm.RS256, rawSign(encoded))).isFalse();
  }

  @Test
  void verifyWhenBlockTypeOrSeparatorWrongThenFalse() throws Exception {
    byte[] good = Pkcs1.encode(SHA256_PREFIX, sha256(INPUT), 256);
    assertThat(verify(JwtAlgorithm.RS256, rawSign(good))).isTrue();

    byte[] blockType2 = good.clone();
    blockType2[1] = 2;
    byte[] noSeparator = good.clone();
    noSeparator[256 - 32 - SHA256_PREFIX.length - 1] = (byte) 0xff;
    byte[] paddingNotFf = good.clone();
    paddingNotFf[5] = (byte) 0xfe;
    for (byte[] bad : new byte[][] {blockType2, noSeparator, paddingNotFf}) {
      assertThat(verify(JwtAlgorithm.RS256, rawSign(bad))).isFalse();
    }
  }

  @Test
  void encodeWhenSha256ThenRfc8017Layout() {
    byte[] hash = new byte[32];
    Arrays.fill(hash, (byte) 0xab);

    byte[] encoded = Pkcs1.encode(SHA256_PREFIX, hash, 256);

    int t = SHA256_PREFIX.length + 32;
    assertThat(encoded).hasSize(256);
    assertThat(encoded[0]).isZero();
    assertThat(encoded[1]).isEqualTo((byte) 1);
    for (int i = 2; i < 256 - t - 1; i++) {
      assertThat(encoded[i]).as("padding byte %d", i).isEqualTo((byte) 0xff);
    }
    assertThat(encoded[256 - t - 1]).isZero();
    assertThat(Arrays.copyOfRange(encoded, 256 - t, 256 - 32)).isEqualTo(SHA256_PREFIX);
    assertThat(Arrays.copyOfRange(encoded, 256 - 32, 256)).isEqualTo(hash);
  }

  @Test
  void toBytesWhenShorterOrSignByteThenExactlySizeBytes() {
    assertThat(Pkcs1.toBytes(BigInteger.ONE, 4)).containsExactly(0, 0, 0, 1);
    assertThat(Pkcs1.toBytes(BigInteger.valueOf(0xff), 1)).containsExactly(0xff);
    assertThat(Pkcs1.toBytes(BigInteger.valueOf(0x0102), 2)).containsExactly(1, 2);
  }

  @Test
  void verifyWhenNotPkcs1AlgorithmThenIllegalArgument() {
    assertThatIllegalArgumentException().isThrownBy(() -> verify(JwtAlgorithm.PS256, new byte[256]));
    assertThatIllegalArgumentException().isThrownBy(() -> verify(JwtAlgorithm.ES256, new byte[256]));
  }
}
