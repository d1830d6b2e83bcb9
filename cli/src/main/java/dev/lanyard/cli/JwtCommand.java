package dev.lanyard.cli;

import dev.lanyard.authority.EmbeddedAuthority;
import dev.lanyard.internal.Base64Url;
import dev.lanyard.internal.Json;
import dev.lanyard.internal.Utf8;
import dev.lanyard.jwt.JwtSvid;
import dev.lanyard.jwt.JwtSvidRejectedException;
import dev.lanyard.jwt.JwtSvidVerifier;
import dev.lanyard.jwt.VerifiedJwtSvid;
import dev.lanyard.spiffe.SpiffeId;
import dev.lanyard.spiffe.TrustDomain;
import dev.lanyard.trust.BundleSource;
import dev.lanyard.trust.TrustBundle;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.text.ParseException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code lanyard jwt}: mint, verify and inspect JWT-SVIDs. */
@Command(name = "jwt", mixinStandardHelpOptions = true, description = "Mint, verify and inspect JWT-SVIDs.",
    subcommands = {JwtCommand.Mint.class, JwtCommand.Verify.class, JwtCommand.Inspect.class})
final class JwtCommand implements Runnable {
  /** Most characters read from stdin for a token; anything longer is rejected unread. */
  static final int MAX_STDIN_TOKEN = 1024 * 1024;

  @Spec
  CommandSpec spec;

  @Override
  public void run() {
    throw new picocli.CommandLine.ParameterException(spec.commandLine(),
        "a subcommand is required: mint, verify or inspect");
  }

  /** {@code lanyard jwt mint}. */
  @Command(name = "mint", mixinStandardHelpOptions = true,
      description = "Mint a JWT-SVID with an authority's active key and print the compact token only.")
  static final class Mint implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--authority", required = true, paramLabel = "DIR", description = "The authority's directory.")
    Path authorityDir;

    @Option(names = "--spiffe-id", required = true, paramLabel = "ID", description = "The subject (sub).")
    String spiffeId;

    @Option(names = "--audience", required = true, paramLabel = "AUD",
        description = "An audience (aud); repeat for more.")
    List<String> audiences;

    @Option(names = "--scope", paramLabel = "SCOPES",
        description = "Scopes to grant, space-separated (\"a b\"); may be repeated.")
    List<String> scopes = new ArrayList<>();

    @Option(names = "--ttl", paramLabel = "DURATION", converter = DurationConverter.class,
        description = "Lifetime, e.g. 90s, 5m, 1h or PT5M (default: the authority's, 5m).")
    @Nullable Duration ttl;

    @Mixin
    AuditOptions audit;

