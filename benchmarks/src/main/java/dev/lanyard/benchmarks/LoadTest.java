package dev.lanyard.benchmarks;

import com.sun.management.OperatingSystemMXBean;
import dev.lanyard.authority.EmbeddedAuthority;
import dev.lanyard.policy.Policy;
import dev.lanyard.servlet.LanyardFilter;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.apache.catalina.Context;
import org.apache.catalina.connector.Connector;
import org.apache.catalina.startup.Tomcat;
import org.apache.tomcat.util.descriptor.web.FilterDef;
import org.apache.tomcat.util.descriptor.web.FilterMap;

/**
 * Requests per second through embedded Tomcat over loopback, without and with {@link LanyardFilter}.
 *
 * <p>One JVM runs Tomcat (contexts {@code /plain} without the filter and {@code /secure} with it, the same trivial
 * servlet behind both) and a load generator: {@code --threads} threads sending synchronous HTTP/1.1 requests through
 * one JDK {@link HttpClient}, to 127.0.0.1 only. Every request carries the same kind of {@code Authorization: Bearer}
 * header (an ES256 JWT-SVID from an {@link EmbeddedAuthority}), so the three runs differ only in what the server does:
 * <ol>
 *   <li>{@code noFilter}: the plain context;</li>
 *   <li>{@code filterCachedTokens}: the filter, with {@value #REPEATED_TOKENS} tokens repeated (verified-token cache
 *       hits after the warm-up);</li>
 *   <li>{@code filterFreshTokens}: the filter, with a token never seen before on every request (pre-minted, at most
 *       {@code --fresh-tokens}; the run stops early when they run out).</li>
 * </ol>
 * Every path is warmed up first ({@code --warmup} seconds each, twice); then {@code noFilter} and
 * {@code filterCachedTokens} are measured in {@value #ROUNDS} alternating rounds of {@code --seconds / ROUNDS} each
 * (so that a change of load on the shared machine hits both alike), and {@code filterFreshTokens} for
 * {@code --seconds}; each drive stops at its deadline or after {@value #MAX_REQUESTS} requests. The filter runs with its defaults (policy {@code GET /api/** <caller> payments:read}, SLF4J audit sink
 * bound to slf4j-nop). Client and server share the machine's cores, so the absolute rate is low; the ratios are the
 * point. Writes JSON to {@code --out}.
 */
public final class LoadTest {
  static final int REPEATED_TOKENS = 16;
  static final int MAX_REQUESTS = 5_000_000;
  static final int ROUNDS = 2;
  /** Held, so that the level set on it is not lost with a collected logger. */
  private static final Logger TOMCAT_LOG = Logger.getLogger("org.apache");

  private LoadTest() {}

  /** One configuration's measurements, accumulated over its rounds. */
  private static final class Run {
    final String name;
    long requests;
    long errors;
    double seconds;
    long cpuNanos;
    long[] latencies = new long[0];

    Run(String name) {
      this.name = name;
    }

    double rate() {
      return requests / seconds;
    }

    double cpuMicrosPerRequest() {
      return cpuNanos / 1e3 / Math.max(1, requests);
    }

    void add(long[] more) {
      int at = latencies.length;
      latencies = Arrays.copyOf(latencies, at + more.length);
      System.arraycopy(more, 0, latencies, at, more.length);
      requests += more.length;
    }

    double percentileMicros(double p) {
      if (latencies.length == 0) {
        return Double.NaN;
      }
      long[] sorted = latencies.clone();
      Arrays.sort(sorted);
      return sorted[(int) Math.min(sorted.length - 1, Math.round(sorted.length * p))] / 1e3;
    }
  }

  /** Hands out tokens to the load threads. */
  private interface TokenSupply {
    /** The next token, or null when none is left. */
    String next(int thread, long sequence);
  }

