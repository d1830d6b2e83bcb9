package dev.lanyard.x509;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.lanyard.internal.Certificates;
import dev.lanyard.spiffe.TrustDomain;
import dev.lanyard.trust.BundleSource;
import dev.lanyard.trust.TrustBundle;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.cert.Certificate;
import java.security.cert.CertificateEncodingException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;

/**
 * Fuzzes X.509-SVID chain verification against the bundle of a fixed PKI ({@link X509FuzzFixture}) at a fixed
 * instant. Allowed outcomes: acceptance, or {@link X509SvidRejectedException} with a reason. Any other exception is a
 * finding, and so is accepting anything but the fixture's own leaf (the fuzzer cannot sign, so a chain that is
 * accepted must carry exactly the leaf the fixture's intermediate signed).
 *
 * <p>{@link #verifyEncodedChain} reads the input as PEM (Lanyard's own reader, as the CLI and file sources use it)
 * or as concatenated DER (the JDK's reader, as a TLS stack hands chains over). {@link #verifyMutatedChain} starts
 * from the real chain and applies fuzzer-chosen edits to its DER: byte changes, insertions, cuts, and reordering,
 * dropping or repeating certificates; the empty input is the unmodified chain, which must be accepted.
 */
class X509SvidVerifierFuzzTest {
  private static final X509FuzzFixture PKI = X509FuzzFixture.load();
  private static final X509SvidVerifier VERIFIER = X509SvidVerifier.newBuilder()
      .bundleSource(BundleSource.of(TrustBundle.newBuilder(TrustDomain.of("example.org"))
          .addX509Authority(PKI.root).build()))
      .clock(Clock.fixed(X509FuzzFixture.NOW, ZoneOffset.UTC))
      .build();
  private static final byte[] LEAF_TBS = tbs(PKI.leaf);
  private static final List<byte[]> CHAIN_DER = List.of(der(PKI.leaf), der(PKI.intermediate), der(PKI.root));

  /** PEM text (read by Lanyard) or DER certificates back to back (read by the JDK), verified as a chain. */
  @FuzzTest
  @Timeout(value = 10, unit = TimeUnit.SECONDS)
  void verifyEncodedChain(byte[] input) {
    List<X509Certificate> chain;
    String text = new String(input, StandardCharsets.ISO_8859_1);
    if (text.contains("-----BEGIN")) {
      try {
        chain = Certificates.parsePem(text);
      } catch (CertificateException | IllegalArgumentException notPem) {
        return; // the documented refusals of the PEM reader
      }
    } else {
      chain = parseDer(input);
      if (chain == null) {
        return;
      }
    }
    verify(chain);
  }

  /** The real chain (leaf, intermediate, and the root as a third certificate) with fuzzer-chosen edits. */
  @FuzzTest
  @Timeout(value = 10, unit = TimeUnit.SECONDS)
  void verifyMutatedChain(FuzzedDataProvider data) {
    List<byte[]> certificates = new ArrayList<>();
    certificates.add(CHAIN_DER.get(0).clone());
    certificates.add(CHAIN_DER.get(1).clone());
    int edits = data.consumeInt(0, 8);
    for (int i = 0; i < edits && !certificates.isEmpty(); i++) {
      int which = data.consumeInt(0, certificates.size() - 1);
      byte[] der = certificates.get(which);
      switch (data.consumeInt(0, 6)) {
        case 0: // change one byte
          if (der.length > 0) {
            der[data.consumeInt(0, der.length - 1)] = data.consumeByte();
          }
          break;
        case 1: { // insert bytes
          int at = data.consumeInt(0, der.length);
          byte[] inserted = data.consumeBytes(data.consumeInt(0, 16));
          byte[] out = new byte[der.length + inserted.length];
          System.arraycopy(der, 0, out, 0, at);
          System.arraycopy(inserted, 0, out, at, inserted.length);
          System.arraycopy(der, at, out, at + inserted.length, der.length - at);
          certificates.set(which, out);
          break;
        }
        case 2: { // cut a range
          int from = data.consumeInt(0, der.length);
          int to = data.consumeInt(from, Math.min(der.length, from + 64));
          byte[] out = new byte[der.length - (to - from)];
          System.arraycopy(der, 0, out, 0, from);
          System.arraycopy(der, to, out, from, der.length - to);
          certificates.set(which, out);
          break;
        }
        case 3: // drop a certificate
          certificates.remove(which);
          break;
        case 4: // repeat a certificate
          certificates.add(data.consumeInt(0, certificates.size()), der.clone());
          break;
        case 5: // add the root
          certificates.add(data.consumeInt(0, certificates.size()), CHAIN_DER.get(2).clone());
          break;
        default: // swap two
          int other = data.consumeInt(0, certificates.size() - 1);
          certificates.set(which, certificates.get(other));
          certificates.set(other, der);
      }
    }
    List<X509Certificate> chain = new ArrayList<>();
    for (byte[] der : certificates) {
      List<X509Certificate> parsed = parseDer(der);
      if (parsed == null || parsed.size() != 1) {
        return; // the JDK refused the edited DER: a TLS stack would not hand it over either
      }
      chain.add(parsed.get(0));
    }
    if (edits == 0) {
      assertThat(verify(chain)).isNotNull();
    } else {
      verify(chain);
    }
  }

  /** Verifies; on acceptance checks that it is the fixture's leaf. Returns the verified SVID or null. */
  private static VerifiedX509Svid verify(List<X509Certificate> chain) {
    try {
      VerifiedX509Svid verified = VERIFIER.verify(chain);
      assertThat(verified.spiffeId().toString()).isEqualTo(X509FuzzFixture.LEAF_ID);
      assertThat(tbs(verified.leaf())).isEqualTo(LEAF_TBS);
      assertThat(verified.trustAnchor()).isEqualTo(PKI.root);
      assertThat(verified.path()).isNotEmpty().first().isEqualTo(verified.leaf());
      return verified;
    } catch (X509SvidRejectedException rejected) {
      assertThat(rejected.reason()).isNotNull();
      assertThat(rejected.reason().description()).isNotBlank();
      return null;
    }
  }

  /** The certificates the JDK reads from {@code der}, or null when it refuses them. */
  private static List<X509Certificate> parseDer(byte[] der) {
    try {
      List<X509Certificate> chain = new ArrayList<>();
      for (Certificate certificate : CertificateFactory.getInstance("X.509")
          .generateCertificates(new ByteArrayInputStream(der))) {
        chain.add((X509Certificate) certificate);
      }
      return chain.isEmpty() ? null : chain;
    } catch (CertificateException | RuntimeException refusedByTheJdk) {
      // Parsing is the JDK's (or the container's) job, done before Lanyard is handed a chain.
      return null;
    }
  }

  private static byte[] der(X509Certificate certificate) {
    try {
      return certificate.getEncoded();
    } catch (CertificateEncodingException e) {
      throw new IllegalStateException(e);
    }
  }

  private static byte[] tbs(X509Certificate certificate) {
    try {
      return certificate.getTBSCertificate();
    } catch (CertificateEncodingException e) {
      throw new IllegalStateException(e);
    }
  }
}
