package dev.lanyard.benchmarks;

import dev.lanyard.authority.EmbeddedAuthority;
import dev.lanyard.internal.Certificates;
import dev.lanyard.trust.BundleSource;
import dev.lanyard.trust.TrustBundle;
import dev.lanyard.x509.VerifiedX509Svid;
import dev.lanyard.x509.X509Svid;
import dev.lanyard.x509.X509SvidRejectedException;
import dev.lanyard.x509.X509SvidVerifier;
import io.spiffe.bundle.x509bundle.X509Bundle;
import io.spiffe.svid.x509svid.X509SvidValidator;
import java.io.ByteArrayInputStream;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.CertPathValidator;
import java.security.cert.CertPathValidatorResult;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.AuthorityKeyIdentifier;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Issuing and verifying X.509-SVIDs (EC P-256 leaf keys, EC P-256 CA).
 *
 * <p>The JDK remembers a certificate object's last successful {@code verify()} and its {@code CertificateFactory}
 * hands back the same object for bytes it parsed recently (an LRU of 750): re-verifying one certificate costs
 * nanoseconds. So the verification benchmarks hold {@value #POOL} distinct SVIDs as DER, more than that cache, and
 * parse the next one fresh on every operation; every verification figure therefore includes one DER parse.
 * <ul>
 *   <li>{@code floorKeygenAndSign}: an EC P-256 key pair (generator initialised once) plus the BouncyCastle build of
 *       a leaf with the SVID profile's extensions (issuer name and authority key id precomputed) and the CA's JDK
 *       signature, converted to an {@link X509Certificate}.</li>
 *   <li>{@code lanyardIssue}: {@link EmbeddedAuthority#issueX509Svid}: the same, plus what Lanyard adds.</li>
 *   <li>{@code lanyardVerifyChain}: {@link X509SvidVerifier#verify} of the parsed leaf.</li>
 *   <li>{@code javaSpiffeVerifyChain}: java-spiffe {@code X509SvidValidator.verifyChain} of the parsed leaf with an
 *       {@code X509Bundle}.</li>
 *   <li>{@code pkixFloor}: the JDK's PKIX {@link CertPathValidator} alone on the parsed leaf (parameters built
 *       once, revocation off).</li>
 * </ul>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(2)
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 5, time = 2)
public class X509Benchmark {
  /** Distinct SVIDs verified in turn: more than the JDK certificate factory's cache of 750. */
  static final int POOL = 1024;

  private static final SecureRandom RANDOM = new SecureRandom();

  /** An authority, and a CA of our own for the floor. */
  @State(Scope.Thread)
  public static class Issue {
    EmbeddedAuthority authority;
    KeyPairGenerator keyGenerator;
    PrivateKey caKey;
    X500Name caName;
    X500Name subjectName;
    AuthorityKeyIdentifier authorityKeyId;
    GeneralNames subjectAltNames;
    ExtendedKeyUsage extendedKeyUsage;
    JcaX509ExtensionUtils extensionUtils;
    JcaX509CertificateConverter converter;

    @Setup
    public void setUp() throws Exception {
      authority = EmbeddedAuthority.newBuilder(Fixture.TRUST_DOMAIN).build();
      keyGenerator = KeyPairGenerator.getInstance("EC");
      keyGenerator.initialize(new ECGenParameterSpec("secp256r1"));
      KeyPair ca = keyGenerator.generateKeyPair();
      Instant now = Instant.now();
      X509Certificate caCertificate = Certificates.caCertificate(ca, Fixture.TRUST_DOMAIN, null, null, now,
          now.plus(Duration.ofDays(1)));
      caKey = ca.getPrivate();
      caName = X500Name.getInstance(caCertificate.getSubjectX500Principal().getEncoded());
      subjectName = new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.O, "Lanyard")
          .addRDN(BCStyle.OU, Fixture.TRUST_DOMAIN.name()).build();
      extensionUtils = new JcaX509ExtensionUtils();
      authorityKeyId = extensionUtils.createAuthorityKeyIdentifier(caCertificate);
      subjectAltNames = new GeneralNames(new GeneralName(GeneralName.uniformResourceIdentifier,
          Fixture.SUBJECT.toString()));
      extendedKeyUsage = new ExtendedKeyUsage(
          new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth});
      converter = new JcaX509CertificateConverter();
      X509Certificate leaf = floor(this);
      leaf.verify(ca.getPublic());
      Fixture.check(X509Svid.of(List.of(leaf), null).spiffeId().equals(Fixture.SUBJECT), "floor leaf profile");
    }
  }

  /** A pool of distinct SVIDs of one CA, and the three verifiers. */
  @State(Scope.Thread)
  public static class Verify {
    byte[][] pool;
    CertificateFactory factory;
    X509SvidVerifier lanyard;
    X509Bundle spiffeBundle;
    CertPathValidator pkix;
    PKIXParameters pkixParameters;
    private int next;

    @Setup
    public void setUp() throws Exception {
      KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
      generator.initialize(new ECGenParameterSpec("secp256r1"));
      KeyPair ca = generator.generateKeyPair();
      KeyPair leafKey = generator.generateKeyPair();
      Instant now = Instant.now();
      X509Certificate root = Certificates.caCertificate(ca, Fixture.TRUST_DOMAIN, null, null,
          now.minusSeconds(60), now.plus(Duration.ofDays(1)));
      pool = new byte[POOL][];
      for (int i = 0; i < POOL; i++) {
        pool[i] = Certificates.leafCertificate(leafKey.getPublic(), Fixture.SUBJECT, List.of(), root, ca.getPrivate(),
            now.minusSeconds(10), now.plus(Duration.ofHours(2))).getEncoded();
      }
      factory = CertificateFactory.getInstance("X.509");
      BundleSource bundles = BundleSource.of(TrustBundle.newBuilder(Fixture.TRUST_DOMAIN).addX509Authority(root)
          .build());
      lanyard = X509SvidVerifier.newBuilder().bundleSource(bundles).build();
      spiffeBundle = new X509Bundle(io.spiffe.spiffeid.TrustDomain.parse(Fixture.TRUST_DOMAIN.name()), Set.of(root));
      pkix = CertPathValidator.getInstance("PKIX");
      pkixParameters = new PKIXParameters(Set.of(new TrustAnchor(root, null)));
      pkixParameters.setRevocationEnabled(false);

      List<X509Certificate> chain = List.of(next());
      Fixture.check(lanyard.verify(chain).spiffeId().equals(Fixture.SUBJECT), "lanyard x509");
      X509SvidValidator.verifyChain(chain, spiffeBundle);
      pkix.validate(factory.generateCertPath(chain), pkixParameters);
      // Different objects each time: the JDK's verify cache cannot help.
      Fixture.check(next() != next(), "fresh certificate objects");
    }

    X509Certificate next() throws GeneralSecurityException {
      int i = next;
      next = (i + 1) & (POOL - 1);
      return (X509Certificate) factory.generateCertificate(new ByteArrayInputStream(pool[i]));
    }
  }

  static X509Certificate floor(Issue s) throws Exception {
    KeyPair pair = s.keyGenerator.generateKeyPair();
    Instant now = Instant.now();
    JcaX509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(s.caName,
        new BigInteger(128, RANDOM).setBit(127), Date.from(now.minusSeconds(10)),
        Date.from(now.plus(Duration.ofHours(1))), s.subjectName, pair.getPublic());
    builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
        .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature))
        .addExtension(Extension.extendedKeyUsage, false, s.extendedKeyUsage)
        .addExtension(Extension.subjectAlternativeName, false, s.subjectAltNames)
        .addExtension(Extension.subjectKeyIdentifier, false,
            s.extensionUtils.createSubjectKeyIdentifier(pair.getPublic()))
        .addExtension(Extension.authorityKeyIdentifier, false, s.authorityKeyId);
    return s.converter.getCertificate(builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(s.caKey)));
  }

  @Benchmark
  public X509Certificate floorKeygenAndSign(Issue s) throws Exception {
    return floor(s);
  }

  @Benchmark
  public X509Svid lanyardIssue(Issue s) {
    return s.authority.issueX509Svid(Fixture.SUBJECT);
  }

  @Benchmark
  public VerifiedX509Svid lanyardVerifyChain(Verify s) throws GeneralSecurityException, X509SvidRejectedException {
    return s.lanyard.verify(List.of(s.next()));
  }

  @Benchmark
  public void javaSpiffeVerifyChain(Verify s, Blackhole blackhole) throws Exception {
    List<X509Certificate> chain = List.of(s.next());
    X509SvidValidator.verifyChain(chain, s.spiffeBundle);
    blackhole.consume(chain);
  }

  @Benchmark
  public CertPathValidatorResult pkixFloor(Verify s) throws GeneralSecurityException {
    return s.pkix.validate(s.factory.generateCertPath(List.of(s.next())), s.pkixParameters);
  }
}