    @Override
    public Integer call() {
      SpiffeId subject = SpiffeId.parse(spiffeId);
      List<String> scopeList = new ArrayList<>();
      for (String s : scopes) {
        for (String part : s.strip().split(" +")) {
          if (!part.isEmpty()) {
            scopeList.add(part);
          }
        }
      }
      JwtSvid svid;
      try (CliAudit trail = audit.open()) {
        EmbeddedAuthority authority = EmbeddedAuthority.open(authorityDir, Lanyard.clock(spec), trail);
        // The library shortens a TTL over the maximum; asked for on the command line, it is a usage error instead.
        if (ttl != null && ttl.compareTo(authority.maxJwtSvidTtl()) > 0) {
          throw new CliException("--ttl " + ttl + " exceeds the authority's maximum JWT-SVID TTL ("
              + authority.maxJwtSvidTtl().toSeconds() + "s)");
        }
        svid = authority.mint(subject, audiences, scopeList, ttl);
      }
      spec.commandLine().getOut().println(svid.token());
      return 0;
    }
  }

  /** {@code lanyard jwt verify}. */
  @Command(name = "verify", mixinStandardHelpOptions = true,
      description = {"Verify a JWT-SVID strictly and print one JSON object.",
          "Exit 0 when valid, 1 when rejected (with reason), 2 for usage or configuration errors."})
  static final class Verify implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--trust-domain", required = true, paramLabel = "TD", description = "The trust domain.")
    String trustDomain;

    @Option(names = "--bundle", required = true, paramLabel = "FILE|URL",
        description = "The trust domain's SPIFFE bundle: a file, or an https URL.")
    String bundle;

    @Mixin
    BundleFetchOptions bundleFetch;

    @Option(names = "--audience", required = true, paramLabel = "AUD",
        description = "The audience the token must carry.")
    String audience;

    @Option(names = "--max-lifetime", paramLabel = "DURATION", converter = DurationConverter.class,
        defaultValue = "1h", description = "Longest token lifetime accepted (default 1h).")
    Duration maxLifetime;

    @Option(names = "--clock-skew", paramLabel = "DURATION", converter = DurationConverter.class,
        defaultValue = "30s", description = "Allowed clock skew, at most 5m (default 30s).")
    Duration clockSkew;

    @Option(names = "--token", paramLabel = "T", description = "The token; read from stdin when absent.")
    @Nullable String token;

    @Override
    public Integer call() throws IOException {
      TrustDomain td = TrustDomain.of(trustDomain);
      PrintWriter err = spec.commandLine().getErr();
      TrustBundle trustBundle = Bundles.load(td, bundle, bundleFetch.remote(err));
      Bundles.warnSkipped(trustBundle, err);
      JwtSvidVerifier verifier = JwtSvidVerifier.newBuilder()
          .bundleSource(BundleSource.of(trustBundle))
          .trustDomains(td)
          .audience(audience)
          .maxTokenLifetime(maxLifetime)
          .clockSkew(clockSkew)
          .clock(Lanyard.clock(spec))
          .disableCache()
          .build();
      String candidate = token != null ? token.strip() : readStdin(Lanyard.stdin(spec));
      if (candidate == null) {
        return Output.rejected(spec, JwtSvidRejectedException.Reason.MALFORMED.name(),
            "token on stdin is longer than " + MAX_STDIN_TOKEN + " characters");
      }
      if (candidate.isEmpty()) {
        throw new CliException("no token: give --token or pipe one on stdin");
      }
      try {
        VerifiedJwtSvid verified = verifier.verify(candidate);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("valid", true);
        out.put("subject", verified.subject().toString());
        out.put("audience", verified.audience());
        out.put("scopes", new ArrayList<>(verified.scopes()));
        out.put("expiresAt", verified.expiresAt().toString());
        verified.issuedAt().ifPresent(iat -> out.put("issuedAt", iat.toString()));
        out.put("keyId", verified.keyId());
        out.put("tokenId", verified.tokenId().orElse(null));
        out.put("algorithm", verified.algorithm().name());
        Output.json(spec, out);
        return 0;
      } catch (JwtSvidRejectedException e) {
        return Output.rejected(spec, e.reason().name(), e.detail());
      }
    }
  }

  /** {@code lanyard jwt inspect}. */
  @Command(name = "inspect", mixinStandardHelpOptions = true,
      description = "Decode a JWT without verifying anything; the output is labelled UNVERIFIED.")
  static final class Inspect implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--token", paramLabel = "T", description = "The token; read from stdin when absent.")
    @Nullable String token;

    @Override
    public Integer call() throws IOException {
      String candidate = token != null ? token.strip() : readStdin(Lanyard.stdin(spec));
      PrintWriter out = spec.commandLine().getOut();
      PrintWriter err = spec.commandLine().getErr();
      if (candidate == null || candidate.isEmpty()) {
        err.println("lanyard: no token, or a token longer than " + MAX_STDIN_TOKEN + " characters");
        return Lanyard.REJECTED;
      }
      String[] parts = candidate.split("\\.", -1);
      if (parts.length != 3) {
        err.println("lanyard: not a compact JWS (" + parts.length + " parts, expected 3)");
        return Lanyard.REJECTED;
      }
      String header = decode(parts[0]);
      String claims = decode(parts[1]);
      if (header == null || claims == null) {
        err.println("lanyard: a part is not base64url-encoded JSON");
        return Lanyard.REJECTED;
      }
      out.println("UNVERIFIED: decoded without checking the signature or any claim. Do not trust what it says.");
      out.println("header: " + header);
      out.println("claims: " + claims);
      try {
        Object exp = Json.parseObject(claims, 16).get("exp");
        double seconds = exp instanceof Number ? ((Number) exp).doubleValue() : Double.NaN;
        if (seconds >= 0 && seconds <= 253402300799L) {
          Instant expiry = Instant.ofEpochSecond((long) seconds);
          out.println("expires: " + expiry + TimeText.untilOrAgo(expiry, Lanyard.clock(spec).instant()));
        }
      } catch (ParseException e) {
        out.println("claims are not strict JSON: " + e.getMessage());
      }
      out.println("signature: " + (parts[2].isEmpty() ? "none" : ((parts[2].length() * 3) / 4) + " bytes"));
      return 0;
    }

    private static @Nullable String decode(String part) {
      byte[] bytes = Base64Url.decode(part);
      if (bytes == null) {
        return null;
      }
      String text = Utf8.decodeOrNull(bytes);
      if (text == null) {
        return null;
      }
      StringBuilder sb = new StringBuilder(text.length());
      for (int i = 0; i < text.length(); i++) {
        char c = text.charAt(i);
        sb.append(c < 0x20 || c == 0x7f ? '?' : c);
      }
      return sb.toString();
    }
  }

  /** Reads a token from stdin: at most {@link #MAX_STDIN_TOKEN} characters; null when there is more. */
  static @Nullable String readStdin(InputStream in) throws IOException {
    byte[] data = in.readNBytes(MAX_STDIN_TOKEN + 1);
    if (data.length > MAX_STDIN_TOKEN) {
      return null;
    }
    return new String(data, StandardCharsets.UTF_8).strip();
  }
}
