package dev.lanyard.authority;

import com.nimbusds.jose.util.JSONObjectUtils;
import dev.lanyard.internal.Certificates;
import dev.lanyard.internal.Json;
import dev.lanyard.jose.JwtAlgorithm;
import dev.lanyard.spiffe.TrustDomain;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.X509EncodedKeySpec;
import java.text.ParseException;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * The on-disk form of an authority: {@code authority.json} (settings and key metadata, no key material) and one
 * {@code keys/<kid>.pem} per key (PKCS#8 private key and SPKI public key, mode 0600). Every file is written to a
 * temporary file and atomically moved into place, and writers hold a lock on {@code .lock}.
 *
 * <p>Thread-safe, and safe across processes: it keeps no mutable state of its own, and {@link #save} and creation hold
 * an exclusive lock on {@code .lock} ({@link #locked}), so writers in this or another process take turns; readers
 * see whole files (atomic moves).
 */
final class AuthorityStore {
  static final String FORMAT = "lanyard-authority/1";
  static final String METADATA = "authority.json";
  static final String REVOCATIONS = "revocations.json";
  static final String REVOCATIONS_FORMAT = "lanyard-revocations/1";
  private static final String KEYS = "keys";
  private static final String LOCK = ".lock";
  private static final String UPSTREAM = "upstream.pem";
  private static final SecureRandom RANDOM = new SecureRandom();
  /** One in-process lock per directory, taken before the file lock (a JVM may hold only one lock on a file). */
  private static final ConcurrentHashMap<Path, ReentrantLock> LOCAL_LOCKS = new ConcurrentHashMap<>();

  private final Path dir;
  private final boolean posix;

  private AuthorityStore(Path dir) {
    this.dir = dir;
    this.posix = dir.getFileSystem().supportedFileAttributeViews().contains("posix");
  }

  /** Settings and keys as stored. */
  static final class Snapshot {
    final TrustDomain trustDomain;
    final AuthoritySettings settings;
    final @Nullable UpstreamCa upstream;
    final long sequence;
    final List<SigningKey> keys;

    Snapshot(TrustDomain trustDomain, AuthoritySettings settings, @Nullable UpstreamCa upstream, long sequence,
        List<SigningKey> keys) {
      this.trustDomain = trustDomain;
      this.settings = settings;
      this.upstream = upstream;
      this.sequence = sequence;
      this.keys = List.copyOf(keys);
    }
  }

  /**
   * Prepares a new, empty (or absent) directory for an authority. An absent directory is created with mode 0700 in
   * one step (no check-then-create race); an existing one (created meanwhile or given on purpose) must be a directory
   * of the current user that group and others cannot write. The caller then creates the authority inside
   * {@link #locked}, after {@link #claimLocked()}.
   */
  static AuthorityStore create(Path dir) {
    AuthorityStore store = new AuthorityStore(dir);
    try {
      if (!store.createOwnerOnlyDirectory(dir)) {
        if (!Files.isDirectory(dir)) {
          throw new AuthorityStoreException(dir + " exists and is not a directory");
        }
        // Trust first: once the directory is ours and nobody else may write it, its content cannot change under us.
        store.checkTrusted(dir, Role.DIRECTORY);
        if (!store.holdsAuthority()) {
          // Checked again under the lock; refused here already so that no lock file lands in a foreign directory.
          store.checkOnlyOurFiles();
        }
      }
    } catch (IOException e) {
      throw new AuthorityStoreException("cannot create " + dir + ": " + e.getMessage(), e);
    }
    return store;
  }

  /** True when the directory holds an authority ({@code authority.json}); call it under {@link #locked}. */
  boolean holdsAuthority() {
    return Files.exists(dir.resolve(METADATA));
  }

  /**
   * Takes the directory for a new authority, under {@link #locked}: it must hold no authority and nothing but our own
   * files (the lock, {@code keys/} and temporary files a creation that died half-way left: creation holds the lock
   * throughout, so they are never another process's work in progress); leftovers are removed and the directory is
   * tightened to 0700.
   */
  void claimLocked() {
    try {
      if (holdsAuthority()) {
        throw new AuthorityStoreException(dir + " already holds an authority; refusing to overwrite it");
      }
      checkOnlyOurFiles();
      Path keys = dir.resolve(KEYS);
      if (!createOwnerOnlyDirectory(keys)) {
        checkTrusted(keys, Role.DIRECTORY);
        try (DirectoryStream<Path> leftovers = Files.newDirectoryStream(keys)) {
          for (Path leftover : leftovers) {
            Files.deleteIfExists(leftover);
          }
        }
      }
      if (posix) {
        // An existing directory is tightened too: only the owner may list the authority.
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
      }
    } catch (IOException e) {
      throw new AuthorityStoreException("cannot create the authority in " + dir + ": " + e.getMessage(), e);
    }
  }

  /** Revocations as stored in {@code revocations.json}. */
  static final class Revocations {
    final Map<String, Instant> tokens;
    final Map<String, Instant> subjects;
    final Set<String> keys;

    Revocations(Map<String, Instant> tokens, Map<String, Instant> subjects, Set<String> keys) {
      this.tokens = Map.copyOf(tokens);
      this.subjects = Map.copyOf(subjects);
      this.keys = Set.copyOf(keys);
    }
  }

  /** The modification time and size of {@code revocations.json}; null when absent. */
  @Nullable String revocationsVersion() {
    try {
      BasicFileAttributes attributes = Files.readAttributes(dir.resolve(REVOCATIONS), BasicFileAttributes.class);
      return attributes.lastModifiedTime().to(TimeUnit.NANOSECONDS) + ":" + attributes.size();
    } catch (IOException e) {
      return null;
    }
  }

  /** Reads {@code revocations.json}; empty when absent. */
  Revocations loadRevocations() {
    Path file = dir.resolve(REVOCATIONS);
    if (!Files.exists(file)) {
      return new Revocations(Map.of(), Map.of(), Set.of());
    }
    try {
      checkTrusted(file, Role.METADATA_FILE);
      Map<String, Object> m = Json.parseObject(Files.readString(file, StandardCharsets.UTF_8), 4);
      if (!REVOCATIONS_FORMAT.equals(m.get("format"))) {
        throw new AuthorityStoreException(file + " is not a Lanyard revocation list");
      }
      Map<String, Instant> tokens = new LinkedHashMap<>();
      Map<String, Instant> subjects = new LinkedHashMap<>();
      Set<String> keys = new HashSet<>();
      instants(m.get("tokens"), tokens);
      instants(m.get("subjects"), subjects);
      if (m.get("keys") instanceof List) {
        for (Object k : (List<?>) m.get("keys")) {
          keys.add(String.valueOf(k));
        }
      }
      return new Revocations(tokens, subjects, keys);
    } catch (IOException e) {
      throw new AuthorityStoreException("cannot read " + file + ": " + e.getMessage(), e);
    } catch (ParseException | DateTimeParseException | ClassCastException e) {
      throw new AuthorityStoreException(file + " is corrupt", e);
    }
  }

  private static void instants(@Nullable Object value, Map<String, Instant> into) {
    if (value instanceof Map) {
      for (Map.Entry<?, ?> e : ((Map<?, ?>) value).entrySet()) {
        into.put(String.valueOf(e.getKey()), Instant.parse((String) e.getValue()));
      }
    }
  }

  /** Writes {@code revocations.json} atomically, under {@link #locked}. */
  void saveRevocations(Revocations revocations) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("format", REVOCATIONS_FORMAT);
    Map<String, Object> tokens = new LinkedHashMap<>();
    revocations.tokens.forEach((id, until) -> tokens.put(id, until.toString()));
    Map<String, Object> subjects = new LinkedHashMap<>();
    revocations.subjects.forEach((id, before) -> subjects.put(id, before.toString()));
    m.put("tokens", tokens);
    m.put("subjects", subjects);
    m.put("keys", new ArrayList<>(revocations.keys));
    try {
      writeAtomically(dir.resolve(REVOCATIONS), (JSONObjectUtils.toJSONString(m) + "\n")
          .getBytes(StandardCharsets.UTF_8), false);
    } catch (IOException e) {
      throw new AuthorityStoreException("cannot write " + dir.resolve(REVOCATIONS) + ": " + e.getMessage(), e);
    }
  }

  /** Refuses a directory holding anything but our own files (an authority half-created, at most). */
  private void checkOnlyOurFiles() throws IOException {
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
      for (Path entry : entries) {
        String name = entry.getFileName().toString();
        boolean ours = name.equals(LOCK) || (name.equals(KEYS) && Files.isDirectory(entry))
            || (name.startsWith(".") && name.endsWith(".tmp") && name.contains(".json."));
        if (!ours) {
          throw new AuthorityStoreException(dir + " is not empty and holds no authority; use an empty directory");
        }
      }
    }
  }

  /**
   * Runs {@code action} holding the exclusive lock on {@code .lock}: writers and creators in this and other processes
   * take turns. Reentrant within a thread; threads of one process take turns on an in-process lock first (a JVM may
   * hold only one lock on a file).
   */
  <T> T locked(Supplier<T> action) {
    ReentrantLock local = LOCAL_LOCKS.computeIfAbsent(dir.toAbsolutePath().normalize(), d -> new ReentrantLock());
    local.lock();
    try {
      if (local.getHoldCount() > 1) {
        return action.get();
      }
      try (FileChannel lockChannel = FileChannel.open(dir.resolve(LOCK), StandardOpenOption.CREATE,
              StandardOpenOption.WRITE);
          FileLock lock = lockChannel.lock()) {
        return action.get();
      } catch (IOException e) {
        throw new AuthorityStoreException("cannot lock " + dir.resolve(LOCK) + ": " + e.getMessage(), e);
      }
    } finally {
      local.unlock();
    }
  }

  /**
   * The modification time and size of {@code authority.json}, to notice a change by another process cheaply; null
   * when it cannot be read.
   */
  @Nullable String metadataVersion() {
    try {
      BasicFileAttributes attributes = Files.readAttributes(dir.resolve(METADATA), BasicFileAttributes.class);
      return attributes.lastModifiedTime().to(TimeUnit.NANOSECONDS) + ":" + attributes.size();
    } catch (IOException e) {
      return null;
    }
  }

  /** Opens the directory of an existing authority. */
  static AuthorityStore existing(Path dir) {
    if (!Files.isDirectory(dir)) {
      throw new AuthorityStoreException(dir + " does not exist or is not a directory (create one with "
          + "'lanyard authority init')");
    }
    if (!Files.isRegularFile(dir.resolve(METADATA))) {
      throw new AuthorityStoreException(dir + " holds no authority (" + METADATA + " is missing)");
    }
    AuthorityStore store = new AuthorityStore(dir);
    try {
      store.checkTrusted(dir, Role.DIRECTORY);
    } catch (IOException e) {
      throw new AuthorityStoreException("cannot read the owner and mode of " + dir + ": " + e.getMessage(), e);
    }
    return store;
  }

  Path directory() {
    return dir;
  }

  /** Reads the authority. */
  Snapshot load() {
    Path metadataFile = dir.resolve(METADATA);
    Map<String, Object> m;
    try {
      checkTrusted(dir.resolve(KEYS), Role.DIRECTORY);
    } catch (NoSuchFileException e) {
      // Reported as the first key file that is missing.
    } catch (IOException e) {
      throw new AuthorityStoreException("cannot read the owner and mode of " + dir.resolve(KEYS) + ": "
          + e.getMessage(), e);
    }
    try {
      checkTrusted(metadataFile, Role.METADATA_FILE);
      String text = Files.readString(metadataFile, StandardCharsets.UTF_8);
      m = Json.parseObject(text, 6);
    } catch (IOException e) {
      throw new AuthorityStoreException("cannot read " + metadataFile + ": " + e.getMessage(), e);
    } catch (ParseException e) {
      throw new AuthorityStoreException(metadataFile + " is corrupt: not a JSON object", e);
    }
    if (!FORMAT.equals(m.get("format"))) {
      throw new AuthorityStoreException(metadataFile + " is not a Lanyard authority (format is not " + FORMAT + ")");
    }
    try {
      TrustDomain trustDomain = TrustDomain.of(string(m, "trustDomain"));
      AuthoritySettings settings = new AuthoritySettings(
          JwtAlgorithm.valueOf(string(m, "jwtAlgorithm")),
          Duration.ofSeconds(number(m, "jwtKeyLifetimeSeconds")),
          Duration.ofSeconds(number(m, "defaultJwtSvidTtlSeconds")),
          Duration.ofSeconds(number(m, "maxJwtSvidTtlSeconds")),
          Duration.ofSeconds(number(m, "bundleRefreshHintSeconds")),
          m.get("jwtIssuer") instanceof String ? (String) m.get("jwtIssuer") : null,
          Certificates.KeyType.valueOf(string(m, "caKeyType")),
          Duration.ofSeconds(number(m, "caLifetimeSeconds")),
          Duration.ofSeconds(number(m, "defaultX509SvidTtlSeconds")),
          Duration.ofSeconds(number(m, "maxX509SvidTtlSeconds")));
      UpstreamCa upstream = Boolean.TRUE.equals(m.get("upstream")) ? readUpstream() : null;
      long sequence = number(m, "sequence");
      Object keysValue = m.get("keys");
      if (!(keysValue instanceof List)) {
        throw new IllegalArgumentException("no keys array");
      }
      List<SigningKey> keys = new ArrayList<>();
      Set<String> seen = new HashSet<>();
      for (Object k : (List<?>) keysValue) {
        if (!(k instanceof Map)) {
          throw new IllegalArgumentException("a key entry is not an object");
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> key = (Map<String, Object>) k;
        String kid = string(key, "kid");
        if (!isSafeKeyId(kid)) {
          throw new IllegalArgumentException("a key id is not safe as a file name");
        }
        if (!seen.add(kid)) {
          throw new IllegalArgumentException("key " + kid + " is listed twice");
        }
        boolean tainted = Boolean.TRUE.equals(key.get("tainted"));
        if ("x509-ca".equals(key.get("kind"))) {
          KeyFile file = readKeyFile(kid + ".pem");
          if (file.chain.isEmpty()) {
            throw new AuthorityStoreException("key file " + keyPath(kid + ".pem") + " holds no certificate");
          }
          keys.add(SigningKey.ca(kid, Certificates.KeyType.valueOf(string(key, "keyType")),
              new KeyPair(file.chain.get(0).getPublicKey(), file.privateKey), file.chain, instant(key, "createdAt"),
              optionalInstant(key, "activatedAt"), optionalInstant(key, "retiredAt"), tainted));
        } else {
          JwtAlgorithm algorithm = JwtAlgorithm.valueOf(string(key, "alg"));
          KeyFile file = readKeyFile(kid + ".pem");
          if (file.publicKey == null) {
            throw new AuthorityStoreException("key file " + keyPath(kid + ".pem") + " holds no public key");
          }
          keys.add(SigningKey.jwt(kid, algorithm, new KeyPair(file.publicKey, file.privateKey),
              instant(key, "createdAt"), instant(key, "notAfter"), optionalInstant(key, "activatedAt"),
              optionalInstant(key, "retiredAt"), tainted));
        }
      }
      return new Snapshot(trustDomain, settings, upstream, sequence, keys);
    } catch (IllegalArgumentException | DateTimeParseException e) {
      throw new AuthorityStoreException(metadataFile + " is corrupt: " + e.getMessage(), e);
    }
  }

  /** Writes the authority: new key files first, then the metadata, then removes files of dropped keys. */
  void save(Snapshot snapshot) {
    locked(() -> {
      saveLocked(snapshot);
      return null;
    });
  }

  private void saveLocked(Snapshot snapshot) {
    try {
      Set<String> kept = new HashSet<>();
      if (snapshot.upstream != null) {
        kept.add(UPSTREAM);
        Path file = dir.resolve(KEYS).resolve(UPSTREAM);
        if (!Files.exists(file)) {
          writeAtomically(file, keyFile(snapshot.upstream.key, null, snapshot.upstream.chain), true);
        }
      }
      for (SigningKey key : snapshot.keys) {
        kept.add(key.keyId + ".pem");
        Path file = dir.resolve(KEYS).resolve(key.keyId + ".pem");
        if (!Files.exists(file)) {
          writeAtomically(file, keyFile(key.keyPair.getPrivate(), key.keyPair.getPublic(), key.chain), true);
        }
      }
      writeAtomically(dir.resolve(METADATA), metadata(snapshot).getBytes(StandardCharsets.UTF_8), false);
      try (DirectoryStream<Path> files = Files.newDirectoryStream(dir.resolve(KEYS), "*.pem")) {
        for (Path file : files) {
          if (!kept.contains(file.getFileName().toString())) {
            Files.deleteIfExists(file);
          }
        }
      }
    } catch (IOException e) {
      throw new AuthorityStoreException("cannot write the authority in " + dir + ": " + e.getMessage(), e);
    }
  }

  private String metadata(Snapshot s) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("format", FORMAT);
    m.put("trustDomain", s.trustDomain.name());
    m.put("jwtAlgorithm", s.settings.jwtAlgorithm.name());
    m.put("jwtKeyLifetimeSeconds", s.settings.jwtKeyLifetime.toSeconds());
    m.put("defaultJwtSvidTtlSeconds", s.settings.defaultJwtSvidTtl.toSeconds());
    m.put("maxJwtSvidTtlSeconds", s.settings.maxJwtSvidTtl.toSeconds());
    m.put("bundleRefreshHintSeconds", s.settings.bundleRefreshHint.toSeconds());
    if (s.settings.jwtIssuer != null) {
      m.put("jwtIssuer", s.settings.jwtIssuer);
    }
    m.put("caKeyType", s.settings.caKeyType.name());
    m.put("caLifetimeSeconds", s.settings.caLifetime.toSeconds());
    m.put("defaultX509SvidTtlSeconds", s.settings.defaultX509SvidTtl.toSeconds());
    m.put("maxX509SvidTtlSeconds", s.settings.maxX509SvidTtl.toSeconds());
    m.put("upstream", s.upstream != null);
    m.put("sequence", s.sequence);
    List<Object> keys = new ArrayList<>();
    for (SigningKey key : s.keys) {
      Map<String, Object> k = new LinkedHashMap<>();
      k.put("kid", key.keyId);
      if (key.kind == SigningKey.Kind.JWT) {
        k.put("kind", "jwt");
        k.put("alg", Objects.requireNonNull(key.algorithm, "algorithm").name());
      } else {
        k.put("kind", "x509-ca");
        k.put("keyType", Objects.requireNonNull(key.caKeyType, "caKeyType").name());
      }
      k.put("createdAt", key.createdAt.toString());
      k.put("notAfter", key.notAfter.toString());
      if (key.activatedAt != null) {
        k.put("activatedAt", key.activatedAt.toString());
      }
      if (key.retiredAt != null) {
        k.put("retiredAt", key.retiredAt.toString());
      }
      k.put("tainted", key.tainted);
      keys.add(k);
    }
    m.put("keys", keys);
    return JSONObjectUtils.toJSONString(m) + "\n";
  }

  /** A key file: the private key, the public key (JWT keys) and the certificate chain (CAs, upstream). */
  private static final class KeyFile {
    final PrivateKey privateKey;
    final @Nullable PublicKey publicKey;
    final List<X509Certificate> chain;

    KeyFile(PrivateKey privateKey, @Nullable PublicKey publicKey, List<X509Certificate> chain) {
      this.privateKey = privateKey;
      this.publicKey = publicKey;
      this.chain = chain;
    }
  }

  private static byte[] keyFile(PrivateKey privateKey, @Nullable PublicKey publicKey, List<X509Certificate> chain) {
    StringBuilder text = new StringBuilder(Certificates.pem("PRIVATE KEY", privateKey.getEncoded()));
    if (publicKey != null) {
      text.append(Certificates.pem("PUBLIC KEY", publicKey.getEncoded()));
    }
    text.append(Certificates.pem(chain));
    return text.toString().getBytes(StandardCharsets.US_ASCII);
  }

  private Path keyPath(String name) {
    return dir.resolve(KEYS).resolve(name);
  }

  private KeyFile readKeyFile(String name) {
    Path file = keyPath(name);
    String text;
    try {
      checkTrusted(file, Role.KEY_FILE);
      text = Files.readString(file, StandardCharsets.US_ASCII);
    } catch (NoSuchFileException e) {
      throw new AuthorityStoreException("key file " + file + " is missing", e);
    } catch (IOException e) {
      throw new AuthorityStoreException("cannot read key file " + file + ": " + e.getMessage(), e);
    }
    try {
      PrivateKey privateKey = Certificates.parsePrivateKeyPem(text);
      List<byte[]> publicBlocks = Certificates.pemBlocks(text, "PUBLIC KEY");
      PublicKey publicKey = null;
      if (!publicBlocks.isEmpty()) {
        publicKey = KeyFactory.getInstance(privateKey.getAlgorithm())
            .generatePublic(new X509EncodedKeySpec(publicBlocks.get(0)));
      }
      return new KeyFile(privateKey, publicKey, Certificates.parsePem(text));
    } catch (GeneralSecurityException | IllegalArgumentException e) {
      // The message of a key parser could echo key bytes: say only which file.
      throw new AuthorityStoreException("key file " + file + " is corrupt");
    }
  }

  private UpstreamCa readUpstream() {
    KeyFile file = readKeyFile(UPSTREAM);
    if (file.chain.isEmpty()) {
      throw new AuthorityStoreException("key file " + keyPath(UPSTREAM) + " holds no certificate");
    }
    return new UpstreamCa(file.privateKey, file.chain);
  }

  private void writeAtomically(Path target, byte[] content, boolean secret) throws IOException {
    Path temp = target.resolveSibling("." + target.getFileName() + "." + Long.toHexString(RANDOM.nextLong())
        + ".tmp");
    try {
      if (posix) {
        FileAttribute<?> mode = PosixFilePermissions.asFileAttribute(
            PosixFilePermissions.fromString(secret ? "rw-------" : "rw-r--r--"));
        Files.createFile(temp, mode);
      } else {
        Files.createFile(temp);
      }
      try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.WRITE)) {
        channel.write(java.nio.ByteBuffer.wrap(content));
        channel.force(true);
      }
      try {
        Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
      }
    } finally {
      Files.deleteIfExists(temp);
      if (secret) {
        Arrays.fill(content, (byte) 0);
      }
    }
  }

  /**
   * Creates {@code path} (and missing parents) with mode 0700 set by the creating call itself; false when something
   * already exists there (then nothing was created or changed).
   */
  private boolean createOwnerOnlyDirectory(Path path) throws IOException {
    Path parent = path.toAbsolutePath().getParent();
    if (parent != null) {
      Files.createDirectories(parent);
    }
    try {
      if (posix) {
        Files.createDirectory(path, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
      } else {
        Files.createDirectory(path);
      }
      return true;
    } catch (FileAlreadyExistsException e) {
      return false;
    }
  }

  /** What a checked path is: what the message calls it, whether group and others may read it, the mode to suggest. */
  private enum Role {
    DIRECTORY("authority directory", true, "700"),
    METADATA_FILE("authority file", true, "644"),
    KEY_FILE("key file", false, "600");

    final String label;
    final boolean othersMayRead;
    final String fix;

    Role(String label, boolean othersMayRead, String fix) {
      this.label = label;
      this.othersMayRead = othersMayRead;
      this.fix = fix;
    }
  }

  /**
   * Refuses (POSIX file systems only) a path the current user does not own, or that group or others may write, or,
   * for a private key, read: another user could swap in their keys or read ours. Symbolic links are followed, as
   * reading does.
   *
   * @throws NoSuchFileException when the path is missing, for the caller's own message
   */
  private void checkTrusted(Path path, Role role) throws IOException {
    if (!posix) {
      return;
    }
    PosixFileAttributes attributes = Files.readAttributes(path, PosixFileAttributes.class);
    if (!FileOwners.isCurrentUser(path, attributes.owner())) {
      throw new AuthorityStoreException(role.label + " " + path + " is owned by " + attributes.owner().getName()
          + ", not by the current user " + FileOwners.currentUserName() + ": refusing to use it, as its owner could "
          + "replace the authority's keys; use " + (role == Role.DIRECTORY ? "a directory" : "an authority")
          + " of your own");
    }
    Set<PosixFilePermission> mode = attributes.permissions();
    boolean othersWrite = mode.contains(PosixFilePermission.GROUP_WRITE)
        || mode.contains(PosixFilePermission.OTHERS_WRITE);
    boolean othersRead = !role.othersMayRead && (mode.contains(PosixFilePermission.GROUP_READ)
        || mode.contains(PosixFilePermission.OTHERS_READ));
    if (othersWrite || othersRead) {
      throw new AuthorityStoreException(role.label + " " + path + " has mode " + octal(mode) + " (group/others may "
          + (othersWrite ? "write" : "read") + "): chmod " + role.fix + " " + path);
    }
  }

  /** {@code 0755} for rwxr-xr-x. */
  static String octal(Set<PosixFilePermission> mode) {
    int bits = 0;
    for (PosixFilePermission p : mode) {
      bits |= 1 << (8 - p.ordinal());
    }
    return String.format(Locale.ROOT, "%04o", bits);
  }

  static boolean isSafeKeyId(String kid) {
    if (kid.isEmpty() || kid.length() > 64) {
      return false;
    }
    for (int i = 0; i < kid.length(); i++) {
      char c = kid.charAt(i);
      boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
      if (!ok) {
        return false;
      }
    }
    return true;
  }

  private static String string(Map<String, Object> m, String name) {
    Object v = m.get(name);
    if (!(v instanceof String)) {
      throw new IllegalArgumentException("'" + name + "' is missing or not a string");
    }
    return (String) v;
  }

  private static long number(Map<String, Object> m, String name) {
    Object v = m.get(name);
    if (!(v instanceof Number) || ((Number) v).longValue() < 0) {
      throw new IllegalArgumentException("'" + name + "' is missing or not a non-negative number");
    }
    return ((Number) v).longValue();
  }

  private static Instant instant(Map<String, Object> m, String name) {
    return Instant.parse(string(m, name));
  }

  private static @Nullable Instant optionalInstant(Map<String, Object> m, String name) {
    return m.containsKey(name) ? instant(m, name) : null;
  }
}
