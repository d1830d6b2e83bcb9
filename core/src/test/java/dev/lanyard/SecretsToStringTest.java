package dev.lanyard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.lanyard.audit.AuditEvent;
import dev.lanyard.authority.AuthorityStoreException;
import dev.lanyard.authority.EmbeddedAuthority;
import dev.lanyard.credentials.CachingJwtSvidSource;
import dev.lanyard.credentials.RotatingX509SvidSource;
import dev.lanyard.jwt.JwtSvid;
import dev.lanyard.jwt.JwtSvidRejectedException;
import dev.lanyard.jwt.JwtSvidVerifier;
import dev.lanyard.jwt.VerificationEvent;
import dev.lanyard.jwt.VerifiedJwtSvid;
import dev.lanyard.policy.Caller;
import dev.lanyard.spiffe.SpiffeId;
import dev.lanyard.spiffe.TrustDomain;
import dev.lanyard.testing.SecretFragments;
import dev.lanyard.tls.SpiffeTls;
import dev.lanyard.x509.PeerAuthorizer;
import dev.lanyard.x509.X509Svid;
import dev.lanyard.x509.X509SvidVerifier;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code toString()} (and exception messages) of every public type that holds or handles a token or a private key
 * prints metadata only: never a token, its signature, a private key's PKCS#8 encoding or PEM body (nor any 64-character
 * line of it), its private scalar or exponent, nor a {@code PRIVATE KEY} PEM marker. The keys are the authority's own,
 * read back from the files of its directory, and the SVIDs' keys.
 */
class SecretsToStringTest {
  static final TrustDomain TD = TrustDomain.of("example.org");
  static final SpiffeId ORDERS = SpiffeId.parse("spiffe://example.org/orders");
  static final String AUDIENCE = "spiffe://example.org/payments";

  @Test
  void toStringWhenTypesHoldTokensOrKeysThenMetadataOnly(@TempDir Path dir) throws Exception {
    Path home = dir.resolve("authority");
    EmbeddedAuthority authority = EmbeddedAuthority.newBuilder(TD).directory(home).build();
    authority.rotateJwtKey();
    authority.rotateX509Ca();
    SecretFragments secrets = new SecretFragments();
    int blocks = 0;
    List<Path> keyFiles;
    try (Stream<Path> files = Files.list(home.resolve("keys"))) {
      keyFiles = files.filter(f -> f.toString().endsWith(".pem")).toList();
    }
    for (Path file : keyFiles) {
      blocks += secrets.pem(Files.readString(file, StandardCharsets.US_ASCII));
    }
    assertThat(blocks).as("private keys found in %s", keyFiles).isEqualTo(4);
    EmbeddedAuthority reopened = EmbeddedAuthority.open(home);

    List<VerificationEvent> events = new CopyOnWriteArrayList<>();
    JwtSvidVerifier verifier = JwtSvidVerifier.newBuilder().bundleSource(authority.bundleSource()).audience(AUDIENCE)
        .revocations(authority.revocations()).listener(events::add).build();
    JwtSvid svid = authority.mintJwtSvid(ORDERS, AUDIENCE, "payments:read");
    JwtSvid other = reopened.mintJwtSvid(ORDERS, "spiffe://example.org/elsewhere");
    secrets.token(svid.token());
    secrets.token(other.token());
    VerifiedJwtSvid verified = verifier.verify(svid.token());
    verifier.verify(svid.token());
    String[] parts = svid.token().split("\\.");
    String tampered = parts[0] + "." + parts[1] + "." + new StringBuilder(parts[2]).reverse();
    secrets.token(tampered);
    List<Object> objects = new ArrayList<>();
    for (String bad : List.of(tampered, other.token(), parts[0] + "." + parts[1])) {
      objects.add(catchThrowableOfType(() -> verifier.verify(bad), JwtSvidRejectedException.class));
    }
    authority.revocations().revokeToken(svid.tokenId(), svid.expiresAt());
    objects.add(catchThrowableOfType(() -> verifier.verify(svid.token()), JwtSvidRejectedException.class));

    X509Svid x509 = authority.issueX509Svid(ORDERS);
    secrets.privateKey(x509.privateKey());
    assertThat(secrets.pem(x509.privateKeyPem())).isEqualTo(1);
    RotatingX509SvidSource x509Source = RotatingX509SvidSource.newBuilder(authority, ORDERS).build();
    secrets.privateKey(x509Source.current().privateKey());
    CachingJwtSvidSource jwtSource = CachingJwtSvidSource.newBuilder(authority, ORDERS).build();
    secrets.token(jwtSource.fetch(AUDIENCE).token());
    X509SvidVerifier x509Verifier = X509SvidVerifier.newBuilder().bundleSource(authority.bundleSource()).build();

    // A key file that is not a key: the store's complaint must not quote it.
    Path broken = dir.resolve("broken");
    copy(home, broken);
    Path victim = Files.list(broken.resolve("keys")).filter(f -> f.toString().endsWith(".pem")).findFirst()
        .orElseThrow();
    String pem = Files.readString(victim);
    Files.writeString(victim, pem.replace("-----END PRIVATE KEY-----", "!!-----END PRIVATE KEY-----"));
    objects.add(catchThrowableOfType(() -> EmbeddedAuthority.open(broken), AuthorityStoreException.class));

    objects.addAll(List.of(authority, reopened, svid, other, verified, verifier, x509, x509Source, jwtSource,
        x509Verifier, SpiffeTls.keyManager(x509Source), SpiffeTls.trustManager(x509Verifier, PeerAuthorizer.any()),
        x509Verifier.verify(x509.chain()), authority.bundle(), authority.revocations(),
        new Caller(ORDERS, Set.of("payments:read"), Caller.CredentialType.JWT_SVID, svid.tokenId()),
        AuditEvent.newBuilder(Instant.now(), AuditEvent.Decision.ALLOWED).caller(ORDERS.toString(), true)
            .tokenId(svid.tokenId()).request("GET", "/x").build(),
        authority.issueX509SvidForCsr(csr(), ORDERS, Duration.ofMinutes(5), List.of())));
    objects.addAll(authority.jwtKeys());
    objects.addAll(authority.x509Cas());
    objects.addAll(events);
    assertThat(events).hasSizeGreaterThanOrEqualTo(6);
    try {
      for (Object object : objects) {
        assertThat(object).isNotNull();
        secrets.assertAbsentFrom(object.getClass().getName() + ".toString()", String.valueOf(object));
        if (object instanceof Throwable) {
          secrets.assertAbsentFrom(object.getClass().getName() + ".getMessage()", ((Throwable) object).getMessage());
        }
      }
    } finally {
      x509Source.close();
    }
  }

  static byte[] csr() throws Exception {
    KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
    generator.initialize(new ECGenParameterSpec("secp256r1"));
    KeyPair pair = generator.generateKeyPair();
    return new JcaPKCS10CertificationRequestBuilder(new X500Name("CN=ignored"), pair.getPublic())
        .build(new JcaContentSignerBuilder("SHA256withECDSA").build(pair.getPrivate())).getEncoded();
  }

  static void copy(Path from, Path to) throws Exception {
    try (Stream<Path> tree = Files.walk(from)) {
      for (Path source : (Iterable<Path>) tree::iterator) {
        Path target = to.resolve(from.relativize(source).toString());
        if (Files.isDirectory(source)) {
          Files.createDirectories(target);
        } else if (!source.getFileName().toString().equals(".lock")) {
          Files.copy(source, target);
        }
      }
    }
  }
}
