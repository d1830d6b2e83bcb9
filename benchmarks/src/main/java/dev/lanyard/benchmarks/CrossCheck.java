package dev.lanyard.benchmarks;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * An interleaved CPU-time cross-check of the JMH figures that the targets compare, in one JVM (not JMH).
 *
 * <p>On a shared machine JMH's separate forks run minutes apart, under different competing loads, and their ratios
 * wander by tens of percent. Here the benchmark methods of one comparison (for instance every verifier of one
 * algorithm) run in alternating batches of {@code --batch-ms} milliseconds, round after round, and each batch is
 * timed with the thread's own CPU time; the figure of a method is the median over the rounds after the warm-up ones.
 * Load changes then hit every method of a comparison alike. It reuses the JMH state classes and benchmark methods, so
 * it measures exactly the same code; the price is a shared JIT profile (the methods warm up together), which is why
 * it is a cross-check and not the benchmark. Writes JSON to {@code --out}.
 */
public final class CrossCheck {
  private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
  private static long sink;

  private CrossCheck() {}

  @FunctionalInterface
  private interface Op {
    Object run() throws Exception;
  }

  /** One benchmark method with its parameters, and its CPU time per operation in each round. */
  private static final class Case {
    final String benchmark;
    final Map<String, String> params;
    final Op op;
    final List<Double> rounds = new ArrayList<>();

    Case(String benchmark, Map<String, String> params, Op op) {
      this.benchmark = benchmark;
      this.params = params;
      this.op = op;
    }

    double median() {
      double[] values = rounds.stream().mapToDouble(Double::doubleValue).sorted().toArray();
      if (values.length == 0) {
        return Double.NaN;
      }
      int mid = values.length / 2;
      return values.length % 2 == 1 ? values[mid] : (values[mid - 1] + values[mid]) / 2;
    }
  }