  public static void main(String[] args) throws Exception {
    Path out = Path.of("benchmarks/results/loadtest.json");
    int threads = 4;
    int seconds = 10;
    int warmupSeconds = 3;
    int freshTokens = 20_000;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--out":
          out = Path.of(args[++i]);
          break;
        case "--threads":
          threads = Integer.parseInt(args[++i]);
          break;
        case "--seconds":
          seconds = Integer.parseInt(args[++i]);
          break;
        case "--warmup":
          warmupSeconds = Integer.parseInt(args[++i]);
          break;
        case "--fresh-tokens":
          freshTokens = Integer.parseInt(args[++i]);
          break;
        default:
          throw new IllegalArgumentException("unknown argument " + args[i]
              + " (--out FILE --threads N --seconds N --warmup N --fresh-tokens N)");
      }
    }
    if (threads < 1 || threads > 16 || seconds < 1 || seconds > 120 || warmupSeconds < 0 || warmupSeconds > 60
        || freshTokens < 100 || freshTokens > 200_000) {
      throw new IllegalArgumentException("threads 1-16, seconds 1-120, warmup 0-60, fresh tokens 100-200000");
    }
    TOMCAT_LOG.setLevel(Level.SEVERE);
    double loadBefore = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();

    EmbeddedAuthority authority = EmbeddedAuthority.newBuilder(Fixture.TRUST_DOMAIN).build();
    String[] repeated = mint(authority, REPEATED_TOKENS);
    System.out.printf(Locale.ROOT, "minting %d fresh tokens...%n", freshTokens);
    long mintStart = System.nanoTime();
    String[] fresh = mint(authority, freshTokens);
    System.out.printf(Locale.ROOT, "minted in %.1f s%n", (System.nanoTime() - mintStart) / 1e9);

    Path base = Files.createTempDirectory("lanyard-loadtest");
    Tomcat tomcat = new Tomcat();
    tomcat.setBaseDir(base.toString());
    Connector connector = new Connector();
    connector.setPort(0);
    connector.setProperty("address", "127.0.0.1");
    connector.setProperty("maxKeepAliveRequests", "-1");
    tomcat.setConnector(connector);
    Context plain = tomcat.addContext("/plain", null);
    Tomcat.addServlet(plain, "hello", new Hello());
    plain.addServletMappingDecoded("/*", "hello");
    Context secure = tomcat.addContext("/secure", null);
    Tomcat.addServlet(secure, "hello", new Hello());
    secure.addServletMappingDecoded("/*", "hello");
    FilterDef def = new FilterDef();
    def.setFilterName("lanyard");
    def.setFilter(LanyardFilter.newBuilder()
        .trustDomain(Fixture.TRUST_DOMAIN)
        .audience(Fixture.AUDIENCE)
        .bundleSource(authority.bundleSource())
        .revocations(authority.revocations())
        .policy(Policy.parse("GET /api/** " + Fixture.SUBJECT + " payments:read\n", "loadtest-policy"))
        .build());
    secure.addFilterDef(def);
    FilterMap map = new FilterMap();
    map.setFilterName("lanyard");
    map.addURLPattern("/*");
    secure.addFilterMap(map);
    tomcat.start();
    int port = connector.getLocalPort();
    URI plainUri = URI.create("http://127.0.0.1:" + port + "/plain/api/hello");
    URI secureUri = URI.create("http://127.0.0.1:" + port + "/secure/api/hello");

    HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(5)).build();
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    List<Run> runs = new ArrayList<>();
    try {
      TokenSupply cycle = (thread, sequence) -> repeated[(int) ((sequence * 7 + thread) % REPEATED_TOKENS)];
      AtomicInteger nextFresh = new AtomicInteger();
      TokenSupply unseen = (thread, sequence) -> {
        int i = nextFresh.getAndIncrement();
        return i < fresh.length ? fresh[i] : null;
      };
      // The fresh-token warm-up uses at most a quarter of the pool.
      int warmupLimit = fresh.length / 4;
      TokenSupply warmupFresh = (thread, sequence) -> nextFresh.get() < warmupLimit ? unseen.next(thread, sequence)
          : null;
      // Warm every path up first (JIT, connections, the verified-token cache), then measure. The two runs compared
      // by the target alternate in ROUNDS rounds, so that a change of load on the shared machine hits both alike.
      for (int i = 0; i < 2; i++) {
        drive(client, pool, threads, plainUri, cycle, warmupSeconds, new Run("warmup"));
        drive(client, pool, threads, secureUri, cycle, warmupSeconds, new Run("warmup"));
      }
      drive(client, pool, threads, secureUri, warmupFresh, warmupSeconds, new Run("warmup"));
      Run none = new Run("noFilter");
      Run cached = new Run("filterCachedTokens");
      for (int round = 0; round < ROUNDS; round++) {
        drive(client, pool, threads, plainUri, cycle, (double) seconds / ROUNDS, none);
        drive(client, pool, threads, secureUri, cycle, (double) seconds / ROUNDS, cached);
      }
      Run unseenRun = new Run("filterFreshTokens");
      drive(client, pool, threads, secureUri, unseen, seconds, unseenRun);
      runs.add(none);
      runs.add(cached);
      runs.add(unseenRun);
      for (Run run : runs) {
        System.out.printf(Locale.ROOT, "%-20s %8d requests in %5.2f s: %9.1f req/s, p50 %7.1f us, p99 %8.1f us,"
            + " %6.1f us process CPU/request%n", run.name, run.requests, run.seconds, run.rate(),
            run.percentileMicros(0.50), run.percentileMicros(0.99), run.cpuMicrosPerRequest());
      }
    } finally {
      pool.shutdownNow();
      tomcat.stop();
      tomcat.destroy();
    }
    double loadAfter = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();

    Run none = runs.get(0);
    StringBuilder json = new StringBuilder(1024);
    json.append("{\n  \"jdk\": \"").append(System.getProperty("java.version")).append("\",\n")
        .append("  \"vm\": \"").append(System.getProperty("java.vm.name")).append("\",\n")
        .append("  \"cores\": ").append(Runtime.getRuntime().availableProcessors()).append(",\n")
        .append("  \"date\": \"").append(Instant.now()).append("\",\n")
        .append("  \"loadAverageBefore\": ").append(fmt(loadBefore)).append(",\n")
        .append("  \"loadAverageAfter\": ").append(fmt(loadAfter)).append(",\n")
        .append("  \"threads\": ").append(threads).append(",\n")
        .append("  \"warmupSeconds\": ").append(warmupSeconds).append(",\n")
        .append("  \"seconds\": ").append(seconds).append(",\n")
        .append("  \"freshTokensMinted\": ").append(fresh.length).append(",\n")
        .append("  \"algorithm\": \"").append(authority.jwtAlgorithm()).append("\",\n")
        .append("  \"runs\": [\n");
    for (int i = 0; i < runs.size(); i++) {
      Run r = runs.get(i);
      json.append("    {\"name\": \"").append(r.name).append("\", \"requests\": ").append(r.requests)
          .append(", \"errors\": ").append(r.errors)
          .append(", \"seconds\": ").append(fmt(r.seconds))
          .append(", \"requestsPerSecond\": ").append(fmt(r.rate()))
          .append(", \"ratioToNoFilter\": ").append(fmt(r.rate() / none.rate()))
          .append(", \"p50Micros\": ").append(fmt(r.percentileMicros(0.50)))
          .append(", \"p90Micros\": ").append(fmt(r.percentileMicros(0.90)))
          .append(", \"p99Micros\": ").append(fmt(r.percentileMicros(0.99)))
          .append(", \"processCpuMicrosPerRequest\": ").append(fmt(r.cpuMicrosPerRequest()))
          .append('}').append(i < runs.size() - 1 ? ",\n" : "\n");
    }
    json.append("  ]\n}\n");
    if (out.getParent() != null) {
      Files.createDirectories(out.getParent());
    }
    Files.writeString(out, json.toString(), StandardCharsets.UTF_8);
    System.out.print(json);
    System.out.println("wrote " + out);
    for (Run r : runs) {
      if (r.errors > 0) {
        System.err.println(r.name + ": " + r.errors + " requests did not answer 200");
        System.exit(1);
      }
    }
  }

  /** Runs the load threads until the deadline, the request cap or the end of the tokens. */
  private static void drive(HttpClient client, ExecutorService pool, int threads, URI uri, TokenSupply tokens,
      double seconds, Run run) throws Exception {
    OperatingSystemMXBean os = (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    long cpuBefore = os.getProcessCpuTime();
    long start = System.nanoTime();
    long deadline = start + (long) (seconds * 1e9);
    AtomicInteger budget = new AtomicInteger(MAX_REQUESTS);
    List<Future<long[]>> results = new ArrayList<>();
    long[] errors = new long[threads];
    for (int t = 0; t < threads; t++) {
      int thread = t;
      results.add(pool.submit(() -> {
        long[] latencies = new long[1024];
        int n = 0;
        for (long sequence = 0; System.nanoTime() < deadline && budget.getAndDecrement() > 0; sequence++) {
          String token = tokens.next(thread, sequence);
          if (token == null) {
            break;
          }
          HttpRequest request = HttpRequest.newBuilder(uri).header("Authorization", "Bearer " + token).GET()
              .build();
          long t0 = System.nanoTime();
          HttpResponse<Void> response = client.send(request, HttpResponse.BodyHandlers.discarding());
          long t1 = System.nanoTime();
          if (response.statusCode() != 200) {
            errors[thread]++;
          }
          if (n == latencies.length) {
            latencies = Arrays.copyOf(latencies, n * 2);
          }
          latencies[n++] = t1 - t0;
        }
        return Arrays.copyOf(latencies, n);
      }));
    }
    for (Future<long[]> result : results) {
      run.add(result.get());
    }
    run.seconds += (System.nanoTime() - start) / 1e9;
    run.cpuNanos += os.getProcessCpuTime() - cpuBefore;
    for (long e : errors) {
      run.errors += e;
    }
  }

  /** Mints {@code count} distinct tokens of the shared shape, on every core. */
  private static String[] mint(EmbeddedAuthority authority, int count) throws Exception {
    String[] tokens = new String[count];
    AtomicInteger next = new AtomicInteger();
    int cores = Runtime.getRuntime().availableProcessors();
    ExecutorService minters = Executors.newFixedThreadPool(cores);
    try {
      List<Future<?>> done = new ArrayList<>();
      for (int c = 0; c < cores; c++) {
        done.add(minters.submit(() -> {
          for (int i = next.getAndIncrement(); i < count; i = next.getAndIncrement()) {
            tokens[i] = authority.mint(Fixture.SUBJECT, Fixture.AUDIENCES, Fixture.SCOPES, Duration.ofMinutes(30))
                .token();
          }
        }));
      }
      for (Future<?> f : done) {
        f.get();
      }
    } finally {
      minters.shutdown();
    }
    return tokens;
  }

  private static String fmt(double value) {
    return Double.isFinite(value) ? String.format(Locale.ROOT, "%.2f", value) : "null";
  }

  /** The trivial application: answers "ok". */
  private static final class Hello extends HttpServlet {
    private static final long serialVersionUID = 1L;
    private static final byte[] OK = "ok\n".getBytes(StandardCharsets.US_ASCII);

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
      response.setContentType("text/plain");
      response.setContentLength(OK.length);
      response.getOutputStream().write(OK);
    }
  }
}
