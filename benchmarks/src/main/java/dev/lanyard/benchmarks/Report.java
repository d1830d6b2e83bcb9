package dev.lanyard.benchmarks;

import dev.lanyard.internal.Json;
import java.io.IOException;
import java.text.ParseException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Prints the results as Markdown tables: every figure with its ratio to its floor and to Lanyard, then each target
 * met or missed. Usage: {@code Report JMH_JSON [LOADTEST_JSON]}.
 *
 * <p>Tables and targets use the per-operation CPU time of the benchmark thread ({@link CpuTimeProfiler}) when it was
 * recorded: on this shared machine JMH's wall-clock scores include time spent descheduled while other processes ran,
 * and their errors are often larger than the means. The wall-clock ratio is shown beside each target, and every raw
 * score is listed at the end. A target whose ratio's 99.9 % interval (from the errors) straddles the limit is marked
 * "within error". For the load test the CPU figure is requests per CPU-second of the whole process (load generator
 * and server), the wall figure requests per second.
 */
public final class Report {
  private static final String[] ALGS = {"ES256", "ES384", "RS256", "PS256"};
  private static final String[] VERIFY_ROWS = {"floorSignatureOnly", "floorParseAndVerify", "mapHitFloor",
      "mapHitAndClockFloor", "lanyardUncached", "lanyardCached", "nimbusProcessor", "springNimbusJwtDecoder",
      "javaSpiffe", "auth0JavaJwt", "jose4j"};
  private static final String[] PEERS = {"nimbusProcessor", "springNimbusJwtDecoder", "javaSpiffe", "auth0JavaJwt",
      "jose4j"};
  private static final String[] MINT_ROWS = {"floorSign", "lanyardFresh", "lanyardCached", "nimbusSign"};
  private static final String[] X509_ROWS = {"floorKeygenAndSign", "lanyardIssue", "pkixFloor", "lanyardVerifyChain",
      "javaSpiffeVerifyChain"};

  /** What the tables show. */
  private static final String UNIT = "CPU µs/op";

  private Report() {}

  /** One JMH result: wall-clock score and, when recorded, CPU time per operation, each with its 99.9 % error. */
  static final class Figure {
    final double score;
    final double error;
    final String unit;
    final double cpu;
    final double cpuError;

    Figure(double score, double error, String unit, double cpu, double cpuError) {
      this.score = score;
      this.error = error;
      this.unit = unit;
      this.cpu = cpu;
      this.cpuError = cpuError;
    }

    boolean hasCpu() {
      return Double.isFinite(cpu);
    }

    /** The figure the tables use: CPU time when recorded, else the wall-clock score. */
    double value() {
      return hasCpu() ? cpu : score;
    }
  }

  private final Map<String, Figure> figures = new LinkedHashMap<>();
  private final Map<String, Double> cross = new LinkedHashMap<>();
  private final StringBuilder out = new StringBuilder();
  private final List<String[]> targets = new ArrayList<>();

  public static void main(String[] args) throws IOException {
    if (args.length < 1 || args.length > 3) {
      System.err.println("usage: Report JMH_JSON [LOADTEST_JSON [CROSSCHECK_JSON]]");
      System.exit(2);
    }
    Report report = new Report();
    report.load(Path.of(args[0]));
    Map<String, Object> load = null;
    if (args.length >= 2 && Files.exists(Path.of(args[1]))) {
      load = parseObject(Files.readString(Path.of(args[1]), StandardCharsets.UTF_8));
    }
    if (args.length == 3 && Files.exists(Path.of(args[2]))) {
      report.loadCrossCheck(Path.of(args[2]));
    }
    report.print(load);
    System.out.print(report.out);
  }

  private void load(Path jmh) throws IOException {
    List<?> results = (List<?>) parseObject("{\"results\":" + Files.readString(jmh, StandardCharsets.UTF_8) + "}").get("results");
    for (Object element : results) {
      Map<String, Object> result = obj(element);
      String benchmark = String.valueOf(result.get("benchmark"));
      String name = benchmark.substring(benchmark.lastIndexOf('.', benchmark.lastIndexOf('.') - 1) + 1);
      Map<String, String> params = new TreeMap<>();
      if (result.containsKey("params")) {
        for (Map.Entry<String, Object> p : obj(result.get("params")).entrySet()) {
          params.put(p.getKey(), String.valueOf(p.getValue()));
        }
      }
      Map<String, Object> primary = obj(result.get("primaryMetric"));
      double cpu = Double.NaN;
      double cpuError = Double.NaN;
      if (result.containsKey("secondaryMetrics") && obj(result.get("secondaryMetrics")).containsKey("cpu")) {
        Map<String, Object> c = obj(obj(result.get("secondaryMetrics")).get("cpu"));
        cpu = dbl(c.get("score"));
        cpuError = number(c.get("scoreError"));
      }
      figures.put(key(name, params), new Figure(dbl(primary.get("score")),
          number(primary.get("scoreError")), String.valueOf(primary.get("scoreUnit")), cpu, cpuError));
    }
  }

