package dev.lanyard.authority;

import dev.lanyard.jwt.JwtSvid;
import dev.lanyard.jwt.JwtSvidRejectedException;
import dev.lanyard.jwt.JwtSvidVerifier;
import dev.lanyard.spiffe.SpiffeId;
import dev.lanyard.spiffe.TrustDomain;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.locks.LockSupport;

/**
 * A small program the fleet tests run as separate processes on one authority directory. Output: one line per fact,
 * read by {@link AuthorityFleetTest}.
 *
 * <ul>
 *   <li>{@code start DIR TD GO}: waits for file GO, then opens or creates the authority; prints
 *       {@code OK <td> <jwt kids>} or {@code FAIL <message>}.
 *   <li>{@code follow DIR}: opens the authority and prints {@code ACTIVE <kid>} each time another JWT key signs; ends
 *       when stdin closes.
 *   <li>{@code verify DIR TOKENFILE}: opens the authority and verifies the token in TOKENFILE every 10 ms with the
 *       authority's bundle and revocations; prints {@code ACCEPTED} on the first acceptance and
 *       {@code REFUSED <reason>} on the first refusal after it, then ends.
 *   <li>{@code race DIR NAME SECONDS}: opens the authority; for SECONDS mints a token every 20 ms, publishes it in
 *       DIR/../tokens/NAME.jwt and verifies the other processes' latest tokens with its own bundle; prints
 *       {@code SEEN <kid>} per signing key seen and {@code DONE ok=N failed=M} (and {@code REFUSED <reason>}).
 * </ul>
 */
final class AuthorityProcessMain {
  private AuthorityProcessMain() {}

  public static void main(String[] args) throws Exception {
    switch (args[0]) {
      case "start":
        start(Path.of(args[1]), TrustDomain.of(args[2]), Path.of(args[3]));
        break;
      case "follow":
        follow(Path.of(args[1]));
        break;
      case "verify":
        verify(Path.of(args[1]), Path.of(args[2]));
        break;
      case "race":
        race(Path.of(args[1]), args[2], Duration.ofSeconds(Long.parseLong(args[3])));
        break;
      default:
        throw new IllegalArgumentException(args[0]);
    }
    System.out.flush();
  }

  private static void start(Path dir, TrustDomain td, Path go) {
    System.out.println("WAITING");
    System.out.flush();
    while (!Files.exists(go)) {
      LockSupport.parkNanos(1_000_000);
    }
    try {
      EmbeddedAuthority authority = EmbeddedAuthority.newBuilder(td).directory(dir).buildOrOpen();
      List<String> kids = new ArrayList<>();
      for (AuthorityKey key : authority.jwtKeys()) {
        kids.add(key.keyId());
      }
      System.out.println("OK " + authority.trustDomain() + " " + String.join(",", kids));
    } catch (RuntimeException e) {
      System.out.println("FAIL " + e.getMessage());
    }
  }

  private static void follow(Path dir) throws IOException {
    EmbeddedAuthority authority = EmbeddedAuthority.open(dir);
    Thread stdin = new Thread(() -> {
      try {
        while (System.in.read() >= 0) {
          // until closed
        }
      } catch (IOException e) {
        // closed
      }
    });
    stdin.setDaemon(true);
    stdin.start();
    String active = "";
    while (stdin.isAlive()) {
      for (AuthorityKey key : authority.jwtKeys()) {
        if (key.state() == KeyState.ACTIVE && !key.keyId().equals(active)) {
          active = key.keyId();
          System.out.println("ACTIVE " + active);
          System.out.flush();
        }
      }
      LockSupport.parkNanos(5_000_000);
    }
  }

  private static void verify(Path dir, Path tokenFile) throws IOException {
    EmbeddedAuthority authority = EmbeddedAuthority.open(dir);
    JwtSvidVerifier verifier = JwtSvidVerifier.newBuilder().bundleSource(authority.bundleSource())
        .revocations(authority.revocations()).audience("fleet").build();
    String token = Files.readString(tokenFile, StandardCharsets.US_ASCII);
    boolean accepted = false;
    long end = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (System.nanoTime() - end < 0) {
      try {
        verifier.verify(token);
        if (!accepted) {
          accepted = true;
          System.out.println("ACCEPTED");
          System.out.flush();
        }
      } catch (JwtSvidRejectedException e) {
        if (accepted) {
          System.out.println("REFUSED " + e.reason());
          return;
        }
        System.out.println("FAILED " + e.reason() + " " + e.getMessage());
        return;
      }
      LockSupport.parkNanos(10_000_000);
    }
    System.out.println("TIMEOUT");
  }

  private static void race(Path dir, String name, Duration duration) throws IOException {
    EmbeddedAuthority authority = EmbeddedAuthority.open(dir);
    JwtSvidVerifier verifier = JwtSvidVerifier.newBuilder().bundleSource(authority.bundleSource())
        .revocations(authority.revocations()).audience("fleet").build();
    SpiffeId me = SpiffeId.of(authority.trustDomain(), "/" + name);
    Path tokens = dir.resolveSibling("tokens");
    Files.createDirectories(tokens);
    Set<String> seen = new TreeSet<>();
    long ok = 0;
    long failed = 0;
    long end = System.nanoTime() + duration.toNanos();
    while (System.nanoTime() - end < 0) {
      JwtSvid mine = authority.mintJwtSvid(me, "fleet");
      if (seen.add(mine.keyId())) {
        System.out.println("SEEN " + mine.keyId());
      }
      Path temp = tokens.resolve("." + name + ".tmp");
      Files.writeString(temp, mine.token(), StandardCharsets.US_ASCII);
      Files.move(temp, tokens.resolve(name + ".jwt"), StandardCopyOption.ATOMIC_MOVE,
          StandardCopyOption.REPLACE_EXISTING);
      try (var others = Files.newDirectoryStream(tokens, "*.jwt")) {
        for (Path other : others) {
          String token = Files.readString(other, StandardCharsets.US_ASCII);
          try {
            verifier.verify(token);
            ok++;
          } catch (JwtSvidRejectedException e) {
            failed++;
            System.out.println("REFUSED " + other.getFileName() + " " + e.reason() + " " + e.getMessage());
          }
        }
      }
      LockSupport.parkNanos(20_000_000);
    }
    System.out.println("DONE ok=" + ok + " failed=" + failed);
  }
}
