package dev.lanyard.authority;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.lanyard.internal.DnsNames;
import dev.lanyard.internal.Text;
import dev.lanyard.spiffe.SpiffeId;
import dev.lanyard.spiffe.TrustDomain;
import dev.lanyard.testing.MutableClock;
import dev.lanyard.x509.TestCertificates;
import dev.lanyard.x509.VerifiedX509Svid;
import dev.lanyard.x509.X509Svid;
import dev.lanyard.x509.X509SvidRejectedException;
import dev.lanyard.x509.X509SvidVerifier;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Random;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;
import org.junit.jupiter.api.Test;

/**
 * Issuance and verification agree: over a few hundred seeded random cases (DNS-name lists mixing valid and invalid
 * names, SPIFFE IDs, TTLs, clock steps through CA rotations), every X.509-SVID the authority issues, for a key it
 * generates and for a CSR, verifies against the authority's own bundle, and every DNS name the grammar refuses is
 * refused at issuance, naming the name.
 */
class X509IssuancePropertyTest {
  private static final long SEED = 0x5EED_1A2E_D0D5L;
  private static final int CASES = 200;
  private static final Instant START = Instant.parse("2030-01-01T00:00:00Z");
  private static final String LDH = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-";
  private static final String SEGMENT = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_";
  private static final String[] HOSTILE = {"_", " ", "*", "\u00e9", "\u212a", "\u0131", "@", ":", "/", "\n", "\u0000",
      "%", "\uff0e"};

  @Test
  void issueWhenRandomNamesIdsAndTtlsThenIssuedSvidsVerifyAndRefusedNamesAreRefused() throws Exception {
    Random random = new Random(SEED);
    MutableClock clock = new MutableClock(START);
    List<EmbeddedAuthority> authorities = List.of(
        EmbeddedAuthority.newBuilder(TrustDomain.of("example.org")).clock(clock).build(),
        EmbeddedAuthority.newBuilder(TrustDomain.of("prod.acme-corp.internal")).clock(clock).build(),
        EmbeddedAuthority.newBuilder(TrustDomain.of("td-" + Integer.toString(random.nextInt(1 << 20), 36)))
            .clock(clock).rsaCa().build());
    List<X509SvidVerifier> verifiers = new ArrayList<>();
    for (EmbeddedAuthority authority : authorities) {
      verifiers.add(X509SvidVerifier.newBuilder().bundleSource(authority.bundleSource()).clock(clock).build());
    }
    byte[] refusedCsr = csr(TestCertificates.ecKey());
    int issued = 0;
    int refused = 0;
    for (int i = 0; i < CASES; i++) {
      clock.advance(Duration.ofSeconds(random.nextInt(3600)));
      int which = random.nextInt(authorities.size());
      EmbeddedAuthority authority = authorities.get(which);
      X509SvidVerifier verifier = verifiers.get(which);
      SpiffeId id = spiffeId(random, authority.trustDomain());
      Duration ttl = random.nextInt(4) == 0 ? null : Duration.ofSeconds(1 + random.nextInt(24 * 3600));
      List<String> names = new ArrayList<>();
      int count = random.nextInt(4);
      for (int n = 0; n < count; n++) {
        names.add(random.nextInt(2) == 0 ? validName(random) : anyName(random));
      }
      String firstRefused = names.stream().filter(name -> !DnsNames.isDnsName(name, true)).findFirst().orElse(null);
      String description = "case " + i + ": " + id + " ttl " + ttl + " names " + printable(names);
      if (firstRefused == null) {
        KeyPair csrKey = TestCertificates.ecKey();
        byte[] csr = csr(csrKey);
        X509Svid fromKey = authority.issueX509Svid(id, ttl, names);
        X509Svid fromCsr = authority.issueX509SvidForCsr(csr, id, ttl, names);
        for (X509Svid svid : List.of(fromKey, fromCsr)) {
          VerifiedX509Svid verified;
          try {
            verified = verifier.verify(svid.chain());
          } catch (X509SvidRejectedException e) {
            throw new AssertionError(description + ": the authority's own verifier refused it: " + e.reason() + " "
                + e.getMessage(), e);
          }
          assertThat(verified.spiffeId()).as(description).isEqualTo(id);
          assertThat(dnsNames(svid.leaf())).as(description).containsExactlyElementsOf(names);
        }
        assertThat(fromCsr.leaf().getPublicKey()).isEqualTo(csrKey.getPublic());
        issued++;
      } else {
        assertThat(catchThrowable(() -> authority.issueX509Svid(id, ttl, names))).as(description)
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(Text.printable(firstRefused));
        assertThat(catchThrowable(() -> authority.issueX509SvidForCsr(refusedCsr, id, ttl, names))).as(description)
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(Text.printable(firstRefused));
        refused++;
      }
    }
    // Both sides of the property were exercised, not just one.
    assertThat(issued).isGreaterThan(CASES / 4);
    assertThat(refused).isGreaterThan(CASES / 4);
  }

