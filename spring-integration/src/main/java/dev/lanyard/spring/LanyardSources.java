package dev.lanyard.spring;

import static dev.lanyard.spring.LanyardSettings.AUTHORITY_DIR;
import static dev.lanyard.spring.LanyardSettings.BUNDLE;
import static dev.lanyard.spring.LanyardSettings.CLASSPATH_PREFIX;
import static dev.lanyard.spring.LanyardSettings.IDENTITY_SOURCE;
import static dev.lanyard.spring.LanyardSettings.INVENTORY_FILE;
import static dev.lanyard.spring.LanyardSettings.POLICY_FILE;
import static dev.lanyard.spring.LanyardSettings.POLICY_RULES;
import static dev.lanyard.spring.LanyardSettings.TRUST_DOMAIN;
import static dev.lanyard.spring.LanyardSettings.blank;
import static dev.lanyard.spring.LanyardSettings.filePath;
import static dev.lanyard.spring.LanyardSettings.invalid;
import static dev.lanyard.spring.LanyardSettings.stripped;

import dev.lanyard.audit.AuditSink;
import dev.lanyard.authority.AuthorityStoreException;
import dev.lanyard.authority.EmbeddedAuthority;
import dev.lanyard.inventory.Inventory;
import dev.lanyard.inventory.InventoryException;
import dev.lanyard.policy.Policy;
import dev.lanyard.policy.PolicyException;
import dev.lanyard.policy.PolicyFile;
import dev.lanyard.servlet.InboundSettings;
import dev.lanyard.spiffe.TrustDomain;
import dev.lanyard.trust.BundleFormatException;
import dev.lanyard.trust.BundleSource;
import dev.lanyard.trust.BundleUnavailableException;
import dev.lanyard.trust.FederatedBundleSource;
import dev.lanyard.trust.FileBundleSource;
import dev.lanyard.trust.HttpBundleSource;
import dev.lanyard.trust.TrustBundle;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;
import java.util.Locale;
import java.util.Map;
import org.springframework.core.io.Resource;
import org.springframework.core.io.ResourceLoader;
import org.springframework.util.ClassUtils;

/**
 * Builds what checked {@link LanyardSettings} name: the embedded authority and its identity, the bundle source of
 * {@code lanyard.bundle} (an http(s) URL, a file, or a class path resource), and the policy of
 * {@code lanyard.policy.*}. A problem found only now (a file that does not parse, a first fetch that fails) is still an
 * {@code InvalidConfigurationPropertyValueException} naming the property, so that the application does not start.
 *
 * <p>Thread-safe: stateless.
 */
final class LanyardSources {
  private LanyardSources() {}

  /**
   * The embedded authority: opened from or persisted to {@code lanyard.authority.dir}, or in memory. Its issuance and
   * key changes go to {@code audit}, the same trail as the service's decisions.
   */
  static EmbeddedAuthority embeddedAuthority(LanyardSettings settings, AuditSink audit) {
    settings.requireEmbeddedSource();
    TrustDomain trustDomain = settings.trustDomain();
    Path authorityDir = settings.authorityDir().orElse(null);
    EmbeddedAuthority.Builder builder = EmbeddedAuthority.newBuilder(trustDomain).auditSink(audit);
    settings.inventory().ifPresent(builder::inventory);
    if (authorityDir == null) {
      return builder.build();
    }
    EmbeddedAuthority authority;
    try {
      // Opens it, or creates it when absent: several services sharing the directory may start at once.
      authority = builder.directory(authorityDir).buildOrOpen();
    } catch (AuthorityStoreException | IllegalArgumentException e) {
      throw invalid(AUTHORITY_DIR, authorityDir, e.getMessage());
    }
    if (!authority.trustDomain().equals(trustDomain)) {
      throw invalid(AUTHORITY_DIR, authorityDir, "holds an authority for trust domain '" + authority.trustDomain()
          + "', not '" + trustDomain + "' (" + TRUST_DOMAIN + ")");
    }
    return authority;
  }

  /** The identity backed by the embedded authority. */
  static LanyardIdentity embeddedIdentity(LanyardSettings settings, EmbeddedAuthority authority) {
    settings.requireEmbeddedSource();
    if (!authority.trustDomain().equals(settings.trustDomain())) {
      throw invalid(TRUST_DOMAIN, settings.trustDomain(), "the EmbeddedAuthority bean issues for '"
          + authority.trustDomain() + "'");
    }
    return new EmbeddedIdentity(authority, settings.spiffeId(), settings.dnsNames());
  }

  /** The class that {@code lanyard.identity.source=workload-api} needs, from {@code dev.lanyard:lanyard-workload-api}. */
  static final String WORKLOAD_API_CLASS = "dev.lanyard.workloadapi.WorkloadApiIdentity";