  public static void main(String[] args) throws Exception {
    Path out = Path.of("benchmarks/results/crosscheck.json");
    int rounds = 10;
    int warmupRounds = 3;
    int batchMillis = 150;
    List<String> algs = List.of("ES256", "ES384", "RS256", "PS256");
    List<String> mintAlgs = algs;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--out":
          out = Path.of(args[++i]);
          break;
        case "--rounds":
          rounds = Integer.parseInt(args[++i]);
          break;
        case "--warmup-rounds":
          warmupRounds = Integer.parseInt(args[++i]);
          break;
        case "--batch-ms":
          batchMillis = Integer.parseInt(args[++i]);
          break;
        case "--algs":
          algs = List.of(args[++i].split(","));
          break;
        case "--mint-algs":
          mintAlgs = List.of(args[++i].split(","));
          break;
        default:
          throw new IllegalArgumentException("unknown argument " + args[i]
              + " (--out FILE --rounds N --warmup-rounds N --batch-ms N --algs A,B --mint-algs A,B)");
      }
    }
    long start = System.nanoTime();
    List<Case> all = new ArrayList<>();
    Map<String, VerifyBenchmark.Shared> verifyStates = new LinkedHashMap<>();

    VerifyBenchmark verify = new VerifyBenchmark();
    for (String alg : algs) {
      VerifyBenchmark.Shared s = new VerifyBenchmark.Shared();
      s.alg = alg;
      s.setUp();
      verifyStates.put(alg, s);
      List<Case> group = new ArrayList<>();
      String v = "VerifyBenchmark.";
      Map<String, String> p = Map.of("alg", alg);
      group.add(new Case(v + "floorSignatureOnly", p, () -> verify.floorSignatureOnly(s)));
      group.add(new Case(v + "floorParseAndVerify", p, () -> verify.floorParseAndVerify(s)));
      group.add(new Case(v + "mapHitFloor", p, () -> verify.mapHitFloor(s)));
      group.add(new Case(v + "mapHitAndClockFloor", p, () -> verify.mapHitAndClockFloor(s)));
      group.add(new Case(v + "lanyardUncached", p, () -> verify.lanyardUncached(s)));
      group.add(new Case(v + "lanyardCached", p, () -> verify.lanyardCached(s)));
      group.add(new Case(v + "nimbusProcessor", p, () -> verify.nimbusProcessor(s)));
      group.add(new Case(v + "springNimbusJwtDecoder", p, () -> verify.springNimbusJwtDecoder(s)));
      group.add(new Case(v + "javaSpiffe", p, () -> io.spiffe.svid.jwtsvid.JwtSvid.parseAndValidate(s.nextToken(),
          s.spiffeBundle, s.spiffeAudience)));
      if (!alg.equals("PS256")) {
        VerifyBenchmark.Auth0 a = new VerifyBenchmark.Auth0();
        a.alg = alg;
        a.setUp();
        group.add(new Case(v + "auth0JavaJwt", p, () -> verify.auth0JavaJwt(a)));
      }
      group.add(new Case(v + "jose4j", p, () -> verify.jose4j(s)));
      measure("verify " + alg, group, rounds, warmupRounds, batchMillis);
      all.addAll(group);
    }

    for (String alg : mintAlgs) {
      MintBenchmark m = new MintBenchmark();
      m.alg = alg;
      m.setUp();
      List<Case> group = new ArrayList<>();
      Map<String, String> p = Map.of("alg", alg);
      group.add(new Case("MintBenchmark.floorSign", p, m::floorSign));
      group.add(new Case("MintBenchmark.lanyardFresh", p, m::lanyardFresh));
      group.add(new Case("MintBenchmark.lanyardCached", p, m::lanyardCached));
      group.add(new Case("MintBenchmark.nimbusSign", p, m::nimbusSign));
      VerifyBenchmark.Shared s = verifyStates.get(alg);
      if (s != null) {
        // The cache floor again, interleaved with the cached fetch it is the target for.
        group.add(new Case("MintBenchmark.mapHitFloor", p, () -> verify.mapHitFloor(s)));
      }
      measure("mint " + alg, group, rounds, warmupRounds, batchMillis);
      all.addAll(group);
    }

    X509Benchmark x509 = new X509Benchmark();
    X509Benchmark.Issue issue = new X509Benchmark.Issue();
    issue.setUp();
    X509Benchmark.Verify chains = new X509Benchmark.Verify();
    chains.setUp();
    List<Case> x509Group = new ArrayList<>();
    x509Group.add(new Case("X509Benchmark.floorKeygenAndSign", Map.of(), () -> x509.floorKeygenAndSign(issue)));
    x509Group.add(new Case("X509Benchmark.lanyardIssue", Map.of(), () -> x509.lanyardIssue(issue)));
    x509Group.add(new Case("X509Benchmark.pkixFloor", Map.of(), () -> x509.pkixFloor(chains)));
    x509Group.add(new Case("X509Benchmark.lanyardVerifyChain", Map.of(), () -> x509.lanyardVerifyChain(chains)));
    x509Group.add(new Case("X509Benchmark.javaSpiffeVerifyChain", Map.of(), () -> {
      List<java.security.cert.X509Certificate> chain = List.of(chains.next());
      io.spiffe.svid.x509svid.X509SvidValidator.verifyChain(chain, chains.spiffeBundle);
      return chain;
    }));
    measure("x509", x509Group, rounds, warmupRounds, batchMillis);
    all.addAll(x509Group);

    List<Case> policyGroup = new ArrayList<>();
    for (int rules : new int[] {10, 1000, 100000}) {
      PolicyBenchmark b = new PolicyBenchmark();
      b.rules = rules;
      b.setUp();
      policyGroup.add(new Case("PolicyBenchmark.decide", Map.of("rules", Integer.toString(rules)), b::decide));
    }
    measure("policy", policyGroup, rounds, warmupRounds, batchMillis);
    all.addAll(policyGroup);

    StringBuilder json = new StringBuilder("{\n  \"jdk\": \"").append(System.getProperty("java.version"))
        .append("\",\n  \"rounds\": ").append(rounds).append(",\n  \"warmupRounds\": ").append(warmupRounds)
        .append(",\n  \"batchMillis\": ").append(batchMillis).append(",\n  \"seconds\": ")
        .append(String.format(Locale.ROOT, "%.1f", (System.nanoTime() - start) / 1e9))
        .append(",\n  \"unit\": \"us/op (thread CPU time, median of rounds)\",\n  \"results\": [\n");
    for (int i = 0; i < all.size(); i++) {
      Case c = all.get(i);
      json.append("    {\"benchmark\": \"").append(c.benchmark).append("\", \"params\": {");
      int j = 0;
      for (Map.Entry<String, String> e : c.params.entrySet()) {
        json.append(j++ > 0 ? ", " : "").append('"').append(e.getKey()).append("\": \"").append(e.getValue())
            .append('"');
      }
      json.append("}, \"cpuMicros\": ").append(fmt(c.median())).append(", \"rounds\": [");
      for (int r = 0; r < c.rounds.size(); r++) {
        json.append(r > 0 ? ", " : "").append(fmt(c.rounds.get(r)));
      }
      json.append("]}").append(i < all.size() - 1 ? ",\n" : "\n");
    }
    json.append("  ]\n}\n");
    if (out.getParent() != null) {
      Files.createDirectories(out.getParent());
    }
    Files.writeString(out, json.toString(), StandardCharsets.UTF_8);
    System.out.printf(Locale.ROOT, "wrote %s (%.0f s)%s%n", out, (System.nanoTime() - start) / 1e9,
        sink == 42 ? "." : "");
  }

  /** Runs the group's methods in alternating batches; records CPU µs per operation for the rounds after warm-up. */
  private static void measure(String name, List<Case> group, int rounds, int warmupRounds, int batchMillis)
      throws Exception {
    for (int round = 0; round < warmupRounds + rounds; round++) {
      for (Case c : group) {
        long batchNanos = batchMillis * 1_000_000L * (round == 0 ? 3 : 1);
        long cpu0 = THREADS.getCurrentThreadCpuTime();
        long wall0 = System.nanoTime();
        long ops = 0;
        do {
          for (int k = 0; k < 8; k++) {
            Object result = c.op.run();
            sink += System.identityHashCode(result);
          }
          ops += 8;
        } while (System.nanoTime() - wall0 < batchNanos);
        double perOp = (THREADS.getCurrentThreadCpuTime() - cpu0) / 1e3 / ops;
        if (round >= warmupRounds) {
          c.rounds.add(perOp);
        }
      }
    }
    StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "%-12s", name));
    for (Case c : group) {
      sb.append(String.format(Locale.ROOT, "  %s %s", c.benchmark.substring(c.benchmark.indexOf('.') + 1),
          Report.num(c.median())));
    }
    System.out.println(sb);
  }

  private static String fmt(double v) {
    return Double.isFinite(v) ? String.format(Locale.ROOT, "%.4f", v) : "null";
  }
}
