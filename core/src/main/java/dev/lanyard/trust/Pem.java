package dev.lanyard.trust;

import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/** Minimal PEM encoding and decoding of one label (RFC 7468, strict base64 bodies). Internal to the package. */
final class Pem {
  private Pem() {}

  static String encode(String label, byte[] der) {
    return "-----BEGIN " + label + "-----\n"
        + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
        + "\n-----END " + label + "-----\n";
  }

  /** The DER bodies of every block with {@code label}, in order; other blocks are ignored. */
  static List<byte[]> decodeAll(String text, String label) {
    String begin = "-----BEGIN " + label + "-----";
    String end = "-----END " + label + "-----";
    List<byte[]> blocks = new ArrayList<>();
    int from = 0;
    while (true) {
      int start = text.indexOf(begin, from);
      if (start < 0) {
        return blocks;
      }
      int stop = text.indexOf(end, start);
      if (stop < 0) {
        throw new IllegalArgumentException("PEM block " + label + " has no END line");
      }
      String body = text.substring(start + begin.length(), stop).replaceAll("\\s", "");
      blocks.add(Base64.getDecoder().decode(body));
      from = stop + end.length();
    }
  }
}