  /**
   * The identity from a SPIRE agent through the Workload API ({@code lanyard.identity.source=workload-api}).
   *
   * @throws org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException naming
   *     {@code lanyard.identity.source} when the module is not on the class path, or
   *     {@code lanyard.workload-api.socket} when no agent answered within {@code lanyard.workload-api.timeout}
   */
  static LanyardIdentity workloadApiIdentity(LanyardSettings settings, @Nullable ClassLoader classLoader) {
    if (!ClassUtils.isPresent(WORKLOAD_API_CLASS, classLoader)) {
      throw invalid(IDENTITY_SOURCE, settings.sourceName(), "needs the module dev.lanyard:lanyard-workload-api "
          + "on the class path (add it as a dependency), or use 'embedded'");
    }
    return WorkloadApiLanyardIdentity.connect(settings);
  }

  /**
   * Where callers' bundles come from: {@code lanyard.bundle}, or the identity's own, federated with the trust domains
   * of {@code lanyard.federation.*} when there are any.
   */
  static BundleSource bundleSource(LanyardSettings settings, LanyardIdentity identity, ResourceLoader resources) {
    BundleSource own = ownBundleSource(settings, identity, resources);
    return settings.federation().isEmpty() ? own : federated(settings, own, identity.bundles(), resources);
  }

  /** The value of {@code lanyard.federation.<trust domain>} that takes that trust domain's bundle from the identity. */
  static final String FEDERATION_FROM_IDENTITY = "identity";

  /**
   * The own bundle source federated with each {@code lanyard.federation.<trust domain>}: a file, a URL, or
   * {@value #FEDERATION_FROM_IDENTITY} for the bundles the identity source brings (a SPIRE agent's federated bundles).
   */
  static FederatedBundleSource federated(LanyardSettings settings, BundleSource own, BundleSource identityBundles,
      ResourceLoader resources) {
    FederatedBundleSource.Builder builder = FederatedBundleSource.newBuilder(settings.trustDomain(), own);
    List<AutoCloseable> built = new ArrayList<>();
    try {
      for (Map.Entry<TrustDomain, String> entry : settings.federation().entrySet()) {
        TrustDomain td = entry.getKey();
        String value = entry.getValue();
        String property = LanyardSettings.federationProperty(td.name());
        BundleSource source;
        try {
          if (FEDERATION_FROM_IDENTITY.equalsIgnoreCase(value.strip())) {
            // The identity owns (and closes) its bundle source; this view of it is never closed here.
            source = domain -> identityBundles.bundleFor(domain);
          } else {
            source = federatedSource(settings, td, value, property, resources);
          }
        } catch (BundleUnavailableException | IllegalArgumentException | IllegalStateException e) {
          throw invalid(property, value, e.getMessage());
        } catch (IOException e) {
          throw invalid(property, value, "cannot be read: " + e.getMessage());
        }
        if (source instanceof AutoCloseable) {
          built.add((AutoCloseable) source);
        }
        builder.federate(td, source);
      }
      try {
        return builder.build();
      } catch (IllegalArgumentException e) {
        throw invalid(LanyardSettings.FEDERATION, settings.federation(), e.getMessage());
      }
    } catch (RuntimeException e) {
      for (AutoCloseable source : built) {
        try {
          source.close();
        } catch (Exception ignored) {
          // closing an http source only stops its refresh thread
        }
      }
      throw e;
    }
  }

  private static BundleSource federatedSource(LanyardSettings settings, TrustDomain td, String value,
      String property, ResourceLoader resources) throws IOException {
    String lower = value.toLowerCase(Locale.ROOT);
    if (lower.startsWith("https://") || lower.startsWith("http://")) {
      HttpBundleSource.Builder http = HttpBundleSource.newBuilder(td, URI.create(value))
          .maxStaleness(settings.inbound().bundleMaxStaleness());
      if (settings.inbound().allowInsecureHttpBundle()) {
        http.allowInsecureHttp();
      }
      return http.build();
    }
    if (value.startsWith(CLASSPATH_PREFIX)) {
      Resource resource = resources.getResource(value);
      if (resource.isFile()) {
        return FileBundleSource.of(td, resource.getFile().toPath());
      }
      return BundleSource.of(TrustBundle.parse(td, read(resource)));
    }
    return FileBundleSource.of(td, filePath(property, value));
  }

  /** Where callers' bundles of the own trust domain come from: {@code lanyard.bundle}, or the identity's own. */
  static BundleSource ownBundleSource(LanyardSettings settings, LanyardIdentity identity, ResourceLoader resources) {
    InboundSettings inbound = settings.inbound();
    String bundle = inbound.bundle().orElse(null);
    if (bundle == null) {
      return identity.bundles();
    }
    TrustDomain trustDomain = inbound.trustDomain();
    if (inbound.isHttpBundle()) {
      try {
        return inbound.httpBundleSource();
      } catch (IllegalArgumentException | IllegalStateException | BundleUnavailableException e) {
        throw invalid(BUNDLE, bundle, e.getMessage());
      }
    }
    try {
      if (bundle.startsWith(CLASSPATH_PREFIX)) {
        Resource resource = resources.getResource(bundle);
        if (resource.isFile()) {
          return FileBundleSource.of(trustDomain, resource.getFile().toPath());
        }
        return BundleSource.of(TrustBundle.parse(trustDomain, read(resource)));
      }
      return FileBundleSource.of(trustDomain, filePath(BUNDLE, bundle));
    } catch (BundleFormatException | BundleUnavailableException e) {
      throw invalid(BUNDLE, bundle, e.getMessage());
    } catch (IOException e) {
      throw invalid(BUNDLE, bundle, "cannot be read: " + e.getMessage());
    }
  }

