package dev.lanyard.workloadapi;

import dev.lanyard.credentials.CachingJwtSvidSource;
import dev.lanyard.credentials.JwtSvidSource;
import dev.lanyard.credentials.X509SvidSource;
import dev.lanyard.spiffe.SpiffeId;
import dev.lanyard.spiffe.TrustDomain;
import dev.lanyard.trust.BundleSource;
import dev.lanyard.trust.TrustBundle;
import dev.lanyard.x509.X509Svid;
import dev.lanyard.x509.X509SvidRejectedException;
import dev.lanyard.x509.X509SvidVerifier;
import io.spiffe.workloadapi.grpc.Workload;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This workload's identity from a SPIRE agent (or any SPIFFE Workload API server): its X.509-SVID, JWT-SVIDs per
 * audience, and the trust bundles of its own and the federated trust domains.
 *
 * <pre>{@code
 * try (WorkloadApiIdentity identity = WorkloadApiIdentity.connect(Duration.ofSeconds(10))) {  // SPIFFE_ENDPOINT_SOCKET
 *   SSLContext tls = SpiffeTls.context(identity.x509Svids(), X509SvidVerifier.newBuilder()
 *       .bundleSource(identity.bundles()).build(), PeerAuthorizer.memberOf(identity.spiffeId().trustDomain()));
 *   String bearer = identity.jwtSvids().fetch("spiffe://example.org/payments").token();
 * }
 * }</pre>
 *
 * <p>It keeps two watch streams open: {@code FetchX509SVID} (the X.509-SVID, its key and the X.509 roots of every
 * trust domain) and {@code FetchJWTBundles} (the JWT keys of every trust domain). JWT-SVIDs come from
 * {@code FetchJWTSVID}, cached per audience by a {@link CachingJwtSvidSource} and renewed at about half their life.
 * {@link Builder#build()} returns once the agent has sent an X.509-SVID and the JWT bundles, and fails with a
 * {@link WorkloadApiException} naming the socket and the timeout when it has not within the timeout. When the agent
 * goes away, the current SVID and bundles keep serving (the SVID until it expires) while the streams reconnect with
 * exponential backoff; that is logged at WARN once per outage and at INFO when updates flow again. Keys and tokens are
 * never logged.
 *
 * <p>Thread-safe: the sources it hands out are thread-safe, and {@link #close()} may be called from any thread. Its
 * {@link Builder} is not thread-safe.
 */
public final class WorkloadApiIdentity implements AutoCloseable {
  /** The environment variable that names the agent's socket ({@code unix:/path}), per the SPIFFE Workload Endpoint. */
  public static final String SOCKET_ENV = "SPIFFE_ENDPOINT_SOCKET";
  /** How long {@link Builder#build()} waits for the agent by default. */
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);
  /** The longest timeout accepted. */
  public static final Duration MAX_TIMEOUT = Duration.ofMinutes(5);

  private static final Logger LOG = LoggerFactory.getLogger(WorkloadApiIdentity.class);

  private final AgentChannel channel;
  private final ScheduledExecutorService scheduler;
  private final @Nullable SpiffeId wanted;
  private final Duration timeout;
  private final Clock clock;
  private final WorkloadApiX509Source x509Svids;
  private final WorkloadApiBundleSource bundles = new WorkloadApiBundleSource();
  private final AgentOutage outage = new AgentOutage();
  private final AgentStream<Workload.X509SVIDResponse> x509Stream;
  private final AgentStream<Workload.JWTBundlesResponse> jwtBundleStream;
  private final CountDownLatch firstX509 = new CountDownLatch(1);
  private final CountDownLatch firstJwtBundles = new CountDownLatch(1);
  private volatile @Nullable SpiffeId spiffeId;
  private volatile @Nullable CachingJwtSvidSource jwtSvids;

  private WorkloadApiIdentity(AgentChannel channel, Builder b) {
    this.channel = channel;
    this.wanted = b.spiffeId;
    this.timeout = b.timeout;
    this.clock = b.clock;
    this.x509Svids = new WorkloadApiX509Source(b.clock);
    this.scheduler = Executors.newSingleThreadScheduledExecutor(runnable -> {
      Thread thread = new Thread(runnable, "lanyard-workload-api-reconnect");
      thread.setDaemon(true);
      return thread;
    });
    this.x509Stream = new AgentStream<>("X.509-SVID stream", channel,
        observer -> channel.stub().fetchX509SVID(Workload.X509SVIDRequest.getDefaultInstance(), observer),
        this::onX509, scheduler, b.initialBackoff, b.maxBackoff, outage);
    this.jwtBundleStream = new AgentStream<>("JWT bundle stream", channel,
        observer -> channel.stub().fetchJWTBundles(Workload.JWTBundlesRequest.getDefaultInstance(), observer),
        this::onJwtBundles, scheduler, b.initialBackoff, b.maxBackoff, outage);
  }

  /**
   * Connects to the agent at {@code SPIFFE_ENDPOINT_SOCKET} and waits at most {@code timeout} for its first X.509-SVID
   * and bundles.
   *
   * @throws WorkloadApiException when the variable is not set, or no agent answered within the timeout
   */
  public static WorkloadApiIdentity connect(Duration timeout) {
    return newBuilder().timeout(timeout).build();
  }

  /** A builder; the socket defaults to {@code SPIFFE_ENDPOINT_SOCKET}, the timeout to 10 s. */
  public static Builder newBuilder() {
    return new Builder();
  }

  /** This workload's SPIFFE ID: the subject of its SVIDs. */
  public SpiffeId spiffeId() {
    return Objects.requireNonNull(spiffeId, "not connected");
  }

  /** The current X.509-SVID, as the agent last sent it; listeners hear of every rotation. */
  public X509SvidSource x509Svids() {
    return x509Svids;
  }

  /** JWT-SVIDs per audience from the agent, cached and renewed. The Workload API grants no scopes. */
  public JwtSvidSource jwtSvids() {
    return Objects.requireNonNull(jwtSvids, "not connected");
  }

  /** The trust bundles of this workload's trust domain and of every trust domain the agent federates with. */
  public BundleSource bundles() {
    return bundles;
  }

  /** The agent's socket address, e.g. {@code unix:/run/spire/sockets/agent.sock}. */
  public String socket() {
    return channel.address();
  }

  /** Stops watching and closes the connection to the agent. The sources keep what they have. */
  @Override
  public void close() {
    x509Stream.close();
    jwtBundleStream.close();
    scheduler.shutdownNow();
    channel.close();
  }

  @Override
  public String toString() {
    return "WorkloadApiIdentity[" + spiffeId + ", " + channel.address() + "]";
  }

  private void start(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    x509Stream.start();
    jwtBundleStream.start();
    boolean ready;
    try {
      ready = firstX509.await(timeout.toNanos(), TimeUnit.NANOSECONDS)
          && firstJwtBundles.await(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      close();
      throw new WorkloadApiException("interrupted while waiting for the Workload API at " + channel.address(), e);
    }
    if (!ready) {
      AgentStream<?> stream = firstX509.getCount() > 0 ? x509Stream : jwtBundleStream;
      String what = stream == x509Stream ? "X.509-SVID" : "JWT bundles";
      String problem = String.valueOf(stream.lastProblem());
      close();
      if (stream.hasReceived()) {
        throw new WorkloadApiException("the SPIFFE Workload API at " + channel.address() + " sent no usable " + what
            + " within " + timeout + ": " + problem);
      }
      throw new WorkloadApiException("no SPIFFE Workload API answered at " + channel.address() + " within " + timeout
          + " (no " + what + " came" + (stream.lastProblem() == null ? "" : "; last error: " + problem)
          + "): is the agent running there, and is this workload registered with it?");
    }
    X509Svid svid = x509Svids.current();
    LOG.info("identity {} from the SPIFFE Workload API at {}: X.509-SVID serial {} expires {}; bundles of {}; "
        + "JWT-SVIDs fetched per audience and renewed at about half their life", svid.spiffeId(), channel.address(),
        svid.serial(), svid.expiresAt(), new TreeSet<>(names(bundles.trustDomains())));
  }

  private static List<String> names(Iterable<TrustDomain> domains) {
    List<String> names = new ArrayList<>();
    domains.forEach(domain -> names.add(domain.toString()));
    return names;
  }

  private void onX509(Workload.X509SVIDResponse response) {
    Workload.X509SVID entry = pick(response);
    X509Svid svid = AgentMessages.x509Svid(entry);
    SpiffeId current = spiffeId;
    if (current != null && !current.equals(svid.spiffeId())) {
      throw new WorkloadApiException("the agent now sends an X.509-SVID for " + svid.spiffeId() + ", not " + current);
    }
    TrustDomain own = svid.spiffeId().trustDomain();
    Map<TrustDomain, List<X509Certificate>> roots = new HashMap<>();
    List<X509Certificate> ownRoots = AgentMessages.certificates(entry.getBundle(), "the X.509 bundle of " + own);
    roots.put(own, ownRoots);
    for (Map.Entry<String, com.google.protobuf.ByteString> federated : response.getFederatedBundlesMap().entrySet()) {
      TrustDomain domain = AgentMessages.trustDomain(federated.getKey());
      if (!domain.equals(own)) {
        roots.put(domain, AgentMessages.certificates(federated.getValue(), "the X.509 bundle of " + domain));
      }
    }
    checkChain(svid, ownRoots);
    if (current == null) {
      spiffeId = svid.spiffeId();
      jwtSvids = CachingJwtSvidSource.newBuilder(new WorkloadApiJwtMinter(channel, timeout, bundles),
          svid.spiffeId()).build();
    }
    bundles.updateX509(roots);
    x509Svids.update(svid);
    firstX509.countDown();
  }

  /** The SVID must chain to its own trust domain's roots as sent with it, and be valid now. */
  private void checkChain(X509Svid svid, List<X509Certificate> roots) {
    TrustBundle.Builder bundle = TrustBundle.newBuilder(svid.spiffeId().trustDomain());
    roots.forEach(bundle::addX509Authority);
    try {
      X509SvidVerifier.newBuilder().bundleSource(BundleSource.of(bundle.build())).clock(clock).build()
          .verify(svid.chain());
    } catch (X509SvidRejectedException e) {
      throw new WorkloadApiException("the X.509-SVID for " + svid.spiffeId() + " (serial " + svid.serial()
          + ") does not verify against its trust domain's bundle (" + e.reason() + "): " + e.getMessage(), e);
    }
  }

  private Workload.X509SVID pick(Workload.X509SVIDResponse response) {
    if (response.getSvidsCount() == 0) {
      throw new WorkloadApiException("the agent sent no X.509-SVID");
    }
    if (wanted == null) {
      return response.getSvids(0);
    }
    List<String> offered = new ArrayList<>();
    for (Workload.X509SVID entry : response.getSvidsList()) {
      if (entry.getSpiffeId().equals(wanted.toString())) {
        return entry;
      }
      offered.add(entry.getSpiffeId());
    }
    throw new WorkloadApiException("the agent holds no X.509-SVID for " + wanted + ", only for " + offered);
  }

  private void onJwtBundles(Workload.JWTBundlesResponse response) {
    Map<TrustDomain, TrustBundle> parsed = new HashMap<>();
    for (Map.Entry<String, com.google.protobuf.ByteString> entry : response.getBundlesMap().entrySet()) {
      TrustDomain domain;
      try {
        domain = AgentMessages.trustDomain(entry.getKey());
      } catch (WorkloadApiException e) {
        LOG.warn("ignoring a JWT bundle from the Workload API at {}: {}", channel.address(), e.getMessage());
        continue;
      }
      TrustBundle bundle;
      try {
        bundle = AgentMessages.jwtBundle(domain, entry.getValue());
      } catch (WorkloadApiException e) {
        TrustBundle previous = bundles.jwtBundle(domain);
        LOG.warn("the Workload API at {} sent a JWT bundle of {} that is refused ({}); keeping {}",
            channel.address(), domain, e.getMessage(), previous == null ? "none" : "the previous one");
        if (previous != null) {
          parsed.put(domain, previous);
        }
        continue;
      }
      if (!bundle.skippedKeys().isEmpty()) {
        LOG.warn("the JWT bundle of {} from the Workload API at {} holds keys that cannot be used, skipped: {}",
            domain, channel.address(), bundle.skippedKeys());
      }
      parsed.put(domain, bundle);
    }
    bundles.updateJwt(parsed);
    firstJwtBundles.countDown();
  }

  /**
   * Builds a {@link WorkloadApiIdentity}. Each setter checks its argument at once.
   *
   * <p>Not thread-safe.
   */
  public static final class Builder {
    private @Nullable String socket;
    private Duration timeout = DEFAULT_TIMEOUT;
    private @Nullable SpiffeId spiffeId;
    private Duration initialBackoff = Duration.ofSeconds(1);
    private Duration maxBackoff = Duration.ofSeconds(30);
    private Clock clock = Clock.systemUTC();

    private Builder() {}

    /**
     * The agent's socket: {@code unix:/path} (also {@code unix:///path}). Default: {@code SPIFFE_ENDPOINT_SOCKET}.
     *
     * @throws IllegalArgumentException when it is not a Unix domain socket address with an absolute path
     */
    public Builder socket(String socket) {
      Objects.requireNonNull(socket, "socket");
      AgentChannel.socketPath(socket);
      this.socket = socket.strip();
      return this;
    }

    /**
     * How long {@link #build()} waits for the agent's first X.509-SVID and bundles, and each JWT-SVID fetch may take
     * (default 10 s; more than 0, at most 5 min).
     */
    public Builder timeout(Duration timeout) {
      Objects.requireNonNull(timeout, "timeout");
      if (timeout.isNegative() || timeout.isZero() || timeout.compareTo(MAX_TIMEOUT) > 0) {
        throw new IllegalArgumentException("timeout must be more than 0 and at most " + MAX_TIMEOUT + ": " + timeout);
      }
      this.timeout = timeout;
      return this;
    }

    /**
     * Which of the workload's identities to use, when the agent gives it several (default: the first, as the
     * Workload API orders them). The agent must hold an SVID for it.
     */
    public Builder spiffeId(SpiffeId spiffeId) {
      this.spiffeId = Objects.requireNonNull(spiffeId, "spiffeId");
      return this;
    }

    /**
     * The backoff between attempts to reopen a watch stream after the agent went away: from {@code initial},
     * doubling up to {@code max} (default 1 s up to 30 s).
     */
    public Builder reconnectBackoff(Duration initial, Duration max) {
      Objects.requireNonNull(initial, "initial");
      Objects.requireNonNull(max, "max");
      if (initial.toMillis() < 10 || max.compareTo(initial) < 0 || max.compareTo(MAX_TIMEOUT) > 0) {
        throw new IllegalArgumentException("reconnect backoff must start at 10 ms or more and end at least there "
            + "and at most at " + MAX_TIMEOUT + ": " + initial + " to " + max);
      }
      this.initialBackoff = initial;
      this.maxBackoff = max;
      return this;
    }

    /** The clock the expiry of the current SVID is judged by (system UTC by default). */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /**
     * Connects and waits for the agent's first X.509-SVID and bundles.
     *
     * @throws WorkloadApiException when no socket is given and {@code SPIFFE_ENDPOINT_SOCKET} is not set (or not a
     *     Unix socket address), or when the agent did not answer with them within the timeout (the message names the
     *     socket, the timeout and the last error)
     */
    public WorkloadApiIdentity build() {
      String address = socket;
      if (address == null) {
        String fromEnvironment = System.getenv(SOCKET_ENV);
        if (fromEnvironment == null || fromEnvironment.isBlank()) {
          throw new WorkloadApiException("no SPIFFE Workload API socket: " + SOCKET_ENV + " is not set and none was "
              + "given (unix:/path/to/agent.sock)");
        }
        try {
          AgentChannel.socketPath(fromEnvironment);
        } catch (IllegalArgumentException e) {
          throw new WorkloadApiException(SOCKET_ENV + ": " + e.getMessage(), e);
        }
        address = fromEnvironment.strip();
      }
      LOG.info("connecting to the SPIFFE Workload API at {} (waiting at most {})", address, timeout);
      AgentChannel channel = AgentChannel.open(address);
      WorkloadApiIdentity identity;
      try {
        identity = new WorkloadApiIdentity(channel, this);
      } catch (RuntimeException e) {
        channel.close();
        throw e;
      }
      identity.start(timeout);
      return identity;
    }
  }
}
