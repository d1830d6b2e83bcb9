package dev.lanyard.cli;

import dev.lanyard.authority.AuthorityKey;
import dev.lanyard.authority.EmbeddedAuthority;
import dev.lanyard.jwt.JwtAlgorithm;
import dev.lanyard.spiffe.TrustDomain;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code lanyard authority}: create and operate an embedded authority kept in a directory. */
@Command(name = "authority", mixinStandardHelpOptions = true,
    description = "Create and operate an embedded authority kept in a directory.",
    subcommands = {AuthorityCommand.Init.class, AuthorityCommand.Bundle.class, AuthorityCommand.Rotate.class})
final class AuthorityCommand implements Runnable {
  @Spec
  CommandSpec spec;

  @Override
  public void run() {
    throw new picocli.CommandLine.ParameterException(spec.commandLine(),
        "a subcommand is required: init, bundle or rotate");
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

    @Override
    public Integer call() {
      TrustDomain td = TrustDomain.of(trustDomain);
      EmbeddedAuthority authority = EmbeddedAuthority.newBuilder(td).jwtAlgorithm(algorithm).directory(dir).build();
      Map<String, Object> out = new LinkedHashMap<>();
      out.put("trustDomain", td.name());
      out.put("dir", dir.toAbsolutePath().toString());
      out.put("jwtAlgorithm", algorithm.name());
      out.put("keys", describeKeys(authority));
      Output.json(spec, out);
      return 0;
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
        description = "spiffe (default): SPIFFE bundle JSON; jwks: the JWT keys as a plain JWKS (use sig, alg); "
            + "pem: the X.509 roots.")
    Format format;

    @Override
    public Integer call() {
      EmbeddedAuthority authority = EmbeddedAuthority.open(dir);
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
      description = {"One rotation step: prepare the next key (published in the bundle, not signing yet) or, when "
          + "one is prepared, activate it and retire the current key.",
          "Run it once, let bundle consumers refresh, then run it again."})
  static final class Rotate implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--dir", required = true, paramLabel = "DIR", description = "The authority's directory.")
    Path dir;

    @Override
    public Integer call() {
      EmbeddedAuthority authority = EmbeddedAuthority.open(dir);
      AuthorityKey changed = authority.rotateJwtKey();
      Map<String, Object> out = new LinkedHashMap<>();
      out.put("action", changed.state().name().equals("ACTIVE") ? "activated" : "prepared");
      out.put("key", describe(changed));
      out.put("keys", describeKeys(authority));
      Output.json(spec, out);
      return 0;
    }
  }
}