  /** The policy of {@code lanyard.policy.file} or {@code lanyard.policy.rules} (exactly one is required). */
  static LanyardSettings.PolicySource policy(LanyardProperties.Policy p, ResourceLoader resources) {
    List<String> rules = p.getRules() == null ? List.of() : p.getRules();
    boolean hasFile = !blank(p.getFile());
    if (hasFile && !rules.isEmpty()) {
      throw invalid(POLICY_RULES, rules, "set " + POLICY_FILE + " or " + POLICY_RULES + ", not both");
    }
    if (hasFile) {
      return policyFile(stripped(p.getFile()), resources);
    }
    if (rules.isEmpty()) {
      throw invalid(POLICY_FILE, null, "a policy is required: set " + POLICY_FILE + " or " + POLICY_RULES
          + " (Lanyard denies every request that no rule allows)");
    }
    Policy parsed;
    try {
      parsed = Policy.parseRules(rules, POLICY_RULES);
    } catch (PolicyException e) {
      int index = indexOf(e.source());
      throw invalid(e.source(), index >= 0 && index < rules.size() ? rules.get(index) : rules, problem(e));
    }
    return new LanyardSettings.PolicySource(() -> parsed, POLICY_RULES);
  }

  /** The identity inventory of {@code lanyard.inventory.file}, or null when it is not set. */
  static @Nullable Inventory inventory(LanyardProperties.Inventory p, ResourceLoader resources) {
    if (blank(p.getFile())) {
      return null;
    }
    String value = stripped(p.getFile());
    try {
      if (value.startsWith(CLASSPATH_PREFIX)) {
        Resource resource = resources.getResource(value);
        if (!resource.exists()) {
          throw invalid(INVENTORY_FILE, value, "no such resource on the class path");
        }
        return Inventory.parse(read(resource), resource.getFilename() == null ? value : resource.getFilename());
      }
      return Inventory.read(filePath(INVENTORY_FILE, value));
    } catch (InventoryException e) {
      throw invalid(INVENTORY_FILE, value, e.getMessage());
    } catch (IOException e) {
      throw invalid(INVENTORY_FILE, value, "cannot be read: " + e.getMessage());
    }
  }

  private static LanyardSettings.PolicySource policyFile(String value, ResourceLoader resources) {
    try {
      if (value.startsWith(CLASSPATH_PREFIX)) {
        Resource resource = resources.getResource(value);
        if (!resource.exists()) {
          throw invalid(POLICY_FILE, value, "no such resource on the class path");
        }
        if (resource.isFile()) {
          PolicyFile watched = PolicyFile.watch(resource.getFile().toPath());
          return new LanyardSettings.PolicySource(watched::current, value);
        }
        String name = resource.getFilename() == null ? value : resource.getFilename();
        Policy parsed = Policy.parse(read(resource), name);
        return new LanyardSettings.PolicySource(() -> parsed, value);
      }
      PolicyFile watched = PolicyFile.watch(filePath(POLICY_FILE, value));
      return new LanyardSettings.PolicySource(watched::current, value);
    } catch (PolicyException e) {
      throw invalid(POLICY_FILE, value, e.getMessage());
    } catch (IOException e) {
      throw invalid(POLICY_FILE, value, "cannot be read: " + e.getMessage());
    }
  }

  private static String read(Resource resource) throws IOException {
    try (InputStream in = resource.getInputStream()) {
      byte[] bytes = in.readNBytes(TrustBundle.MAX_DOCUMENT_LENGTH + 1);
      if (bytes.length > TrustBundle.MAX_DOCUMENT_LENGTH) {
        throw new IOException("larger than " + TrustBundle.MAX_DOCUMENT_LENGTH + " bytes");
      }
      return new String(bytes, StandardCharsets.UTF_8);
    }
  }

  /** The problem part of a policy error, without its {@code source:line: } prefix. */
  static String problem(PolicyException e) {
    String prefix = e.source() + ":" + e.line() + ": ";
    String message = String.valueOf(e.getMessage());
    return message.startsWith(prefix) ? message.substring(prefix.length()) : message;
  }

  /** The index {@code i} of a source named {@code ...[i]}, or -1. */
  static int indexOf(String source) {
    int open = source.lastIndexOf('[');
    if (open < 0 || !source.endsWith("]")) {
      return -1;
    }
    try {
      return Integer.parseInt(source.substring(open + 1, source.length() - 1));
    } catch (NumberFormatException e) {
      return -1;
    }
  }
}