  private static double number(Object e) {
    return e instanceof Number ? ((Number) e).doubleValue() : Double.NaN;
  }

  /** A number, or a number JMH wrote as a string ({@code "NaN"}). */
  private static double dbl(Object e) {
    return e instanceof Number ? ((Number) e).doubleValue() : Double.parseDouble(String.valueOf(e));
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> obj(Object e) {
    return (Map<String, Object>) e;
  }

  /** A results file, read with Lanyard's strict JSON reader. */
  private static Map<String, Object> parseObject(String json) throws IOException {
    try {
      return Json.parseObject(json.strip(), 64);
    } catch (ParseException e) {
      throw new IOException("not a JSON object: " + e.getMessage(), e);
    }
  }

  private void loadCrossCheck(Path file) throws IOException {
    Map<String, Object> root = parseObject(Files.readString(file, StandardCharsets.UTF_8));
    for (Object element : (List<?>) root.get("results")) {
      Map<String, Object> result = obj(element);
      Map<String, String> params = new TreeMap<>();
      for (Map.Entry<String, Object> p : obj(result.get("params")).entrySet()) {
        params.put(p.getKey(), String.valueOf(p.getValue()));
      }
      cross.put(key(String.valueOf(result.get("benchmark")), params), number(result.get("cpuMicros")));
    }
  }

  /** The interleaved cross-check's CPU µs/op, or NaN. */
  private double cross(String name, String... params) {
    Map<String, String> map = new TreeMap<>();
    for (int i = 0; i < params.length; i += 2) {
      map.put(params[i], params[i + 1]);
    }
    Double value = cross.get(key(name, map));
    return value == null ? Double.NaN : value;
  }

  private static String key(String name, Map<String, String> params) {
    return name + params;
  }

  private Figure get(String name, String... params) {
    Map<String, String> map = new TreeMap<>();
    for (int i = 0; i < params.length; i += 2) {
      map.put(params[i], params[i + 1]);
    }
    return figures.get(key(name, map));
  }

  private void print(Map<String, Object> load) {
    line("### Verify one JWT-SVID (" + UNIT + "; in brackets × its floor, × Lanyard)");
    line("");
    StringBuilder header = new StringBuilder("| method |");
    StringBuilder rule = new StringBuilder("| --- |");
    for (String alg : ALGS) {
      header.append(' ').append(alg).append(" |");
      rule.append(" ---: |");
    }
    line(header.toString());
    line(rule.toString());
    for (String row : VERIFY_ROWS) {
      StringBuilder sb = new StringBuilder("| `").append(row).append("` |");
      for (String alg : ALGS) {
        Figure f = get("VerifyBenchmark." + row, "alg", alg);
        sb.append(' ').append(cell(f, get("VerifyBenchmark." + verifyFloor(row), "alg", alg),
            get("VerifyBenchmark." + verifyLanyard(row), "alg", alg))).append(" |");
      }
      line(sb.toString());
    }
    line("");
    line("Floors: `floorParseAndVerify` for the uncached verifiers, `mapHitFloor` for `lanyardCached` and "
        + "`mapHitAndClockFloor` (a map hit plus the one clock read every correct cache makes per hit). "
        + "Lanyard: `lanyardUncached`, or `lanyardCached` for the cache rows.");
    line("");

    line("### Mint one JWT-SVID (" + UNIT + "; × floor, × Lanyard)");
    line("");
    line(header.toString());
    line(rule.toString());
    for (String row : MINT_ROWS) {
      StringBuilder sb = new StringBuilder("| `").append(row).append("` |");
      for (String alg : ALGS) {
        Figure f = get("MintBenchmark." + row, "alg", alg);
        Figure floor = row.equals("lanyardCached") ? get("VerifyBenchmark.mapHitFloor", "alg", alg)
            : get("MintBenchmark.floorSign", "alg", alg);
        Figure lanyard = row.equals("lanyardCached") ? f : get("MintBenchmark.lanyardFresh", "alg", alg);
        sb.append(' ').append(cell(f, floor, lanyard)).append(" |");
      }
      line(sb.toString());
    }
    line("");
    line("Floors: `floorSign`; for `lanyardCached`, `VerifyBenchmark.mapHitFloor` of the same algorithm.");
    line("");

    line("### X.509-SVIDs, EC P-256 (" + UNIT + "; × floor, × Lanyard)");
    line("");
    line("| method | " + UNIT + " | × floor | × Lanyard |");
    line("| --- | ---: | ---: | ---: |");
    for (String row : X509_ROWS) {
      Figure f = get("X509Benchmark." + row);
      boolean issue = row.equals("floorKeygenAndSign") || row.equals("lanyardIssue");
      Figure floor = get("X509Benchmark." + (issue ? "floorKeygenAndSign" : "pkixFloor"));
      Figure lanyard = get("X509Benchmark." + (issue ? "lanyardIssue" : "lanyardVerifyChain"));
      line("| `" + row + "` | " + score(f) + " | " + ratio(f, floor) + " | " + ratio(f, lanyard) + " |");
    }
    line("");

    line("### Policy decisions (" + UNIT + ")");
    line("");
    line("| rules | " + UNIT + " | × at 10 rules |");
    line("| ---: | ---: | ---: |");
    Figure ten = get("PolicyBenchmark.decide", "rules", "10");
    for (String rules : new String[] {"10", "1000", "100000"}) {
      Figure f = get("PolicyBenchmark.decide", "rules", rules);
      line("| " + rules + " | " + score(f) + " | " + ratio(f, ten) + " |");
    }
    line("");

    line("### Provider choice: JDK vs BouncyCastle (" + UNIT + "; BC ÷ JDK)");
    line("");
    line("| algorithm | verify JDK | verify BC | BC/JDK | sign JDK | sign BC | BC/JDK |");
    line("| --- | ---: | ---: | ---: | ---: | ---: | ---: |");
    for (String alg : new String[] {"ES256", "ES384", "RS256", "PS256", "Ed25519"}) {
      Figure vj = get("ProviderBenchmark.verify", "alg", alg, "provider", "JDK");
      Figure vb = get("ProviderBenchmark.verify", "alg", alg, "provider", "BC");
      Figure sj = get("ProviderBenchmark.sign", "alg", alg, "provider", "JDK");
      Figure sb = get("ProviderBenchmark.sign", "alg", alg, "provider", "BC");
      line("| " + alg + " | " + score(vj) + " | " + score(vb) + " | " + ratio(vb, vj) + " | " + score(sj) + " | "
          + score(sb) + " | " + ratio(sb, sj) + " |");
    }
    line("");

    if (load != null) {
      line("### Load test: embedded Tomcat over loopback (" + ((Number) load.get("threads")).intValue() + " client threads, "
          + String.valueOf(load.get("algorithm")) + ", JDK " + String.valueOf(load.get("jdk")) + ")");
      line("");
      line("| run | requests | req/s | × no filter | p50 µs | p99 µs | process CPU µs/request |");
      line("| --- | ---: | ---: | ---: | ---: | ---: | ---: |");
      for (Object e : (List<?>) load.get("runs")) {
        Map<String, Object> r = obj(e);
        line("| `" + String.valueOf(r.get("name")) + "` | " + ((Number) r.get("requests")).longValue() + " | "
            + num(dbl(r.get("requestsPerSecond"))) + " | "
            + String.format(Locale.ROOT, "%.2f", dbl(r.get("ratioToNoFilter"))) + " | "
            + num(dbl(r.get("p50Micros"))) + " | " + num(dbl(r.get("p99Micros"))) + " | "
            + num(dbl(r.get("processCpuMicrosPerRequest"))) + " |");
      }
      line("");
    }

    targets(load);
    line("### Targets");
    line("");
    line("Judged by JMH's CPU time; where its 99.9 % interval straddles the limit, by the interleaved cross-check "
        + "(`CrossCheck`, one JVM, alternating batches, thread CPU time).");
    line("");
    line("| target | JMH CPU | JMH wall | cross-check | limit | status |");
    line("| --- | ---: | ---: | ---: | ---: | --- |");
    for (String[] t : targets) {
      line("| " + String.join(" | ", t) + " |");
    }
    line("");

    line("### Wall-clock scores (JMH average time ± 99.9 % error, and CPU time ± error, µs/op)");
    line("");
    line("| benchmark | params | wall | ± | CPU | ± |");
    line("| --- | --- | ---: | ---: | ---: | ---: |");
    for (Map.Entry<String, Figure> e : figures.entrySet()) {
      String k = e.getKey();
      int brace = k.indexOf('{');
      Figure f = e.getValue();
      line("| `" + k.substring(0, brace) + "` | " + k.substring(brace + 1, k.length() - 1) + " | " + num(f.score)
          + " | " + num(f.error) + " | " + (f.hasCpu() ? num(f.cpu) : "—") + " | "
          + (f.hasCpu() ? num(f.cpuError) : "—") + " |");
    }
    line("");
  }

  private void targets(Map<String, Object> load) {
    String v = "VerifyBenchmark.";
    for (String alg : ALGS) {
      at("verify " + alg + ": lanyardCached ≤ 1.3 × mapHitFloor", get(v + "lanyardCached", "alg", alg),
          get(v + "mapHitFloor", "alg", alg), 1.3,
          cross(v + "lanyardCached", "alg", alg) / cross(v + "mapHitFloor", "alg", alg));
      at("verify " + alg + ": lanyardCached ≤ 1.3 × mapHitAndClockFloor", get(v + "lanyardCached", "alg", alg),
          get(v + "mapHitAndClockFloor", "alg", alg), 1.3,
          cross(v + "lanyardCached", "alg", alg) / cross(v + "mapHitAndClockFloor", "alg", alg));
    }
    for (String alg : ALGS) {
      at("verify " + alg + ": lanyardUncached ≤ 1.10 × floorParseAndVerify", get(v + "lanyardUncached", "alg", alg),
          get(v + "floorParseAndVerify", "alg", alg), 1.10,
          cross(v + "lanyardUncached", "alg", alg) / cross(v + "floorParseAndVerify", "alg", alg));
    }
    for (String alg : ALGS) {
      for (String peer : PEERS) {
        Figure p = get(v + peer, "alg", alg);
        if (p != null) {
          at("verify " + alg + ": lanyardUncached ≤ " + peer, get(v + "lanyardUncached", "alg", alg), p, 1.0,
              cross(v + "lanyardUncached", "alg", alg) / cross(v + peer, "alg", alg));
        }
      }
    }
    for (String alg : ALGS) {
      at("mint " + alg + ": lanyardCached ≤ 1.5 × mapHitFloor", get("MintBenchmark.lanyardCached", "alg", alg),
          get(v + "mapHitFloor", "alg", alg), 1.5,
          cross("MintBenchmark.lanyardCached", "alg", alg) / cross("MintBenchmark.mapHitFloor", "alg", alg));
    }
    for (String alg : ALGS) {
      at("mint " + alg + ": lanyardFresh ≤ 1.10 × floorSign", get("MintBenchmark.lanyardFresh", "alg", alg),
          get("MintBenchmark.floorSign", "alg", alg), 1.10,
          cross("MintBenchmark.lanyardFresh", "alg", alg) / cross("MintBenchmark.floorSign", "alg", alg));
    }
    at("x509: lanyardIssue ≤ 1.15 × floorKeygenAndSign", get("X509Benchmark.lanyardIssue"),
        get("X509Benchmark.floorKeygenAndSign"), 1.15,
        cross("X509Benchmark.lanyardIssue") / cross("X509Benchmark.floorKeygenAndSign"));
    at("x509: lanyardVerifyChain ≤ javaSpiffeVerifyChain", get("X509Benchmark.lanyardVerifyChain"),
        get("X509Benchmark.javaSpiffeVerifyChain"), 1.0,
        cross("X509Benchmark.lanyardVerifyChain") / cross("X509Benchmark.javaSpiffeVerifyChain"));
    at("policy: decide at 100000 rules ≤ 1.5 × at 10", get("PolicyBenchmark.decide", "rules", "100000"),
        get("PolicyBenchmark.decide", "rules", "10"), 1.5,
        cross("PolicyBenchmark.decide", "rules", "100000") / cross("PolicyBenchmark.decide", "rules", "10"));
    if (load != null) {
      Map<String, Object> none = null;
      Map<String, Object> cached = null;
      for (Object e : (List<?>) load.get("runs")) {
        Map<String, Object> r = obj(e);
        if (String.valueOf(r.get("name")).equals("noFilter")) {
          none = r;
        } else if (String.valueOf(r.get("name")).equals("filterCachedTokens")) {
          cached = r;
        }
      }
      if (none != null && cached != null) {
        // Wall: requests per second. CPU: requests per CPU-second of the process (client and server together).
        double wall = dbl(cached.get("requestsPerSecond")) / dbl(none.get("requestsPerSecond"));
        double cpu = dbl(none.get("processCpuMicrosPerRequest"))
            / dbl(cached.get("processCpuMicrosPerRequest"));
        String status = cpu >= 0.85 ? "met" : String.format(Locale.ROOT, "**missed** by %.0f %%",
            (0.85 - cpu) / 0.85 * 100);
        if ((wall >= 0.85) != (cpu >= 0.85)) {
          status += wall >= 0.85 ? "; met by wall-clock req/s" : "; missed by wall-clock req/s";
        }
        targets.add(new String[] {"load: filter + cache hits ≥ 0.85 × no filter (throughput)",
            String.format(Locale.ROOT, "%.2f (per CPU-s)", cpu), String.format(Locale.ROOT, "%.2f (req/s)", wall),
            "—", "≥ 0.85", status});
      }
    }
  }

  /**
   * Target: {@code a <= limit * b}, judged by JMH's CPU time when both have it (else wall-clock time); when that
   * ratio's interval straddles the limit, the interleaved cross-check ratio {@code crossRatio} decides, if there is
   * one.
   */
  private void at(String name, Figure a, Figure b, double limit, double crossRatio) {
    String crossCell = Double.isFinite(crossRatio) ? fmtRatio(crossRatio) : "—";
    if (a == null || b == null) {
      String status = "not measured by JMH in this run";
      if (Double.isFinite(crossRatio)) {
        status += crossRatio <= limit ? "; met by the cross-check" : String.format(Locale.ROOT,
            "; **missed** by %.0f %% by the cross-check", (crossRatio / limit - 1) * 100);
      }
      targets.add(new String[] {name, "—", "—", crossCell, fmtLimit(limit), status});
      return;
    }
    boolean cpu = a.hasCpu() && b.hasCpu();
    double va = cpu ? a.cpu : a.score;
    double ea = orZero(cpu ? a.cpuError : a.error);
    double vb = cpu ? b.cpu : b.score;
    double eb = orZero(cpu ? b.cpuError : b.error);
    double r = va / vb;
    double low = (va - ea) / (vb + eb);
    double high = vb - eb > 0 ? (va + ea) / (vb - eb) : Double.POSITIVE_INFINITY;
    double wall = a.score / b.score;
    boolean clear = r <= limit ? high <= limit : low > limit;
    double decisive = clear || !Double.isFinite(crossRatio) ? r : crossRatio;
    String status = decisive <= limit ? "met" : String.format(Locale.ROOT, "**missed** by %.0f %%",
        (decisive / limit - 1) * 100);
    if (!clear) {
      status += Double.isFinite(crossRatio) ? " (JMH within error; by the cross-check)" : " (within error)";
    }
    targets.add(new String[] {name, cpu ? fmtRatio(r) : "—", fmtRatio(wall), crossCell, fmtLimit(limit), status});
  }

  private static double orZero(double error) {
    return Double.isFinite(error) ? error : 0;
  }

  private static String fmtLimit(double limit) {
    return limit == 1.0 ? "≤ 1" : String.format(Locale.ROOT, "≤ %.2f", limit);
  }

  private static String verifyFloor(String row) {
    switch (row) {
      case "floorSignatureOnly":
      case "mapHitFloor":
        return row;
      case "lanyardCached":
      case "mapHitAndClockFloor":
        return "mapHitFloor";
      default:
        return "floorParseAndVerify";
    }
  }

  private static String verifyLanyard(String row) {
    return row.equals("lanyardCached") || row.startsWith("mapHit") ? "lanyardCached" : "lanyardUncached";
  }

  private static String cell(Figure f, Figure floor, Figure lanyard) {
    if (f == null) {
      return "—";
    }
    return score(f) + " (" + ratio(f, floor) + ", " + ratio(f, lanyard) + ")";
  }

  private static String score(Figure f) {
    return f == null ? "—" : num(f.value());
  }

  private static String ratio(Figure a, Figure b) {
    if (a == null || b == null) {
      return "—";
    }
    return fmtRatio(a.value() / b.value());
  }

  private static String fmtRatio(double r) {
    return r >= 10 ? String.format(Locale.ROOT, "×%.0f", r) : String.format(Locale.ROOT, "×%.2f", r);
  }

  /** Three significant figures, no exponent. */
  static String num(double v) {
    if (!Double.isFinite(v)) {
      return "—";
    }
    double a = Math.abs(v);
    if (a >= 100) {
      return String.format(Locale.ROOT, "%.0f", v);
    }
    if (a >= 10) {
      return String.format(Locale.ROOT, "%.1f", v);
    }
    if (a >= 1) {
      return String.format(Locale.ROOT, "%.2f", v);
    }
    return String.format(Locale.ROOT, "%.3f", v);
  }

  private void line(String s) {
    out.append(s).append('\n');
  }
}
