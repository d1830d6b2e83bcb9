package dev.lanyard.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import dev.lanyard.audit.AuditEvent;
import dev.lanyard.authority.EmbeddedAuthority;
import dev.lanyard.jwt.JwtSvidVerifier;
import dev.lanyard.policy.Policy;
import dev.lanyard.spiffe.SpiffeId;
import dev.lanyard.spiffe.TrustDomain;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Floods a {@link LanyardFilter} in a real embedded Tomcat 11 with thousands of distinct valid tokens (more than the
 * verified-token cache holds) and thousands of distinct garbage credentials (random bytes, random three-part tokens,
 * deeply nested JSON, huge claims, headers up to and beyond Tomcat's limit): every valid token is accepted, every
 * garbage one refused with 401 (or by Tomcat with 400/413/431 when the header is too large), and the heap the filter
 * keeps stays bounded. Prints the heap and throughput it saw.
 */
class LanyardFilterFloodTest {
  static final TrustDomain TD = TrustDomain.of("example.org");
  static final String AUDIENCE = "spiffe://example.org/payments";
  static final int THREADS = 16;
  /** More distinct valid tokens than the verified-token cache holds. */
  static final int VALID = (int) JwtSvidVerifier.Builder.DEFAULT_CACHE_SIZE + 1_000;
  static final int GARBAGE = 5_000;
  static final long MIB = 1024 * 1024;
  static final String INVALID_TOKEN_PREFIX = "Bearer error=\"invalid_token\"";

  @Test
  @Timeout(150)
  void floodWhenThousandsOfDistinctValidAndGarbageTokensThenEachDecidedRightAndHeapBounded(@TempDir Path dir)
      throws Exception {
    EmbeddedAuthority authority = EmbeddedAuthority.newBuilder(TD).build();
    Map<AuditEvent.Decision, AtomicInteger> audited = new ConcurrentHashMap<>();
    LanyardFilter filter = LanyardFilter.newBuilder().trustDomain(TD).audience(AUDIENCE)
        .bundleSource(authority.bundleSource()).policy(Policy.parse("GET /whoami any\n", "policy.txt"))
        .revocations(authority.revocations())
        .auditSink(e -> audited.computeIfAbsent(e.decision(), d -> new AtomicInteger()).incrementAndGet()).build();
    long minting = System.nanoTime();
    List<String> valid = IntStream.range(0, VALID).parallel()
        .mapToObj(i -> authority.mintJwtSvid(SpiffeId.parse("spiffe://example.org/w/" + i), AUDIENCE).token())
        .collect(Collectors.toList());
    double mintSeconds = (System.nanoTime() - minting) / 1e9;
    long making = System.nanoTime();
    List<String> garbage = garbage(new Random(42), valid.get(0));
    double garbageMakingSeconds = (System.nanoTime() - making) / 1e9;
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(5)).build();

    try (TomcatServer server = TomcatServer.newBuilder(dir.resolve("tomcat")).filter(filter).start()) {
      // Warm up the container, client and verifier, then measure from a collected heap.
      for (int i = 0; i < 50; i++) {
        send(http, server, authority.mintJwtSvid(SpiffeId.parse("spiffe://example.org/warm"), AUDIENCE).token());
      }
      long before = retainedHeap();
      resetPeaks();

      List<String> wrong = Collections.synchronizedList(new ArrayList<>());
      long started = System.nanoTime();
      flood(valid, token -> {
        HttpResponse<String> response = send(http, server, token);
        if (response.statusCode() != 200 || !response.body().contains("principal=spiffe://example.org/w/")) {
          wrong.add("valid token refused: " + LanyardFilterFaultTest.describe(response));
        }
      });
      double validSeconds = (System.nanoTime() - started) / 1e9;
      long peakValid = peakHeap();
      long afterValid = retainedHeap();

      resetPeaks();
      AtomicInteger refusedByTomcat = new AtomicInteger();
      started = System.nanoTime();
      flood(garbage, token -> {
        HttpResponse<String> response;
        try {
          response = send(http, server, token);
        } catch (IOException e) {
          // Tomcat may close the connection on a header far beyond its limit before reading it all.
          if (token.length() < 64 * 1024) {
            throw e;
          }
          refusedByTomcat.incrementAndGet();
          return;
        }
        boolean oversize = token.length() > 8 * 1024;
        boolean ok = oversize ? response.statusCode() == 400 || response.statusCode() == 413
            || response.statusCode() == 431
            : response.statusCode() == 401 && response.headers().firstValue("WWW-Authenticate").orElse("")
                .startsWith(INVALID_TOKEN_PREFIX);
        if (oversize && response.statusCode() != 401) {
          refusedByTomcat.incrementAndGet();
        }
        if (!ok || response.body().contains(token)) {
          wrong.add("garbage of " + token.length() + " chars: " + response.statusCode() + " "
              + response.headers().firstValue("WWW-Authenticate").orElse("-"));
        }
      });
      double garbageSeconds = (System.nanoTime() - started) / 1e9;
      long peakGarbage = peakHeap();
      long afterGarbage = retainedHeap();

      System.out.printf("flood: minted %d tokens in %.1f s, made the garbage in %.1f s%n", VALID, mintSeconds,
          garbageMakingSeconds);
      System.out.printf("flood: %d valid tokens in %.1f s (%.0f requests/s), %d garbage in %.1f s (%.0f requests/s,"
              + " %d refused by Tomcat); retained heap %d MiB before, %d MiB after the valid flood, %d MiB after"
              + " the garbage flood; peak heap %d MiB (valid), %d MiB (garbage)%n",
          VALID, validSeconds, VALID / validSeconds, garbage.size(), garbageSeconds, garbage.size() / garbageSeconds,
          refusedByTomcat.get(), before / MIB, afterValid / MIB, afterGarbage / MIB, peakValid / MIB,
          peakGarbage / MIB);

      assertThat(wrong).isEmpty();
      assertThat(audited.get(AuditEvent.Decision.ALLOWED)).hasValue(VALID + 50);
      assertThat(audited.get(AuditEvent.Decision.REJECTED).get() + refusedByTomcat.get()).isEqualTo(garbage.size());
      // The cache holds at most 10 000 verified tokens of ~2 KiB; garbage is never kept.
      assertThat(afterValid - before).as("heap kept after %d distinct valid tokens", VALID).isLessThan(96 * MIB);
      assertThat(afterGarbage - afterValid).as("heap kept after %d garbage tokens", garbage.size())
          .isLessThan(16 * MIB);
      assertThat(Math.max(peakValid, peakGarbage)).as("peak heap").isLessThan(2048 * MIB);
    }
  }

  /** Distinct garbage credentials of every kind, hostile ones first. */
  static List<String> garbage(Random random, String validToken) {
    Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
    String[] parts = validToken.split("\\.");
    List<String> list = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      // Far beyond Tomcat's 8 KiB header limit, up to 1 MiB.
      list.add(randomText(random, 64 * 1024 << (i % 5)));
    }
    for (int i = 0; i < 40; i++) {
      // Just under and just over Tomcat's limit.
      list.add(randomText(random, 7_900 + random.nextInt(50)));
      list.add(randomText(random, 8_300 + random.nextInt(500)));
    }
    for (int i = 0; i < 200; i++) {
      // Deeply nested JSON in the header and in the claims.
      int depth = 50 + random.nextInt(2_000);
      String nested = "{\"alg\":\"ES256\",\"x\":" + "[".repeat(depth) + "]".repeat(depth) + "}";
      list.add(b64.encodeToString(nested.getBytes(StandardCharsets.UTF_8)) + "." + parts[1] + "." + parts[2] + i);
      String claims = "{\"sub\":" + "{\"a\":".repeat(depth / 8) + "1" + "}".repeat(depth / 8) + "}";
      list.add(parts[0] + "." + b64.encodeToString(claims.getBytes(StandardCharsets.UTF_8)) + "." + parts[2] + i);
    }
    for (int i = 0; i < 100; i++) {
      // Huge claims objects under the header limit, and alg none.
      StringBuilder claims = new StringBuilder("{\"sub\":\"spiffe://example.org/x\"");
      for (int k = 0; k < 150; k++) {
        claims.append(",\"k").append(i).append('_').append(k).append("\":\"v\"");
      }
      claims.append('}');
      list.add(parts[0] + "." + b64.encodeToString(claims.toString().getBytes(StandardCharsets.UTF_8)) + "."
          + parts[2]);
      list.add(b64.encodeToString(("{\"alg\":\"none\",\"n\":" + i + "}").getBytes(StandardCharsets.UTF_8)) + "."
          + parts[1] + ".");
    }
    while (list.size() < GARBAGE) {
      byte[] bytes = new byte[16 + random.nextInt(2_000)];
      random.nextBytes(bytes);
      switch (list.size() % 3) {
        case 0:
          list.add(b64.encodeToString(bytes));
          break;
        case 1:
          list.add(b64.encodeToString(bytes) + "." + b64.encodeToString(bytes) + "." + b64.encodeToString(bytes));
          break;
        default:
          // A real header and claims with a random signature.
          list.add(parts[0] + "." + parts[1] + "." + b64.encodeToString(bytes));
      }
    }
    assertThat(new java.util.HashSet<>(list)).hasSize(list.size());
    Collections.shuffle(list, random);
    return list;
  }

  static String randomText(Random random, int length) {
    char[] chars = new char[length];
    for (int i = 0; i < length; i++) {
      chars[i] = (char) ('a' + random.nextInt(26));
    }
    return new String(chars);
  }

  /** A step of a flood, on one client thread. */
  @FunctionalInterface
  interface Check {
    void accept(String token) throws Exception;
  }

  /** Sends every token once, spread over {@link #THREADS} client threads. */
  static void flood(List<String> tokens, Check check) throws Exception {
    AtomicInteger next = new AtomicInteger();
    try (Load load = Load.start(THREADS, (worker, sequence) -> {
      int i = next.getAndIncrement();
      if (i < tokens.size()) {
        check.accept(tokens.get(i));
      } else {
        Thread.onSpinWait();
      }
    })) {
      load.await(() -> next.get() >= tokens.size() + THREADS, Duration.ofSeconds(150), "the flood");
      load.stop();
    }
  }

  static HttpResponse<String> send(HttpClient http, TomcatServer server, String token)
      throws IOException, InterruptedException {
    return http.send(HttpRequest.newBuilder(server.uri("/whoami")).timeout(Duration.ofSeconds(30))
        .header("Authorization", "Bearer " + token).GET().build(), HttpResponse.BodyHandlers.ofString());
  }

  /** Heap in use after collecting garbage. */
  static long retainedHeap() {
    System.gc();
    System.gc();
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }

  static void resetPeaks() {
    for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
      if (pool.getType() == MemoryType.HEAP) {
        pool.resetPeakUsage();
      }
    }
  }

  /** The sum of the heap pools' peak usage since {@link #resetPeaks()}. */
  static long peakHeap() {
    long peak = 0;
    for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
      if (pool.getType() == MemoryType.HEAP) {
        peak += pool.getPeakUsage().getUsed();
      }
    }
    return peak;
  }
}
