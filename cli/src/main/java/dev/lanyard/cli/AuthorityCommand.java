package dev.lanyard.cli;

import dev.lanyard.authority.AuthorityCa;
import dev.lanyard.authority.AuthorityKey;
import dev.lanyard.authority.EmbeddedAuthority;
import dev.lanyard.authority.KeyState;
import dev.lanyard.internal.Certificates;
import dev.lanyard.jose.JwtAlgorithm;
import dev.lanyard.spiffe.TrustDomain;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import javax.security.auth.x500.X500Principal;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code lanyard authority}: create and operate an embedded authority kept in a directory. */
@Command(name = "authority", mixinStandardHelpOptions = true,
    description = "Create and operate an embedded authority kept in a directory.",
    subcommands = {AuthorityCommand.Init.class, AuthorityCommand.Bundle.class, AuthorityCommand.Rotate.class,
        ServeCommand.class})
final class AuthorityCommand implements Runnable {
  /** Largest upstream key or certificate file read. */
  static final int MAX_UPSTREAM_FILE = 1024 * 1024;

  @Spec
  CommandSpec spec;

  @Override
  public void run() {
    throw new picocli.CommandLine.ParameterException(spec.commandLine(),
        "a subcommand is required: init, bundle, rotate or serve");
  }

  static Map<String, Object> describe(AuthorityKey key) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("keyId", key.keyId());
    m.put("algorithm", key.algorithm().name());
    m.put("state", key.state().name());
    m.put("tainted", key.tainted());
    m.put("createdAt", key.createdAt().toString());
    m.put("notAfter", key.notAfter().toString());
    return m;
  }

  static List<Object> describeKeys(EmbeddedAuthority authority) {
    List<Object> keys = new ArrayList<>();
    for (AuthorityKey key : authority.jwtKeys()) {
      keys.add(describe(key));
    }
    return keys;
  }

  static Map<String, Object> describe(AuthorityCa ca) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("id", ca.id());
    m.put("keyType", ca.keyType());
    m.put("state", ca.state().name());
    m.put("tainted", ca.tainted());
    m.put("createdAt", ca.createdAt().toString());
    m.put("notAfter", ca.notAfter().toString());
    m.put("subject", CertificateDescriber.subject(ca.certificate()));
    m.put("issuer", CertificateDescriber.issuer(ca.certificate()));
    return m;
  }

  static List<Object> describeCas(EmbeddedAuthority authority) {
    List<Object> cas = new ArrayList<>();
    for (AuthorityCa ca : authority.x509Cas()) {
      cas.add(describe(ca));
    }
    return cas;
  }

  /** {@code lanyard authority init}. */
  @Command(name = "init", mixinStandardHelpOptions = true,
      description = "Create a new authority for a trust domain in an empty (or new) directory.")
  static final class Init implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--trust-domain", required = true, paramLabel = "TD",
        description = "Trust domain name, e.g. example.org.")
    String trustDomain;

    @Option(names = "--dir", required = true, paramLabel = "DIR", description = "Directory to create it in.")
    Path dir;

    @Option(names = "--jwt-algorithm", paramLabel = "ALG", defaultValue = "ES256",
        description = "JWT signing algorithm: ES256 (default), ES384, RS256 or PS256.")
    JwtAlgorithm algorithm;

    @Option(names = "--ca-key-type", paramLabel = "TYPE", defaultValue = "EC_P256",
        description = "Key of the X.509 CA: EC_P256 (default) or RSA_2048.")
    Certificates.KeyType caKeyType;

    @Option(names = "--upstream-key", paramLabel = "FILE",
        description = "Private key (PEM PKCS#8) of an upstream CA: the authority's CA becomes an intermediate under "
            + "it, and the bundle publishes the upstream root. A copy is kept in the authority's directory (mode "
            + "0600). Needs --upstream-cert.")
    @Nullable Path upstreamKey;

    @Option(names = "--upstream-cert", paramLabel = "FILE",
        description = "Certificate chain (PEM) of the upstream CA: its own certificate first, its root last. Needs "
            + "--upstream-key.")
    @Nullable Path upstreamCert;

    @Mixin
    AuditOptions audit;

    @Override
    public Integer call() {
      TrustDomain td = TrustDomain.of(trustDomain);
      EmbeddedAuthority.Builder builder = EmbeddedAuthority.newBuilder(td).jwtAlgorithm(algorithm)
          .clock(Lanyard.clock(spec));
      if (caKeyType == Certificates.KeyType.RSA_2048) {
        builder.rsaCa();
      }
      if ((upstreamKey == null) != (upstreamCert == null)) {
        throw new ParameterException(spec.commandLine(),
            "--upstream-key and --upstream-cert go together: give both or neither");
      }
      List<X509Certificate> upstreamChain = null;
      if (upstreamKey != null) {
        PrivateKey key = readUpstreamKey(upstreamKey);
        upstreamChain = readUpstreamChain(upstreamCert);
        try {
          builder.upstreamCa(key, upstreamChain);
        } catch (IllegalArgumentException e) {
          throw new CliException("cannot use the upstream CA (" + upstreamKey + ", " + upstreamCert + "): "
              + e.getMessage());
        }
      }
      EmbeddedAuthority authority;
      try (CliAudit trail = audit.open()) {
        authority = builder.directory(dir).auditSink(trail).build();
      }
      Map<String, Object> out = new LinkedHashMap<>();
      out.put("trustDomain", td.name());
      out.put("dir", dir.toAbsolutePath().toString());
      out.put("jwtAlgorithm", algorithm.name());
      out.put("keys", describeKeys(authority));
      out.put("caKeyType", caKeyType.name());
      for (AuthorityCa ca : authority.x509Cas()) {
        if (ca.state() == KeyState.ACTIVE) {
          out.put("x509Ca", describe(ca));
        }
      }
      if (upstreamChain != null) {
        Map<String, Object> upstream = new LinkedHashMap<>();
        upstream.put("subject", CertificateDescriber.subject(upstreamChain.get(0)));
        upstream.put("root", CertificateDescriber.subject(upstreamChain.get(upstreamChain.size() - 1)));
        upstream.put("notAfter", upstreamChain.get(0).getNotAfter().toInstant().toString());
        out.put("upstream", upstream);
      }
      Output.json(spec, out);
      return 0;
    }

    private static PrivateKey readUpstreamKey(Path file) {
      byte[] bytes = CliFiles.read(file, "upstream key", MAX_UPSTREAM_FILE);
      try {
        return Certificates.parsePrivateKeyPem(new String(bytes, StandardCharsets.ISO_8859_1));
      } catch (GeneralSecurityException | IllegalArgumentException e) {
        throw new CliException("upstream key " + file + " is not an unencrypted PKCS#8 private key in PEM "
            + "(convert one with: openssl pkcs8 -topk8 -nocrypt)");
      } finally {
        Arrays.fill(bytes, (byte) 0);
      }
    }

    private static List<X509Certificate> readUpstreamChain(Path file) {
      byte[] bytes = CliFiles.read(file, "upstream certificate", MAX_UPSTREAM_FILE);
      List<X509Certificate> chain;
      try {
        chain = Certificates.parsePem(new String(bytes, StandardCharsets.ISO_8859_1));
      } catch (CertificateException | IllegalArgumentException e) {
        throw new CliException("upstream certificate " + file + " holds a PEM certificate that cannot be parsed");
      }
      if (chain.isEmpty()) {
        throw new CliException("upstream certificate " + file + " holds no PEM CERTIFICATE block");
      }
      return chain;
    }
  }

  /** {@code lanyard authority bundle}. */
  @Command(name = "bundle", mixinStandardHelpOptions = true,
      description = "Print the authority's trust bundle on stdout.")
  static final class Bundle implements Callable<Integer> {
    enum Format { spiffe, jwks, pem }

    @Spec
    CommandSpec spec;

    @Option(names = "--dir", required = true, paramLabel = "DIR", description = "The authority's directory.")
    Path dir;

    @Option(names = "--format", paramLabel = "FORMAT", defaultValue = "spiffe",
        description = "spiffe (default): SPIFFE bundle JSON (JWT keys and X.509 roots); jwks: the JWT keys as a "
            + "plain JWKS (use sig, alg); pem: the X.509 roots as PEM certificates.")
    Format format;

    @Mixin
    AuditOptions audit;

    @Override
    public Integer call() {
      EmbeddedAuthority authority;
      try (CliAudit trail = audit.open()) {
        // Opening does the authority's due maintenance (a key retired, say): audited like any change.
        authority = EmbeddedAuthority.open(dir, Lanyard.clock(spec), trail);
      }
      dev.lanyard.trust.TrustBundle bundle = authority.bundle();
      switch (format) {
        case jwks:
          spec.commandLine().getOut().println(bundle.toJwksJson());
          break;
        case pem:
          if (bundle.x509Authorities().isEmpty()) {
            throw new CliException("the authority in " + dir + " has no X.509 roots");
          }
          spec.commandLine().getOut().print(bundle.toPem());
          break;
        default:
          spec.commandLine().getOut().println(bundle.toJson());
      }
      return 0;
    }
  }

  /** {@code lanyard authority rotate}. */
  @Command(name = "rotate", mixinStandardHelpOptions = true,
      description = {"One rotation step, for the JWT signing key and the X.509 CA alike: prepare the next one "
          + "(published in the bundle, not signing yet) or, when one is prepared, activate it and retire the current "
          + "one.",
          "Run it once, let bundle consumers refresh, then run it again."})
  static final class Rotate implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--dir", required = true, paramLabel = "DIR", description = "The authority's directory.")
    Path dir;

    @Mixin
    AuditOptions audit;

    @Override
    public Integer call() {
      Map<String, Object> out = new LinkedHashMap<>();
      try (CliAudit trail = audit.open()) {
        EmbeddedAuthority authority = EmbeddedAuthority.open(dir, Lanyard.clock(spec), trail);
        AuthorityKey changed = authority.rotateJwtKey();
        out.put("action", changed.state().name().equals("ACTIVE") ? "activated" : "prepared");
        out.put("key", describe(changed));
        out.put("keys", describeKeys(authority));
        AuthorityCa ca = authority.rotateX509Ca();
        Map<String, Object> x509 = new LinkedHashMap<>();
        x509.put("action", ca.state() == KeyState.ACTIVE ? "activated" : "prepared");
        x509.put("ca", describe(ca));
        x509.put("cas", describeCas(authority));
        out.put("x509", x509);
      }
      Output.json(spec, out);
      return 0;
    }
  }
}