  /** A name the grammar accepts: 1 to 4 LDH labels, often a wildcard, sometimes at the length limits. */
  private static String validName(Random random) {
    List<String> labels = new ArrayList<>();
    int count = 1 + random.nextInt(4);
    for (int i = 0; i < count; i++) {
      labels.add(ldhLabel(random, random.nextInt(10) == 0 ? 63 : 1 + random.nextInt(12)));
    }
    String last = labels.get(labels.size() - 1);
    if (last.chars().allMatch(Character::isDigit)) {
      labels.set(labels.size() - 1, last.substring(0, last.length() - 1) + "x");
    }
    if (count >= 2 && random.nextInt(3) == 0) {
      labels.add(0, "*");
    }
    String name = String.join(".", labels);
    return name.length() <= DnsNames.MAX_LENGTH ? name : "too-long.example.org";
  }

  /** Anything near a DNS name: IP literals, short wildcards, trailing dots, hostile characters, bad lengths. */
  private static String anyName(Random random) {
    switch (random.nextInt(12)) {
      case 0:
        return random.nextInt(256) + "." + random.nextInt(256) + "." + random.nextInt(256) + "." + random.nextInt(256);
      case 1:
        return "*." + ldhLabel(random, 1 + random.nextInt(8));
      case 2:
        return validName(random) + ".";
      case 3:
        return validName(random) + "." + random.nextInt(1000);
      case 4:
        return "*";
      case 5: {
        String name = validName(random);
        int at = random.nextInt(name.length() + 1);
        return name.substring(0, at) + HOSTILE[random.nextInt(HOSTILE.length)] + name.substring(at);
      }
      case 6:
        return ldhLabel(random, 64) + ".example.org";
      case 7: {
        StringBuilder name = new StringBuilder();
        while (name.length() < 250) {
          name.append(ldhLabel(random, 20)).append('.');
        }
        return name.append("org").toString();
      }
      case 8:
        return "-" + validName(random);
      case 9:
        return ldhLabel(random, 3) + "..example.org";
      case 10:
        return "a.*." + validName(random);
      default:
        return "";
    }
  }

  private static String ldhLabel(Random random, int length) {
    StringBuilder label = new StringBuilder(length);
    for (int i = 0; i < length; i++) {
      char c = LDH.charAt(random.nextInt(LDH.length()));
      label.append(c == '-' && (i == 0 || i == length - 1) ? 'h' : c);
    }
    return label.toString();
  }

  private static SpiffeId spiffeId(Random random, TrustDomain trustDomain) {
    StringBuilder path = new StringBuilder();
    int segments = 1 + random.nextInt(4);
    for (int s = 0; s < segments; s++) {
      StringBuilder segment = new StringBuilder();
      int length = 1 + random.nextInt(random.nextInt(8) == 0 ? 200 : 12);
      for (int i = 0; i < length; i++) {
        segment.append(SEGMENT.charAt(random.nextInt(SEGMENT.length())));
      }
      String value = segment.toString();
      path.append('/').append(value.equals(".") || value.equals("..") ? "dot" : value);
    }
    return SpiffeId.of(trustDomain, path.toString());
  }

  private static byte[] csr(KeyPair key) throws Exception {
    return new JcaPKCS10CertificationRequestBuilder(new X500Name("CN=ignored"), key.getPublic())
        .build(new JcaContentSignerBuilder("SHA256withECDSA").build(key.getPrivate())).getEncoded();
  }

  private static List<String> dnsNames(X509Certificate leaf) throws Exception {
    List<String> names = new ArrayList<>();
    Collection<List<?>> sans = leaf.getSubjectAlternativeNames();
    for (List<?> san : sans) {
      if (Integer.valueOf(2).equals(san.get(0))) {
        names.add((String) san.get(1));
      }
    }
    return names;
  }

  private static List<String> printable(List<String> names) {
    List<String> out = new ArrayList<>();
    names.forEach(n -> out.add(Text.printable(n)));
    return out;
  }
}
