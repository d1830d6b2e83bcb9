package dev.lanyard.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.security.cert.CertificateException;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Tests {@link Certificates}' strict PEM reading: malformed text is an IllegalArgumentException, nothing else. */
class CertificatesTest {
  /**
   * Found by {@code X509SvidVerifierFuzzTest}: the END line was searched from the start of the BEGIN line, so an END
   * marker overlapping the BEGIN line's dashes was found before the block's body began, and {@code substring} threw
   * StringIndexOutOfBoundsException, which the CLI and bundle readers do not expect.
   */
  @Test
  void pemBlocksWhenEndMarkerOverlapsBeginLineThenIllegalArgument() {
    String text = "-----BEGIN CERTIFICATE---------END CERTIFICATE-----\nMIIB\n";

    assertThatThrownBy(() -> Certificates.pemBlocks(text, "CERTIFICATE"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("no END line");
    assertThatThrownBy(() -> Certificates.parsePem(text)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void pemBlocksWhenEndMarkerFollowsBeginLineDirectlyThenOneEmptyBlock() throws CertificateException {
    List<byte[]> blocks = Certificates.pemBlocks("-----BEGIN CERTIFICATE----------END CERTIFICATE-----\n",
        "CERTIFICATE");

    assertThat(blocks).hasSize(1);
    assertThat(blocks.get(0)).isEmpty();
  }
}
